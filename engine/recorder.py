"""Recording the output: H.264 MP4 (PyAV) at a constant frame rate, written as fragments so a
recording cut short (the process killed, the power gone) still plays up to about its last
second."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .constant_rate import ConstantRate
from .errors import OutputError
from .sinks import open_video_sink
from .virtual_camera import fit


class Recorder:
    """Records frames given to submit() to `path` at `fps`, `size` (width, height)."""

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int],
                 on_message: Callable[[str], None] = lambda message: None):
        self.path = Path(path)
        self.size = size
        self.fps = fps
        self._on_message = on_message
        self._sink = open_video_sink(self.path, fps, size)  # OutputError names the fix
        self._failed = False
        self._rate = ConstantRate(fps, self._write, name="standin-recorder")

    @property
    def frames_written(self) -> int:
        return self._sink.frames_written

    def start(self) -> None:
        self._rate.start()

    def submit(self, frame: np.ndarray, captured_at: float) -> None:
        self._rate.put(frame, captured_at)

    def stop(self) -> None:
        self._rate.stop()
        try:
            self._sink.close()
        except OutputError as err:
            self._on_message(str(err))

    def _write(self, frame: np.ndarray, captured_at: float, fresh: bool) -> None:
        if self._failed:
            return
        try:
            self._sink.write(np.ascontiguousarray(fit(frame, self.size)))
        except OutputError as err:  # a full disk: say so once, keep the rest of the app going
            self._failed = True
            self._on_message(f"Recording stopped: {err}")
