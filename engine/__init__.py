"""Stand-in engine: frames to frames, no GUI. Public API below."""
from .errors import OutputError, PortraitError, SourceError, StandinError
from .portrait import Portrait, load_portrait, portrait_from_image
from .session import FrameResult, Session, Settings

__all__ = ["FrameResult", "OutputError", "Portrait", "PortraitError", "Session", "Settings",
           "SourceError", "StandinError", "load_portrait", "portrait_from_image"]
