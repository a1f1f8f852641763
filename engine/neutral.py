"""The driver's neutral face and reference head pose (DESIGN §4.3), anchored and corrected
online.

Motion is measured against the anchor (the first face frame, or the frame at a re-centre):
what the driver does from there is what the portrait does from its photo. That keeps every
expression the driver makes, however long it is held (a pout, a frown, a grin: a neutral that
drifted toward the recent past would swallow them), and it is exactly right when the
portrait is a frame of the driver. A rolling window of recent frames corrects the anchor only
where it is plainly not a resting face:

- Lower face (mouth, jaw): the portrait's photo is often mid-word or smiling, and the
  driver's first frame may be mid-word too; pairing an open mouth with a closed one would
  open the portrait further at every word, or never close it. So the anchor's lower face is
  moved to the opening at which the driver's mouth matches the portrait's: the portrait's own
  opening, or the driver's rest where that is wider (closed lips part by almost nothing on
  every face; a still smile that shows the teeth is its own rest, and meets the portrait's
  rest whatever it shows). It moves along the straight line in the
  opening (gap over width) that the window's frames fit, keeping the anchor's own shape off
  that line. Until the window spans enough openings for that line, the mouth opens or shuts
  as the Mouth-open control's jaw does instead; from one to the other smoothly.
- Upper face (eyes, brows): a region (an eye's lids, a brow) whose anchor lies far from the
  median of the first seconds was caught mid-blink or with raised brows: it moves to that
  median. Regions near it keep the anchor's shape; what the driver does later is motion.
- Head rotation: likewise, a reference that is far from the window's median rotation (the
  driver sat turned at the start) is turned toward it, slowly, by the excess; ordinary head
  motion stays motion. But only as far as that brings the reference toward the portrait's
  own pose: a driver who starts as the portrait is turned (a frame of the portrait's own
  clip, a photo taken turned) is at rest there, and a turn held later is motion. Position and size are not re-referenced: they only ever matter as
  changes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from . import face_topology as topo
from .expression import open_mouth
from .geometry import Similarity
from .ramp import smoothstep


@dataclass(frozen=True)
class NeutralSettings:
    window: int = 150  # frames kept (every `stride`-th frame): about 10 s at 30 fps
    stride: int = 2
    # The lower face follows the line the window's frames fit against the opening once their
    # openings span the first, wholly from the second; below, a dropped jaw (_open_jaw).
    fit_span: tuple[float, float] = (0.1, 0.2)
    # The lips at rest are taken as parted by at most `rest_cap`: closed lips part by almost
    # nothing on every face. Except for a driver who started with the lips apart over the
    # teeth (a smile, not a word): while the mouth is still, until the openings span
    # `speech_span`, it is its own rest. Lips parted wider than `smile_max` (gap over width)
    # are a word, whatever shows between them: the smiling photos and clips here part by
    # 0.14 to 0.21, sadtalker_aoc's first frame, caught mid-word over its teeth, by 0.49;
    # taken for a smile, it held the portrait's mouth at rest while the driver spoke.
    speech_span: float = 0.05
    rest_cap: float = 0.02
    smile_max: float = 0.3
    # An upper-face region whose anchor is this far (mean, inter-ocular distances) from the
    # window's median starts to be corrected toward it, and is fully corrected from the second.
    # Lids: a start mid-blink. Brows move up to 0.033 from their median in ordinary speech
    # (the eleven motion clips' first seconds); corrected from 0.012, that speech was taken
    # for raised brows and the portrait's brows sank below its photo's.
    lid_outlier: tuple[float, float] = (0.012, 0.03)
    brow_outlier: tuple[float, float] = (0.03, 0.06)
    # The same for the reference rotation (degrees): only the excess over the first is turned.
    # Talking heads' first frames sit up to 13.5 degrees off their median pose (the motion
    # clips' first 5 s): that is ordinary motion, which the portrait must show as it is.
    rotation_outlier_deg: float = 20.0
    settle_frames: int = 12  # kept frames (about 1 s) before the window can correct the anchor
    # The upper face is judged over the first seconds only: a start mid-blink or with raised
    # brows shows at once, and an expression made later and held (a frown, surprise) is the
    # driver's, however long it lasts.
    judge_frames: int = 45  # kept frames (about 3 s)
    upper_time: float = 0.5  # seconds: time constant of the upper face's corrections
    rotation_time: float = 5.0  # seconds: time constant of the reference rotation's
    refresh_every: int = 4  # kept frames between recomputations (the median is the costly part)


# The upper-face regions corrected as one: each eye's lid margins, each brow.
LID_REGIONS = (np.concatenate([topo.RIGHT_EYE_UPPER[1:-1], topo.RIGHT_EYE_LOWER[1:-1]]),
               np.concatenate([topo.LEFT_EYE_UPPER[1:-1], topo.LEFT_EYE_LOWER[1:-1]]))
BROW_REGIONS = (topo.RIGHT_BROW, topo.LEFT_BROW)


class NeutralEstimator:
    """Feed canonical shapes (pose removed, in the anchor frame's coordinates) and poses
    (anchor -> frame); read `shape` and `reference_pose`."""

    def __init__(self, anchor: np.ndarray, portrait_opening: float = 0.0,
                 smiling: bool = False, settings: NeutralSettings = NeutralSettings(),
                 portrait_rotation: np.ndarray | None = None):
        """`portrait_rotation`: rotation vector from the anchor's head pose to the portrait's
        (None: unknown, the reference turns by the whole excess)."""
        self.settings = settings
        self._portrait_rotation = portrait_rotation
        self._portrait_opening = portrait_opening
        self._smiling = smiling
        n = settings.window
        self._anchor = anchor.astype(np.float64)
        self._shapes = np.repeat(anchor[None].astype(np.float32), n, 0)
        self._openings = np.zeros(n, np.float32)
        self._rotations = np.zeros((n, 3), np.float32)  # rotation vectors
        self._count = 0  # frames seen
        self._kept = 0  # frames stored (at most `window`)
        self._lower = topo.lower_face(anchor)
        self._anchor_opening = topo.mouth_opening_ratio(anchor)
        self._iod = topo.interocular(anchor)
        self.shape = self._anchor.copy()
        _open_jaw(self.shape, max(self._rest(self._anchor_opening, self._anchor_opening),
                                  portrait_opening))
        self._upper_goal = self.shape.copy()  # where the upper face's corrections head
        self._rotation = np.zeros(3)  # reference rotation vector, anchor frame
        self._rotation_goal = np.zeros(3)

    @property
    def reference_pose(self) -> Similarity:
        """Anchor -> the driver's reference pose (a rotation about the anchor's face centre)."""
        rotation = Rotation.from_rotvec(self._rotation).as_matrix()
        centre = self.shape[:topo.N_MESH].mean(0)
        return Similarity(1.0, rotation, centre - rotation @ centre)

    def add(self, canonical: np.ndarray, pose: Similarity, dt: float) -> None:
        s = self.settings
        if self._count % s.stride == 0:
            slot = (self._count // s.stride) % s.window
            self._shapes[slot] = canonical
            self._openings[slot] = topo.mouth_opening_ratio(canonical)
            self._rotations[slot] = Rotation.from_matrix(pose.rotation).as_rotvec()
            self._kept = min(self._kept + 1, s.window)
            if self._count % (s.stride * s.refresh_every) == 0:
                self._refresh()
        self._count += 1
        if self._kept > s.settle_frames:
            upper = ~self._lower
            self.shape[upper] += _blend(dt, s.upper_time) * (self._upper_goal[upper]
                                                             - self.shape[upper])
            self._rotation += _blend(dt, s.rotation_time) * (self._rotation_goal - self._rotation)

    def _rest(self, low: float, high: float) -> float:
        """The lips' opening at rest, from the window's low and high openings."""
        s = self.settings
        smile = self._smiling and high - low < s.speech_span and low <= s.smile_max
        return low if smile else min(low, s.rest_cap)

    def _refresh(self) -> None:
        shapes = self._shapes[:self._kept]
        openings = self._openings[:self._kept]
        s = self.settings
        low, high = np.percentile(openings, [5, 95])
        # The driver's mouth as open as the portrait's: openings match as they are (gap over
        # width), so a portrait open wider than the driver ever opens shows its photo's
        # opening only as wide as the driver's, never wider.
        goal = max(self._rest(low, high), self._portrait_opening)
        shape = self._anchor.copy()
        _open_jaw(shape, goal)
        fitted = smoothstep(high - low, *s.fit_span)
        if fitted > 0:
            # The lower face moves along the window's line from the anchor's opening to
            # `goal`, keeping the anchor's own shape off the line (a held smile stays a smile).
            # A straight line's least-squares slope, in closed form (lstsq's SVD took 6 ms).
            lower = shapes[:, self._lower].reshape(len(shapes), -1)
            centred = openings - openings.mean()
            slope = centred @ (lower - lower.mean(0)) / (centred @ centred)
            line = (self._anchor[self._lower].ravel()
                    + slope * (goal - self._anchor_opening)).reshape(-1, 3)
            shape[self._lower] += fitted * (line - shape[self._lower])
        self.shape[self._lower] = shape[self._lower]
        if s.settle_frames < self._kept <= s.judge_frames:
            median = np.median(shapes, 0).astype(np.float64)
            for region, outlier in ([(r, s.lid_outlier) for r in LID_REGIONS]
                                    + [(r, s.brow_outlier) for r in BROW_REGIONS]):
                off = median[region] - self._anchor[region]
                far = np.linalg.norm(off[:, :2], axis=1).mean() / self._iod
                self._upper_goal[region] = (self._anchor[region]
                                            + smoothstep(far, *outlier) * off)
        if self._kept > s.settle_frames:
            median_rotation = np.median(self._rotations[:self._kept], 0).astype(np.float64)
            angle = np.linalg.norm(median_rotation)
            excess = max(0.0, angle - np.radians(s.rotation_outlier_deg))
            goal = median_rotation * (excess / angle if angle > 0 else 0.0)
            self._rotation_goal = goal * self._share_toward_portrait(goal)

    def _share_toward_portrait(self, goal: np.ndarray) -> float:
        """The share of a reference turn `goal` that brings the reference nearest the
        portrait's pose (0: the anchor is as turned as the portrait already)."""
        length = float(goal @ goal)
        if self._portrait_rotation is None or length == 0.0:
            return 1.0
        return float(np.clip(goal @ self._portrait_rotation / length, 0.0, 1.0))


def _blend(dt: float, time_constant: float) -> float:
    """How far an exponential follower with this time constant moves in `dt` (0: at once)."""
    return 1.0 if time_constant <= 0 else 1.0 - float(np.exp(-dt / time_constant))


def _open_jaw(shape: np.ndarray, opening: float) -> None:
    """Open (or close) the mouth of `shape` to `opening` (gap over width), in place, as the
    Mouth-open control's jaw does (expression.open_mouth: lower lip and chin fully, the
    cheeks beside them less, the upper lip lifting a little). Parting the lips alone over a
    jaw left where it was (before the window knew how this driver's jaw moves) stretched a
    mid-word photo's lips over its dropped jaw into a thick mouth the tracker read as open
    while the driver's was shut, and it popped back as the window's line took over."""
    upper, lower = topo.MOUTH_INNER_MID
    _, down = topo.face_axes(shape)

    def gap(points: np.ndarray) -> float:
        return float((points[lower, :2] - points[upper, :2]) @ down)

    per_unit = gap(open_mouth(shape, 1.0)) - gap(shape)  # the jaw's drop is linear in its amount
    amount = (opening * topo.mouth_width(shape) - gap(shape)) / per_unit
    shape[:] = open_mouth(shape, amount)
