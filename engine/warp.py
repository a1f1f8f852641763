"""Dense motion: for every output pixel, where to sample the portrait (a backward map).

Inside the face the target mesh is rasterised with a z-buffer and barycentric coordinates carry
each pixel back to the portrait. Eye openings sample the eyeball unsquashed (placed by the eye
corners, shifted by the iris), so lids close over the eye instead of squashing it. Outside the
face, hair, ears and neck follow the face edge with a smooth fall-off; body and background stay.
The map is computed on a grid a few pixels apart and upsampled: it is smooth, and the exact
framing is added back at full resolution so a still face returns the portrait itself.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import cv2
import numpy as np

from . import face_topology as topo
from .framing import Framing
from .geometry import Similarity, signed_areas, umeyama
from .head_shell import HeadShell
from .lattice import Lattice
from .mesh import LEFT_EYE_INTERIOR, RIGHT_EYE_INTERIOR, SKIN
from .portrait import Portrait
from .ramp import smoothstep, smoothstep_at

GRID_TARGET = 256  # at most this many grid samples along the long side of the output
COARSE_TARGET = 48  # the outside field is smoother still: this many samples on the long side
# Distances from the face edge, in face widths: full follow up to the first, none past the second.
HEAD_FALLOFF = (0.3, 1.0)  # rigid head motion (hair, ears, neck)
# A head moved far spreads its fall-off wider: the follow may change by at most this much
# (output pixels per output pixel) across it, so the field never squeezes the hair and neck
# beside the face to under half their area, nor folds them.
FALLOFF_SLOPE = 0.5
NECK_NARROWING = 1.5  # below the chin the fall-off is this much quicker per face width down
# ...or quicker still where the photo ends close below the chin (DenseMotion._neck_narrowing),
# with the neck's stretch held to this (output pixels per pixel): the face edge's own motion
# (EDGE_FALLOFF) adds up to FALLOFF_SLOPE of its own just below the chin, and the two together
# must stay under 1 or the neck folds (at 0.75 sadtalker_aoc's neck folded in 23 frames, at
# 0.5 in one).
NECK_SLOPE = 0.4
# The most the neck below the chin is sheared (output pixels sideways per pixel down), and
# the least height it keeps (a share of the photo's), down a column: past them the column's
# follow is spread evenly over the depth it already reaches (DenseMotion._neck_evened). At
# both, a cell keeps about 0.4 - 0.8 x 0.1 of its area where the head's tilt turns the
# follow by a tenth across: over the area limit, 0.25.
NECK_SHEAR = 0.8
NECK_STRETCH = 0.4
# Where a column's follow below the chin has come within this share of its end, the body
# begins: what moves below the chin is not made to reach further.
NECK_SETTLED = 0.05
EDGE_FALLOFF = (0.0, 0.12)  # the face edge's own non-rigid motion
# ...spread from points all along the outline: each stretch between two of its landmarks
# cut into this many (DenseMotion._outside_field).
OUTLINE_STEPS = 4
SHELL_FROM_DEG = (3.0, 10.0)  # out-of-plane turn over which the head shell takes over
# Closing lids: from this share of the way closed the margins sample lid skin, fully by the
# second; by this share of the way to the skin above.
LID_SKIN_FROM = (0.5, 0.95)
LID_SKIN_SHIFT = 0.3
SHARPEN_CELLS = 2  # grid cells about an eye or the mouth mapped exactly (DenseMotion._sharpen)
# The field outside the face, beside its outline, is kept off the photo's face over this many
# face widths (DenseMotion._off_the_face).
OFF_THE_FACE = 0.2
# ...a sample past the target's outline shows the photo at least this share as far past its own
OFF_THE_FACE_SHARE = 0.5
UNDER_CHIN = 0.15  # ...fading out over this many face widths down to the chin's level

# Neighbouring grid samples whose portrait positions lie this many cells' worth apart (or
# more) are either side of a jump in the map, which is then worked out per pixel between them
# (DenseMotion._jumps).
JUMP_CELLS = 3.0
# ...and so are a sample off the face and its neighbour on it where the first maps this many
# cells' worth further out of the photo's face (a turned cheek's outline).
EDGE_CELLS = 1.0


@dataclass(frozen=True)
class WarpField:
    map_x: np.ndarray  # (H, W) float32, portrait x to sample for each output pixel
    map_y: np.ndarray
    face: tuple[slice, slice] | None = None  # output rows, columns where the face moves


@dataclass(frozen=True)
class BaseMaps:
    """The portrait position of every output pixel at rest (the framing): fixed per animator."""

    x: np.ndarray  # (H, W) float32
    y: np.ndarray


@dataclass(frozen=True)
class Patch:
    """Output pixels whose portrait positions are set exactly (a seam the grid cannot hold)."""

    rows: np.ndarray  # (n,) int64 output pixel rows
    cols: np.ndarray
    src: np.ndarray  # (n, 2) float32 portrait x, y

    @staticmethod
    def empty() -> "Patch":
        return Patch(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 2), np.float32))


@dataclass(frozen=True)
class CoarseWarp:
    """A backward map in its compact form: a displacement grid, bilinearly upsampled to the
    output and added to the framing (`base`), then `patches` written over it. A GPU renderer
    uploads this (kilobytes) and expands it there; `expand` does it on the CPU."""

    displacement: np.ndarray  # (gh, gw, 2) float32, portrait pixels
    base: BaseMaps
    patches: tuple[Patch, ...]
    face: tuple[slice, slice]
    # The target mesh on the grid, for a set's other photos (maps_at): layer 0 its
    # front-facing triangles, layer 1 (a portrait set's) its openings whichever way they face.
    raster: "Raster | None" = None

    def moving(self, more_than: float, since: "CoarseWarp | None" = None) -> np.ndarray:
        """(gh, gw) bool: the grid cells whose map moves more than `more_than` portrait
        pixels along x or y from the framing (or from `since`'s map). (Per component: a max
        over the last axis of two is NumPy's slow path.)"""
        d = np.abs(self.displacement if since is None else self.displacement - since.displacement)
        return np.maximum(d[..., 0], d[..., 1]) > more_than

    def moving_box(self, more_than: float, margin: int, shape: tuple[int, int],
                   since: "CoarseWarp | None" = None) -> tuple[slice, slice] | None:
        """Rows and columns of an image of `shape` (the output, or a coarser image laid over
        it) holding the cells that move (`moving`), grown by `margin` cells; None: none do."""
        return cells_box(self.moving(more_than, since), margin, shape)

    def patched_box(self) -> tuple[slice, slice] | None:
        """Rows and columns holding every patch's pixels (None: no patch has any). A patch
        can move (an eyeball turning within its eye) where the grid does not."""
        return union_box(*(
            (slice(int(p.rows.min()), int(p.rows.max()) + 1),
             slice(int(p.cols.min()), int(p.cols.max()) + 1))
            for p in self.patches if len(p.rows)))

    def expand(self, box: tuple[slice, slice] | None = None) -> WarpField:
        """The map at every output pixel, or at those of `box` (rows, columns; its face box
        then given within it)."""
        h, w = self.base.x.shape
        if box is None:
            rows, cols = slice(0, h), slice(0, w)
            moved = cv2.resize(self.displacement, (w, h), interpolation=cv2.INTER_LINEAR)
        else:
            rows, cols = box
            moved = self.upsampled(self.displacement, rows, cols)
        map_x = self.base.x[rows, cols] + moved[..., 0]
        map_y = self.base.y[rows, cols] + moved[..., 1]
        for patch in self.patches:
            inside = ((patch.rows >= rows.start) & (patch.rows < rows.stop)
                      & (patch.cols >= cols.start) & (patch.cols < cols.stop))
            at = patch.rows[inside] - rows.start, patch.cols[inside] - cols.start
            map_x[at], map_y[at] = patch.src[inside, 0], patch.src[inside, 1]
        face = None if self.face is None else tuple(
            slice(max(f.start, b.start) - b.start, max(min(f.stop, b.stop) - b.start, 0))
            for f, b in zip(self.face, (rows, cols)))
        return WarpField(map_x, map_y, face)

    def upsampled(self, values: np.ndarray, rows: slice, cols: slice) -> np.ndarray:
        """`values` on the grid (gh, gw[, channels]; float32, the displacement's or any other)
        upsampled at the output pixels `rows` x `cols`, as the whole frame's upsampling gives
        them there: at a whole number of pixels per cell, only the cells about the box are
        resized (lattice.py)."""
        (h, w), (gh, gw) = self.base.x.shape, self.displacement.shape[:2]
        spacing = w // gw
        if w == gw * spacing and h == gh * spacing:
            return Lattice(0, 0, (gh, gw), spacing).upsample(values, rows, cols)
        return cv2.resize(values, (w, h), interpolation=cv2.INTER_LINEAR)[rows, cols]


def _past_outline(points: np.ndarray, outline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How far `points` (n, 2) lie outside the closed polygon `outline` (k, 2), negative
    inside, and the unit way out from each: away from its nearest point on the two sides at
    its nearest corner, inside or out by that side's outward normal. (x and y apart: NumPy
    is slow along an axis of two.)"""
    px, py = points[:, 0], points[:, 1]
    ox, oy = outline[:, 0], outline[:, 1]
    # The outward normal of side (dx, dy) is (dy, -dx) where the shoelace area is positive.
    turn = np.sign(np.sum(ox * np.roll(oy, -1) - np.roll(ox, -1) * oy)) or 1.0
    corner = np.argmin((px[:, None] - ox) ** 2 + (py[:, None] - oy) ** 2, 1)
    best = np.full(len(points), np.inf)
    signed = np.zeros(len(points))
    away_x, away_y = np.zeros(len(points)), np.zeros(len(points))
    for first, second in ((corner, (corner + 1) % len(outline)),
                          ((corner - 1) % len(outline), corner)):  # the sides after, before
        ax, ay = ox[first], oy[first]
        abx, aby = ox[second] - ax, oy[second] - ay
        along = np.clip(((px - ax) * abx + (py - ay) * aby)
                        / np.maximum(abx * abx + aby * aby, 1e-12), 0.0, 1.0)
        offx, offy = px - (ax + along * abx), py - (ay + along * aby)
        gap = np.hypot(offx, offy)
        side = np.where(turn * (offx * aby - offy * abx) >= 0.0, 1.0, -1.0)
        nearer = gap < best
        best[nearer], signed[nearer] = gap[nearer], side[nearer]
        away_x[nearer], away_y[nearer] = offx[nearer], offy[nearer]
    unit = signed / np.maximum(best, 1e-9)
    return signed * best, np.stack([away_x * unit, away_y * unit], 1)


def _along_outline(outline: np.ndarray) -> np.ndarray:
    """A closed outline's points with OUTLINE_STEPS - 1 more evenly between each and the next."""
    along = np.arange(OUTLINE_STEPS) / OUTLINE_STEPS
    step = np.roll(outline, -1, 0) - outline
    return (outline[:, None] + along[None, :, None] * step[:, None]).reshape(-1, outline.shape[1])


def union_box(*boxes: tuple[slice, slice] | None) -> tuple[slice, slice] | None:
    """The rows and columns holding every box given (None: no box; None if none is)."""
    boxes = [box for box in boxes if box is not None]
    if not boxes:
        return None
    return tuple(slice(min(box[k].start for box in boxes), max(box[k].stop for box in boxes))
                 for k in range(2))


def cells_box(cells: np.ndarray, margin: int,
              shape: tuple[int, int]) -> tuple[slice, slice] | None:
    """Rows and columns of an image of `shape` laid over the grid that hold the `cells`
    ((gh, gw) bool), grown by `margin` cells; None: there are none."""
    rows, cols = np.flatnonzero(cells.any(1)), np.flatnonzero(cells.any(0))
    if not len(rows):
        return None
    (gh, gw), (h, w) = cells.shape, shape
    return (_cells_to_pixels(rows[0] - margin, rows[-1] + 1 + margin, gh, h),
            _cells_to_pixels(cols[0] - margin, cols[-1] + 1 + margin, gw, w))


def _cells_to_pixels(first: int, last: int, cells: int, pixels: int) -> slice:
    """The pixels (of `pixels` across) under grid cells first..last (of `cells`), clipped."""
    first, last = max(first, 0), min(last, cells)
    return slice(first * pixels // cells, -(-last * pixels // cells))


@dataclass(frozen=True)
class Raster:
    """Covered grid pixels (flat indices), their triangle and barycentric coordinates."""

    pixels: np.ndarray
    triangles: np.ndarray
    bary: np.ndarray  # (n, 3)

    def layer(self, k: int, size: int) -> "Raster":
        """Layer `k` of a raster of several (see rasterize) of `size` pixels each."""
        first, last = np.searchsorted(self.pixels, [k * size, (k + 1) * size])
        return Raster(self.pixels[first:last] - k * size, self.triangles[first:last],
                      self.bary[first:last])


def rasterize(tri_xy: np.ndarray, tri_z: np.ndarray, width: int, height: int,
              layers: np.ndarray | None = None) -> Raster:
    """Z-buffered rasterisation of triangles (T, 3, 2) at integer pixel centres.

    Every candidate pixel of every triangle's bounding box is tested at once (NumPy), and per
    pixel the nearest (smallest z) triangle wins. Pixels on shared edges belong to both
    triangles before the z-test, so there are no cracks. `layers` (T,): each triangle's
    layer, a z-buffer of its own; a pixel of layer k is numbered k * width * height on.
    """
    lo = np.ceil(tri_xy.min(1)).astype(np.int64)
    hi = np.floor(tri_xy.max(1)).astype(np.int64)
    lo = np.maximum(lo, 0)
    hi = np.minimum(hi, [width - 1, height - 1])
    x0, y0, x1, y1, x2, y2 = (tri_xy[:, i, j] for i in range(3) for j in range(2))
    denom = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2)
    span = hi - lo + 1
    count = np.where((span > 0).all(1) & (np.abs(denom) > 1e-9), span[:, 0] * span[:, 1], 0)
    tri = np.repeat(np.arange(len(tri_xy)), count)
    if len(tri) == 0:
        return Raster(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 3)))
    local = np.arange(len(tri)) - np.repeat(np.cumsum(count) - count, count)
    px = lo[tri, 0] + local % span[tri, 0]
    py = lo[tri, 1] + local // span[tri, 0]
    dx, dy = px - x2[tri], py - y2[tri]
    b0 = ((y1 - y2)[tri] * dx + (x2 - x1)[tri] * dy) / denom[tri]
    b1 = ((y2 - y0)[tri] * dx + (x0 - x2)[tri] * dy) / denom[tri]
    b2 = 1.0 - b0 - b1
    inside = (b0 >= -1e-7) & (b1 >= -1e-7) & (b2 >= -1e-7)
    tri, px, py = tri[inside], px[inside], py[inside]
    bary = np.stack([b0[inside], b1[inside], b2[inside]], 1)
    pixel = py * width + px
    if layers is not None:
        pixel += layers[tri] * (width * height)
    depth = (bary * tri_z[tri]).sum(1)
    # The z-buffer as a dense array over the pixels (a sort of the candidates took twice as
    # long): each pixel's nearest depth, then its first candidate at that depth (on a shared
    # edge both triangles are; either places it alike).
    nearest = np.full(width * height * (1 if layers is None else int(layers.max()) + 1), np.inf)
    np.minimum.at(nearest, pixel, depth)
    nearer = np.flatnonzero(depth <= nearest[pixel])
    owner = np.full(len(nearest), len(pixel), np.int64)
    np.minimum.at(owner, pixel[nearer], nearer)
    covered = np.flatnonzero(owner < len(pixel))
    chosen = owner[covered]
    return Raster(covered, tri[chosen], bary[chosen])


def _box(points: np.ndarray, shape: tuple[int, int], pad: float = 0.1) -> tuple[slice, slice]:
    """Rows and columns of an image of `shape` about `points`, padded by `pad` of its size."""
    lo, hi = points.min(0), points.max(0)
    lo, hi = lo - pad * (hi - lo), hi + pad * (hi - lo)
    x0, y0 = np.clip(np.floor(lo).astype(int), 0, [shape[1], shape[0]])
    x1, y1 = np.clip(np.ceil(hi).astype(int) + 1, 0, [shape[1], shape[0]])
    return slice(y0, y1), slice(x0, x1)


def _raster_at(layers: Raster, cells: np.ndarray,
               size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which of the grid `cells` (flat indices of a grid of `size`) a raster of two layers,
    the face and its openings, covers (positions in `cells`; an opening wins over the face
    where both do), and there their triangles and barycentric coordinates."""
    entry = np.full(2 * size, -1, np.int32)
    entry[layers.pixels] = np.arange(len(layers.pixels), dtype=np.int32)
    # The openings' layer comes after the face's, so where both cover a cell it is the larger.
    entry = np.maximum(np.take(entry, cells), np.take(entry, cells + size))
    covered = np.flatnonzero(entry >= 0)
    entry = entry[covered]
    return covered, np.take(layers.triangles, entry), np.take(layers.bary, entry, 0)


def _barycentric(points: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Barycentric coordinates (n, 3) of `points` (n, 2) in triangles `corners` (n, 3, 2),
    clamped into the triangle: a point just outside its triangle (of a sliver, far outside
    in its units) takes the triangle's edge instead of running off along it."""
    a, ab, ac = corners[:, 0], corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]
    ap = points - a
    area = ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0]
    area = np.where(np.abs(area) > 1e-12, area, 1e-12)
    b = (ap[:, 0] * ac[:, 1] - ap[:, 1] * ac[:, 0]) / area
    c = (ab[:, 0] * ap[:, 1] - ab[:, 1] * ap[:, 0]) / area
    bary = np.clip(np.stack([1.0 - b - c, b, c], 1), 0.0, None)
    return bary / np.maximum(bary.sum(1, keepdims=True), 1e-12)


def _cell_centres(n_cells: int, n_pixels: int) -> np.ndarray:
    """Output-pixel positions of a grid's cells, as cv2.resize (INTER_LINEAR) assumes them."""
    return (np.arange(n_cells) + 0.5) * n_pixels / n_cells - 0.5


# Both eyes' lid margins, upper and lower, and the lid skin above the upper (_lid_sources).
_LIDS = tuple(np.concatenate(parts) for parts in zip(
    *((upper, lower, above) for (_, upper, lower), above in
      zip(topo.OPENINGS[1:], (topo.RIGHT_EYE_ABOVE[0], topo.LEFT_EYE_ABOVE[0])))))

# Each eye's interior triangles, and the landmarks that place its eyeball (eyeball_placement).
_EYES = {RIGHT_EYE_INTERIOR: (topo.RIGHT_EYE_CORNERS, topo.RIGHT_IRIS_CENTER),
         LEFT_EYE_INTERIOR: (topo.LEFT_EYE_CORNERS, topo.LEFT_IRIS_CENTER)}


# The landmarks that place each eyeball: (first corner, second corner, iris) by eye.
_EYE_POINTS = np.array([[*corners, iris] for corners, iris in _EYES.values()]).T
# Each eye's lid margins (upper, lower), in _EYES' order.
_EYE_MARGINS = ((topo.RIGHT_EYE_UPPER, topo.RIGHT_EYE_LOWER),
                (topo.LEFT_EYE_UPPER, topo.LEFT_EYE_LOWER))
# An eye opened wider than its photo's by this share (of the photo's gap over width) keeps
# its eyeball off the photo's upper lid margin, fully from the second: by EYEBALL_INSET of
# the photo's opening, which there holds lashes and the lid's rim, not eyeball.
WIDENED = (0.0, 0.3)
EYEBALL_INSET = 0.2
EYEBALL_HALVINGS = 6  # the turn onto the eyeball is found to 1/64 of its way (_onto_eyeball)
# A point this close past the upper margin (share of the eye's width) is shown: the margin
# is a polyline through a few landmarks, and the photo at rest must map onto itself.
EYEBALL_SLACK = 0.03
_EYES_APART = 1e6  # photo pixels between the two eyes' frames laid end to end (_PhotoEyes)


def eyeball_placement(t_out: np.ndarray, src: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each eye's opening (in _EYES' order) maps output pixels z to src's by a similarity,
    a z + b (complex), fixed by the two eye corners, then shifted so the iris lands where the
    target iris is: the eyeball keeps its shape; the lids decide what shows. `src`: photos'
    landmarks (photos, 478, 2); a and b are (eyes, photos)."""
    t = t_out[_EYE_POINTS, 0] + 1j * t_out[_EYE_POINTS, 1]
    s = src[:, _EYE_POINTS, 0] + 1j * src[:, _EYE_POINTS, 1]
    a = (s[:, 1] - s[:, 0]) / (t[1] - t[0])
    b = s[:, 2] - a * t[2]
    return a.T, b.T


@dataclass(frozen=True)
class _PhotoEyes:
    """A photo's two eyes, each in its own frame: x along the eye's axis, y across from the
    upper lid toward the lower, from the iris centre; complex numbers, photo pixels. Both
    eyes' lid margins lie on one line of x, the second eye's moved _EYES_APART along it (flat
    between), so one interpolation serves both (the cost here is calls, not points)."""

    centre: np.ndarray  # (2,) complex
    axis: np.ndarray  # (2,) complex, unit
    upper: np.ndarray  # (points, 2): x, y of both upper margins, end to end
    lower: np.ndarray
    iris_radius: np.ndarray  # (2,)
    slack: np.ndarray  # (2,) EYEBALL_SLACK of each eye's width
    gaps: np.ndarray  # (2,) each eye's lid gap over its width (topo.eye_opening_ratios)

    @staticmethod
    def of(landmarks: np.ndarray) -> "_PhotoEyes":
        """The eyes (in _EYES' order) of a photo's landmarks (478, 2)."""
        p = landmarks[:, 0] + 1j * landmarks[:, 1]
        centres, axes, radii, widths, margins = [], [], [], [], ([], [])
        for k, ((first, second, iris), lids) in enumerate(zip(_EYE_POINTS.T, _EYE_MARGINS)):
            width = abs(p[second] - p[first])
            axis = (p[second] - p[first]) / max(width, 1e-6)
            if ((p[lids[0]].mean() - p[lids[1]].mean()) / axis).imag > 0:
                axis = -axis  # the left eye's corners run the other way
            for margin, lid in zip(margins, lids):
                line = (p[lid] - p[iris]) / axis
                line = line[np.argsort(line.real)]
                reach = _EYES_APART / 4  # flat on past the corners
                x = np.r_[line.real[0] - reach, line.real, line.real[-1] + reach]
                margin.append(np.stack([x + k * _EYES_APART,
                                        np.r_[line.imag[0], line.imag, line.imag[-1]]], 1))
            centres.append(p[iris])
            axes.append(axis)
            radii.append(topo.iris_radius(landmarks, iris))
            widths.append(width)
        return _PhotoEyes(np.array(centres), np.array(axes), *(np.concatenate(m) for m in margins),
                          np.array(radii), EYEBALL_SLACK * np.array(widths),
                          topo.eye_opening_ratios(landmarks))

    def shows(self, points: np.ndarray, eye: np.ndarray, keep_off: np.ndarray) -> np.ndarray:
        """Which `points` (each in its `eye`'s frame) the photo shows as eyeball: below the
        upper margin by `keep_off` of the opening, less a slack. Only the upper lid is kept
        off: its lashes hang over the eye, and eyeball shows above the iris as the eye
        widens; the lower lid's rim is the eye's own."""
        x = points.real + eye * _EYES_APART
        top = np.interp(x, self.upper[:, 0], self.upper[:, 1])
        bottom = np.interp(x, self.lower[:, 0], self.lower[:, 1])
        return points.imag >= top + keep_off * (bottom - top) - self.slack[eye]


def _onto_eyeball(z: np.ndarray, eye: np.ndarray, t_out: np.ndarray,
                  eyes: _PhotoEyes) -> np.ndarray:
    """Eyeball positions `z` (points,; complex, photo pixels) of points in eye `eye` (points,)
    kept on the eyeball the photo (its `eyes`) shows. An eye opened wider than its photo's,
    or looking down, shows eyeball the photo's upper lid covers, and sampled there it drew
    the lid's lashes a second time across the eye. Such a point turns about the photo's iris
    centre until the photo shows it. Points the photo shows are kept (a still face is the
    photo itself); an eye opened wider keeps off the upper margin (WIDENED)."""
    widened = smoothstep(topo.eye_opening_ratios(t_out) / np.maximum(eyes.gaps, 1e-6) - 1.0,
                         *WIDENED)
    keep_off = EYEBALL_INSET * widened[eye]
    rel = (z - eyes.centre[eye]) / eyes.axis[eye]
    hidden = np.flatnonzero(~eyes.shows(rel, eye, keep_off))
    if not len(hidden):
        return z
    rel, eye, keep_off = rel[hidden], eye[hidden], keep_off[hidden]
    # Iris shrinks toward its centre (it keeps its colour, and no seam splits it), white turns
    # toward the axis, to the white beside the iris: by the least share of the way that the
    # photo shows, found by halving.
    white = np.abs(rel) >= eyes.iris_radius[eye]
    side = np.where(rel.real >= 0, 1.0, -1.0)
    radius, angle = np.abs(rel), np.angle(rel * side)

    def turned(share: np.ndarray) -> np.ndarray:
        return np.where(white, side * radius * np.exp(1j * angle * (1.0 - share)),
                        rel * (1.0 - share))

    can = eyes.shows(turned(np.ones(len(rel))), eye, keep_off)  # else left as it is
    low, high = np.zeros(len(rel)), np.ones(len(rel))
    for _ in range(EYEBALL_HALVINGS):
        middle = (low + high) / 2
        shown = eyes.shows(turned(middle), eye, keep_off)
        high, low = np.where(shown, middle, high), np.where(shown, low, middle)
    moved = np.flatnonzero(can)
    out = z.copy()
    out[hidden[moved]] = (eyes.centre[eye[moved]]
                          + turned(high)[moved] * eyes.axis[eye[moved]])
    return out


@dataclass(frozen=True)
class LidsAtRest:
    """A photo's eye lids as it shows them (or stacked photos', with a leading axis), for
    _lid_sources: both eyes' margins (_LIDS)."""

    scale: np.ndarray  # (..., 1): the photo's pixels per portrait pixel (1 for the portrait)
    margin: np.ndarray  # (..., margins, 2): lower margin less upper
    rest: np.ndarray  # (..., margins): the gap between them
    lift: np.ndarray  # (..., margins, 2): the lid skin above the upper margin, less it


def _lids_at_rest(landmarks: np.ndarray, portrait: np.ndarray) -> LidsAtRest:
    """The lids as the photo with these `landmarks` (478, 2, or (photos, 478, 2)) shows them;
    `portrait`: the landmarks of the portrait it is a photo of, whose scale is the unit."""
    scale = np.linalg.norm(landmarks[..., topo.RIGHT_EYE_CORNERS[0], :]
                           - landmarks[..., topo.LEFT_EYE_CORNERS[0], :], axis=-1)
    scale = np.asarray(scale / max(topo.interocular(portrait), 1e-6))[..., None]
    upper, lower, above = _LIDS
    margin = landmarks[..., lower, :] - landmarks[..., upper, :]
    return LidsAtRest(scale, margin, np.linalg.norm(margin, axis=-1),
                      landmarks[..., above, :] - landmarks[..., upper, :])


def _lid_sources(target: np.ndarray, landmarks: np.ndarray, lids: LidsAtRest) -> np.ndarray:
    """Points of the photo with these `landmarks` (478, 2: x, y; or several photos', (photos,
    478, 2)) and `lids` to sample each landmark's texture from. As an eye closes, its lid
    margins sample from further out, the upper toward the lid skin above it: the margins of
    an open eye hold lashes and a rim of eyeball, which squeezed together would show as a
    dark line flecked with white instead of a closed lid. (Target gaps are in the portrait's
    pixels, the rest gaps in the photo's: the photo's own scale is taken out.)"""
    src = landmarks.copy()
    upper, lower, _ = _LIDS  # both eyes at once
    gap = np.linalg.norm(target[upper, :2] - target[lower, :2], axis=1) * lids.scale
    closed = smoothstep(1.0 - gap / np.maximum(lids.rest, 1e-6), *LID_SKIN_FROM)[..., None]
    src[..., upper, :] += closed * LID_SKIN_SHIFT * lids.lift
    src[..., lower, :] += closed * LID_SKIN_SHIFT * 0.5 * lids.margin
    return src


@dataclass(frozen=True)
class OtherPhotos:
    """Other photos of a portrait's face, stacked (photos first), for DenseMotion.maps_at."""

    landmarks: np.ndarray  # (photos, 478, 2)
    affine: np.ndarray  # (photos, 2, 3): portrait pixels to the photo's (off the face)
    lids: LidsAtRest

    def __len__(self) -> int:
        return len(self.landmarks)

    def take(self, indices: list[int]) -> "OtherPhotos":
        """These photos only, in this order."""
        return OtherPhotos(self.landmarks[indices], self.affine[indices],
                           LidsAtRest(*(getattr(self.lids, f.name)[indices]
                                        for f in fields(LidsAtRest))))


class DenseMotion:
    """Builds the backward map for one portrait at one output framing."""

    def __init__(self, portrait: Portrait, framing: Framing, openings: bool = False):
        """`openings`: rasterise the mesh's openings on their own as well (CoarseWarp.openings),
        for a portrait set."""
        self._portrait = portrait
        self._with_openings = openings
        self._framing = framing
        w, h = framing.output_size
        step = -(-max(w, h) // GRID_TARGET)
        self._gw, self._gh = -(-w // step), -(-h // step)
        coarse_step = -(-max(w, h) // COARSE_TARGET)
        self._cw, self._ch = -(-w // coarse_step), -(-h // coarse_step)
        gx, gy = _cell_centres(self._gw, w), _cell_centres(self._gh, h)
        self._grid_out = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)
        self._grid_base = framing.to_portrait_xy(self._grid_out)
        # The square of grid samples each output column and row is interpolated within
        # (-1 or gw - 1, gh - 1: before the first sample or past the last).
        self._quad_col = np.floor((np.arange(w) + 0.5) * self._gw / w - 0.5).astype(np.int64)
        self._quad_row = np.floor((np.arange(h) + 0.5) * self._gh / h - 0.5).astype(np.int64)
        cx, cy = _cell_centres(self._cw, w), _cell_centres(self._ch, h)
        self._coarse_out = np.stack(np.meshgrid(cx, cy), -1).reshape(-1, 2)
        self._coarse_columns = self._coarse_out.T.astype(np.float32)[:, :, None]  # x, y
        self._coarse_bottom = np.arange(len(self._coarse_out) - self._cw, len(self._coarse_out))
        # Portrait rows below the output's last row's (what a follow there may sample down).
        self._room_below = (portrait.image.shape[0] - 1
                            - float(framing.to_portrait_axes(0.0, h - 1.0)[1]))
        # The coarse rows' heights (output pixels) and the portrait rows they show at rest.
        self._coarse_rows = cy
        self._coarse_rows_at_rest = framing.to_portrait_axes(0.0, cy)[1]
        ox, oy = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
        base = framing.to_portrait_xy(np.stack([ox, oy], -1).reshape(-1, 2)).reshape(h, w, 2)
        self._base = BaseMaps(np.ascontiguousarray(base[..., 0], np.float32),
                              np.ascontiguousarray(base[..., 1], np.float32))
        self._src = portrait.landmarks[:, :2]
        self._photo_face_centre = self._src[topo.FACE_OVAL].mean(0)  # (_jumping_quads)
        self._photo_outline = _along_outline(self._src[topo.FACE_OVAL])  # (_outside_field)
        self._rigid = topo.rigid_points(portrait.landmarks)
        # Each triangle's eye (its place in _EYES), -1 for none.
        self._eye_of_triangle = np.full(len(portrait.triangles), -1, np.int64)
        for k, label in enumerate(_EYES):
            self._eye_of_triangle[portrait.triangle_region == label] = k
        self._lids = _lids_at_rest(self._src, self._src)
        self._photo_eyes = _PhotoEyes.of(self._src)
        self._is_opening = portrait.triangle_region != SKIN
        self._openings = np.flatnonzero(self._is_opening)
        self._shell = HeadShell(portrait.landmarks)

    def __call__(self, target: np.ndarray) -> WarpField:
        """`target`: (478, 3) target landmarks in portrait pixels."""
        return self.coarse(target).expand()

    def coarse(self, target: np.ndarray) -> CoarseWarp:
        """The backward map for `target` (portrait pixels), in its compact form."""
        w, h = self._framing.output_size
        t_out = self._framing.to_output(target)
        grid_xy = self.to_grid(t_out)
        tris = self._portrait.triangles
        src_tri = _lid_sources(target, self._src, self._lids)[tris]
        front = self._front_facing(t_out)
        layers = self._rasterize_face(grid_xy, t_out, front)
        raster = layers.layer(0, self._gw * self._gh)
        outside = self._off_the_face(self._outside_field(t_out), t_out, raster)
        disp = outside.copy()
        # On the grid the eyes' openings carry the lids' map (the mesh's own), and the eyeballs
        # are patched in at full resolution: interpolated across an opening's rim between the
        # eyeball's map and the lids', the grid drew a pale line around an eye whose iris
        # had moved (samples half-way between the two: the photo's white and lid rim).
        src = self._face_sources(raster, src_tri, t_out, self._grid_out[raster.pixels],
                                 eyeballs=False)
        disp[raster.pixels] = src - self._grid_base[raster.pixels]
        cell = w / self._gw
        patches = [self._jumps(disp, outside, raster, t_out, src_tri, front)]
        for k, (ring, upper, lower) in enumerate(topo.OPENINGS):
            if np.linalg.norm(t_out[upper, :2] - t_out[lower, :2], axis=1).min() < 2 * cell:
                patches.append(self._sharpen(ring, t_out, src_tri, front))  # a seam
            elif k > 0:
                patches.append(self._eyeball_patch(k - 1, t_out))
        return CoarseWarp(disp.reshape(self._gh, self._gw, 2).astype(np.float32), self._base,
                          tuple(patches), _box(t_out[topo.FACE_OVAL, :2], (h, w)), layers)

    def _rasterize_face(self, grid_xy: np.ndarray, t_out: np.ndarray, front: np.ndarray) -> Raster:
        """The front-facing triangles on the grid; for a set, in the same pass, the mouth's
        and eyes' openings whichever way they face, in a layer of their own (see rasterize):
        the portrait's closed mouth or eyes are slivers whose winding means nothing, and
        another photo's open ones must show (maps_at)."""
        if not self._with_openings:
            return self._rasterize(grid_xy, t_out, front, self._gw, self._gh)
        return self._rasterize(grid_xy, t_out, np.concatenate([front, self._openings]),
                               self._gw, self._gh,
                               np.repeat([0, 1], [len(front), len(self._openings)]))

    def other_photos(self, photos: list[tuple[np.ndarray, Similarity]]) -> "OtherPhotos":
        """Other photos of the portrait's face, each given as its landmarks and `to_other`
        (portrait pixels to its own), made ready for maps_at."""
        landmarks = np.stack([landmarks[:, :2] for landmarks, _ in photos])
        return OtherPhotos(landmarks,
                           np.stack([np.c_[o.scale * o.rotation, o.translation]
                                     for _, o in photos]),
                           _lids_at_rest(landmarks, self._src))

    def maps_at(self, warp: CoarseWarp, target: np.ndarray, photos: "OtherPhotos",
                xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """`warp`'s backward map at the output pixel positions of columns `xs` by rows `ys`,
        but into other photos of the same face (other_photos): (photos, rows, cols, 2: x and
        y) float32. On the face (and its openings), the same target mesh carried back to each
        photo's mesh; off it, the portrait positions carried over by each photo's map. `warp`
        must come from coarse(target) of a DenseMotion made with `openings`. A point takes
        the triangle its nearest grid cell shows (the raster is shared), within which its own
        barycentric coordinates place it: exact where points sit on cells."""
        w_out, h_out = self._framing.output_size
        h, w = warp.displacement.shape[:2]
        gx, gy = (xs + 0.5) * (w / w_out) - 0.5, (ys + 0.5) * (h / h_out) - 0.5
        layout = (len(ys), len(xs))
        # Planes and two-channel images, not (n, 2) arrays: NumPy is slow along an axis of 2.
        at = np.empty(layout + (2,), np.float32)
        at[..., 0], at[..., 1] = gx, gy[:, None]
        positions = cv2.remap(warp.displacement, at, None, cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)  # portrait pixels, then...
        base_x, base_y = self._framing.to_portrait_axes(xs, ys)
        positions[..., 0] += base_x
        positions[..., 1] += base_y[:, None]
        maps = np.empty((len(photos),) + layout + (2,), np.float32)
        for k in range(len(photos)):  # ...each photo's, off the face
            cv2.transform(positions, photos.affine[k], maps[k])
        col, row = np.clip(np.rint(gx), 0, w - 1), np.clip(np.rint(gy), 0, h - 1)
        face, triangles, bary = _raster_at(
            warp.raster, ((row * w).astype(np.int64)[:, None] + col.astype(np.int64)).ravel(),
            h * w)
        if len(face):
            face_rows, face_cols = np.divmod(face, layout[1])
            vertices = np.take(self._portrait.triangles, triangles, 0)
            t_out = self._framing.to_output(target)
            if np.abs(gx - col).max() > 1e-6 or np.abs(gy - row).max() > 1e-6:
                # points between cells: their own places
                bary = _barycentric(np.stack([gx[face_cols], gy[face_rows]], 1),
                                    np.take(self.to_grid(t_out), vertices, 0))
            sources = _lid_sources(target, photos.landmarks, photos.lids)  # (photos, points, 2)
            # Each point's three corners in every photo at once: (points, corners, photos * 2).
            corners = np.take(sources.transpose(1, 0, 2).reshape(len(self._src), -1), vertices, 0)
            on_face = np.einsum("nk,nkc->nc", bary, corners)
            # Kept on the eyeball only where the map is exact per pixel (_onto_eyeball's
            # turns are not smooth; this map is interpolated between lattice points).
            self._place_eyeballs(on_face, triangles, t_out, photos.landmarks,
                                 lambda k: np.stack([xs[face_cols[k]], ys[face_rows[k]]], 1),
                                 onto_eyeball=False)
            # Each x, y pair as one complex number: a scatter of pairs is several times slower.
            maps.view(np.complex64).reshape(len(photos), -1)[:, face] = \
                on_face.astype(np.float32).view(np.complex64).T
        return maps

    def _face_sources(self, raster: Raster, src_tri: np.ndarray, t_out: np.ndarray,
                      points_out: np.ndarray, eyeballs: bool = True) -> np.ndarray:
        """Portrait positions for rasterised output points (`points_out`, output pixels), the
        eyes' openings on the eyeball (_place_eyeballs), or without `eyeballs` mapped as the
        mesh maps them, lids and all."""
        out = (raster.bary[:, :, None] * src_tri[raster.triangles]).sum(1)
        if eyeballs:
            self._place_eyeballs(out, raster.triangles, t_out, self._src[None],
                                 lambda k: points_out[k])
        return out

    def _place_eyeballs(self, sources: np.ndarray, triangles: np.ndarray, t_out: np.ndarray,
                        landmarks: np.ndarray,
                        points_out: Callable[[np.ndarray], np.ndarray],
                        onto_eyeball: bool = True) -> None:
        """Where a point's triangle is an eye's interior, its `sources` (points, 2 per photo)
        become the eyeball's map (eyeball_placement) into each photo of `landmarks` (photos,
        478, 2), kept on the eyeball (_onto_eyeball) if `onto_eyeball`. `points_out`: the output
        positions (n, 2) of the points of these indices."""
        eye = self._eye_of_triangle[triangles]
        in_eye = np.flatnonzero(eye >= 0)
        if len(in_eye):
            scale, shift = eyeball_placement(t_out, landmarks)
            eye = eye[in_eye]
            points = points_out(in_eye)
            z = scale[eye] * (points[:, 0] + 1j * points[:, 1])[:, None] + shift[eye]
            if onto_eyeball:  # the portrait's own eyes
                z[:, 0] = _onto_eyeball(z[:, 0], eye, t_out, self._photo_eyes)
            sources[in_eye] = np.stack([z.real, z.imag], -1).reshape(len(in_eye), -1)

    def drawn_triangles(self, target: np.ndarray) -> np.ndarray:
        """Indices of the mesh triangles that show in the output for `target` (portrait
        pixels): those that win at least one grid pixel."""
        t_out = self._framing.to_output(target)
        raster = self._rasterize(self.to_grid(t_out), t_out, self._front_facing(t_out),
                                 self._gw, self._gh)
        return np.unique(raster.triangles)

    @property
    def cell_size(self) -> float:
        """Output pixels per grid cell."""
        return self._framing.output_size[0] / self._gw

    def to_grid(self, t_out: np.ndarray) -> np.ndarray:
        """Output pixel positions (n, 2 or more) in grid cells (n, 2)."""
        w, h = self._framing.output_size
        return (t_out[:, :2] + 0.5) * [self._gw / w, self._gh / h] - 0.5

    def _front_facing(self, t_out: np.ndarray) -> np.ndarray:
        """Indices of the triangles that face the viewer (mesh.triangulate winds the surface
        so they have positive area), and the openings whichever way they face (a closed
        mouth or eye is a sliver whose winding means nothing). A turned head shows the back
        of some (the far side of the nose, the far cheek): drawn, they would fold the texture
        over what hides them."""
        areas = signed_areas(t_out[self._portrait.triangles, :2])
        return np.flatnonzero((areas > 0) | self._is_opening)

    def _rasterize(self, xy: np.ndarray, t_out: np.ndarray, front: np.ndarray, width: int,
                   height: int, layers: np.ndarray | None = None) -> Raster:
        """The triangles `front` at `xy` (per landmark) rasterised (see rasterize); triangle
        indices are the mesh's own."""
        tris = self._portrait.triangles[front]
        raster = rasterize(xy[tris], t_out[tris, 2], width, height, layers)
        return Raster(raster.pixels, front[raster.triangles], raster.bary)

    def _off_the_face(self, outside: np.ndarray, t_out: np.ndarray,
                      face: Raster) -> np.ndarray:
        """The field outside the face (`outside`, grid displacements) kept off the photo's
        face beside the target's outline: a sample outside the target's outline (or inside)
        shows the photo at least OFF_THE_FACE_SHARE as far outside its own outline (or at
        most that share as far in), easing back to the field over OFF_THE_FACE face widths.
        (Asked to go the whole way, it stretched the band past the area limits: the field
        there already spreads it.) Fitted to the whole
        head, and its turn's non-rigid part spread only a little past the outline, the field
        drew a turned face's far cheek again just past its outline (the outline doubled by a
        band of skin). Samples on the `face` (its raster) keep its own map and are left.
        `outside` is changed in place and returned."""
        gw, gh = self._gw, self._gh
        oval_out = t_out[topo.FACE_OVAL, :2]
        width = np.ptp(oval_out[:, 0])
        reach = OFF_THE_FACE * width  # output pixels
        inside = np.zeros((gh, gw), np.uint8)
        cv2.fillPoly(inside, [np.round(self.to_grid(oval_out) * 16).astype(np.int32)], 1, shift=4)
        # The samples within reach of the outline (the distance to the mask's edge is within
        # a cell of the outline's own).
        edge = (cv2.distanceTransform(1 - inside, cv2.DIST_L2, 3)
                + cv2.distanceTransform(inside, cv2.DIST_L2, 3)).reshape(-1)
        near = edge * self.cell_size < reach + self.cell_size
        near[face.pixels] = False
        near = np.flatnonzero(near)
        if not len(near):
            return outside
        beyond, _ = _past_outline(self._grid_out[near], oval_out)  # output pixels
        photo, out = _past_outline(outside[near] + self._grid_base[near],
                                   self._src[topo.FACE_OVAL])
        # How much nearer the photo's face (portrait pixels) than wanted; at most half the
        # reach, so the band eased back over it is squeezed to no less than a quarter
        # (smoothstep's steepest slope is 1.5 over its width): within tears.AREA_LIMITS.
        short = np.minimum(np.maximum(OFF_THE_FACE_SHARE * beyond / self._framing.scale - photo,
                                      0.0),
                           reach / (2.0 * self._framing.scale))
        short *= 1.0 - smoothstep(np.abs(beyond), 0.0, reach)
        # Not under the chin: the neck's own fall-off keeps it from folding there
        # (_neck_narrowing), and pushed down as well it folded (sadtalker_aoc, 31 frames).
        _, down = topo.face_axes(t_out)
        under = (self._grid_out[near] - t_out[topo.CHIN, :2]) @ down / width
        short *= 1.0 - smoothstep(under, -UNDER_CHIN, 0.0)
        outside[near] += short[:, None] * out
        return outside

    def _jumps(self, disp: np.ndarray, outside: np.ndarray, raster: Raster,
               t_out: np.ndarray, src_tri: np.ndarray, front: np.ndarray) -> Patch:
        """The map at full resolution between grid samples it jumps between: the face's
        edge against what lies beyond it (a turned cheek's outline against the hair or the
        wall), one part of the face over another (the nose over the far cheek). Interpolated
        there, the grid drew a smear of both sides one cell wide, stepped cell by cell along
        the outline. `disp`: the grid's map (face and outside), `outside`: the field outside
        the face alone, everywhere, as kept off the photo's face (_off_the_face) (both
        (gh * gw, 2) displacements); `raster`: the face on the grid."""
        quads = self._jumping_quads(disp, raster)
        if not quads.any():
            return Patch.empty()
        # Output pixels interpolated within a jumping quad (those before the first sample or
        # past the last take that sample alone).
        qrows, qcols = np.nonzero(quads)
        cols = np.flatnonzero((self._quad_col >= qcols.min()) & (self._quad_col <= qcols.max()))
        rows = np.flatnonzero((self._quad_row >= qrows.min()) & (self._quad_row <= qrows.max()))
        band = quads[self._quad_row[rows][:, None], self._quad_col[cols][None, :]]
        py, px = np.nonzero(band)
        x0, y0 = int(cols[0]), int(rows[0])
        # The face there, rasterised at full resolution (only its triangles that reach the
        # band); off it, the field outside interpolated.
        covered = cv2.integral(band.astype(np.uint8))
        bh, bw = band.shape
        xy = t_out[self._portrait.triangles[front], :2] - [x0, y0]
        lo = np.clip(np.floor(xy.min(1)).astype(np.int64), 0, [bw, bh])
        hi = np.clip(np.ceil(xy.max(1)).astype(np.int64) + 1, 0, [bw, bh])
        reach = (covered[hi[:, 1], hi[:, 0]] - covered[lo[:, 1], hi[:, 0]]
                 - covered[hi[:, 1], lo[:, 0]] + covered[lo[:, 1], lo[:, 0]]) > 0
        face = self._rasterize(t_out[:, :2] - [x0, y0], t_out, front[reach], bw, bh)
        at = np.full(bw * bh, -1, np.int64)
        at[face.pixels] = np.arange(len(face.pixels))
        at = at[py * bw + px]
        on = at >= 0
        out_x, out_y = px + x0, py + y0
        mapped = np.empty((len(py), 2))
        if on.any():
            k = at[on]
            mapped[on] = self._face_sources(
                Raster(face.pixels[k], face.triangles[k], face.bary[k]), src_tri, t_out,
                np.stack([out_x[on], out_y[on]], 1).astype(np.float64))
        off = ~on
        if off.any():
            at_grid = self.to_grid(np.stack([out_x[off], out_y[off]], 1).astype(np.float64))
            field = cv2.remap(outside.reshape(self._gh, self._gw, 2).astype(np.float32),
                              at_grid[:, None].astype(np.float32), None, cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)[:, 0]
            mapped[off] = field + np.stack([self._base.x[out_y[off], out_x[off]],
                                            self._base.y[out_y[off], out_x[off]]], 1)
        return Patch(out_y.astype(np.int64), out_x.astype(np.int64), mapped.astype(np.float32))

    def _jumping_quads(self, disp: np.ndarray, raster: Raster) -> np.ndarray:
        """(gh - 1, gw - 1) bool: the squares about the face between four grid samples across
        which the map jumps: two samples both on the face (or both off it) map JUMP_CELLS
        cells' worth apart or more (the nose over the far cheek), or a sample off the face
        maps EDGE_CELLS or more further out of the photo's face than its neighbour on the
        face (a turned cheek's outline, the photo beyond it hidden). Where the field runs on
        from the face (the near side of a turn) the grid's smooth blend is kept: worked out
        per pixel there, the outline showed as a hairline seam.
        (In planes, x and y apart: NumPy is slow along an axis of two.)"""
        gw, gh = self._gw, self._gh
        quads = np.zeros((gh - 1, gw - 1), bool)
        if not len(raster.pixels):
            return quads
        # Only about the face: the field outside it is smooth.
        rows, cols = np.divmod(raster.pixels, gw)
        r0, r1 = max(rows.min() - 1, 0), min(rows.max() + 2, gh)
        c0, c1 = max(cols.min() - 1, 0), min(cols.max() + 2, gw)
        cell = self.cell_size / self._framing.scale  # portrait pixels
        src = (disp + self._grid_base).astype(np.float32).reshape(gh, gw, 2)[r0:r1, c0:c1]
        x, y = src[..., 0], src[..., 1]
        centre = self._photo_face_centre
        face = np.zeros(gh * gw, bool)
        face[raster.pixels] = True
        face = face.reshape(gh, gw)[r0:r1, c0:c1]

        def jumps(axis: int) -> np.ndarray:  # between each sample and the next along `axis`
            first, second = (np.s_[:-1], np.s_[1:]) if axis == 0 else (np.s_[:, :-1],
                                                                       np.s_[:, 1:])
            dx, dy = x[second] - x[first], y[second] - y[first]
            apart = np.maximum(np.abs(dx), np.abs(dy))
            across_edge = face[first] != face[second]
            # From the face's sample to the other, along the way out of the photo's face.
            sign = np.where(face[first], 1.0, -1.0)
            ox = np.where(face[first], x[first], x[second]) - centre[0]
            oy = np.where(face[first], y[first], y[second]) - centre[1]
            further = sign * (dx * ox + dy * oy)
            return (((apart > JUMP_CELLS * cell) & ~across_edge)
                    | (across_edge & (further > EDGE_CELLS * cell * np.hypot(ox, oy))))
        across, down = jumps(1), jumps(0)  # (rows, cols - 1), (rows - 1, cols)
        quads[r0:r1 - 1, c0:c1 - 1] = across[:-1] | across[1:] | down[:, :-1] | down[:, 1:]
        return quads

    def _sharpen(self, ring: np.ndarray, t_out: np.ndarray, src_tri: np.ndarray,
                 front: np.ndarray) -> Patch:
        """The mesh rasterised at full resolution in a box about an eye or the mouth. The
        upsampled grid map is smooth, and across a closed lid or closed lips it is not:
        interpolating between samples of the upper and the lower lid lands on the eyeball in
        between, a line of iris and white along the seam."""
        w, h = self._framing.output_size
        ring_xy = t_out[ring, :2]
        # Only the cells whose interpolation reaches across the opening: next to the ring.
        pad = SHARPEN_CELLS * w / self._gw
        x0, y0 = np.maximum(np.floor(ring_xy.min(0) - pad).astype(int), 0)
        x1, y1 = np.minimum(np.ceil(ring_xy.max(0) + pad).astype(int), [w - 1, h - 1])
        if x1 <= x0 or y1 <= y0:
            return Patch.empty()
        bw = x1 - x0 + 1
        raster = self._rasterize(t_out[:, :2] - [x0, y0], t_out, front, bw, y1 - y0 + 1)
        rows, cols = raster.pixels // bw + y0, raster.pixels % bw + x0
        src = self._face_sources(raster, src_tri, t_out,
                                 np.stack([cols, rows], 1).astype(np.float64))
        return Patch(rows, cols, src.astype(np.float32))

    def _eyeball_patch(self, k: int, t_out: np.ndarray) -> Patch:
        """Eye `k`'s opening at full resolution, all of it eyeball (eyeball_placement, kept on
        it by _onto_eyeball, whose turns the upsampled grid would blur into lines across the eye).
        Its rim is left to the grid (the lids' map): it holds the lid margin's lash line."""
        w, h = self._framing.output_size
        ring = t_out[topo.OPENINGS[k + 1][0], :2]
        x0, y0 = np.maximum(np.floor(ring.min(0)).astype(int), 0)
        x1, y1 = np.minimum(np.ceil(ring.max(0)).astype(int) + 1, [w, h])
        if x1 <= x0 or y1 <= y0:
            return Patch.empty()
        opening = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(opening, [np.round(ring - [x0, y0]).astype(np.int32)], 1)
        rows, cols = np.nonzero(cv2.erode(opening, np.ones((3, 3), np.uint8)))
        rows, cols = rows + y0, cols + x0
        scale, shift = eyeball_placement(t_out, self._src[None])
        z = scale[k, 0] * (cols + 1j * rows) + shift[k, 0]
        z = _onto_eyeball(z, np.full(len(rows), k), t_out, self._photo_eyes)
        return Patch(rows.astype(np.int64), cols.astype(np.int64),
                     np.stack([z.real, z.imag], 1).astype(np.float32))

    def _widened(self, falloff: tuple[float, float], moves: np.ndarray, r: np.ndarray,
                 width: float) -> tuple[float, float]:
        """`falloff` (face widths from the face edge) with its end moved out as far as the
        largest of `moves` (portrait pixels) within it needs to fade at FALLOFF_SLOPE at the
        most: smoothstep's steepest slope is 1.5 over its width."""
        near, far = falloff
        reach = np.linalg.norm(moves[r <= far], axis=1).max(initial=0.0) * self._framing.scale
        return near, max(far, near + 1.5 * reach / (FALLOFF_SLOPE * width))

    def _neck_narrowing(self, moved: np.ndarray, lift: float, r: np.ndarray,
                        below: np.ndarray, near: float, far: float, width: float) -> float:
        """How much quicker the fall-off runs below the chin than beside the face: at least
        NECK_NARROWING, and as much more as keeps the frame's bottom row from sampling below
        the portrait's last one (a head moved up over a photo cut off at the chest repeated
        that row: pale streaks down the chest), as long as the neck's stretch stays within
        NECK_SLOPE; past that the neck and the body below it are stretched down to that row
        (_kept_above_photo_bottom) rather than folded."""
        last, room = self._coarse_bottom, self._room_below
        drop = moved[last, 1]
        short = (below[last] > 0) & (drop > room)
        if not short.any():
            return NECK_NARROWING
        # The follow there may keep room / drop of itself: where smoothstep reaches the rest.
        at = near + (far - near) * smoothstep_at(1.0 - room / drop[short])
        needed = float(((at - r[last][short]) / below[last][short]).max())
        # The neck, lifted by `lift` portrait pixels at most: smoothstep's steepest slope is
        # 1.5 over its width, which straight below the chin is (far - near) / (1 + narrowing)
        # face widths.
        lift *= self._framing.scale
        allowed = (NECK_SLOPE * (far - near) * width / (1.5 * lift) - 1.0 if lift > 0
                   else np.inf)
        return float(np.clip(needed, NECK_NARROWING, max(allowed, NECK_NARROWING)))

    def _at_chin_row(self, values: np.ndarray, chin_y: float) -> np.ndarray:
        """`values` on the coarse rows (first axis) read at the output height `chin_y`, each
        column linearly between the rows either side (the end row's past either end)."""
        rows_y = self._coarse_rows
        k = int(np.clip(np.searchsorted(rows_y, chin_y), 1, len(rows_y) - 1))
        t = float(np.clip((chin_y - rows_y[k - 1]) / (rows_y[k] - rows_y[k - 1]), 0.0, 1.0))
        return values[k - 1] + t * (values[k] - values[k - 1])

    def _neck_evened(self, coarse: np.ndarray, chin_y: float) -> None:
        """In place on the coarse field: below the chin's row, each column's sideways follow
        where it shears the neck by more than NECK_SHEAR, and its downward follow where it
        stretches the neck past NECK_STRETCH, spread toward an even one from the chin down to
        where the follow settles (the body, which stays as it was), as far as that needs. The
        fall-off changes fastest just below the chin: a head moved 50 px sideways over a photo
        with 32 px of neck sheared it 1.6 px per pixel down there and stretched it to 0.3
        (sadtalker_aoc), past the area limits together."""
        rows_y = self._coarse_rows
        first = int(np.searchsorted(rows_y, chin_y, side="right"))
        if first < 1 or len(rows_y) - first < 2:
            return
        at_chin = self._at_chin_row(coarse, chin_y)
        ys = rows_y[first:] - chin_y
        whole = coarse[first:]
        # The row by which every column has settled: past it, the body, nothing changes.
        # One depth for all columns: neighbours evened over different depths sheared apart.
        change = np.linalg.norm(whole - whole[-1], axis=2)
        moving = change > NECK_SETTLED * np.linalg.norm(at_chin - whole[-1], axis=1).max()
        end = min(len(ys) - int(np.argmax(moving.any(1)[::-1])), len(ys) - 1)
        depth = ys[end]
        ramp = np.clip(ys / depth, 0.0, 1.0)[:, None]
        steps = np.diff(np.r_[0.0, ys])[:, None]
        for axis, limit in ((0, NECK_SHEAR), (1, -NECK_STRETCH)):
            follow = coarse[..., axis]
            below = follow[first:]
            line = at_chin[:, axis] + ramp * (below[end] - at_chin[:, axis])
            # How far past its limit each step goes: sideways, the shear's size; down, the
            # stretch's shortfall (1 + the slope is the neck's height kept).
            slopes = (np.diff(np.vstack([at_chin[:, axis], below]), axis=0) / steps
                      * self._framing.scale)
            even = (below[end] - at_chin[:, axis]) / depth * self._framing.scale
            worst, evenly = ((np.abs(slopes).max(0), np.abs(even)) if axis == 0
                             else (-(1.0 + slopes).min(0), -(1.0 + even)))
            share = np.where((worst > limit) & (worst > evenly),
                             (worst - limit) / np.maximum(worst - evenly, 1e-9), 0.0)
            follow[first:] = below + (line - below) * np.clip(share, 0.0, 1.0)

    def _kept_above_photo_bottom(self, coarse: np.ndarray, chin_y: float) -> None:
        """In place on the coarse field (rows, cols, 2): each column whose last row would
        sample below the portrait's last one is stretched below the chin's row to end on that
        row instead (the further over, the more evenly). A head lifted over a photo cut off
        close below the chin (leaning back, a camera zooming out) asks for neck and collar the
        photo does not have: sampled mirrored past its edge, the collar came out as a white
        diamond under the chin. Stretched, the neck is longer and the collar taller, and
        nothing folds (each column keeps its order)."""
        drop = coarse[-1, :, 1]
        over = drop > self._room_below
        if not over.any():
            return
        rows_y, base_y = self._coarse_rows, self._coarse_rows_at_rest
        below = rows_y > chin_y
        if not below.any():
            return
        source = base_y[:, None] + coarse[:, over, 1]  # (rows, over columns)
        at_chin = self._at_chin_row(source, chin_y)
        limit = base_y[-1] + self._room_below
        # A column whose chin already samples past the photo has nothing left to stretch.
        room = limit - at_chin
        excess = source[-1] - limit
        share = np.where(room > 0, room / np.maximum(source[-1] - at_chin, 1e-9), 1.0)
        scaled = at_chin + (source[below] - at_chin) * share
        # The further over, the more evenly: the follow's fall-off stretches the neck most
        # just below the chin, and scaled down as a whole it stretched there past the area
        # limits (lp_d20: 0.18).
        even = at_chin + ((rows_y[below] - chin_y) / (rows_y[-1] - chin_y))[:, None] * room
        evenly = np.clip(excess / np.maximum(room, 1e-9), 0.0, 1.0) * (room > 0)
        source[below] = scaled + (even - scaled) * evenly
        coarse[:, over, 1] = source - base_y[:, None]

    def _outside_field(self, t_out: np.ndarray) -> np.ndarray:
        """Displacement on the grid outside the face. Hair, ears and neck follow the head:
        nearly frontal, by its flat similarity, fading out with distance from the face; turned
        out of the picture plane, on the head shell (head_shell.py), which gives them parallax.
        The face edge's own non-rigid motion (a dropping jaw) is spread only over a narrow
        band, so the neck and hair beside the jaw do not stretch with every word. It is
        spread from points all along the outline: spread from its landmarks alone (a webcam
        face's are 25 pixels apart, past the coarse cells), each held its own motion about
        itself and the field stepped between them, and where the steps met a neck sheared
        by a head moved aside it was squeezed past the area limits (sadtalker_aoc)."""
        rigid = umeyama(t_out[self._rigid, :2], self._src[self._rigid])
        head = umeyama(t_out[self._rigid], self._portrait.landmarks[self._rigid])
        oval_out = _along_outline(t_out[topo.FACE_OVAL, :2])
        residual = self._photo_outline - rigid.apply(oval_out)
        # (samples, outline points): the field's largest arrays, so float32 and in place.
        d2 = self._coarse_columns[0] - oval_out[:, 0].astype(np.float32)
        d2 *= d2
        dy = self._coarse_columns[1] - oval_out[:, 1].astype(np.float32)
        dy *= dy
        d2 += dy
        weights = d2 + 1.0
        np.reciprocal(weights, out=weights)
        weights *= weights
        spread = weights @ residual.astype(np.float32) / weights.sum(1, keepdims=True)
        width = max(np.ptp(oval_out[:, 0]), 1.0)
        r = np.sqrt(d2.min(1)) / width  # from the outline, in face widths
        # Below the chin only the neck follows: the shoulders and collar are the body's.
        _, down = topo.face_axes(t_out)
        below = np.maximum((self._coarse_out - t_out[topo.CHIN, :2]) @ down, 0.0) / width
        base = self._framing.to_portrait_xy(self._coarse_out)
        moved = rigid.apply(self._coarse_out) - base
        # Below the chin the fall-off runs (1 + NECK_NARROWING) times as steep downward. A head
        # moved up over a body that stays stretches the neck there, and folds it where the
        # fall-off is shorter than the travel: widened for that part as well (a move down
        # squeezes the neck, within the area limits; one sideways shears it).
        lift = np.where(below > 0, np.maximum(moved @ down, 0.0), 0.0)
        near, far = self._widened(HEAD_FALLOFF, moved + NECK_NARROWING * lift[:, None] * down,
                                  r, width)
        narrowing = self._neck_narrowing(moved, lift.max(), r, below, near, far, width)
        follow = moved * (1 - smoothstep(r + narrowing * below, near, far))[:, None]
        # Nearly frontal, the flat similarity is as right as the shell and steadier: it does
        # not lean on the landmarks' noisy depth.
        turn = np.degrees(np.arccos(np.clip(head.rotation[2, 2], -1.0, 1.0)))
        shell = float(smoothstep(turn, *SHELL_FROM_DEG))
        if shell > 0:
            # The shell adds only the turn's parallax to the flat follow: the head's move as
            # a whole keeps the flat fall-off, so the field still reaches zero smoothly past
            # the shell's outline instead of dropping there (a fold beside the face).
            on_shell, owned = self._shell.sample(head, self._coarse_out)
            parallax = on_shell - rigid.apply(self._coarse_out)
            follow = follow + shell * parallax * owned[:, None]
        field = follow + spread * (1 - smoothstep(r, *self._widened(EDGE_FALLOFF, spread, r,
                                                                     width)))[:, None]
        coarse = field.reshape(self._ch, self._cw, 2)
        self._kept_above_photo_bottom(coarse, float(t_out[topo.CHIN, 1]))
        self._neck_evened(coarse, float(t_out[topo.CHIN, 1]))
        coarse = coarse.astype(np.float32)
        grid = cv2.resize(coarse, (self._gw, self._gh), interpolation=cv2.INTER_LINEAR)
        return grid.reshape(-1, 2).astype(np.float64)
