"""Rendering a portrait set: per frame and per region (each half of the face, each eye, the
mouth), content from the photos whose state is nearest the target's, warped to the target
geometry and blended into the main photo's render.

Each photo weighs in a region by how near its state is (a smooth fall-off of a cost, not a
hard choice: measured on the GRID clips, a hard choice with a cross-fade gained 0.28 dB of
face PSNR and cut the mouth's L1 by 17%; smooth weights 0.54 dB and 27%). The weights lean
toward the photos shown now (hysteresis) and change no faster than a short cross-fade, so no
region ever pops. The photos are matched to the main photo's colour and light twice: once at
load (each channel's gain on the skin), and per frame by the difference along the region's
soft edge, spread smoothly over the region (a cheap membrane, as in seamless cloning), so no
seam shows.

Only the eyes and the mouth (lids, lashes, teeth) are drawn at full resolution; the halves'
shading and shape and all the colour matching are smooth, and worked out on a coarse lattice
of whole-pixel cells (lattice.py; measured at 512x512 on a GRID set: a third of the time of
doing all of it at full resolution; at the same weights 0.06 dB less face PSNR, which
smoother weights win back), whose every upsampling is then a quick integer-factor resize.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from . import face_topology as topo
from .framing import Framing
from .geometry import umeyama
from .mouth import MouthInterior, Placement, SeenInside, moved_placement, skin_pixels
from .portrait_set import FaceState, PortraitSet
from .render.texture import Texture, prepare_texture
from .lattice import Lattice
from .warp import CoarseWarp, DenseMotion, union_box

FADE_SECONDS = 0.08  # a region's weights move at most from one photo to another in this long
# ...but an eye's over longer: a shut lid and an open eye differ more than any other pair of
# photos (measured: at 0.08 s a blink's change of photo moved the eye more per frame than 95%
# of a clip's own frames do).
EYE_FADE_SECONDS = 0.2
# Each photo's weight in a region falls off with its cost (below): exp(-cost / SHARPNESS). Low
# gives one photo at a time; high, a blur of all of them (on the GRID clips 0.3 gained 0.48 dB
# and cut the mouth's L1 by 25%, 0.55 0.54 dB and 27%, 0.7 no more).
SHARPNESS = 0.55
STAY = 0.1  # hysteresis: a photo's cost is lowered by this times its weight now
MAIN_BONUS = 0.5  # the main photo's cost is lowered by this
POSE_DEGREES = 10.0  # a difference in yaw or pitch of this many degrees costs 1
MOUTH_OPEN_UNIT = 0.06  # mouth opening (gap / width) short of the target's that costs 1
# Warping can close a mouth that is too open (the lips meet over it) but cannot open a closed
# one (the inside must be invented): a photo's mouth this many times more open costs the same.
MOUTH_CLOSES = 5.0
MOUTH_WIDTH_UNIT = 0.08  # mouth width (over the eyes' distance) difference costing 1
EYE_OPEN_UNIT = 0.08  # eye opening (gap / width) difference costing 1
HALF_EXPRESSION_UNIT = 0.3  # for a half of the face: mouth and eye opening difference costing 1
MIN_WEIGHT = 0.08  # a photo weighing less in a region is left out of it (measured on the GRID
# protocol: 5% of its time for 0.005 dB of face PSNR against 0.03; 0.1 loses 0.013 dB)
MAX_PHOTOS = 3  # ...and a region shows at most this many photos at once
COLOUR_GAIN_LIMIT = (0.7, 1.4)  # a photo's colour is matched to the main's within this gain
HALF_INSET = 0.94  # a half of the face: the face's outline shrunk by this about its centre
HALF_SPLIT = 0.15  # ...and cut along the midline softly over this many eye distances
FEATHER = 0.04  # a region's soft edge (Gaussian sigma), in eye distances
MOUTH_GROWTH = 1.35  # the mouth region: the outer lips grown by this about their centre
# An eye's or the mouth's sharp photos are drawn this many feathers past its outline: its mask
# is 2% there (measured on a GRID set at 512x512: 68 pixels in 100 frames one level off the
# same drawn to 3 feathers, for a tenth less time).
DRAWN_REACH = 2.0
# The halves and the light are blended on every this-many-th cell of the motion grid, each
# way (6 px at 512x512, 15 at 1280x720): they carry shading and shape, not detail. Against
# every 2nd: a GRID set at 1280x720 differs by 48 dB PSNR at worst over 120 frames, the set
# protocol's face PSNR gain is +0.60 dB instead of +0.63, and the set costs 0.7 ms less.
STRIDE = 3
# Bilinear sampling at random places between texels blurs by a tent; on the lattice, by about
# this kernel (on the GRID protocol: +0.025 dB of face PSNR over cell means alone; 1/12 or 1/6
# each side both lose a little).
SAMPLING_BLUR = np.float32([0.125, 0.75, 0.125])


@dataclass(frozen=True)
class Region:
    name: str
    kind: str  # "half", "eye" or "mouth"
    side: int  # halves and eyes: 0 the subject's right (image left), 1 the left


# Composited in this order: the halves first, then the eyes and the mouth over them.
REGIONS = (Region("right half", "half", 0), Region("left half", "half", 1),
           Region("right eye", "eye", 0), Region("left eye", "eye", 1),
           Region("mouth", "mouth", 0))


def region_costs(target: FaceState, photos: np.ndarray) -> np.ndarray:
    """How far each photo (rows: FaceState.vector(), the main photo first) is from showing
    what `target` shows, in each of REGIONS: (regions, photos)."""
    mouth_open, mouth_width, right_eye, left_eye, yaw, pitch = (photos - target.vector()).T
    pose = np.hypot(yaw, pitch) / POSE_DEGREES
    eyes = (right_eye, left_eye)
    by_kind = {
        "mouth": lambda side: (np.where(mouth_open < 0, -mouth_open, mouth_open / MOUTH_CLOSES)
                               / MOUTH_OPEN_UNIT + np.abs(mouth_width) / MOUTH_WIDTH_UNIT + pose),
        "eye": lambda side: np.abs(eyes[side]) / EYE_OPEN_UNIT + pose,
        # the cheek, jaw and lids move with the expression too, if less
        "half": lambda side: pose + (np.abs(mouth_open) + np.abs(eyes[side])) / HALF_EXPRESSION_UNIT}
    costs = np.stack([by_kind[region.kind](region.side) for region in REGIONS])
    costs[:, 0] -= MAIN_BONUS  # it holds identity and light
    return costs


class SourceFades:
    """Each region's photos: each one's weight in the picture, (regions, photos). The weights
    follow the costs continuously (a small change of target is a small change of weights, so
    nothing can flip between photos), lean toward the photos shown now (hysteresis), and
    move no faster than a cross-fade of the region's `fade_seconds` (so even a jump of
    target cannot pop)."""

    def __init__(self, count: int, fade_seconds: np.ndarray):
        self._fade_seconds = fade_seconds
        self.weights = np.zeros((len(fade_seconds), count))
        self.weights[:, 0] = 1.0

    def update(self, costs: np.ndarray, dt: float) -> np.ndarray:
        costs = costs - STAY * self.weights
        goal = np.exp(-(costs - costs.min(1, keepdims=True)) / SHARPNESS)
        goal /= goal.sum(1, keepdims=True)
        change = goal - self.weights
        if dt > 0:  # no past (the first frame): no fade
            largest = np.maximum(np.abs(change).max(1), 1e-12)
            change *= np.minimum(dt / self._fade_seconds / largest, 1.0)[:, None]
        self.weights = self.weights + change
        return self.weights


@dataclass
class _Photo:
    """An extra photo, ready to sample: its texture (colour-matched to the main photo) at full
    resolution and blurred to the lattice's cells (float: the smooth terms are), its mouth
    interior."""

    texture: Texture
    coarse: Texture
    mouth: MouthInterior

    def sample(self, positions: np.ndarray, texture: Texture,
               out: np.ndarray | None = None) -> np.ndarray:
        """`texture` (one of the photo's) at `positions` (rows, cols, 2: x, y; its own pixels),
        into `out` if given."""
        return cv2.remap(texture.image, texture.texels(positions), None, cv2.INTER_LINEAR,
                         dst=out, borderMode=cv2.BORDER_REPLICATE)


@dataclass(frozen=True)
class _Shown:
    """A region shown in a frame: its photos' weights, outline and box (output pixels)."""

    region: Region
    kept: np.ndarray  # each photo's weight
    outline: np.ndarray
    box: tuple[slice, slice]


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
        # The lattice of the smooth terms: its points on every STRIDE-th grid cell, where
        # whole pixels allow (they then share the grid's rasterised mesh exactly).
        self._spacing = max(1, round(STRIDE * dense.cell_size))
        self._anchor = round(0.5 * dense.cell_size - 0.5 - (self._spacing - 1) / 2)
        self._photos: list[_Photo | None] = [None]
        geometry = []  # each extra's landmarks and map from main-photo pixels to its own
        for photo in portrait_set.extras:
            gain = np.clip(main_skin / np.maximum(
                np.median(skin_pixels(photo.image, photo.landmarks), 0), 1.0), *COLOUR_GAIN_LIMIT)
            image = np.clip(photo.image * gain, 0, 255).astype(np.uint8)
            to_photo = umeyama(main.landmarks[rigid, :2], photo.landmarks[rigid, :2])
            scale = framing.scale / to_photo.scale  # output pixels per photo pixel
            self._photos.append(_Photo(prepare_texture(image, scale, output_height),
                                       _as_float(prepare_texture(image, scale / self._spacing,
                                                                 output_height)),
                                       MouthInterior(image, photo.landmarks)))
            geometry.append((photo.landmarks, to_photo))
        self._others = dense.other_photos(geometry) if geometry else None
        self._fades = SourceFades(len(portrait_set), np.array(
            [EYE_FADE_SECONDS if region.kind == "eye" else FADE_SECONDS for region in REGIONS]))
        self._last_time: float | None = None
        self._states = np.stack([state.vector() for state in portrait_set.states])

    @property
    def weights(self) -> np.ndarray:
        """(regions, photos): how much of each photo each region shows now."""
        return self._fades.weights

    def choose(self, target: np.ndarray, timestamp: float) -> None:
        """Update each region's sources for target landmarks (portrait pixels)."""
        if len(self._set) == 1:
            return
        dt = 0.0 if self._last_time is None else max(timestamp - self._last_time, 0.0)
        self._last_time = timestamp
        self._fades.update(region_costs(self._set.state_of(target), self._states), dt)

    def apply(self, image: np.ndarray, warp: CoarseWarp, target: np.ndarray,
              weights: np.ndarray | None = None, mouth: Placement | None = None,
              seen: SeenInside | None = None) -> None:
        """Blend the extra photos into `image` (the main photo's render of `warp`, output
        pixels) in place, with the weights of the last choose(), or these `weights`
        (regions, photos). `mouth`: where the main render placed the mouth's interior, if it
        painted one (MouthInterior.apply): the photos' interiors take the same place, and
        show the driver's `seen` one as it does.

        In order, each region shown puts a mix of its photos over what is there:
        out = under + mask * (mix - under + light), the light being the difference to the
        main render along the region's edge spread over it; the halves over the main render,
        the eyes and the mouth over the halves. Expanded, that is the main render, plus one
        smooth term (the halves' differences to it and every light), plus each eye's and
        the mouth's photos' differences by their weights. All but the last is worked out on
        the lattice: the halves bring shading and shape, while their fine detail stays the
        main render's, in the same place on the face (both follow the target mesh). The eyes
        and mouth bring lids, lashes and teeth: those are drawn at full resolution."""
        if len(self._set) == 1:
            return
        t_out = self._framing.to_output(target)
        feather = max(FEATHER * topo.interocular(t_out), 0.7)  # output pixels
        shown = []
        for region, kept in zip(REGIONS, _strongest(self.weights if weights is None else weights)):
            if kept[0] < 1.0:
                outline = _region_points(region, t_out)
                box = _box(outline, 3.0 * feather + 2, image.shape)
                if box is not None:
                    shown.append(_Shown(region, kept, outline, box))
        if not shown:
            return
        rows, cols = union_box(*(region.box for region in shown))
        lattice = Lattice.over(rows, cols, self._spacing, self._anchor)
        photos = sorted({i for region in shown for i in np.flatnonzero(region.kept[1:]) + 1})
        maps = self._dense.maps_at(warp, target, self._others.take([i - 1 for i in photos]),
                                   *lattice.axes())
        masks, light = self._light(image, lattice, maps, t_out, feather, shown, photos)
        out = cv2.add(image[rows, cols], lattice.upsample(light, rows, cols), dtype=cv2.CV_8U)
        for k, region in enumerate(shown):
            if region.region.kind != "half":
                drawn = _box(region.outline, DRAWN_REACH * feather + 1, image.shape) or region.box
                inner = (slice(drawn[0].start - rows.start, drawn[0].stop - rows.start),
                         slice(drawn[1].start - cols.start, drawn[1].stop - cols.start))
                out[inner] = cv2.add(out[inner], self._detail(image, region, drawn, k, masks,
                                                              maps, lattice, photos, t_out,
                                                              mouth, seen),
                                     dtype=cv2.CV_8U)
        image[rows, cols] = out

    def _detail(self, image: np.ndarray, shown: _Shown, drawn: tuple[slice, slice], k: int,
                masks: list[np.ndarray], maps: np.ndarray, lattice: Lattice, photos: list[int],
                t_out: np.ndarray, mouth: Placement | None,
                seen: SeenInside | None) -> np.ndarray:
        """What an eye or the mouth adds over the box it is `drawn` in, at full resolution
        (see apply): its photos' sum by weight, less as much of the main render (`image`), by
        its mask (`masks[k]`, on the lattice). `mouth`: the main render's mouth placement;
        `seen`: the driver's interior it showed."""
        mask = lattice.upsample(masks[k], *drawn)
        # Less the main render: folded into the first photo's weighted add.
        added, weight = image[drawn], float(shown.kept[0]) - 1.0
        t_drawn = t_out - [drawn[1].start, drawn[0].start, 0.0]
        placed = (moved_placement(mouth, drawn[1].start, drawn[0].start, added.shape)
                  if shown.region.kind == "mouth" else None)
        for j, index in enumerate(photos):
            if shown.kept[index] > 0:
                photo = self._photos[index]
                content = photo.sample(lattice.upsample(maps[j], *drawn), photo.texture)
                if shown.region.kind == "mouth":  # its own interior, where it opens wider
                    placed = photo.mouth.apply(content, t_drawn, placed, seen)
                added = cv2.addWeighted(content, float(shown.kept[index]), added, weight, 0.0,
                                        dtype=cv2.CV_32F)
                weight = 1.0
        return cv2.multiply(added, mask)

    def _light(self, image: np.ndarray, lattice: Lattice, maps: np.ndarray, t_out: np.ndarray,
               feather: float, shown: list[_Shown],
               photos: list[int]) -> tuple[list[np.ndarray], np.ndarray]:
        """Each region's mask (rows, cols, 3: as the colours) and the smooth term of the blend
        (see apply) on the `lattice`: the halves' photos' differences to the main render
        (`image`) and the light."""
        cell = lattice.spacing
        # The main render, blurred as the photos' coarse samples are: averaged over the cells
        # (as their textures are), then once more as by sampling between texels.
        under = cv2.sepFilter2D(lattice.average(image), -1, SAMPLING_BLUR, SAMPLING_BLUR,
                                borderType=cv2.BORDER_REPLICATE)
        samples = np.empty((len(photos),) + under.shape, np.float32)
        for k, i in enumerate(photos):
            self._photos[i].sample(maps[k], self._photos[i].coarse, samples[k])
        midline = lattice.to_lattice(t_out[[10, topo.CHIN]])  # forehead to chin
        split = HALF_SPLIT * topo.interocular(t_out) / cell
        halves = [region for region in shown if region.region.kind == "half"]
        if halves:  # both share the face's outline, cut along the midline
            face = _filled(lattice.to_lattice(halves[0].outline), lattice.shape)
            left = face * _left_of(midline, lattice.shape, split)
            by_side = (face - left, left)
        masks = np.dstack([by_side[region.region.side] if region.region.kind == "half" else
                           _filled(lattice.to_lattice(region.outline), lattice.shape)
                           for region in shown])
        masks = cv2.GaussianBlur(masks, (0, 0), feather / cell).reshape(masks.shape)
        masks = np.ascontiguousarray(masks.transpose(2, 0, 1))
        # ...and each as three channels, as the colours: NumPy broadcasts slowly along an
        # axis of three (several times the time of the product itself).
        masks3 = [cv2.merge([mask] * 3) for mask in masks]
        # Each region's photos' mix, less as much of the main render.
        kept = np.array([region.kept[photos] for region in shown], np.float32)
        others = [1.0 - float(region.kept[0]) for region in shown]
        mixes = ((kept @ samples.reshape(len(photos), -1)).reshape((len(shown),) + under.shape)
                 - np.float32(others)[:, None, None, None] * under)

        def sigma(group: list[int]) -> float:  # the light's reach: a quarter of the region
            return min(min(r.stop - r.start, c.stop - c.start) for r, c in
                       (shown[k].box for k in group)) / 4.0 / cell

        # Each half is matched to the main render along its edge, then the eyes and the mouth
        # (as one: they lie apart) to what is under them; their photos, drawn sharp (apply),
        # cover that much of the halves.
        out = np.zeros(under.shape, np.float32)
        for k, region in enumerate(shown):
            if region.region.kind == "half":
                difference = others[k] * out - mixes[k]  # what the half covers, less it
                out += masks3[k] * (_edge_light(masks3[k] * difference, masks[k], masks3[k],
                                                sigma([k])) - difference)
        tops = [k for k, region in enumerate(shown) if region.region.kind != "half"]
        if tops:  # as one region, each point of it the tops' mix there by their masks
            cover = masks[tops].sum(0)
            cover3 = cv2.merge([cover] * 3)
            shown_over = sum(masks3[k] * others[k] for k in tops) * out  # what they cover...
            difference = shown_over - sum(masks3[k] * mixes[k] for k in tops)  # ...less them
            out += cover3 * _edge_light(difference, cover, cover3, sigma(tops)) - shown_over
        return masks3, out


def _as_float(texture: Texture) -> Texture:
    return replace(texture, image=texture.image.astype(np.float32))


def _strongest(weights: np.ndarray) -> np.ndarray:
    """Each region's weights (regions, photos) with only its MAX_PHOTOS heaviest photos, each
    of at least MIN_WEIGHT, kept (renormalised): each photo shown costs a warp and a blend."""
    rows = np.arange(len(weights))[:, None]
    heaviest = np.argsort(-weights, 1)[:, :MAX_PHOTOS]
    kept = np.zeros_like(weights)
    kept[rows, heaviest] = weights[rows, heaviest]
    kept[kept < MIN_WEIGHT] = 0.0
    return kept / kept.sum(1, keepdims=True)


def _edge_light(weighted: np.ndarray, mask: np.ndarray, mask3: np.ndarray,
                sigma: float) -> np.ndarray:
    """The difference (main render minus content; `weighted` is it times the mask) along the
    mask's soft edge, spread smoothly over the region (a cheap membrane, as in seamless
    cloning): added to the content, its light and colour meet the main render's where the
    region ends. The spreading is a wide Gaussian blur done small: the result is smooth, and
    a full-size kernel this wide took most of a frame's time. `mask3`: the mask as three
    channels."""
    h, w = mask.shape
    edge = mask * (1.0 - mask)  # the edge's weight; times the difference, as below
    factor = max(1.0, sigma / 2.0)
    size = (max(1, round(w / factor)), max(1, round(h / factor)))

    def spread(image: np.ndarray) -> np.ndarray:
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        return cv2.GaussianBlur(small, (0, 0), sigma / factor).reshape(small.shape)

    light = spread((1.0 - mask3) * weighted) / np.maximum(spread(edge), 2.5e-4)[..., None]
    return cv2.resize(light, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, 3)


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


def _box(points: np.ndarray, pad: float, shape: tuple[int, ...]):
    """The box of `points` (output pixels) padded by `pad`, clipped; None if empty."""
    x, y = points[:, 0], points[:, 1]
    x0, y0 = max(math.floor(x.min() - pad), 0), max(math.floor(y.min() - pad), 0)
    x1, y1 = min(math.ceil(x.max() + pad), shape[1]), min(math.ceil(y.max() + pad), shape[0])
    if x1 <= x0 or y1 <= y0:
        return None
    return slice(y0, y1), slice(x0, x1)


def _filled(outline: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Mask (0 to 1) of `shape` inside `outline` (mask pixels), antialiased."""
    mask = np.zeros(shape, np.float32)
    cv2.fillPoly(mask, [np.round(outline * 4).astype(np.int32)], 1.0, lineType=cv2.LINE_AA,
                 shift=2)
    return mask


def _left_of(midline: np.ndarray, shape: tuple[int, int], split: float) -> np.ndarray:
    """How much of each pixel of `shape` lies on the subject's left of the `midline`
    (forehead, chin; mask pixels): 0 to 1 over `split` (mask pixels) across it."""
    top, chin = midline
    normal = np.array([chin[1] - top[1], top[0] - chin[0]])
    normal /= max(np.linalg.norm(normal), 1e-9) * split
    # The subject's left is on the image's right, where this is positive.
    side = ((np.arange(shape[1]) - top[0]) * normal[0])[None, :] \
        + ((np.arange(shape[0]) - top[1]) * normal[1])[:, None]
    return np.clip(side + 0.5, 0.0, 1.0).astype(np.float32)
