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
    override = os.environ.get(SETTINGS_ENV)
    if override:
        return Path(override)
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
    return Path(folder or Path.home() / ".config" / "standin") / "standin.ini"


class Store:
    """Loads and saves AppState. `notice` is set when the file could not be read."""

    def __init__(self, path: Path | None = None):
        self.path = path or settings_path()
        self.notice: str | None = None

    def load(self) -> AppState:
        if not self.path.exists():
            return AppState()
        settings = QSettings(str(self.path), QSettings.Format.IniFormat)
        try:
            if settings.status() != QSettings.Status.NoError:
                raise ValueError("not a settings file")
            version = settings.value("version")
            if version is None:
                raise ValueError("no version")
            state = AppState(
                library=[str(p) for p in json.loads(settings.value("library", "[]"))],
                portrait=str(settings.value("portrait", "")),
                camera=str(settings.value("camera", "")),
                controls=ControlValues.from_dict(json.loads(settings.value("controls", "{}"))),
                presets={str(name): ControlValues.from_dict(values) for name, values
                         in json.loads(settings.value("presets", "{}")).items()},
                show_landmarks=str(settings.value("show_landmarks", "false")) == "true",
                output_size=str(settings.value("output_size", AppState.output_size)),
                output_fps=int(settings.value("output_fps", AppState.output_fps)),
                mirror=str(settings.value("mirror", "false")) == "true",
                voice_mode=str(settings.value("voice_mode", AppState.voice_mode)),
                microphone=str(settings.value("microphone", "")),
                liveliness=float(settings.value("liveliness", AppState.liveliness)),
            )
            if state.output_size not in OUTPUT_SIZES or state.output_fps not in OUTPUT_FPS:
                raise ValueError(f"unknown output {state.output_size} at {state.output_fps} FPS")
            if state.voice_mode not in MODES or not 0.0 <= state.liveliness <= 1.0:
                raise ValueError(f"unknown voice mode {state.voice_mode} or liveliness "
                                 f"{state.liveliness}")
        except (ValueError, TypeError, AttributeError) as err:
            kept = self.path.with_name(f"{self.path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
            shutil.copyfile(self.path, kept)
            self.notice = (f"Your settings could not be read ({err}): defaults are in use. "
                           f"The old file was kept as {kept}.")
            return AppState()
        return state

    def save(self, state: AppState) -> None:
        """Written to a new file, then moved over the old one: an interrupted save leaves the
        old settings whole."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".saving")
        partial.unlink(missing_ok=True)
        settings = QSettings(str(partial), QSettings.Format.IniFormat)
        settings.setValue("version", 1)
        settings.setValue("library", json.dumps(state.library))
        settings.setValue("portrait", state.portrait)
        settings.setValue("camera", state.camera)
        settings.setValue("controls", json.dumps(asdict(state.controls)))
        settings.setValue("presets", json.dumps({n: asdict(v) for n, v in state.presets.items()}))
        settings.setValue("show_landmarks", "true" if state.show_landmarks else "false")
        settings.setValue("output_size", state.output_size)
        settings.setValue("output_fps", state.output_fps)
        settings.setValue("mirror", "true" if state.mirror else "false")
        settings.setValue("voice_mode", state.voice_mode)
        settings.setValue("microphone", state.microphone)
        settings.setValue("liveliness", state.liveliness)
        settings.sync()
        del settings
        os.replace(partial, self.path)
