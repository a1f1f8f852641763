"""Motion transfer: the driver's motion applied to the portrait's own face (DESIGN §4.3)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import face_topology as topo
from .expression import LIDS_MEET
from .geometry import Similarity, umeyama
from .motion import Motion
from .ramp import smoothstep

RATIO_LIMITS = (0.5, 2.0)  # a region's size ratio beyond these is a tracking error, not a face
SHUT_BELOW = 0.2  # lids open by less than this share of their rest gap are shut
MAX_LID_SHARE = 1.6  # wide-eyed surprise; beyond it, a tracking error
# A raised brow lifts the forehead above it by this share of its own rise at the brow, less
# with height, to nothing this many face widths above it (_forehead_follows_brows).
FOREHEAD_FOLLOWS = 0.3
FOREHEAD_REACH = 0.5
RAISED_FAR = (0.04, 0.08)  # ...once the brow has risen this far (inter-ocular distances)


@dataclass(frozen=True)
class Region:
    """A part of the face whose motion is scaled by its own size ratio, across (x) and down (y)
    the face. Sizes are measured on `points`; the ratio spreads to nearby points (lid skin
    moves with the lid, cheeks with the mouth) with a fall-off of `reach` region widths."""

    points: np.ndarray
    reach: float = 0.6
    height_pair: tuple[int, int] | None = None  # measure height between these, not the extent


REGIONS = (
    # Openings scale with the lower face, not with the lips' thickness: both measure down the
    # same nose-to-chin line.
    Region(topo.OUTER_LIP_RING, height_pair=(topo.NOSE_TIP, topo.CHIN)),
    Region(topo.RIGHT_EYE_RING, reach=0.5, height_pair=topo.RIGHT_EYE_LID_MID),
    Region(topo.LEFT_EYE_RING, reach=0.5, height_pair=topo.LEFT_EYE_LID_MID),
    Region(topo.RIGHT_BROW, reach=0.4, height_pair=(topo.RIGHT_BROW_MID, topo.RIGHT_EYE_LID_MID[0])),
    Region(topo.LEFT_BROW, reach=0.4, height_pair=(topo.LEFT_BROW_MID, topo.LEFT_EYE_LID_MID[0])),
    Region(topo.JAW, reach=0.3, height_pair=(topo.NOSE_TIP, topo.CHIN)),
)


def _sizes(points: np.ndarray, region: Region, axes: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """(across, down) size of a region on a face."""
    right, down = axes
    xy = points[region.points, :2]
    across = np.ptp(xy @ right)
    if region.height_pair is None:
        height = np.ptp(xy @ down)
    else:
        a, b = region.height_pair
        height = abs((points[a, :2] - points[b, :2]) @ down)
    return np.array([across, height])


def _gap(points: np.ndarray, upper: np.ndarray, lower: np.ndarray,
         down: np.ndarray) -> np.ndarray:
    """An opening's gap, lower rim less upper, along `down`, per landmark pair."""
    return (points[lower, :2] - points[upper, :2]) @ down


class Retargeter:
    """Maps driver motion onto the portrait.

    B is the similarity from the driver's reference (its neutral face at its reference pose) to
    the portrait: size, position and head orientation differences. The expression is carried
    into the portrait's frame by B, then scaled region by region by the portrait's size over
    the driver's (a wide-mouthed driver moves the portrait's own, smaller mouth less), and added
    to the portrait's landmarks; the lids open by the driver's share of its own lid gap, and
    lips and lids never cross. Head motion is B ∘ pose ∘ B⁻¹: the driver's motion expressed in
    the portrait's frame, with its change of size scaled by `follow_distance` (0: the portrait
    keeps its size when the driver leans in; 1: it follows). With a driver at rest the target
    is the portrait.
    """

    def __init__(self, portrait_landmarks: np.ndarray, follow_distance: float = 0.0):
        self._portrait = portrait_landmarks
        self.follow_distance = follow_distance
        self._rigid = topo.rigid_points(portrait_landmarks)
        self._axes = topo.face_axes(portrait_landmarks)
        self._portrait_sizes = np.array([_sizes(portrait_landmarks, r, self._axes) for r in REGIONS])
        self._weights = _region_weights(portrait_landmarks, self._portrait_sizes[:, 0])
        self._iod = topo.interocular(portrait_landmarks)
        self._foreheads = [(brow, _above(portrait_landmarks, brow, self._axes))
                           for brow in (topo.RIGHT_BROW, topo.LEFT_BROW)]

    def target(self, motion: Motion, offset: np.ndarray | None = None) -> np.ndarray:
        """Target landmarks in portrait pixels. `offset`: displacements of the portrait's
        landmarks added to the expression (Edits.expression_offset)."""
        b = umeyama(motion.reference[self._rigid], self._portrait[self._rigid])
        ratios = self.region_ratios(motion.reference, b)
        expressed = self._portrait + self._scale_by_region(b.apply_vectors(motion.expression), ratios)
        self._forehead_follows_brows(expressed)
        driver = motion.reference + motion.expression
        self._open_lids_as(expressed, motion.reference, driver)
        self._close_lips_as(expressed, motion.reference, driver)
        if offset is not None:
            expressed += offset
        for _, upper, lower in topo.OPENINGS:
            self._uncross(expressed, upper, lower)
        head = b.compose(self._followed(motion)).compose(b.inverse())
        return head.apply(expressed)

    def region_ratios(self, driver_reference: np.ndarray, b: Similarity) -> np.ndarray:
        """(regions, 2): portrait size over driver size (after B's overall scale), per axis."""
        driver_axes = topo.face_axes(driver_reference)
        driver = np.array([_sizes(driver_reference, r, driver_axes) for r in REGIONS]) * b.scale
        ratio = self._portrait_sizes / np.maximum(driver, 1e-6)
        return np.clip(ratio, *RATIO_LIMITS)

    def _scale_by_region(self, expression: np.ndarray, ratios: np.ndarray) -> np.ndarray:
        factor = 1.0 + self._weights @ (ratios - 1.0)  # (478, 2): across, down
        right, down = self._axes
        across, along = expression[:, :2] @ right, expression[:, :2] @ down
        out = expression.copy()
        out[:, :2] = np.outer(across * factor[:, 0], right) + np.outer(along * factor[:, 1], down)
        out[:, 2] *= factor.mean(1)
        return out

    def _forehead_follows_brows(self, target: np.ndarray) -> None:
        """A brow raised far (RAISED_FAR, inter-ocular distances) lifts the skin above it part
        of the way: FOREHEAD_FOLLOWS of its rise at the brow, fading out over FOREHEAD_REACH
        face widths above it. The tracker keeps the forehead's points still while the brow
        rises into them: the skin between was squeezed to under a quarter of its area
        (lp_d10's brow raises, past the tear measure's limit), as no forehead is. (Lifted
        on every raise, the forehead moved where the truth's stays: tpsmm_interview's brows,
        raised by at most 0.06, lost 0.07 dB of face PSNR, under the mesh reference's.)"""
        down = self._axes[1]
        for brow, (points, shares) in self._foreheads:
            lift = -float(np.median((target[brow, :2] - self._portrait[brow, :2]) @ down))
            far = smoothstep(lift / self._iod, *RAISED_FAR)
            if far > 0:
                target[points, :2] -= np.outer(far * lift * shares, down)

    def _uncross(self, target: np.ndarray, upper: np.ndarray, lower: np.ndarray) -> None:
        """Lips meet, and lids; they never pass through each other. A driver who presses the
        lips tighter than its neutral, or an edit that closes eyes already blinking, would
        otherwise push them across."""
        crossed = (target[lower, :2] - target[upper, :2]) @ self._axes[1] < 0
        topo.part(target, upper[crossed], lower[crossed])

    def _open_lids_as(self, target: np.ndarray, neutral: np.ndarray, driver: np.ndarray) -> None:
        """Each lid pair as open, as a share of its own rest gap, as the driver's is of its
        neutral: a blink is a blink on eyes of any size. Lids open by less than SHUT_BELOW of
        their rest are shut (they meet at expression.LIDS_MEET), so no line of iris shows
        through a blink that the driver's landmarks never quite close. The pair's midline
        keeps its motion (lids that move together with the gaze)."""
        down = topo.face_axes(neutral)[1]
        for _, upper, lower in topo.OPENINGS[1:]:  # the eyes
            share = np.clip(_gap(driver, upper, lower, down)
                            / np.maximum(_gap(neutral, upper, lower, down), 1e-6),
                            0.0, MAX_LID_SHARE)
            if np.median(share) < SHUT_BELOW:
                meet = target[lower] + LIDS_MEET * (target[upper] - target[lower])
                target[upper] = target[lower] = meet
                continue
            self._part_as_share(target, upper, lower, share)

    def _close_lips_as(self, target: np.ndarray, neutral: np.ndarray, driver: np.ndarray) -> None:
        """A driver's mouth closing from its neutral closes the portrait's by the same share
        of its own gap: shut lips shut a portrait whose photo is open mid-word exactly,
        whatever the two faces' proportions. Opening wider than the neutral keeps the
        expression's own, scaled, motion (continuous at the neutral: both give the photo's
        own gap there). Lips closed over a photo's teeth close all the way: the lips' colour
        covers what of the teeth is carried onto them (MouthInterior.cover_teeth)."""
        _, upper, lower = topo.OPENINGS[0]
        down = topo.face_axes(neutral)[1]
        neutral_gap = _gap(neutral, upper, lower, down)
        if np.median(neutral_gap) <= 1e-6:  # a shut neutral: nothing to close from
            return
        share = np.clip(_gap(driver, upper, lower, down) / np.maximum(neutral_gap, 1e-6), 0, 1)
        if np.median(share) < 1.0:  # closing
            self._part_as_share(target, upper, lower, share)

    def _part_as_share(self, target: np.ndarray, upper: np.ndarray, lower: np.ndarray,
                       share: np.ndarray) -> None:
        """Part an opening of `target` about its midline by `share` of the portrait's own gap."""
        rest = self._portrait[lower, :2] - self._portrait[upper, :2]
        half_gap = np.zeros((len(upper), target.shape[1]))
        half_gap[:, :2] = share[:, None] * rest / 2
        topo.part(target, upper, lower, half_gap)

    def _followed(self, motion: Motion) -> Similarity:
        """The pose with its scale change reduced to scale ** follow_distance, about the face
        centre, so the face still moves where the driver's moves."""
        pose = motion.pose
        centre = motion.reference[:topo.N_MESH].mean(0)
        scale = float(pose.scale ** self.follow_distance)
        moved = pose.apply(centre[None])[0]
        return Similarity(scale, pose.rotation, moved - scale * pose.rotation @ centre)


_BROWS_AND_EYES = np.concatenate([topo.BROWS, topo.RIGHT_EYE_RING, topo.LEFT_EYE_RING])


def _above(landmarks: np.ndarray, brow: np.ndarray,
           axes: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The mesh points above a `brow` (nearer it than the other brow) within FOREHEAD_REACH
    face widths of it, and the share of its lift each follows with."""
    right, down = axes
    xy = landmarks[:topo.N_MESH, :2]
    reach = FOREHEAD_REACH * np.ptp(landmarks[topo.FACE_OVAL, :2] @ right)
    nearest = np.linalg.norm(xy[:, None] - landmarks[topo.BROWS, :2][None], axis=2)
    closest = topo.BROWS[nearest.argmin(1)]
    ours = np.isin(closest, brow)
    higher = (xy @ down) < landmarks[closest, :2] @ down - 1e-6  # above its nearest brow point
    share = FOREHEAD_FOLLOWS * np.clip(1 - nearest.min(1) / reach, 0, 1)
    skin = ~np.isin(np.arange(len(xy)), _BROWS_AND_EYES)
    points = np.flatnonzero(ours & higher & skin & (share > 0))
    return points, share[points]


def _region_weights(landmarks: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """(478, regions): how much each point moves with each region: 1 on the region, falling off
    with distance from it. Normalised so no point is more than fully in regions."""
    xy = landmarks[:, :2]
    weights = np.zeros((len(xy), len(REGIONS)))
    for k, region in enumerate(REGIONS):
        nearest = np.linalg.norm(xy[:, None] - xy[region.points][None], axis=2).min(1)
        weights[:, k] = np.exp(-(nearest / (region.reach * max(widths[k], 1e-6))) ** 2)
    total = weights.sum(1, keepdims=True)
    return weights / np.maximum(total, 1.0)
