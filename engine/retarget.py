"""Motion transfer: the driver's motion applied to the portrait's own face."""
from __future__ import annotations

import numpy as np

from . import face_topology as topo
from .geometry import Similarity, umeyama
from .motion import Motion


class Retargeter:
    """Maps driver motion onto the portrait.

    B is the similarity from the driver's reference to the portrait (size, position and head
    orientation differences). Expression is rotated and scaled by B into the portrait's frame and
    added to the portrait's own landmarks; head motion is B ∘ pose ∘ B⁻¹, i.e. the driver's
    motion expressed in the portrait's frame. With a still driver the target is the portrait.
    """

    def __init__(self, portrait_landmarks: np.ndarray):
        self._portrait = portrait_landmarks
        self._reference_id = -1
        self._to_portrait = Similarity.identity()

    def target(self, motion: Motion) -> np.ndarray:
        if motion.reference_id != self._reference_id:
            rigid = topo.rigid_points(self._portrait)
            self._to_portrait = umeyama(motion.reference[rigid], self._portrait[rigid])
            self._reference_id = motion.reference_id
        b = self._to_portrait
        expressed = self._portrait + b.apply_vectors(motion.expression)
        head = b.compose(motion.pose).compose(b.inverse())
        return head.apply(expressed)
