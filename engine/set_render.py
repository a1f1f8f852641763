"""Rendering a portrait set: per frame and per region (each half of the face, each eye, the
mouth), content from the photos whose state is nearest the target's, warped to the target
geometry and blended into the main photo's render.

Each photo weighs in a region by how near its state is (a smooth fall-off of a cost, not a
hard choice: measured on the GRID clips, a hard choice with a cross-fade gained 0.28 dB of
face PSNR and cut the mouth's L1 by 17%; smooth weights 0.56 dB and 24%). The weights lean
toward the photos shown now (hysteresis) and change no faster than a short cross-fade, so no
region ever pops. The photos are matched to the main photo's colour and light twice: once at
load (each channel's gain on the skin), and per frame by the difference along the region's
soft edge, spread smoothly over the region (a cheap membrane, as in seamless cloning), so no
seam shows.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from . import face_topology as topo
from .framing import Framing
from .geometry import Similarity, umeyama
from .mouth import MouthInterior, skin_pixels
from .portrait_set import FaceState, PortraitSet
from .render.texture import Texture, prepare_texture
from .warp import CoarseWarp, DenseMotion

FADE_SECONDS = 0.08  # a region's weights move at most from one photo to another in this long
# ...but an eye's over longer: a shut lid and an open eye differ more than any other pair of
# photos (measured: at 0.08 s a blink's change of photo moved the eye more per frame than 95%
# of a clip's own frames do).
EYE_FADE_SECONDS = 0.2
# Each photo's weight in a region falls off with its cost (below): exp(-cost / SHARPNESS). Low
# gives one photo at a time; high, a blur of all of them.
SHARPNESS = 0.3
STAY = 0.1  # hysteresis: a photo's cost is lowered by this times its weight now
MAIN_BONUS = 0.5  # the main photo's cost is lowered by this: it holds identity and light
POSE_DEGREES = 10.0  # a difference in yaw or pitch of this many degrees costs 1
MOUTH_OPEN_UNIT = 0.06  # mouth opening (gap / width) short of the target's that costs 1
# Warping can close a mouth that is too open (the lips meet over it) but cannot open a closed
# one (the inside must be invented): a photo's mouth this many times more open costs the same.
MOUTH_CLOSES = 5.0
MOUTH_WIDTH_UNIT = 0.08  # mouth width (over the eyes' distance) difference costing 1
EYE_OPEN_UNIT = 0.08  # eye opening (gap / width) difference costing 1
HALF_EXPRESSION_UNIT = 0.3  # for a half of the face: mouth and eye opening difference costing 1
MIN_WEIGHT = 0.03  # a photo weighing less in a region is left out of it (it would cost time)
MAX_PHOTOS = 3  # ...and a region shows at most this many photos at once
COLOUR_GAIN_LIMIT = (0.7, 1.4)
HALF_INSET = 0.94  # a half of the face: the face's outline shrunk by this about its centre
MOUTH_GROWTH = 1.35  # the mouth region: the outer lips grown by this about their centre  # a photo's colour is matched to the main's within this gain


@dataclass(frozen=True)
class Region:
    name: str
    kind: str  # "half", "eye" or "mouth"
    side: int  # halves and eyes: 0 the subject's right (image left), 1 the left


# Composited in this order: the halves first, then the eyes and the mouth over them.
REGIONS = (Region("right half", "half", 0), Region("left half", "half", 1),
           Region("right eye", "eye", 0), Region("left eye", "eye", 1),
           Region("mouth", "mouth", 0))


def region_cost(region: Region, target: FaceState, photo: FaceState, is_main: bool) -> float:
    """How far `photo` is from showing what `target` shows, in `region`."""
    pose = np.hypot(target.yaw - photo.yaw, target.pitch - photo.pitch) / POSE_DEGREES
    if region.kind == "mouth":
        short = target.mouth_open - photo.mouth_open
        cost = ((short if short > 0 else -short / MOUTH_CLOSES) / MOUTH_OPEN_UNIT
                + abs(target.mouth_width - photo.mouth_width) / MOUTH_WIDTH_UNIT + pose)
    elif region.kind == "eye":
        cost = abs(target.eye_open[region.side] - photo.eye_open[region.side]) / EYE_OPEN_UNIT + pose
    else:  # the cheek, jaw and lids move with the expression too, if less
        cost = pose + (abs(target.mouth_open - photo.mouth_open)
                       + abs(target.eye_open[region.side] - photo.eye_open[region.side])) / HALF_EXPRESSION_UNIT
    return float(cost - (MAIN_BONUS if is_main else 0.0))


class SourceFade:
    """One region's photos: each one's weight in the picture. The weights follow the costs
    continuously (a small change of target is a small change of weights, so nothing can flip
    between photos), lean toward the photos shown now (hysteresis), and move no faster than
    a cross-fade of `fade_seconds` (so even a jump of target cannot pop)."""

    def __init__(self, count: int, fade_seconds: float = FADE_SECONDS):
        self._fade_seconds = fade_seconds
        self.weights = np.zeros(count)
        self.weights[0] = 1.0

    def update(self, costs: np.ndarray, dt: float) -> np.ndarray:
        costs = costs - STAY * self.weights
        goal = np.exp(-(costs - costs.min()) / SHARPNESS)
        goal /= goal.sum()
        change = goal - self.weights
        largest, allowed = np.abs(change).max(), dt / self._fade_seconds
        if dt > 0 and largest > allowed:  # no past (the first frame): no fade
            change *= allowed / largest
        self.weights = self.weights + change
        return self.weights


@dataclass
class _Photo:
    """An extra photo, ready to sample: its texture (colour-matched to the main photo), the
    map from main-photo pixels to its own (off the face), its mouth interior."""

    landmarks: np.ndarray
    texture: Texture
    to_photo: Similarity
    mouth: MouthInterior


class SetCompositor:
    """Blends a set's extra photos into each rendered frame of its main photo."""

    def __init__(self, portrait_set: PortraitSet, framing: Framing, dense: DenseMotion):
        self._set = portrait_set
        self._framing = framing
        self._dense = dense
        main = portrait_set.main
        main_skin = np.median(skin_pixels(main.image, main.landmarks), 0)
        rigid = topo.rigid_points(main.landmarks)
        output_height = framing.output_size[1]
        self._photos: list[_Photo | None] = [None]
        for photo in portrait_set.extras:
            gain = np.clip(main_skin / np.maximum(
                np.median(skin_pixels(photo.image, photo.landmarks), 0), 1.0), *COLOUR_GAIN_LIMIT)
            image = np.clip(photo.image * gain, 0, 255).astype(np.uint8)
            to_photo = umeyama(main.landmarks[rigid, :2], photo.landmarks[rigid, :2])
            scale = framing.scale / to_photo.scale  # output pixels per photo pixel
            self._photos.append(_Photo(photo.landmarks, prepare_texture(image, scale, output_height),
                                       to_photo, MouthInterior(image, photo.landmarks)))
        self._fades = [SourceFade(len(portrait_set), EYE_FADE_SECONDS if region.kind == "eye"
                                 else FADE_SECONDS) for region in REGIONS]
        self._last_time: float | None = None

    @property
    def weights(self) -> np.ndarray:
        """(regions, photos): how much of each photo each region shows now."""
        return np.stack([fade.weights for fade in self._fades])

    def choose(self, target: np.ndarray, timestamp: float) -> None:
        """Update each region's sources for target landmarks (portrait pixels)."""
        if len(self._set) == 1:
            return
        dt = 0.0 if self._last_time is None else max(timestamp - self._last_time, 0.0)
        self._last_time = timestamp
        state = self._set.state_of(target)
        for region, fade in zip(REGIONS, self._fades):
            costs = np.array([region_cost(region, state, photo, i == 0)
                              for i, photo in enumerate(self._set.states)])
            fade.update(costs, dt)

    def apply(self, image: np.ndarray, warp: CoarseWarp, target: np.ndarray,
              weights: np.ndarray | None = None) -> None:
        """Blend the extra photos into `image` (the main photo's render of `warp`, output
        pixels) in place, with the weights of the last choose(), or these `weights`
        (regions, photos)."""
        if len(self._set) == 1:
            return
        t_out = self._framing.to_output(target)
        plan = []  # (region, its box, its photos' weights)
        for region, region_weights in zip(REGIONS, self.weights if weights is None else weights):
            kept = _strongest(region_weights)
            box = _region_box(region, t_out, image.shape) if kept[0] < 1.0 else None
            if box is not None:
                plan.append((region, box, kept))
        if not plan:
            return
        openings = self._dense.opening_raster(target)
        sampled = {}  # each photo warped once, over the boxes of all the regions showing it
        for index in sorted({i for _, _, kept in plan for i in np.flatnonzero(kept[1:]) + 1}):
            union = _union([box for _, box, kept in plan if kept[index] > 0])
            sampled[index] = union, self._sample(index, warp, target, openings, union)
        for region, (rows, cols), kept in plan:
            mask = _region_mask(region, t_out, rows, cols)
            base = image[rows, cols].astype(np.float32)
            extras = np.zeros_like(base)
            for index in np.flatnonzero(kept[1:]) + 1:
                (union_rows, union_cols), content = sampled[index]
                part = content[rows.start - union_rows.start:rows.stop - union_rows.start,
                               cols.start - union_cols.start:cols.stop - union_cols.start]
                if region.kind == "mouth":  # the photo's own mouth interior, where it opens wider
                    part = part.copy()
                    self._photos[index].mouth.apply(part, t_out - [cols.start, rows.start, 0.0])
                extras += kept[index] * part.astype(np.float32)
            # The colour match is linear in the content: done once on the photos' sum.
            mixed = kept[0] * base + _matched(extras, (1.0 - kept[0]) * base, mask)
            image[rows, cols] = np.clip(base + mask[..., None] * (mixed - base), 0,
                                        255).astype(np.uint8)

    def _sample(self, index: int, warp: CoarseWarp, target: np.ndarray, openings,
                box: tuple[slice, slice]) -> np.ndarray:
        """Photo `index` warped to the target over `box` (rows, columns) of the output."""
        photo = self._photos[index]
        rows, cols = box
        cells = self._dense.grid_cells(rows, cols)
        grid_map = self._dense.grid_map_into(warp, target, photo.landmarks, photo.to_photo,
                                             openings, cells)
        grid_x, grid_y = self._dense.grid_coordinates(rows, cols, cells)
        positions = cv2.remap(grid_map, grid_x, grid_y, cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        map_x, map_y = photo.texture.texel(positions[..., 0], positions[..., 1])
        return cv2.remap(photo.texture.image, map_x, map_y, cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)


def _union(boxes: list[tuple[slice, slice]]) -> tuple[slice, slice]:
    return (slice(min(b[0].start for b in boxes), max(b[0].stop for b in boxes)),
            slice(min(b[1].start for b in boxes), max(b[1].stop for b in boxes)))


def _strongest(weights: np.ndarray) -> np.ndarray:
    """A region's weights with only its MAX_PHOTOS heaviest photos, each of at least
    MIN_WEIGHT, kept (renormalised): each photo shown costs a warp and a blend."""
    kept = np.zeros_like(weights)
    for index in np.argsort(weights)[::-1][:MAX_PHOTOS]:
        if weights[index] >= MIN_WEIGHT:
            kept[index] = weights[index]
    return kept / kept.sum()


def _matched(content: np.ndarray, base: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`content` with the difference from `base` along the mask's soft edge spread smoothly
    over the region: the light and colour meet the main render's where the region ends."""
    edge = (4.0 * mask * (1.0 - mask))[..., None]
    sigma = max(min(mask.shape) / 4.0, 1.0)
    difference = _smooth(edge * (base - content), sigma)
    weight = _smooth(edge, sigma)
    return content + difference / np.maximum(weight, 1e-3)


def _smooth(image: np.ndarray, sigma: float) -> np.ndarray:
    """A wide Gaussian blur, done small: the result is smooth, and a full-size kernel of
    this width took most of a frame's time."""
    h, w = image.shape[:2]
    factor = max(1.0, sigma / 2.0)
    small = cv2.resize(image, (max(1, round(w / factor)), max(1, round(h / factor))),
                       interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / factor)
    out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return out.reshape(image.shape)


def _region_points(region: Region, t_out: np.ndarray) -> np.ndarray:
    """The outline of a region, output pixels (n, 2)."""
    if region.kind == "mouth":
        ring = t_out[topo.OUTER_LIP_RING, :2]
        return _grown(ring, MOUTH_GROWTH)
    if region.kind == "eye":
        ring = topo.RIGHT_EYE_RING if region.side == 0 else topo.LEFT_EYE_RING
        above = (topo.RIGHT_EYE_ABOVE if region.side == 0 else topo.LEFT_EYE_ABOVE)[1]
        points = t_out[np.concatenate([ring, above]), :2]
        return _grown(cv2.convexHull(points.astype(np.float32))[:, 0].astype(np.float64), 1.2)
    # Inside the face's edge: past it, the photo is only carried along with the main photo's
    # motion, which it may already show (a dropped jaw would drop twice).
    return _grown(t_out[topo.FACE_OVAL, :2], HALF_INSET)


def _grown(points: np.ndarray, factor: float) -> np.ndarray:
    centre = points.mean(0)
    return centre + factor * (points - centre)


def _feather(region: Region, t_out: np.ndarray) -> float:
    """The soft edge's width (Gaussian sigma), output pixels."""
    return max(0.04 * topo.interocular(t_out), 0.7)


def _region_box(region: Region, t_out: np.ndarray, shape: tuple[int, ...]):
    """The region's outline's box, with room for its soft edge, clipped; None if empty."""
    points = _region_points(region, t_out)
    pad = 3.0 * _feather(region, t_out) + 2
    x0, y0 = np.maximum(np.floor(points.min(0) - pad).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(points.max(0) + pad).astype(int), [shape[1], shape[0]])
    if x1 <= x0 or y1 <= y0:
        return None
    return slice(y0, y1), slice(x0, x1)


def _region_mask(region: Region, t_out: np.ndarray, rows: slice, cols: slice) -> np.ndarray:
    """Soft (0 to 1) mask of the region over the box `rows`, `cols`."""
    shape = (rows.stop - rows.start, cols.stop - cols.start)
    points = _region_points(region, t_out) - [cols.start, rows.start]
    mask = np.zeros(shape, np.float32)
    cv2.fillPoly(mask, [np.round(points * 4).astype(np.int32)], 1.0, lineType=cv2.LINE_AA,
                 shift=2)
    if region.kind == "half":
        # Split the oval along the face's midline (forehead to chin), softly.
        top, chin = t_out[10, :2], t_out[topo.CHIN, :2]
        normal = np.array([chin[1] - top[1], top[0] - chin[0]])
        normal /= max(np.linalg.norm(normal), 1e-9)
        ys, xs = np.mgrid[rows, cols]
        side = ((xs - top[0]) * normal[0] + (ys - top[1]) * normal[1]).astype(np.float32)
        width = 0.15 * topo.interocular(t_out)
        # The subject's right half is on the image's left, where `side` is negative.
        side = side if region.side == 1 else -side
        mask *= np.clip(side / width + 0.5, 0.0, 1.0)
    return cv2.GaussianBlur(mask, (0, 0), _feather(region, t_out))
