"""Driver motion: rigid head pose and expression residual, relative to a reference frame."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from . import face_topology as topo
from .geometry import Similarity, Stretch, umeyama
from .mesh import MotionRegulariser, triangulate
from .neutral import NeutralEstimator, NeutralSettings
from .smoothing import OneEuroFilter, OneEuroSettings

# The expression's smoothing over the mesh: the share it keeps of a patch of skin moving on its
# own (the skin between the lower lip and the chin: a pout, a word) and of each landmark's own
# noise is 0.05 and 0.08 at 10, 0.14 and 0.13 at 3, 0.31 and 0.22 at 1 (the astronaut's mesh).
# At 10 the targets' skin missed the truth's by 0.0095 of the eyes' distance over
# sadtalker_aoc's first 60 frames (0.0079 at 3); at 3 the motion clips' targets are 18% nearer
# the truth, their landmark error found again 2% lower, the output's landmark jitter and the
# mouth's and eyes' frame-to-frame change as before. At 1 the map folded once more on lp_d10.
STIFFNESS = 3.0


@dataclass(frozen=True)
class Motion:
    """How the driver differs from its neutral face at its reference pose: pose (reference ->
    now) and expression.

    `expression` is the per-landmark residual after undoing the pose, in the reference frame's
    pixels, so it holds mouth, eyes and brows but not head motion. `reference` is the driver's
    neutral face at the reference pose; it changes slowly as the estimate improves.
    """

    pose: Similarity
    expression: np.ndarray  # (478, 3)
    reference: np.ndarray  # (478, 3) the driver's reference landmarks
    reference_id: int  # changes at each re-centre (the smoother forgets its past)

    def scaled(self, pose_gain: float, expression_gain: float) -> "Motion":
        """This motion with the head's turn, change of size and travel (about the face centre)
        times `pose_gain`, and the expression times `expression_gain`: 0 is the reference at
        rest, 1 this motion, 2 twice as much."""
        if pose_gain == expression_gain == 1.0:
            return self
        centre = self.reference[:topo.N_MESH].mean(0)
        rotvec = Rotation.from_matrix(self.pose.rotation).as_rotvec() * pose_gain
        rotation = Rotation.from_rotvec(rotvec).as_matrix()
        scale = float(self.pose.scale ** pose_gain)
        moved = centre + pose_gain * (self.pose.apply(centre[None])[0] - centre)
        pose = Similarity(scale, rotation, moved - scale * rotation @ centre)
        return Motion(pose, self.expression * expression_gain, self.reference, self.reference_id)

    def blended_to_rest(self, weight: float) -> "Motion":
        """Ease toward no motion: weight 0 keeps this motion, 1 is the reference itself."""
        return self.scaled(1.0 - weight, 1.0 - weight)


class MotionEstimator:
    """Measures each driver frame against the driver's own neutral face and reference pose,
    both estimated online (`NeutralEstimator`).

    The first face frame (or the frame at a re-centre) is the anchor: it fixes the coordinate
    frame and the rigid points, and starts the neutral estimate. Given the `portrait`'s
    landmarks, every driver frame is first given the portrait's proportions (`Stretch`, fitted
    at the anchor), so a wide or long face, or a camera that squeezes the picture, drives the
    portrait as any other; `portrait_opening` is how far the portrait's mouth can close
    (PortraitAnimator.mouth_opening), which the neutral mouth is matched to. Pose comes from
    the many rigid upper-face points; the expression residual is smoothed over the mesh
    (MotionRegulariser, `stiffness`) so landmark noise does not become skin jitter.
    """

    def __init__(self, portrait: np.ndarray | None = None, portrait_opening: float = 0.0,
                 stiffness: float = STIFFNESS, neutral: NeutralSettings = NeutralSettings()):
        self._portrait = portrait
        self._portrait_opening = portrait_opening
        self._stretch: Stretch | None = None
        self._stiffness = stiffness
        self._neutral_settings = neutral
        self._neutral: NeutralEstimator | None = None
        self._anchor: np.ndarray | None = None
        self._reference_id = 0
        self._rigid = np.zeros(0, int)  # set with the anchor
        self._regularise = None

    @property
    def needs_reference(self) -> bool:
        return self._anchor is None

    def recentre(self) -> None:
        """Take the next face frame as the neutral face and reference pose, at once."""
        self._anchor = None

    def start(self, landmarks: np.ndarray, smiling: bool = False) -> None:
        """Take these landmarks as the anchor. `smiling`: the lips are apart over the teeth, so
        the open mouth may be the driver's rest (NeutralEstimator)."""
        self._rigid = topo.rigid_points(landmarks)
        self._stretch = (Stretch.identity() if self._portrait is None else
                         Stretch.between(landmarks[self._rigid], self._portrait[self._rigid]))
        landmarks = self._stretch.apply(landmarks)
        self._anchor = landmarks
        self._reference_id += 1
        self._regularise = MotionRegulariser(triangulate(landmarks)[0], self._stiffness)
        portrait_rotation = (None if self._portrait is None else Rotation.from_matrix(
            umeyama(landmarks[self._rigid], self._portrait[self._rigid]).rotation).as_rotvec())
        self._neutral = NeutralEstimator(landmarks, self._portrait_opening, smiling,
                                         self._neutral_settings, portrait_rotation)

    def measure(self, landmarks: np.ndarray, dt: float = 0.0) -> Motion:
        """Motion of this frame; the first frame after construction or `recentre` becomes the
        anchor, unless `start` set one."""
        if self._anchor is None:
            self.start(landmarks)
        landmarks = self._stretch.apply(landmarks)
        pose = umeyama(self._anchor[self._rigid], landmarks[self._rigid])  # anchor -> now
        canonical = pose.inverse().apply(landmarks)
        self._neutral.add(canonical, pose, dt)
        reference = self._neutral.reference_pose  # anchor -> reference
        expression = reference.apply_vectors(self._regularise(canonical - self._neutral.shape))
        return Motion(pose.compose(reference.inverse()), expression,
                      reference.apply(self._neutral.shape), self._reference_id)


class MotionSmoother:
    """One-Euro filtering with separate settings for the rigid pose, the expression and the
    lids (a blink lasts a few frames: filtered like the rest of the face, it would never
    quite close)."""

    def __init__(self, pose: OneEuroSettings, expression: OneEuroSettings,
                 lids: OneEuroSettings | None = None):
        self._pose = OneEuroFilter(pose)
        self._expression = OneEuroFilter(expression)
        self._lids = OneEuroFilter(lids or expression)
        self._reference_id = -1

    def __call__(self, motion: Motion, dt: float) -> Motion:
        if motion.reference_id != self._reference_id:  # new reference: old state means nothing
            for f in (self._pose, self._expression, self._lids):
                f.reset()
            self._reference_id = motion.reference_id
        p = motion.pose
        size = max(_face_size(motion.reference), 1.0)  # translation filtered in face widths
        params = np.concatenate([Rotation.from_matrix(p.rotation).as_rotvec(), [np.log(p.scale)],
                                 p.translation / size])
        f = self._pose(params, dt)
        pose = Similarity(float(np.exp(f[3])), Rotation.from_rotvec(f[:3]).as_matrix(),
                          f[4:] * size)
        expression = self._expression(motion.expression, dt)
        expression[topo.LIDS] = self._lids(motion.expression[topo.LIDS], dt)
        return Motion(pose, expression, motion.reference, motion.reference_id)


def _face_size(landmarks: np.ndarray) -> float:
    return float(np.ptp(landmarks[:468, 0]))
