"""Screenshots of the real app window for looking at: first start, running with a portrait,
the controls moved, the help dialog, voice mode with no camera (the microphone is an ALSA
device speaking a made utterance: tests/speech.py), Smile 0.8 and Mouth open 1.0 on the
bundled portrait and (with the fixtures) on smiling_teeth_man.png, and guided capture of a
portrait set (the camera is a video of the astronaut following the prompts:
tests/capture_video.py) with the set then in use. Run it on a display (a virtual one is fine):

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python -m build_tools.app_screenshots [OUT_DIR] [CAMERA]

OUT_DIR defaults to out/screenshots; CAMERA (a video file) to the demo driver. Uses a fresh
settings file and data folder, so the first screenshot is what a new user sees (and the set it
makes stays out of yours).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from skimage import data

from app.help import HelpDialog
from app.icon import app_icon
from app.main_window import DEMO, TITLE, MainWindow
from app.store import Store
from engine.guided_capture import STEPS
from engine.sources import NO_CAMERA
from engine.user_data import DATA_ENV
from tests.capture_video import prompted_video
from tests.speech import SpeakingMicrophone, utterance

# A photo open at rest, its own teeth showing, from the shared fixtures where they are
# (not via tests.conftest: it sets Qt's offscreen platform, and the shots need the display).
TEETH_PORTRAIT = (Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "portraits"
                  / "smiling_teeth_man.png")


def _wait(app: QApplication, seconds: float, until=lambda: False) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not until():
        app.processEvents()
        time.sleep(0.01)


def _shoot(app: QApplication, out: Path, name: str) -> None:
    app.processEvents()
    path = out / f"{name}.png"
    app.primaryScreen().grabWindow(0).save(str(path))  # the whole screen: what a user sees
    print(path)


def _expressions(app: QApplication, window: MainWindow, out: Path, name: str) -> None:
    """Smile 0.8, then Mouth open 1.0, each alone on the portrait now shown."""
    for control, value in (("smile", 0.8), ("mouth_open", 1.0)):
        window.controls.reset_all()
        window.landmarks.setChecked(False)
        window.controls.set_value(control, value)
        _wait(app, 2.0)
        _shoot(app, out, f"{name}_{control}")
    window.controls.reset_all()


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "out/screenshots")
    camera = sys.argv[2] if len(sys.argv) > 2 else DEMO
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    app.setApplicationName(TITLE)
    app.setWindowIcon(app_icon())
    with tempfile.TemporaryDirectory() as folder, \
            SpeakingMicrophone(Path(folder), utterance(8.0)[0]):
        os.environ[DATA_ENV] = str(Path(folder) / "data")
        window = MainWindow(Store(Path(folder) / "settings.ini"), camera=camera)
        window.show()
        _wait(app, 0.3)
        _shoot(app, out, "1_first_start")
        _wait(app, 60, lambda: window.frames_shown > 40)
        _shoot(app, out, "2_running")
        window.landmarks.setChecked(True)
        for name, value in (("yaw", 15), ("smile", 0.8), ("brow", 0.6), ("gaze_x", 0.5)):
            window.controls.set_value(name, value)
        _wait(app, 2.0)
        _shoot(app, out, "3_controls")
        _expressions(app, window, out, "3b_default")
        if TEETH_PORTRAIT.is_file():
            window.choose_portrait(str(TEETH_PORTRAIT))
            _wait(app, 60, lambda: window.portrait is not None
                  and window.portrait.name == TEETH_PORTRAIT.name
                  and window.pipeline is not None
                  and window.pipeline.portrait is window.portrait.main)
            _expressions(app, window, out, "3c_smiling_teeth_man")
            window.choose_portrait("")
            _wait(app, 60, lambda: window.portrait is not None
                  and window.portrait.name != TEETH_PORTRAIT.name)
        dialog = HelpDialog(window)
        QTimer.singleShot(800, lambda: (_shoot(app, out, "4_help"), dialog.accept()))
        dialog.exec()
        window.controls.reset_all()
        window.landmarks.setChecked(False)
        window.set_camera(NO_CAMERA)
        _wait(app, 60, lambda: window.last_frame is not None and window.last_frame.mode == "voice")
        _wait(app, 3.0)
        _wait(app, 5.0, lambda: window.voice.level.value() > 60)
        _shoot(app, out, "5_voice")
        window.set_camera(str(prompted_video(Path(folder) / "prompted.mp4", data.astronaut())))
        dialog = window.make_portrait_set()
        _wait(app, 60, lambda: dialog.prompt.text() == STEPS[1].prompt)
        _wait(app, 1.2)
        _shoot(app, out, "6_capture")
        _wait(app, 60, lambda: dialog.reviewing)
        _shoot(app, out, "7_capture_review")
        dialog.save_button.click()
        _wait(app, 60, lambda: window.portrait is not None and len(window.portrait) > 1
              and window.pipeline is not None and window.pipeline.portrait is window.portrait.main)
        _wait(app, 2.0)
        _shoot(app, out, "8_portrait_set")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
