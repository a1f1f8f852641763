"""The driver's neutral face and reference head pose, estimated online (DESIGN §4.3).

Motion is measured against these, not against the first frame, so a session can start with
the mouth open mid-word, or the head turned, and still find the driver's rest state within a
few seconds. The estimate never freezes: it comes from a rolling window of recent frames, so
a bad start is forgotten.

- Lower face (mouth, jaw): the driver's lower face with the mouth as open as the portrait's
  own. A portrait is one photo, often smiling or mid-word; pairing its mouth with the
  driver's closed mouth would open it further at every word and never close it. Speech
  sweeps the opening through its range, so the lower face is fitted over the window as a
  straight line in the opening (gap over width) and read at the portrait's opening: the jaw
  and lips of the driver's closed mouth, moved as far as the driver's own mouth moves to open
  that much. Until the window spans enough openings, the calm frames' mean (the mouth about
  as closed as it gets) with its lips set to the rest opening plus the portrait's. The lips
  at rest are taken as closed (closed lips part by almost nothing on every face), so a
  session that starts mid-word reads the open mouth as open from its first frame; only a
  still smile that shows the teeth is its own rest.
- Upper face (eyes, brows): the median over the window, taken directly during the first
  second (which forgets a start mid-blink or with raised brows), then followed slowly: the
  eyes' shape in the pose-free frame shifts a little as the head pitches, and a neutral that
  chased it would add that shift to every small lid motion.
- Head rotation: starts at the first frame's and drifts toward the window's median rotation
  with a time constant of many seconds, so a driver who sat turned at the start is centred
  in time, while ordinary head motion stays motion. Position and size are not re-referenced:
  they only ever matter as changes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from . import face_topology as topo
from .geometry import Similarity

OPEN = 0.05  # mouth opening (gap over width) beyond which lips are apart, not just touching


@dataclass(frozen=True)
class NeutralSettings:
    window: int = 150  # frames kept (every `stride`-th frame): about 10 s at 30 fps
    stride: int = 2
    # Calm frames: mouth opening (gap over width) within this of the window's 5th percentile.
    calm_margin: float = 0.02
    # The lower face is fitted against the opening once the window's openings span this.
    fit_span: float = 0.15
    # The lips at rest are taken as parted by at most `rest_cap`: closed lips part by almost
    # nothing on every face. Except for a driver who started with the lips apart over the
    # teeth (a smile, not a word): while the mouth is still, until the openings span
    # `speech_span`, it is its own rest.
    speech_span: float = 0.05
    rest_cap: float = 0.02
    # The first frame's own lower-face shape (the opening aside) counts with a weight that
    # fades with this time constant (seconds): the fit is a line, and a face at rest is rarely
    # on it exactly, but the first frame may not be at rest.
    anchor_time: float = 10.0
    settle_frames: int = 12  # kept frames (about 1 s) over which the upper face is taken directly
    upper_time: float = 10.0  # seconds: then its time constant
    rotation_time: float = 20.0  # seconds: time constant of the reference rotation
    refresh_every: int = 4  # kept frames between recomputations (the median is the costly part)


class NeutralEstimator:
    """Feed canonical shapes (pose removed, in the anchor frame's coordinates) and poses
    (anchor -> frame); read `shape` and `reference_pose`."""

    def __init__(self, anchor: np.ndarray, portrait_opening: float = 0.0,
                 smiling: bool = False, settings: NeutralSettings = NeutralSettings()):
        self.settings = settings
        self._portrait_opening = portrait_opening
        self._smiling = smiling
        n = settings.window
        self._shapes = np.repeat(anchor[None].astype(np.float32), n, 0)
        self._openings = np.zeros(n, np.float32)
        self._rotations = np.zeros((n, 3), np.float32)  # rotation vectors
        self._count = 0  # frames seen
        self._age = 0.0  # seconds since the anchor
        self._kept = 0  # frames stored (at most `window`)
        self._lower = topo.lower_face(anchor)
        self._anchor_lower = anchor[self._lower].astype(np.float64).ravel()
        self._anchor_opening = topo.mouth_opening_ratio(anchor)
        self.shape = anchor.astype(np.float64)
        opening = topo.mouth_opening_ratio(anchor)
        _set_lip_opening(self.shape, self._rest(opening, opening) + portrait_opening)
        self._upper_median = self.shape[~self._lower]
        self._rotation = np.zeros(3)  # reference rotation vector, anchor frame
        self._median_rotation = np.zeros(3)

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
            if self._kept <= s.settle_frames or self._count % (s.stride * s.refresh_every) == 0:
                self._refresh()
        self._count += 1
        self._age += dt
        settled = self._kept > s.settle_frames
        upper = ~self._lower
        self.shape[upper] += _blend(dt, s.upper_time if settled else 0.0) * (
            self._upper_median - self.shape[upper])
        self._rotation += _blend(dt, s.rotation_time) * (self._median_rotation - self._rotation)

    def _rest(self, low: float, high: float) -> float:
        """The lips' opening at rest, from the window's low and high openings."""
        still = high - low < self.settings.speech_span
        return low if self._smiling and still else min(low, self.settings.rest_cap)

    def _refresh(self) -> None:
        shapes = self._shapes[:self._kept]
        openings = self._openings[:self._kept]
        s = self.settings
        low, high = np.percentile(openings, [5, 95])
        rest = self._rest(low, high)
        self._upper_median = np.median(shapes[:, ~self._lower], 0).astype(np.float64)
        shape = self.shape.copy()
        lower = shapes[:, self._lower].reshape(len(shapes), -1)
        if high - low >= s.fit_span:
            design = np.stack([np.ones_like(openings), openings], 1)
            (intercept, slope), *_ = np.linalg.lstsq(design, lower, rcond=None)
            anchor_off_line = self._anchor_lower - (intercept + slope * self._anchor_opening)
            weight = 1.0 - _blend(self._age, s.anchor_time)
            shape[self._lower] = (intercept + slope * (rest + self._portrait_opening)
                                  + weight * anchor_off_line).reshape(-1, 3)
        else:
            calm = openings <= low + s.calm_margin
            shape[self._lower] = lower[calm].mean(0).reshape(-1, 3)
            _set_lip_opening(shape, rest + self._portrait_opening)
        self.shape = shape
        self._median_rotation = np.median(self._rotations[:self._kept], 0).astype(np.float64)


def _blend(dt: float, time_constant: float) -> float:
    """How far an exponential follower with this time constant moves in `dt` (0: at once)."""
    return 1.0 if time_constant <= 0 else 1.0 - float(np.exp(-dt / time_constant))


def _set_lip_opening(shape: np.ndarray, opening: float) -> None:
    """Move the inner lips of `shape` about their midline, in place, so the mouth's opening
    (gap over width) is `opening`. A mouth open by more than `OPEN` keeps the shape of its
    gap; a shut one has no gap worth keeping (its direction is landmark noise), so it opens
    along the face's down axis, widest in the middle."""
    _, upper, lower = topo.OPENINGS[0]
    now = topo.mouth_opening_ratio(shape)
    if now >= OPEN:
        half_gap = (shape[lower] - shape[upper]) / 2 * (opening / now)
    else:
        _, down = topo.face_axes(shape)
        width = np.linalg.norm(shape[topo.MOUTH_CORNERS[0], :2] - shape[topo.MOUTH_CORNERS[1], :2])
        along = np.linspace(-1, 1, len(upper) + 2)[1:-1]
        half_gap = np.zeros((len(upper), shape.shape[1]))
        half_gap[:, :2] = np.outer((1 - along ** 2) * opening * width / 2, down)
    topo.part(shape, upper, lower, half_gap)
