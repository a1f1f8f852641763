"""Driver motion: rigid head pose and expression residual, relative to a reference frame."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from . import face_topology as topo
from .geometry import Similarity, umeyama
from .mesh import MotionRegulariser, triangulate
from .smoothing import OneEuroFilter, OneEuroSettings


@dataclass(frozen=True)
class Motion:
    """How the driver differs from its reference: pose (reference -> now) and expression.

    `expression` is the per-landmark residual after undoing the pose, in the reference frame's
    pixels, so it holds mouth, eyes and brows but not head motion.
    """

    pose: Similarity
    expression: np.ndarray  # (478, 3)
    reference: np.ndarray  # (478, 3) the driver's reference landmarks
    reference_id: int  # changes whenever the reference does

    def blended_to_rest(self, weight: float) -> "Motion":
        """Ease toward no motion: weight 0 keeps this motion, 1 is the reference itself."""
        keep = 1.0 - weight
        rotvec = Rotation.from_matrix(self.pose.rotation).as_rotvec() * keep
        pose = Similarity(float(self.pose.scale ** keep), Rotation.from_rotvec(rotvec).as_matrix(),
                          self.pose.translation * keep)
        return Motion(pose, self.expression * keep, self.reference, self.reference_id)


class MotionEstimator:
    """Measures each driver frame against the driver's reference (here: its first face frame).

    Pose comes from the many rigid upper-face points; the expression residual is then smoothed
    over the mesh (MotionRegulariser) so landmark noise does not become skin jitter.
    """

    def __init__(self, stiffness: float = 10.0):
        self._stiffness = stiffness
        self._reference: np.ndarray | None = None
        self._reference_id = 0
        self._rigid = np.zeros(0, int)  # set with the reference
        self._regularise = None

    @property
    def needs_reference(self) -> bool:
        return self._reference is None

    def recentre(self) -> None:
        """Take the next face frame as the new reference."""
        self._reference = None

    def measure(self, landmarks: np.ndarray) -> Motion:
        if self._reference is None:
            self._set_reference(landmarks)
        ref = self._reference
        pose = umeyama(ref[self._rigid], landmarks[self._rigid])
        expression = self._regularise(pose.inverse().apply(landmarks) - ref)
        return Motion(pose, expression, ref, self._reference_id)

    def _set_reference(self, landmarks: np.ndarray) -> None:
        self._reference = landmarks.copy()
        self._reference_id += 1
        self._rigid = topo.rigid_points(landmarks)
        self._regularise = MotionRegulariser(triangulate(landmarks)[0], self._stiffness)


class MotionSmoother:
    """One-Euro filtering with separate settings for the rigid pose and the expression."""

    def __init__(self, pose: OneEuroSettings, expression: OneEuroSettings):
        self._pose = OneEuroFilter(pose)
        self._expression = OneEuroFilter(expression)
        self._reference_id = -1

    def __call__(self, motion: Motion, dt: float) -> Motion:
        if motion.reference_id != self._reference_id:  # new reference: old state means nothing
            self._pose.reset()
            self._expression.reset()
            self._reference_id = motion.reference_id
        p = motion.pose
        size = max(_face_size(motion.reference), 1.0)  # translation filtered in face widths
        params = np.concatenate([Rotation.from_matrix(p.rotation).as_rotvec(), [np.log(p.scale)],
                                 p.translation / size])
        f = self._pose(params, dt)
        pose = Similarity(float(np.exp(f[3])), Rotation.from_rotvec(f[:3]).as_matrix(),
                          f[4:] * size)
        return Motion(pose, self._expression(motion.expression, dt), motion.reference,
                      motion.reference_id)


def _face_size(landmarks: np.ndarray) -> float:
    return float(np.ptp(landmarks[:468, 0]))
