"""User-facing errors: every message names the problem and the fix."""


class StandinError(Exception):
    """An error the user can act on. `str(err)` is one line, shown as is (no traceback)."""


class PortraitError(StandinError):
    """The portrait image cannot be used."""


class SourceError(StandinError):
    """The driving source (camera, video file, still image) cannot be read."""


class OutputError(StandinError):
    """The output cannot be written."""
