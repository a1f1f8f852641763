"""The desktop app (app/), offscreen through pytest-qt, with a video file as the camera: the
real widgets, the real live pipeline, the real tracker measuring the output."""
from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

pytest.importorskip("pytestqt")

from app.main_window import DEMO, MainWindow  # noqa: E402
from app.store import ControlValues, Store  # noqa: E402
from engine import face_topology as topo  # noqa: E402
from engine import metrics  # noqa: E402
from engine.editing import Edits  # noqa: E402
from engine.image_io import write_image  # noqa: E402
from engine.portrait import portrait_from_image  # noqa: E402
from engine.session import Session  # noqa: E402
from engine.sinks import open_video_sink  # noqa: E402
from engine.errors import SourceError  # noqa: E402
from engine.guided_capture import STEPS  # noqa: E402
from engine.live import CAMERA_LOST, GUIDANCE  # noqa: E402
from engine.sources import NO_CAMERA, VideoFileSource  # noqa: E402
from engine.tracking import FaceTracker  # noqa: E402
from engine.user_data import sets_folder  # noqa: E402
from engine.voice.personal_bank import CLIP_S, PersonalBank  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from .speech import SpeakingMicrophone, utterance  # noqa: E402

WAIT_MS = 60_000


@pytest.fixture(scope="module")
def files(tmp_path_factory, astronaut):
    """A still 'camera' video of the astronaut, a second portrait (her mirror image), her smile
    showing teeth (made by the engine) and a photo with no face."""
    folder = tmp_path_factory.mktemp("app")
    video = folder / "camera.mp4"
    with open_video_sink(video, 25.0, (astronaut.shape[1], astronaut.shape[0])) as sink:
        for _ in range(50):
            sink.write(astronaut)
    write_image(folder / "astronaut.png", astronaut)
    write_image(folder / "mirrored.png", np.ascontiguousarray(astronaut[:, ::-1]))
    write_image(folder / "coffee.png", data.coffee())
    with Session(portrait_from_image(astronaut), (512, 512)) as session:
        session.edits = Edits(smile=1.0, mouth_open=0.4)
        write_image(folder / "smiling.png", session.process(astronaut).image)
    return folder


@pytest.fixture
def open_window(qtbot, tmp_path, files):
    """Opens main windows on one settings file; closes them at the end."""
    windows = []

    def open_(camera: str | None = str(files / "camera.mp4"),
              portrait: str | None = str(files / "astronaut.png")) -> MainWindow:
        window = MainWindow(Store(tmp_path / "settings.ini"), portrait=portrait, camera=camera,
                            output_size="512x512")
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window
    yield open_
    for window in windows:
        window.close()


def _next_frames(qtbot, window: MainWindow, count: int = 8) -> np.ndarray:
    """The output after `count` more frames were shown."""
    start = window.frames_shown
    qtbot.waitUntil(lambda: window.frames_shown >= start + count, timeout=WAIT_MS)
    return window.last_frame.output


def _landmarks(image: np.ndarray) -> np.ndarray:
    with FaceTracker(video=False) as tracker:
        found = tracker.track(image).landmarks
    assert found is not None
    return found


def test_frames_from_a_video_file_camera_reach_the_output_view(qtbot, open_window):
    window = open_window()
    output = _next_frames(qtbot, window, 10)
    assert output.shape == (512, 512, 3)
    shown = window.output_view.image
    assert (shown.width(), shown.height()) == (512, 512)
    assert window.last_frame.face_found and window.face_status.text() == "Face found"
    assert window.fps_label.text().endswith("FPS") and window.backend_label.text() == "CPU"


def test_yaw_slider_turns_the_output_head(qtbot, open_window):
    window = open_window()
    rest = _landmarks(_next_frames(qtbot, window))
    window.controls.sliders["yaw"].slider.setValue(15)  # as a user drags it: degrees
    turned = _landmarks(_next_frames(qtbot, window))
    assert metrics.head_rotation_deg(rest, turned)[0] >= 10


def test_a_turn_the_photo_cannot_show_is_eased_and_the_window_says_so(qtbot, open_window):
    """Yaw at its end (45 degrees): the portrait turns only as far as it can without tearing,
    and the face status tells the user why the head stops short."""
    window = open_window()
    _next_frames(qtbot, window)
    assert window.face_status.text() == "Face found"
    window.controls.sliders["yaw"].slider.setValue(45)
    _next_frames(qtbot, window)
    assert 0.0 < window.last_frame.turn_shown < 1.0
    assert window.face_status.text().startswith("Face found. Turn eased to ")


def _mouth_width(landmarks: np.ndarray) -> float:
    a, b = topo.MOUTH_CORNERS
    return np.linalg.norm(landmarks[a, :2] - landmarks[b, :2]) / metrics.interocular(landmarks)


def test_smile_control_widens_the_output_mouth(qtbot, open_window):
    window = open_window()
    rest = _mouth_width(_landmarks(_next_frames(qtbot, window)))
    window.controls.sliders["smile"].slider.setValue(100)
    assert _mouth_width(_landmarks(_next_frames(qtbot, window))) > rest + 0.03


def test_switching_portraits_mid_stream(qtbot, open_window, files):
    window = open_window()
    before = _next_frames(qtbot, window).copy()
    window.library.add(str(files / "mirrored.png"))
    qtbot.waitUntil(lambda: window.pipeline.portrait.name == "mirrored.png", timeout=WAIT_MS)
    after = _next_frames(qtbot, window)
    # The face is now on the other side of the picture, and frames kept coming.
    nose_x = [_landmarks(image)[topo.NOSE_TIP, 0] for image in (before, after)]
    assert abs((nose_x[0] + nose_x[1]) - 512) < 25 and abs(nose_x[0] - nose_x[1]) > 20
    assert window.library.paths() == [str((files / "mirrored.png").resolve())]


def test_settings_survive_a_restart(qtbot, open_window, files):
    window = open_window()
    _next_frames(qtbot, window, 2)
    window.controls.set_value("smile", 0.4)
    window.controls.set_value("yaw", 12)
    window.controls.set_value("lock_pose", True)
    window.controls.save_preset("talk")
    window.library.add(str(files / "mirrored.png"))
    qtbot.waitUntil(lambda: window.state.portrait.endswith("mirrored.png"), timeout=WAIT_MS)
    window.close()
    again = open_window(camera=None, portrait=None)
    values = again.controls.values()
    assert (values.smile, values.yaw, values.lock_pose) == (0.4, 12, True)
    assert again.state.camera == str(files / "camera.mp4")
    assert again.library.paths() == [str((files / "mirrored.png").resolve())]
    qtbot.waitUntil(lambda: again.portrait is not None, timeout=WAIT_MS)
    assert again.portrait.name == "mirrored.png"
    again.controls.reset_all()
    assert again.controls.values() == ControlValues()
    again.controls.load_preset("talk")
    assert again.controls.values().smile == 0.4


def test_a_corrupt_settings_file_falls_back_to_defaults_with_a_notice(qtbot, tmp_path):
    path = tmp_path / "settings.ini"
    path.write_bytes(b"[General]\nversion=1\ncontrols={not json\n")
    store = Store(path)
    state = store.load()
    assert state.controls == ControlValues()
    assert "could not be read" in store.notice and "kept as" in store.notice
    kept = list(tmp_path.glob("settings.ini.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == path.read_bytes()


def test_a_missing_camera_says_so(qtbot, open_window):
    window = open_window(camera="7")
    qtbot.waitUntil(lambda: "no camera at index 7" in window.notice.text(), timeout=WAIT_MS)
    assert window.notice.isVisible()
    assert "trying again" in window.notice.text()


def test_a_portrait_without_a_face_says_so_and_keeps_the_current_one(qtbot, open_window, files):
    window = open_window()
    _next_frames(qtbot, window, 2)
    window.library.add(str(files / "coffee.png"))
    qtbot.waitUntil(lambda: window.notice.isVisible(), timeout=WAIT_MS)
    assert "face" in window.notice.text().lower()
    assert window.library.paths() == []  # the photo left the library; the file is untouched
    assert (files / "coffee.png").exists()
    assert window.portrait.name == "astronaut.png"
    _next_frames(qtbot, window, 3)  # still running


def test_no_camera_runs_the_demo_driver(qtbot, open_window, monkeypatch):
    monkeypatch.setattr("app.main_window.list_cameras", lambda: [])
    window = open_window(camera=None)
    assert window.state.camera == DEMO
    assert "No camera found" in window.notice.text()
    _next_frames(qtbot, window, 5)
    assert window.last_frame.face_found


def test_freeze_holds_the_output(qtbot, open_window):
    window = open_window()
    _next_frames(qtbot, window, 3)
    window.controls.freeze.setChecked(True)
    held = _next_frames(qtbot, window, 2).copy()
    window.controls.set_value("smile", 1.0)
    np.testing.assert_array_equal(_next_frames(qtbot, window, 4), held)
    window.controls.freeze.setChecked(False)
    assert not np.array_equal(_next_frames(qtbot, window, 4), held)


def test_control_values_from_a_file_ignore_unknown_and_mistyped_keys():
    values = ControlValues.from_dict({"smile": 0.5, "yaw": "x", "lock_pose": 1, "new": 3})
    assert values == dataclasses.replace(ControlValues(), smile=0.5)


def test_showing_frames_keeps_python_whole(qtbot, astronaut):
    """PySide6 6.12.0's QWidget.update() dropped a reference to None per call, and a long
    session aborted: the pinned Qt must not (pyproject.toml)."""
    import sys

    from app.video_view import VideoView

    view = VideoView()
    qtbot.addWidget(view)
    before = sys.getrefcount(None)
    for _ in range(200):
        view.show_frame(astronaut)
    assert sys.getrefcount(None) > before - 100


def test_virtual_camera_button_sends_the_output(qtbot, open_window, monkeypatch):
    from functools import partial

    from engine.recording_backend import RecordingBackend
    from engine.virtual_camera import VirtualCameraSettings

    monkeypatch.setattr("app.main_window.VirtualCameraSettings",
                        partial(VirtualCameraSettings, backend="recording"))
    RecordingBackend.opened.clear()
    window = open_window()
    _next_frames(qtbot, window, 2)
    window.virtual_camera_button.setChecked(True)
    qtbot.waitUntil(lambda: bool(RecordingBackend.opened)
                    and len(RecordingBackend.opened[-1].send_times) > 20, timeout=WAIT_MS)
    backend = RecordingBackend.opened[-1]
    assert (backend.width, backend.height) == (512, 512)
    qtbot.waitUntil(lambda: "ms from capture" in window.sink_label.text(), timeout=WAIT_MS)
    assert "Virtual camera on" in window.notice.text()
    window.virtual_camera_button.setChecked(False)
    qtbot.waitUntil(lambda: backend.closed, timeout=WAIT_MS)


@pytest.mark.skipif(bool(list(__import__("pathlib").Path("/dev").glob("video*"))),
                    reason="this machine has video devices; the no-backend case needs none")
def test_virtual_camera_without_a_device_shows_the_fix(qtbot, open_window):
    window = open_window()
    window.virtual_camera_button.setChecked(True)
    qtbot.waitUntil(lambda: "modprobe v4l2loopback" in window.notice.text(), timeout=WAIT_MS)
    assert window.virtual_camera_button.isChecked()  # it keeps trying


def test_record_button_writes_an_mp4(qtbot, open_window, tmp_path, monkeypatch):
    out = tmp_path / "recording.mp4"
    monkeypatch.setattr("app.main_window._new_recording_path", lambda: out)
    window = open_window()
    _next_frames(qtbot, window, 2)
    window.record_button.setChecked(True)
    assert not window.size_choice.isEnabled()
    qtbot.waitUntil(lambda: window.recorder.frames_written >= 30, timeout=WAIT_MS)
    window.record_button.setChecked(False)
    qtbot.waitUntil(lambda: "Saved" in window.statusBar().currentMessage(), timeout=WAIT_MS)
    capture = cv2.VideoCapture(str(out))
    count = 0
    while capture.read()[0]:
        count += 1
    assert count >= 30 and capture.get(cv2.CAP_PROP_FRAME_WIDTH) == 512


# Voice mode in the app: the microphone is an ALSA capture device speaking a made utterance
def _choose(combo, data) -> None:
    """Pick an item as the user does (activated is what the app listens to)."""
    combo.setCurrentIndex(combo.findData(data))
    combo.activated.emit(combo.currentIndex())


def test_with_no_camera_the_voice_takes_over_and_moves_the_mouth(qtbot, open_window, tmp_path):
    with SpeakingMicrophone(tmp_path, utterance(6.0)[0]):
        window = open_window(camera=None)
        _choose(window.camera_choice, NO_CAMERA)
        assert window.state.voice_mode == "auto"
        assert window.voice.listening.text() == "Listening"
        qtbot.waitUntil(lambda: window.last_frame is not None
                        and window.last_frame.mode == "voice", timeout=WAIT_MS)
        assert window.face_status.text() == "Your voice is driving the portrait"
        assert window.camera_view.image is None  # "No camera", not a dark picture
        outputs, levels = [], []
        for _ in range(45):  # about 3 s: syllables and a pause
            outputs.append(_next_frames(qtbot, window, 2).copy())
            levels.append(window.voice.level.value())
        assert max(levels) >= 30 and min(levels) <= 5, levels  # the meter follows the voice
        openings = [metrics.mouth_opening(_landmarks(o)) for o in outputs[::3]]
        neutral = metrics.mouth_opening(_landmarks(data.astronaut()))
        assert max(openings) - neutral > 0.1 and min(openings) - neutral < 0.05, openings
        _choose(window.voice.mode, "camera")  # the camera only: the microphone closes
        assert window.listening.microphone is None
        qtbot.waitUntil(lambda: window.voice.level.value() == 0, timeout=WAIT_MS)
        assert window.voice.listening.text() == "Microphone off (camera only)"
        qtbot.waitUntil(lambda: window.last_frame.mode == "camera", timeout=WAIT_MS)
        window.close()


def test_voice_choices_survive_a_restart(qtbot, open_window, tmp_path):
    with SpeakingMicrophone(tmp_path, utterance(2.0)[0]):
        window = open_window()
        _choose(window.voice.mode, "voice")
        window.voice.liveliness.setValue(80)
        _choose(window.voice.microphone, "default")  # the ALSA device, by its name
        assert window.listening.device is not None and window.listening.problem is None
        window.close()
        again = open_window(camera=None, portrait=None)
        assert again.voice.mode.currentData() == "voice" and again.listening.mode == "voice"
        assert again.voice.liveliness.value() == 80
        assert again.listening.settings.liveliness == 0.8
        assert again.voice.microphone.chosen() == "default"
        again.close()


def test_without_a_microphone_voice_mode_says_so_and_still_moves_the_head(qtbot, open_window,
                                                                         monkeypatch):
    monkeypatch.setattr("engine.voice.microphone.list_microphones", lambda: [])
    window = open_window()
    _choose(window.voice.mode, "voice")
    assert window.listening.microphone is None
    assert window.voice.listening.text().startswith("No microphone found: connect one")
    first = _next_frames(qtbot, window, 2).copy()
    moved = max(float(np.abs(_next_frames(qtbot, window, 10).astype(int) - first).mean())
                for _ in range(6))
    assert window.last_frame.mode == "voice" and moved > 0.5  # the head moves on


def test_clear_my_motion_forgets_the_learned_clips(qtbot, open_window, monkeypatch):
    bank = PersonalBank()
    for k in range(int(4 * CLIP_S * 30) + 10):  # 4 clips of a slow nod, a "webcam" at 30 FPS
        bank.observe(k / 30, np.array([0.0, 5 * np.sin(k / 20), 0.0]))
    bank.save()
    window = open_window()
    assert window.voice.motion.text() == "Your motion: 4 clips, in use"
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.No)
    window.voice.clear.click()
    assert bank.path.exists() and len(window.listening.bank.clips) == 4  # "No" keeps them
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    window.voice.clear.click()
    assert not bank.path.exists() and window.listening.bank.clips == []
    assert window.voice.motion.text().startswith("Your motion: none learned yet")
    assert not window.voice.clear.isEnabled()


# Faults: a camera that goes away mid-call, a portrait file that changes under the app
class _FailingWebcam(VideoFileSource):
    """The still 'camera' video as a webcam whose reads start failing after `good` frames."""

    live = True

    def __init__(self, path, outage: dict):
        super().__init__(path)
        self._outage = outage

    def read(self):
        self._outage["reads"] += 1
        if self._outage["reads"] == self._outage["good"]:  # unplugged: reads fail, then opens
            self._outage["back_at"] = time.perf_counter() + self._outage["seconds"]
            raise SourceError("camera 0 stopped sending pictures: check that it is still "
                              "connected")
        frame = super().read()
        if frame is None:  # the file ended: a camera goes on
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            frame = super().read()
        return frame


def test_a_camera_lost_mid_call_keeps_the_portrait_going_and_recovers(qtbot, open_window, files,
                                                                     monkeypatch):
    outage = {"reads": 0, "good": 40, "seconds": 3.0, "back_at": None}

    def open_camera(spec):
        if outage["back_at"] is not None and time.perf_counter() < outage["back_at"]:
            raise SourceError("no camera at index 0: connect a camera, or choose another")
        return _FailingWebcam(files / "camera.mp4", outage)

    monkeypatch.setattr("app.main_window.open_driver", open_camera)
    window = open_window(camera="0")
    messages = []
    window._bridge.message.connect(messages.append)
    qtbot.waitUntil(lambda: window.last_frame is not None and window.last_frame.camera is None,
                    timeout=WAIT_MS)
    assert window.last_frame.camera_note == CAMERA_LOST and window.camera_view.image is None
    assert window.face_status.text() == GUIDANCE[CAMERA_LOST]  # until the voice takes over
    lost_at = window.frames_shown
    qtbot.waitUntil(lambda: window.last_frame.mode == "voice", timeout=WAIT_MS)  # automatic
    assert "no camera at index 0" in window.notice.text()  # retried, and said so
    assert any("stopped sending pictures" in m for m in messages)
    assert window.frames_shown - lost_at >= 20  # the output went on without a camera
    qtbot.waitUntil(lambda: window.last_frame.camera is not None
                    and window.last_frame.face_found, timeout=WAIT_MS)
    assert time.perf_counter() >= outage["back_at"]
    assert window.notice.isHidden()
    qtbot.waitUntil(lambda: window.last_frame.mode == "camera", timeout=WAIT_MS)


def test_a_portrait_file_changed_or_deleted_in_use_keeps_the_loaded_copy(qtbot, open_window,
                                                                        files, tmp_path):
    photo = tmp_path / "me.png"
    photo.write_bytes((files / "astronaut.png").read_bytes())
    window = open_window(portrait=str(photo))
    _next_frames(qtbot, window, 3)
    photo.write_bytes(b"not a picture any more")
    _landmarks(_next_frames(qtbot, window, 10))  # still the face, from the loaded copy
    photo.unlink()
    _landmarks(_next_frames(qtbot, window, 10))
    assert window.portrait.name == "me.png"
    window.choose_portrait(str(photo))  # chosen again: it is gone, and the app says so
    qtbot.waitUntil(lambda: "does not exist" in window.notice.text(), timeout=WAIT_MS)
    assert window.portrait.name == "me.png"
    _next_frames(qtbot, window, 3)


def test_the_app_never_changes_or_deletes_the_users_files(qtbot, open_window, files, tmp_path,
                                                         monkeypatch):
    """A session that adds photos (one without a face), removes one, records, and closes: every
    file the user had is still there, byte for byte; the recording takes a new name."""
    photos = tmp_path / "Pictures"
    photos.mkdir()
    for name in ("astronaut.png", "mirrored.png", "coffee.png"):
        (photos / name).write_bytes((files / name).read_bytes())
    videos = tmp_path / "Videos"
    videos.mkdir()
    monkeypatch.setattr("app.main_window.QStandardPaths.writableLocation",
                        lambda location: str(videos))
    monkeypatch.setattr("app.main_window.time.strftime", lambda form: "2026-11-21 10-00-00")
    taken = videos / "Stand-in 2026-11-21 10-00-00.mp4"
    taken.write_bytes(b"an earlier recording")
    before = {p: p.read_bytes() for p in [*photos.iterdir(), taken]}
    window = open_window()
    for name in ("mirrored.png", "coffee.png"):
        window.library.add(str(photos / name))
        qtbot.waitUntil(lambda: window._worker.pending == 0, timeout=WAIT_MS)
    assert "no face" in window.notice.text()
    window.library.list.setCurrentRow(1)
    window.library.remove_selected()
    window.record_button.setChecked(True)
    qtbot.waitUntil(lambda: window.recorder.frames_written >= 10, timeout=WAIT_MS)
    window.record_button.setChecked(False)
    qtbot.waitUntil(lambda: "Saved" in window.statusBar().currentMessage(), timeout=WAIT_MS)
    window.close()
    assert {p: p.read_bytes() for p in before} == before
    assert (videos / "Stand-in 2026-11-21 10-00-00 (2).mp4").stat().st_size > 1000


# Portrait sets: photos added to a portrait, a set dropped on the library, guided capture
def _pictures(tmp_path, files, *names: str) -> tuple[Path, dict[Path, bytes]]:
    """A folder of the user's own photos (copies of `files`), and their bytes as they were."""
    photos = tmp_path / "Pictures"
    photos.mkdir(exist_ok=True)
    for name in names:
        (photos / name).write_bytes((files / name).read_bytes())
    return photos, {p: p.read_bytes() for p in photos.iterdir()}


def _using(window: MainWindow, name: str, photos: int = 1) -> bool:
    """The window has loaded the portrait `name`, of `photos` photos."""
    return window.portrait is not None and (window.portrait.name, len(window.portrait)) == \
        (name, photos)


def _with_in_library(qtbot, open_window, photo: Path) -> MainWindow:
    """A window whose library holds `photo`, chosen and loaded."""
    window = open_window(portrait=None)
    qtbot.waitUntil(lambda: _using(window, "default_portrait.jpg"), timeout=WAIT_MS)
    window.library.add(str(photo))
    qtbot.waitUntil(lambda: _using(window, photo.name), timeout=WAIT_MS)
    return window


def test_adding_photos_to_a_portrait_makes_a_set_of_copies(qtbot, open_window, files, tmp_path):
    photos, before = _pictures(tmp_path, files, "astronaut.png", "mirrored.png", "smiling.png")
    window = _with_in_library(qtbot, open_window, photos / "astronaut.png")
    window.add_photos(window.library.selected(), [str(photos / "mirrored.png")])
    qtbot.waitUntil(lambda: _using(window, "astronaut", 2), timeout=WAIT_MS)
    folder = sets_folder() / "astronaut"
    assert sorted(p.name for p in folder.iterdir()) == ["main.png", "mirrored.png"]
    assert (folder / "main.png").read_bytes() == before[photos / "astronaut.png"]
    assert window.library.paths() == [str(folder)] and window.library.selected() == str(folder)
    assert window.library.list.item(1).text() == "astronaut (2 photos)"
    qtbot.waitUntil(lambda: window.pipeline.portrait is window.portrait.main,  # on the set
                    timeout=WAIT_MS)
    # A set the app made takes more photos in place, under new names: nothing overwritten.
    window.add_photos(str(folder), [str(photos / "smiling.png"), str(photos / "mirrored.png")])
    qtbot.waitUntil(lambda: _using(window, "astronaut", 4), timeout=WAIT_MS)
    assert sorted(p.name for p in folder.iterdir()) == ["main.png", "mirrored 2.png",
                                                         "mirrored.png", "smiling.png"]
    assert {p: p.read_bytes() for p in photos.iterdir()} == before  # the originals, untouched
    window.close()
    again = open_window(camera=None, portrait=None)  # the set survives a restart
    assert again.library.paths() == [str(folder)]
    qtbot.waitUntil(lambda: _using(again, "astronaut", 4), timeout=WAIT_MS)
    assert again.state.portrait == str(folder)


def test_a_photo_without_a_face_is_refused_and_nothing_is_lost(qtbot, open_window, files,
                                                              tmp_path):
    photos, before = _pictures(tmp_path, files, "astronaut.png", "coffee.png")
    window = _with_in_library(qtbot, open_window, photos / "astronaut.png")
    window.add_photos(str(photos / "astronaut.png"), [str(photos / "coffee.png")])
    qtbot.waitUntil(lambda: "nothing was added" in window.notice.text(), timeout=WAIT_MS)
    assert "no face found in coffee.png" in window.notice.text()
    assert not sets_folder().exists()
    assert window.library.paths() == [str(photos / "astronaut.png")]
    assert _using(window, "astronaut.png")
    assert {p: p.read_bytes() for p in photos.iterdir()} == before


def test_a_folder_dropped_on_the_library_is_a_set(qtbot, open_window, files, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    folder = tmp_path / "me"
    folder.mkdir()
    for name in ("astronaut.png", "mirrored.png"):
        (folder / name).write_bytes((files / name).read_bytes())
    window = open_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    window.library.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                                        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    assert window.library.paths() == [str(folder.resolve())]
    assert window.library.list.item(1).text() == "me (2 photos)"
    qtbot.waitUntil(lambda: _using(window, "me", 2), timeout=WAIT_MS)


def _screenshots(tmp_path) -> Path:
    """STANDIN_SCREENSHOTS where set (to look at them), else the test's own folder."""
    folder = Path(os.environ.get("STANDIN_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_guided_capture_makes_a_set_that_the_app_then_uses(qtbot, open_window, tmp_path,
                                                          prompted_video_file):
    shots = _screenshots(tmp_path)
    window = open_window(camera=str(prompted_video_file))
    _next_frames(qtbot, window, 2)
    dialog = window.make_portrait_set()
    for i, step in enumerate(STEPS, 1):
        qtbot.waitUntil(lambda: dialog.prompt.text() == step.prompt, timeout=WAIT_MS)
        assert window.pipeline is None  # the live view let go of the camera
        qtbot.wait(1200)  # into the step: the astronaut does what it asks
        dialog.grab().save(str(shots / f"capture_{i}_{step.name}.png"))
    qtbot.waitUntil(lambda: dialog.reviewing, timeout=WAIT_MS)
    dialog.grab().save(str(shots / "capture_review.png"))
    assert sorted(dialog.keep) == sorted(step.name for step in STEPS)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: window.capture_dialog is None, timeout=WAIT_MS)
    folder = sets_folder() / "me"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s.name}.png" for s in STEPS)
    assert window.library.paths() == [str(folder)] and window.library.selected() == str(folder)
    qtbot.waitUntil(lambda: _using(window, "me", len(STEPS)) and window.pipeline is not None
                    and window.pipeline.portrait is window.portrait.main, timeout=WAIT_MS)
    _next_frames(qtbot, window, 5)
    window.grab().save(str(shots / "capture_set_in_use.png"))


def test_cancelling_guided_capture_keeps_everything_and_restarts_the_live_view(
        qtbot, open_window, prompted_video_file):
    window = open_window(camera=str(prompted_video_file))
    _next_frames(qtbot, window, 2)
    dialog = window.make_portrait_set()
    qtbot.waitUntil(lambda: dialog.view.image is not None, timeout=WAIT_MS)
    dialog.reject()
    assert window.capture_dialog is None
    _next_frames(qtbot, window, 5)  # the live view has the camera again
    assert not sets_folder().exists() and window.library.paths() == []


def test_guided_capture_needs_a_camera_and_says_when_it_cannot_open_it(qtbot, open_window):
    window = open_window(camera=DEMO)
    assert window.make_portrait_set() is None
    assert "choose it (or a video of you) under Camera" in window.notice.text()
    window.set_camera("7")
    dialog = window.make_portrait_set()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=WAIT_MS)
    assert dialog.error.text().startswith("No camera at index 7: connect a camera")
    assert dialog.try_again.isVisible()
    dialog.reject()
    assert window.capture_dialog is None


# Help: the doctor's report, copied for a bug report

def test_help_shows_the_doctors_report_and_copies_it(qtbot, open_window, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    from app.help import HelpDialog

    window = open_window(camera=DEMO)
    dialog = HelpDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.copy_button.isEnabled()  # nothing to copy while it checks
    qtbot.waitUntil(dialog.copy_button.isEnabled, timeout=WAIT_MS)
    report = dialog.report.toPlainText()
    assert report.startswith("Stand-in doctor:")
    for check in ("Python", "Face tracker", "Microphones", "Virtual camera", "Renderer"):
        assert f" {check} " in report
    dialog.grab().save(str(_screenshots(tmp_path) / "help.png"))
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == report
