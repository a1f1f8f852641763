"""Frames out at a constant rate, whatever rate they come in at: the newest frame goes out in
each time slot, the last one again when no new frame came (processing slower than the rate),
and frames that came between two slots are skipped (faster). Meeting apps and recordings see
an even stream, never a stall."""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# A new frame goes out at once when it comes within this share of a slot before the slot's
# time (not held back to the slot's start: less latency); the rate stays exact, one per slot.
EARLY = 0.75


@dataclass(frozen=True)
class Timed:
    frame: np.ndarray
    captured_at: float  # time.perf_counter() when its driving frame was captured


class ConstantRate:
    """Calls `deliver(frame, captured_at, fresh)` `fps` times a second on its own thread until
    stop(); `fresh` is False for a repeat. put() hands it the newest frame."""

    def __init__(self, fps: float, deliver: Callable[[np.ndarray, float, bool], None],
                 name: str = "standin-rate"):
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.fps = fps
        self._deliver = deliver
        self._newest: Timed | None = None
        self._last: Timed | None = None
        self._arrived = threading.Condition()
        self._running = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def put(self, frame: np.ndarray, captured_at: float) -> None:
        with self._arrived:
            self._newest = Timed(frame, captured_at)
            self._arrived.notify()

    def start(self) -> None:
        self._running = True
        self._thread.start()

    def stop(self) -> None:
        with self._arrived:
            self._running = False
            self._arrived.notify()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)

    def _run(self) -> None:
        period = 1.0 / self.fps
        slot = time.perf_counter()
        while True:
            with self._arrived:
                # Go at the slot's time, or earlier once a new frame is in and the window open.
                while self._running:
                    now = time.perf_counter()
                    opens = slot - EARLY * period
                    if now >= slot or (self._newest is not None and now >= opens):
                        break
                    self._arrived.wait((opens if self._newest is not None else slot) - now)
                if not self._running:
                    return
                fresh, self._newest = self._newest, None
            item = fresh or self._last
            if item is not None:
                self._deliver(item.frame, item.captured_at, fresh is not None)
                self._last = item
            slot += period
            late = time.perf_counter() - slot
            if late > period:  # fell behind (a stalled delivery): start afresh, no burst
                slot += math.ceil(late / period) * period
