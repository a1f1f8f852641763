"""A pyvirtualcam backend that records what it is sent instead of showing it: when each frame
came, and the newest frames (a bounded number). For headless runs and tests on machines with
no virtual camera device; used only when asked for by name (backend="recording")."""
from __future__ import annotations

import threading
import time
from collections import deque

import numpy as np

NAME = "recording"
KEEP_FRAMES = 8
KEEP_TIMES = 36_000  # send times kept: 20 minutes at 30 FPS (a long run must not grow)


class RecordingBackend:
    """Conforms to pyvirtualcam.Backend. Every instance is kept in `opened` (newest last)."""

    opened: list["RecordingBackend"] = []
    _lock = threading.Lock()

    def __init__(self, *, width: int, height: int, fps: float, fourcc: int,
                 device: str | None, **kw):
        self.width, self.height, self.fps, self.fourcc = width, height, fps, fourcc
        self._device = device or "recording"
        self.send_times: deque[float] = deque(maxlen=KEEP_TIMES)  # perf_counter() of sends
        self.frames: deque[np.ndarray] = deque(maxlen=KEEP_FRAMES)
        self.closed = False
        with RecordingBackend._lock:
            RecordingBackend.opened.append(self)

    def send(self, frame: np.ndarray) -> None:
        self.send_times.append(time.perf_counter())
        self.frames.append(frame.reshape(self.height, self.width, -1).copy())

    def close(self) -> None:
        self.closed = True

    def device(self) -> str:
        return self._device

    def native_fourcc(self) -> int | None:
        return self.fourcc


def register() -> None:
    import pyvirtualcam

    pyvirtualcam.register_backend(NAME, RecordingBackend)
