"""What the app remembers between runs (QSettings, INI format): the portrait library, the
chosen portrait and camera, every control, named presets. Unreadable values fall back to
their defaults with a notice; the unreadable file is kept aside, never deleted."""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from engine.editing import Edits
from engine.voice import MODES

APP_FOLDER = "Stand-in"  # the app's name as Qt gives it to its folders (run.py sets it)
SETTINGS_ENV = "STANDIN_SETTINGS"  # a settings file to use instead of the user's own
OUTPUT_SIZES = ("512x512", "640x480", "1280x720", "1920x1080")
OUTPUT_FPS = (15, 24, 25, 30, 60)


@dataclass(frozen=True)
class ControlValues(Edits):
    """Every control of the panel: the engine's Edits, plus smoothing and follow distance."""

    smoothing: float = 0.5
    follow_distance: float = 0.0

    @classmethod
    def from_dict(cls, values: dict) -> "ControlValues":
        """Known keys of the right type; anything else is ignored (a newer or older file)."""
        defaults = cls()
        kept = {}
        for f in fields(cls):
            value = values.get(f.name)
            wanted = type(getattr(defaults, f.name))
            if isinstance(value, bool) == (wanted is bool) and isinstance(value, (int, float)):
                kept[f.name] = wanted(value)
        return cls(**kept)


@dataclass
class AppState:
    library: list[str] = field(default_factory=list)  # the user's portraits (paths)
    portrait: str = ""  # "" for the bundled default
    camera: str = ""  # a camera index, a video file path, "demo", or "" (first camera found)
    controls: ControlValues = field(default_factory=ControlValues)
    presets: dict[str, ControlValues] = field(default_factory=dict)
    show_landmarks: bool = False
    output_size: str = "1280x720"  # what the virtual camera and recordings get
    output_fps: int = 30
    mirror: bool = False
    voice_mode: str = "auto"  # camera, voice or auto (engine/voice/mode.py)
    microphone: str = ""  # an input device's name; "" for the system's default
    liveliness: float = 0.5  # head motion under the voice, 0 to 1


def settings_path() -> Path:
    """STANDIN_SETTINGS, else the platform's per-user config folder / Stand-in / standin.ini
    (Qt's AppConfigLocation under the app's name, worked out without needing the app running:
    `standin doctor` looks there too)."""
    override = os.environ.get(SETTINGS_ENV)
    if override:
        return Path(override)
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return Path(folder or Path.home() / ".config") / APP_FOLDER / "standin.ini"


def _json(raw: str, kind: type):
    value = json.loads(raw)
    if not isinstance(value, kind):
        raise ValueError(f"not a {kind.__name__}")
    return value


def _one_of(choices: tuple):
    def parse(raw):
        value = type(choices[0])(raw)
        if value not in choices:
            raise ValueError(f"{value} is not one of {choices}")
        return value
    return parse


def _fraction(raw: str) -> float:
    value = float(raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{value} is not from 0 to 1")
    return value


def _boolean(raw: str) -> bool:
    if str(raw) not in ("true", "false"):
        raise ValueError(f"{raw} is not true or false")
    return str(raw) == "true"


def _text(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


# How each AppState field is read from its stored text and written to it. Each is read on its
# own: one damaged value costs that value, not the library.
FIELDS = {
    "library": (lambda raw: [str(p) for p in _json(raw, list)], json.dumps),
    "portrait": (str, str),
    "camera": (str, str),
    "controls": (lambda raw: ControlValues.from_dict(_json(raw, dict)),
                 lambda value: json.dumps(asdict(value))),
    "presets": (lambda raw: {str(name): ControlValues.from_dict(values)
                             for name, values in _json(raw, dict).items()},
                lambda value: json.dumps({n: asdict(v) for n, v in value.items()})),
    "show_landmarks": (_boolean, _text),
    "output_size": (_one_of(OUTPUT_SIZES), str),
    "output_fps": (_one_of(OUTPUT_FPS), str),
    "mirror": (_boolean, _text),
    "voice_mode": (_one_of(MODES), str),
    "microphone": (str, str),
    "liveliness": (_fraction, str),
}


def _read(path: Path) -> tuple[dict, list[str]] | None:
    """(the values read, the names of those that could not be); None where the file is not
    a settings file at all."""
    if not path.is_file():
        return None
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    if settings.status() != QSettings.Status.NoError or settings.value("version") is None:
        return None
    values, failed = {}, []
    for name, (parse, _) in FIELDS.items():
        raw = settings.value(name)
        if raw is None:
            continue  # a file from an older version: the default
        try:
            values[name] = parse(raw)
        except (ValueError, TypeError, AttributeError):
            failed.append(name)
    return values, failed


class Store:
    """Loads and saves AppState. `notice` is set when the file could not be read whole.

    Every save also writes a copy, `<name>.last-good`: a file damaged later (a disk error, a
    hand edit) falls back, value by value, to that copy, then to defaults."""

    def __init__(self, path: Path | None = None):
        self.path = path or settings_path()
        self.last_good = self.path.with_name(self.path.name + ".last-good")
        self.notice: str | None = None

    def load(self) -> AppState:
        if not self.path.exists():
            return AppState()
        read = _read(self.path)
        values, failed = read if read is not None else ({}, list(FIELDS))
        if failed:  # what is missing from a damaged file was likely lost in the damage
            failed += [name for name in FIELDS if name not in values and name not in failed]
            values.update(self._recover(failed, whole=read is None))
        return AppState(**values)

    def _recover(self, failed: list[str], whole: bool) -> dict:
        """The failed values from the last good copy; the file is kept aside, never lost."""
        kept = self.path.with_name(f"{self.path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
        shutil.copyfile(self.path, kept)
        backup = _read(self.last_good)
        restored = {} if backup is None else \
            {name: backup[0][name] for name in failed if name in backup[0]}
        source = "the last good copy is" if restored else "defaults are"
        what = "Your settings could not be read" if whole else \
            f"Some of your settings could not be read ({', '.join(failed)})"
        self.notice = f"{what}: {source} in use. The old file was kept as {kept}."
        return restored

    def save(self, state: AppState) -> bool:
        """Written to a new file, then moved over the old one: an interrupted save leaves the
        old settings whole. False (and nothing changed) where the file cannot be written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".saving")
        partial.unlink(missing_ok=True)
        settings = QSettings(str(partial), QSettings.Format.IniFormat)
        settings.setValue("version", "1")
        for name, (_, write) in FIELDS.items():
            settings.setValue(name, write(getattr(state, name)))
        settings.sync()
        written = settings.status() == QSettings.Status.NoError
        del settings
        if not written:
            partial.unlink(missing_ok=True)
            return False
        copy = self.last_good.with_name(self.last_good.name + ".saving")
        shutil.copyfile(partial, copy)
        os.replace(partial, self.path)
        os.replace(copy, self.last_good)
        return True
