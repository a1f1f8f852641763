"""A head turn the portrait cannot show eases off at the edge of what it can (DESIGN §4.4).

A photo shows one side of a head. Turned far from its own pose, the side the photo
foreshortens has to be stretched over the output and the side it shows squeezed: past a point
the picture tears. So when the target turns (out of the picture plane) further than
EASE_FROM_DEG from the portrait's own pose, its map is measured (tears.TearMeter); if any cell
leaves the area limits, the out-of-plane part of the turn is scaled back to
the largest share, found by bisection, whose map stays within them. The share drops at once
when a turn needs it and comes back gradually once the turn fits again, so the head does not
jump. The share shown is in the frame's info (FrameResult.turn_shown).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .expression import turn_head
from .framing import Framing
from .metrics import head_rotation_deg
from .tears import AREA_LIMITS, TearMeter
from .warp import CoarseWarp

EASE_FROM_DEG = 10.0  # smaller turns are not measured (2 ms): on the fixtures they tear rarely
RECOVERY_PER_S = 1.5  # share of the turn given back per second once the full turn fits
BISECTIONS = 3  # warps and measurements of a turn that does not fit: the share to 1/8


class TurnEaser:
    """For one portrait (its landmarks), one framing and one warp (target -> map)."""

    def __init__(self, landmarks: np.ndarray, framing: Framing, meter: TearMeter,
                 warp: Callable[[np.ndarray], CoarseWarp]):
        self._landmarks = landmarks
        self._framing = framing
        self._meter = meter
        self._warp = warp
        self._shown = 1.0

    def __call__(self, target: np.ndarray, warp: CoarseWarp, dt: float
                 ) -> tuple[np.ndarray, CoarseWarp, float]:
        """The target and its map eased as far as needed (unchanged when the turn fits), and
        the share of the out-of-plane turn they show."""
        yaw, pitch, _ = head_rotation_deg(self._landmarks, target)

        def turned(share: float) -> np.ndarray:
            return turn_head(target, -(1.0 - share) * yaw, -(1.0 - share) * pitch, 0.0)

        recovered = min(1.0, self._shown + RECOVERY_PER_S * max(dt, 0.0))
        share, eased, eased_warp = 1.0, target, warp
        if np.hypot(yaw, pitch) >= EASE_FROM_DEG and not self._fits(target, warp):
            # Bisect the share between none of the turn (the portrait, which fits) and all of
            # it (which does not), keeping the largest share found to fit.
            low, high = 0.0, 1.0
            share, eased, eased_warp = 0.0, turned(0.0), None
            for _ in range(BISECTIONS):
                middle = (low + high) / 2
                candidate = turned(middle)
                candidate_warp = self._warp(candidate)
                if self._fits(candidate, candidate_warp):
                    low, share, eased, eased_warp = middle, middle, candidate, candidate_warp
                else:
                    high = middle
            if eased_warp is None:
                eased_warp = self._warp(eased)
        self._shown = min(share, recovered)
        if self._shown >= 1.0:
            return target, warp, 1.0
        if self._shown < share:  # coming back from an earlier, larger easing
            eased = turned(self._shown)
            eased_warp = self._warp(eased)
        return eased, eased_warp, self._shown

    def _fits(self, target: np.ndarray, warp: CoarseWarp) -> bool:
        tear = self._meter(warp, self._framing.to_output(target))
        low, high = AREA_LIMITS
        return tear.folds == 0 and low <= tear.least_area and tear.most_area <= high
