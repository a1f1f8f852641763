"""One-Euro filter (Casiez, Roussel, Vogel, CHI 2012), vectorised over arrays.

Low cutoff when the signal is still (kills jitter), higher cutoff as it speeds up (keeps lag low).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OneEuroSettings:
    min_cutoff: float = 1.0  # Hz: cutoff when still; lower = smoother, more lag
    beta: float = 0.0  # how fast the cutoff rises with speed (per unit of the signal)
    d_cutoff: float = 1.0  # Hz: cutoff of the speed estimate


def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * np.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Filters a stream of equally shaped arrays; call `reset()` to forget the past."""

    def __init__(self, settings: OneEuroSettings):
        self.settings = settings
        self.reset()

    def reset(self) -> None:
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None

    def __call__(self, x: np.ndarray, dt: float) -> np.ndarray:
        x = np.asarray(x, np.float64)
        if self._x is None or dt <= 0:
            self._x, self._dx = x.copy(), np.zeros_like(x)
            return x.copy()
        s = self.settings
        dx = (x - self._x) / dt
        self._dx = self._dx + _alpha(s.d_cutoff, dt) * (dx - self._dx)
        cutoff = s.min_cutoff + s.beta * np.abs(self._dx)
        self._x = self._x + _alpha(cutoff, dt) * (x - self._x)
        return self._x.copy()
