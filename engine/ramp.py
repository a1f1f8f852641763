"""Smooth ramps between two values: fades in space (masks, fall-offs) and in time (easing)."""
from __future__ import annotations

import numpy as np


def smoothstep(x, lo: float, hi: float):
    """0 at or below `lo`, 1 at or above `hi`, a smooth S between (zero slope at both ends, so
    nothing shows a crease or a jolt where the ramp starts or stops)."""
    t = np.clip((np.asarray(x, np.float32) - lo) / max(hi - lo, 1e-12), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def smoothstep_at(y) -> np.ndarray:
    """Where on its way (0 to 1) smoothstep reaches `y` (clipped to 0..1): its inverse."""
    y = np.clip(np.asarray(y, np.float64), 0.0, 1.0)
    return 0.5 - np.sin(np.arcsin(1.0 - 2.0 * y) / 3.0)
