"""Editing on top of the live motion (DESIGN §4.6): pose offsets, expression controls, gains
and locks. Each app control, and each `standin render` option, is one field of `Edits`."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .expression import close_eyes, look, open_mouth, raise_brows, smile, turn_head
from .geometry import Similarity
from .motion import Motion


@dataclass(frozen=True)
class Control:
    """One control's range and meaning, for the CLI and the app."""

    name: str
    low: float
    high: float
    help: str


CONTROLS = (
    Control("yaw", -45, 45, "turn the head right (+) or left (-), degrees"),
    Control("pitch", -30, 30, "tilt the head down (+) or up (-), degrees"),
    Control("roll", -45, 45, "lean the head clockwise (+), degrees"),
    Control("smile", -1, 1, "smile (+) or frown (-)"),
    Control("mouth_open", 0, 1, "open the mouth"),
    Control("brow", -1, 1, "raise (+) or lower (-) the brows"),
    Control("eye_open", -1, 1, "open the eyes wider (+) or close them (-1: shut)"),
    Control("gaze_x", -1, 1, "look right (+) or left (-)"),
    Control("gaze_y", -1, 1, "look down (+) or up (-)"),
    Control("pose_gain", 0, 2, "how much of the driver's head motion the portrait copies"),
    Control("expression_gain", 0, 2, "how much of the driver's expression the portrait copies"),
)
WIDEN = 0.3  # eye_open +1 raises the upper lids by this share of their way to closing


@dataclass(frozen=True)
class Edits:
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    smile: float = 0.0
    mouth_open: float = 0.0
    brow: float = 0.0
    eye_open: float = 0.0
    gaze_x: float = 0.0
    gaze_y: float = 0.0
    pose_gain: float = 1.0
    expression_gain: float = 1.0
    lock_pose: bool = False  # hold the head where it is
    lock_expression: bool = False  # hold the face as it is

    def __post_init__(self):
        for control in CONTROLS:
            value = getattr(self, control.name)
            if not control.low <= value <= control.high:
                raise ValueError(f"{control.name} {value:g} is outside {control.low:g} to "
                                 f"{control.high:g}")

    def expression_offset(self, landmarks: np.ndarray) -> np.ndarray:
        """The expression controls as displacements of `landmarks` (478, 3), a face at rest."""
        edited = smile(landmarks, self.smile)
        edited = open_mouth(edited, 0.25 * self.mouth_open)
        edited = raise_brows(edited, self.brow)
        edited = close_eyes(edited, -self.eye_open * (WIDEN if self.eye_open > 0 else 1.0))
        edited = look(edited, self.gaze_x, self.gaze_y)
        return edited - landmarks

    def turn(self, target: np.ndarray) -> np.ndarray:
        """The pose offsets: `target` rotated about its head centre."""
        if self.yaw == self.pitch == self.roll == 0:
            return target
        return turn_head(target, self.yaw, self.pitch, self.roll)


class MotionEditor:
    """Gains and locks on the driver's motion. A lock holds the pose (or expression) the
    motion had when the lock went on, until it goes off."""

    def __init__(self):
        self._held_pose: Similarity | None = None
        self._held_expression: np.ndarray | None = None

    def __call__(self, motion: Motion, edits: Edits) -> Motion:
        motion = motion.scaled(edits.pose_gain, edits.expression_gain)
        if not edits.lock_pose:
            self._held_pose = None
        elif self._held_pose is None:
            self._held_pose = motion.pose
        if not edits.lock_expression:
            self._held_expression = None
        elif self._held_expression is None:
            self._held_expression = motion.expression
        return Motion(motion.pose if self._held_pose is None else self._held_pose,
                      motion.expression if self._held_expression is None
                      else self._held_expression,
                      motion.reference, motion.reference_id)
