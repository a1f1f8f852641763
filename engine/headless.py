"""`standin run`: the live pipeline without a window. Camera in; virtual camera and/or an MP4
recording out; a status line each second; Ctrl-C (or SIGTERM) stops it cleanly."""
from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from .editing import Edits
from .errors import StandinError
from .live import LiveFrame, LivePipeline
from .portrait_set import PortraitSet
from .recorder import Recorder
from .render import Choice
from .session import Settings
from .sources import NO_CAMERA, BlankSource, FrameSource, open_source
from .virtual_camera import VirtualCamera, VirtualCameraSettings
from .voice.listening import Listening

STATUS_EVERY = 1.0  # seconds between status lines
DEMO = "demo"


def open_driver(spec: str) -> FrameSource:
    """A camera index, a video file (played in a loop by the pipeline), "demo", or "none"."""
    if spec == DEMO:
        from .demo_driver import DemoDriver

        return DemoDriver()
    if spec == NO_CAMERA:
        return BlankSource()
    return open_source(spec)


def run_headless(portrait: PortraitSet, camera: str, size: tuple[int, int], fps: float,
                 virtual_camera: VirtualCameraSettings | None, record: Path | None,
                 edits: Edits = Edits(), settings: Settings = Settings(),
                 backend: Choice = Choice("cpu", "default"), seconds: float | None = None,
                 out: TextIO = sys.stdout, voice: Listening | None = None,
                 watch: Callable[[LiveFrame], bool] | None = None) -> int:
    """`voice`: the microphone and motion bank for voice and automatic modes (closed here at
    the end); None: the camera alone drives the portrait. `watch` sees every output frame
    (on the pipeline's thread) and stops the run by returning True."""
    if virtual_camera is None and record is None:
        raise StandinError("nothing to send the output to: add --virtual-camera and/or "
                           "--record FILE")
    for notice in portrait.notices:
        print(f"note: {notice}", file=sys.stderr)

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    recorder = Recorder(record, fps, size, say) if record is not None else None
    vcam = VirtualCamera(virtual_camera, say) if virtual_camera is not None else None
    latest: dict[str, LiveFrame] = {}
    stop = threading.Event()

    def on_frame(frame: LiveFrame) -> None:
        latest["frame"] = frame
        for sink in (vcam, recorder):
            if sink is not None:
                sink.submit(frame.output, frame.captured_at)
        if watch is not None and watch(frame):
            stop.set()

    pipeline = LivePipeline(lambda: open_driver(camera), portrait, size, on_frame, say, settings,
                            backend, voice.voice_mode() if voice is not None else None)
    pipeline.edits = edits
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set()) \
        if threading.current_thread() is threading.main_thread() else None
    started = time.perf_counter()
    for sink in (vcam, recorder):
        if sink is not None:
            sink.start()
    pipeline.start()
    if recorder is not None:
        say(f"recording to {recorder.path}")
    try:
        while not stop.wait(STATUS_EVERY):
            elapsed = time.perf_counter() - started
            print(_status(elapsed, latest.get("frame"), vcam, recorder), file=out, flush=True)
            if seconds is not None and elapsed >= seconds:
                break
    except KeyboardInterrupt:
        pass
    finally:
        pipeline.stop()
        if voice is not None:
            voice.close()
        for sink in (vcam, recorder):
            if sink is not None:
                sink.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print(f"stopped after {time.perf_counter() - started:.1f} s" +
          (f"; {recorder.frames_written} frames in {recorder.path}" if recorder else ""),
          file=out, flush=True)
    return 0


def _status(elapsed: float, frame: LiveFrame | None, vcam: VirtualCamera | None,
            recorder: Recorder | None) -> str:
    parts = [f"{elapsed:6.1f} s"]
    if frame is None:
        parts.append("waiting for the first frame")
    else:
        parts.append(f"processing {frame.fps:.1f} FPS")
        parts.append("voice driving" if frame.mode == "voice" else "face found"
                     if frame.face_found else (frame.guidance or "no face"))
    if vcam is not None:
        latency = vcam.latency_ms()
        parts.append(f"virtual camera {vcam.frames_sent} frames"
                     + (f", latency {latency[0]:.0f} ms (p95 {latency[1]:.0f})" if latency else "")
                     if vcam.connected else "virtual camera not connected")
    if recorder is not None:
        parts.append(f"recorded {recorder.frames_written} frames")
    return " | ".join(parts)
