"""A head turn the portrait cannot show eases off at the edge of what it can (DESIGN §4.4).

A photo shows one side of a head. Turned far from its own pose, the side the photo
foreshortens has to be stretched over the output and the side it shows squeezed: past a point
the picture tears. So when the target turns (out of the picture plane) further than
EASE_FROM_DEG from the portrait's own pose, its map is measured above the chin (the head and
hair the turn moves: tears.TearMeter); if a region there folds or leaves the area limits, the
out-of-plane part of the turn is scaled back to
the largest share, found by bisection, whose map stays within them. The share drops at once
when a turn needs it and comes back gradually once the turn fits again, so the head does not
jump. The share shown is in the frame's info (FrameResult.turn_shown).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .expression import turn_head
from .face_topology import head_rotation_deg
from .framing import Framing
from .tears import TearMeter
from .warp import CoarseWarp

EASE_FROM_DEG = 10.0  # smaller turns are not measured (2 ms): on the fixtures they tear rarely
RECOVERY_PER_S = 1.5  # share of the turn given back per second once the full turn fits
BISECTIONS = 3  # warps and measurements of a turn that does not fit: the share to 1/8
TORN_SHARE = 0.03  # of the measured cells folded or beyond tears.AREA_LIMITS: a tear


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
            # Bisect the share between none of the turn and all of it (which does not fit),
            # keeping the largest share found to fit. Where even none of it does, the tear is
            # not the turn's (a stretched mouth, lids): the turn stays.
            low, high = 0.0, 1.0
            share, eased = 0.0, turned(0.0)
            eased_warp = self._warp(eased)
            if not self._fits(eased, eased_warp):
                return self._show(1.0, recovered, turned, target, warp)
            for _ in range(BISECTIONS):
                middle = (low + high) / 2
                candidate = turned(middle)
                candidate_warp = self._warp(candidate)
                if self._fits(candidate, candidate_warp):
                    low, share, eased, eased_warp = middle, middle, candidate, candidate_warp
                else:
                    high = middle
        return self._show(share, recovered, turned, eased, eased_warp)

    def _show(self, share: float, recovered: float, turned: Callable[[float], np.ndarray],
              eased: np.ndarray, eased_warp: CoarseWarp) -> tuple[np.ndarray, CoarseWarp, float]:
        """The share that fits (`eased`, `eased_warp` show it), or less while an earlier,
        larger easing comes back (`recovered`)."""
        self._shown = min(share, recovered)
        if self._shown < share:
            eased = turned(self._shown)
            eased_warp = self._warp(eased)
        return eased, eased_warp, self._shown

    def _fits(self, target: np.ndarray, warp: CoarseWarp) -> bool:
        """At most TORN_SHARE of the head above the chin folded or beyond the area limits. The
        neck and body are not the turn's to ease: on lp_d10 a shoulder stretched at the frame's
        edge (the head leaning in) eased 23 frames whose heads did not tear, and the output
        lost the driver's lift and frown (landmark error 0.0148 -> 0.0167). From about 15
        degrees the side of the face a photo foreshortens stretches past them, and the map
        folds in a few cells at the face's edge, along the outline: real heads turn that far
        all the time, and easing every such turn would lose the turn (measured on the
        motion clips: self-reenactment landmark error up to three times the unhelped one's)
        for a flaw that reads as a turned face. A region that tears is what is eased: at 2%
        the motion clips' worst frames were eased (retalking_5: landmark error 0.0134 ->
        0.0193, the head snapping back by up to 60%); at 3% only a turn far past the photo
        (the Turn slider at its end) is."""
        tear = self._meter(warp, self._framing.to_output(target), head_only=True)
        return tear.outside <= TORN_SHARE * tear.measured
