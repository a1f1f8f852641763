"""The virtual camera through real pyvirtualcam, with the recording backend registered in place
of a device (this machine has none), and the MP4 recording."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import pyvirtualcam

from engine import virtual_camera
from engine.live import LivePipeline
from engine.recording_backend import RecordingBackend
from engine.sinks import open_video_sink
from engine.sources import VideoFileSource
from engine.virtual_camera import VirtualCamera, VirtualCameraSettings, setup_hint

ROOT = Path(__file__).resolve().parents[1]
SIZE = (256, 256)


@pytest.fixture(scope="module")
def camera_video(tmp_path_factory, astronaut):
    """A 'camera': the astronaut moving a little, 2 s at 25 fps."""
    path = tmp_path_factory.mktemp("vcam") / "camera.mp4"
    with open_video_sink(path, 25.0, (512, 512)) as sink:
        for i in range(50):
            shift = np.float32([[1, 0, 3 * np.sin(i / 4)], [0, 1, 0]])
            sink.write(cv2.warpAffine(astronaut, shift, (512, 512), borderMode=cv2.BORDER_REPLICATE))
    return path


def _live_to_virtual_camera(portrait, video, fps: float, seconds: float, mirror=False):
    """Runs the live pipeline into a virtual camera (recording backend) for `seconds`; returns
    the backend, the outputs the pipeline made, and how many it made per second."""
    outputs = []
    vcam = VirtualCamera(VirtualCameraSettings(SIZE, fps, mirror, backend="recording"))

    def on_frame(frame):
        outputs.append(frame.output)
        vcam.submit(frame.output, frame.captured_at)

    pipeline = LivePipeline(lambda: VideoFileSource(video), portrait, SIZE, on_frame)
    vcam.start()
    pipeline.start()
    time.sleep(2.0)  # warm-up: the first frames, the neutral estimate
    made, backend = len(outputs), RecordingBackend.opened[-1]
    sent = len(backend.send_times)
    time.sleep(seconds)
    made, sent = len(outputs) - made, len(backend.send_times) - sent
    pipeline.stop()
    vcam.stop()
    return backend, outputs, made / seconds, sent / seconds


@pytest.mark.parametrize("fps", [10.0, 60.0])
def test_frames_go_out_at_the_requested_rate_whatever_the_processing_rate(
        astronaut_portrait, camera_video, fps):
    """Processing runs at the video's 25 fps: faster than 10, slower than 60. Over 10 s the
    virtual camera gets the requested rate within 5%, and every frame is a rendered output."""
    backend, outputs, made, sent = _live_to_virtual_camera(astronaut_portrait, camera_video,
                                                           fps, 10.0)
    assert (made > 1.2 * fps) if fps < 25 else (made < 0.8 * fps)
    assert sent == pytest.approx(fps, rel=0.05)
    rendered = {o.tobytes() for o in outputs}
    assert backend.frames and all(f.tobytes() in rendered for f in backend.frames)


def test_mirror_flips_the_output(astronaut_portrait, camera_video):
    backend, outputs, _, _ = _live_to_virtual_camera(astronaut_portrait, camera_video, 25.0,
                                                     1.0, mirror=True)
    rendered = {o[:, ::-1].tobytes() for o in outputs}
    assert all(f.tobytes() in rendered for f in backend.frames)
    assert not any(f.tobytes() in {o.tobytes() for o in outputs} for f in backend.frames)


def _messages_until(vcam: VirtualCamera, messages: list[str], done, timeout=15.0) -> None:
    end = time.perf_counter() + timeout
    while not done() and time.perf_counter() < end:
        vcam.submit(np.full((SIZE[1], SIZE[0], 3), 128, np.uint8), time.perf_counter())
        time.sleep(0.02)
    assert done(), messages


@pytest.mark.skipif(bool(list(Path("/dev").glob("video*"))),
                    reason="this machine has video devices; the no-backend case needs none")
def test_no_virtual_camera_names_the_fix():
    messages = []
    vcam = VirtualCamera(VirtualCameraSettings(SIZE, 30.0), messages.append)
    vcam.start()
    _messages_until(vcam, messages, lambda: messages)
    vcam.stop()
    assert "No virtual camera found" in messages[0]
    assert "sudo modprobe v4l2loopback" in messages[0] and "exclusive_caps=1" in messages[0]
    assert "keeps trying" in messages[0]
    assert len(messages) == 1  # the same failure again says nothing new


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_missing_backend_names_the_fix_without_a_traceback(monkeypatch):
    """On macOS without OBS, pyvirtualcam has no 'obs' backend. Asked for it anyway, it
    raised before its camera was made, and that half-made camera's __del__ printed a
    traceback on the user's terminal; the message said only "could not be used ('obs')"."""
    monkeypatch.setattr(virtual_camera.platform, "system", lambda: "Darwin")
    monkeypatch.delitem(pyvirtualcam.camera.BACKENDS, "obs", raising=False)
    messages = []
    vcam = VirtualCamera(VirtualCameraSettings(SIZE, 30.0), messages.append)
    vcam.start()
    _messages_until(vcam, messages, lambda: messages)
    vcam.stop()
    assert "No virtual camera found" in messages[0] and "OBS Studio" in messages[0]


def test_the_fix_for_windows_and_macos_is_obs():
    assert "OBS Studio" in setup_hint("Windows") and "OBS Studio" in setup_hint("Darwin")
    assert "Start Virtual Camera" in setup_hint("Darwin")


class _Flaky(RecordingBackend):
    """Busy for the first `busy` opens; the first opened device vanishes after `vanish_after`
    frames."""

    busy = 0
    vanish_after: int | None = None
    opens = 0
    vanished = False

    def __init__(self, **kw):
        _Flaky.opens += 1
        if _Flaky.opens <= _Flaky.busy:
            raise RuntimeError(f"Device {kw.get('device') or '/dev/video10'} is busy")
        super().__init__(**kw)

    def send(self, frame):
        if self.vanish_after is not None and not _Flaky.vanished \
                and len(self.send_times) >= self.vanish_after:
            _Flaky.vanished = True
            raise OSError(19, "No such device")
        super().send(frame)


@pytest.fixture
def flaky(monkeypatch):
    monkeypatch.setattr(virtual_camera, "RETRY_SECONDS", 0.3)
    _Flaky.opens, _Flaky.busy, _Flaky.vanish_after, _Flaky.vanished = 0, 0, None, False
    RecordingBackend.opened.clear()
    pyvirtualcam.register_backend("flaky", _Flaky)
    return _Flaky


def test_a_busy_device_says_so_and_is_used_once_free(flaky):
    flaky.busy = 2
    messages = []
    vcam = VirtualCamera(VirtualCameraSettings(SIZE, 30.0, backend="flaky"), messages.append)
    vcam.start()
    _messages_until(vcam, messages, lambda: vcam.frames_sent > 10)
    vcam.stop()
    assert "is busy" in messages[0] and "keeps trying" in messages[0]
    assert messages[-1].startswith("Virtual camera on")
    assert flaky.opens == 3


def test_a_device_that_vanishes_mid_stream_is_reopened(flaky):
    flaky.vanish_after = 20
    messages = []
    vcam = VirtualCamera(VirtualCameraSettings(SIZE, 30.0, backend="flaky"), messages.append)
    vcam.start()
    _messages_until(vcam, messages, lambda: len(RecordingBackend.opened) >= 2
                    and len(RecordingBackend.opened[-1].send_times) > 10)
    vcam.stop()
    first, second = RecordingBackend.opened[:2]
    assert len(first.send_times) == 20 and first.closed
    assert any("stopped taking frames" in m for m in messages)
    assert len(second.send_times) > 10  # recovered without a restart


def test_a_killed_recording_plays_up_to_its_last_second(tmp_path, camera_video):
    """`standin run --record` killed with SIGKILL: OpenCV and PyAV read the file back to within
    one second (25 frames) of what the run had reported recorded."""
    out = tmp_path / "killed.mp4"
    process = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "run", "--camera", str(camera_video), "--record",
         str(out), "--size", "256x256", "--fps", "25"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    recorded = 0
    deadline = time.perf_counter() + 120
    for line in process.stdout:
        if "recorded" in line:
            recorded = int(line.split("recorded ")[1].split()[0])
        if recorded >= 100 or time.perf_counter() > deadline:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert recorded >= 100
    capture = cv2.VideoCapture(str(out))
    by_opencv = 0
    while capture.read()[0]:
        by_opencv += 1
    with av.open(str(out)) as container:
        by_pyav = sum(1 for _ in container.decode(video=0))
    assert by_opencv >= recorded - 25 and by_pyav >= recorded - 25
