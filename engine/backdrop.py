"""The portrait's background stays where it is while the head moves over it (DESIGN §4.5).

The warp carries hair, ears and neck with the head over a smooth fall-off, and the same
fall-off would bend the wall behind them. So the portrait is seen as a person over a
background: at load the person is found (mediapipe's selfie segmentation, with the face
always in it) and the background behind it is inpainted once (the plate). Each frame, the
matting equation I = a F + (1 - a) B gives the warped person over the plate, still:

    out(p) = I(m(p)) + (1 - a(m(p))) (B(p) - B(m(p)))

with m the backward map. At rest (m the framing) it is the portrait exactly; where the warp
samples background, the background shows unmoved; where the head moves off, the plate
shows what was behind it. Only the box where the map moves is touched."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from . import face_topology as topo
from .framing import Framing
from .painting import blend
from .patch_fill import fill_from_around
from .warp import CoarseWarp, cells_box

# The person's mask is drawn toward the photo's edges (_along_edges) at this size, over
# windows of 2 GUIDE_RADIUS + 1 pixels; colour changes with a variance under GUIDE_EPS are
# smoothed over.
GUIDE_LONG_SIDE = 512
GUIDE_RADIUS = 8
GUIDE_EPS = 1e-2
PLATE_LONG_SIDE = 256  # the background is inpainted at this size
# Within this many face widths of the person's edge, down to this many below the chin, a
# head moves off the background (and the plate shows): filled from the background's own
# patches (patch_fill.py); deeper in, and behind the body that stays, smoothly.
REVEALED = 0.4
NECK_REVEALED = 0.15
# Plate pixels about the person also taken for it: its hair's faint halo, left on the wall
# by a head moving off it, drew the head's outline there (and made patches of halo).
FRINGE = 4
MOVING = 0.05  # portrait pixels: grid cells whose map moves less are left alone
MARGIN = 2  # grid cells added around the moving box
BEYOND_RAMP = 2.0  # portrait pixels past the photo's edge over which its plate takes over
MIRRORED_PERSON = 0.02  # ...and only where the mirror past a background edge draws this much person
STEP_PIXELS = 640  # the correction is worked out on a grid of about this many pixels across


def person_alpha(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(h, w) float32, 1 on the person (head, hair, neck, body), 0 on the background, soft
    between; the face is always in it, whatever the segmentation says (a painting, a mask)."""
    import mediapipe as mp

    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as segmenter:
        mask = segmenter.process(np.ascontiguousarray(image)).segmentation_mask
    alpha = np.clip((_along_edges(image, mask.astype(np.float32)) - 0.2) / 0.6, 0.0, 1.0)
    face = np.zeros(alpha.shape, np.uint8)
    cv2.fillConvexPoly(face, np.round(landmarks[topo.FACE_OVAL, :2]).astype(np.int32), 1)
    return np.maximum(alpha, face.astype(np.float32))


def _along_edges(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The segmentation's mask (found on a small copy of the photo: its edge in steps, and
    off the person's by up to several pixels) drawn toward the photo's own colour edges and
    its steps smoothed: a guided filter (He, Sun and Tang, 2010), in each window the mask
    a linear function of the colours there, worked out at GUIDE_LONG_SIDE. As it was, the
    band of the flag beside sadtalker_aoc's neck that the mask takes for the person went off
    with the moving neck as a red rim, and the hair's edge moved in steps."""
    h, w = mask.shape
    f = min(1.0, GUIDE_LONG_SIDE / max(h, w))
    size = (max(1, round(w * f)), max(1, round(h * f)))
    guide = cv2.resize(image, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    p = cv2.resize(mask, size, interpolation=cv2.INTER_AREA)
    window = (2 * GUIDE_RADIUS + 1, 2 * GUIDE_RADIUS + 1)

    def mean(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, -1, window)

    mean_i, mean_p = mean(guide), mean(p)
    cov = mean(guide * p[..., None]) - mean_i * mean_p[..., None]
    var = np.empty(guide.shape[:2] + (3, 3), np.float32)
    for i in range(3):
        for j in range(i, 3):
            var[..., i, j] = var[..., j, i] = (mean(guide[..., i] * guide[..., j])
                                               - mean_i[..., i] * mean_i[..., j])
    a = np.linalg.solve(var + GUIDE_EPS * np.eye(3, dtype=np.float32), cov[..., None])[..., 0]
    b = mean_p - (a * mean_i).sum(-1)
    snapped = (mean(a) * guide).sum(-1) + mean(b)
    return cv2.resize(snapped, (w, h), interpolation=cv2.INTER_LINEAR)


def inpaint_behind(image: np.ndarray, alpha: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """The image with the person replaced by what is around it (float32 RGB): where a head
    moves off it (REVEALED), from patches of the background nearby, its lines and grain run
    on behind the head (patch_fill.py); deeper in, smoothly from those."""
    h, w = image.shape[:2]
    f = min(1.0, PLATE_LONG_SIDE / max(h, w))
    small = cv2.resize(image, (max(1, round(w * f)), max(1, round(h * f))),
                       interpolation=cv2.INTER_AREA)
    hole = cv2.resize((alpha > 0.05).astype(np.uint8), small.shape[1::-1],
                      interpolation=cv2.INTER_NEAREST)
    hole = cv2.dilate(hole, np.ones((2 * FRINGE + 1, 2 * FRINGE + 1), np.uint8))
    inside = hole > 0
    width = np.ptp(landmarks[topo.FACE_OVAL, 0])
    revealed = inside & (cv2.distanceTransform(hole, cv2.DIST_L2, 5) <= REVEALED * width * f)
    revealed[int(np.ceil((landmarks[topo.CHIN, 1] + NECK_REVEALED * width) * f)):] = False
    # The patches over a smooth fill (what the blur below reaches past them, and what stays
    # where no patch has a source), softened a little: their seams are a step of the plate's
    # pixels (two at 512)...
    smooth = cv2.inpaint(small, hole, 5, cv2.INPAINT_TELEA)
    patched = cv2.GaussianBlur(fill_from_around(smooth, inside, revealed), (0, 0), 0.7)
    small = np.where(revealed[..., None], np.clip(patched, 0, 255), small).astype(np.uint8)
    # ...and deeper in, a smooth fill again, now from them.
    filled = cv2.inpaint(small, (inside & ~revealed).astype(np.uint8), 5, cv2.INPAINT_TELEA)
    behind = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    cover = cv2.resize(hole.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    cover = cv2.GaussianBlur(cover, (0, 0), 2.0 / f)[..., None]
    return image.astype(np.float32) * (1 - cover) + behind * cover


@dataclass(frozen=True)
class PersonLayers:
    """A photo seen as a person over a background: the person's alpha (person_alpha) and
    what lies behind them (inpaint_behind). They depend on the photo alone, not on how it is
    framed: worked out once per portrait (Portrait.person)."""

    alpha: np.ndarray  # (h, w) float32
    plate: np.ndarray  # (h, w, 3) float32 RGB

    @staticmethod
    def of(image: np.ndarray, landmarks: np.ndarray) -> "PersonLayers":
        alpha = person_alpha(image, landmarks)
        return PersonLayers(alpha, inpaint_behind(image, alpha, landmarks))


class Backdrop:
    """The person's alpha and the background plate of one portrait, at one output framing."""

    def __init__(self, person: PersonLayers, framing: Framing):
        self._alpha, self._plate = person.alpha, person.plate
        w, h = framing.output_size
        # The correction is smooth (a soft alpha, a blurred plate): worked out on every
        # `step`-th output pixel and scaled up, it costs a quarter at HD sizes.
        self._step = max(1, round(max(w, h) / STEP_PIXELS))
        self._size = (w, h)
        self._framing = framing
        xs, ys = framing.to_portrait_axes(np.arange(0, w, self._step, dtype=np.float32),
                                          np.arange(0, h, self._step, dtype=np.float32))
        self._base = cv2.merge(np.meshgrid(xs.astype(np.float32), ys.astype(np.float32)))
        # The plate and the background's share of each pixel, sampled in one pass. Past the
        # photo's edges both are read mirrored, as the renderer's texture is
        # (render/texture.py): read clamped, the edge's colour was taken from the mirrored wall
        # the render had drawn there, and a stripe's colour stood out as a bright blot.
        self._behind = cv2.merge([*cv2.split(self._plate), 1.0 - self._alpha])
        self._plate_planes = cv2.split(cv2.remap(self._plate, self._base, None, cv2.INTER_LINEAR,
                                              borderMode=cv2.BORDER_REFLECT_101))

    @property
    def alpha(self) -> np.ndarray:
        return self._alpha

    def apply(self, image: np.ndarray, warp: CoarseWarp) -> None:
        """Put the background back under the warped person in `image` (the output, uint8 RGB),
        in place."""
        h, w = self._base.shape[:2]  # the correction's grid (every `step`-th output pixel)
        box = warp.moving_box(MOVING, MARGIN, (h, w))
        if box is None:
            return
        maps = cv2.add(cv2.resize(warp.displacement, (w, h), interpolation=cv2.INTER_LINEAR)[box],
                       self._base[box])
        *behind, background = cv2.split(cv2.remap(self._behind, maps, None, cv2.INTER_LINEAR,
                                                  borderMode=cv2.BORDER_REFLECT_101))
        # Planes, not broadcasting: NumPy is several times slower along a last axis of 3.
        change = cv2.merge([cv2.multiply(background, cv2.subtract(still[box], moved))
                            for still, moved in zip(self._plate_planes, behind)])
        s = self._step
        out_w, out_h = self._size
        rows = slice(box[0].start * s, min(box[0].stop * s, out_h))
        cols = slice(box[1].start * s, min(box[1].stop * s, out_w))
        if s > 1:
            change = cv2.resize(change, (cols.stop - cols.start, rows.stop - rows.start),
                                interpolation=cv2.INTER_LINEAR)
        image[rows, cols] = cv2.add(image[rows, cols], change, dtype=cv2.CV_8U)
        self._beyond_photo(image, warp, maps, (rows, cols))

    def _beyond_photo(self, image: np.ndarray, warp: CoarseWarp, maps: np.ndarray,
                      box: tuple[slice, slice]) -> None:
        """Where the map samples past the photo's edges (a head moved down under a photo
        with little room above the hair), the texture there is the photo mirrored
        (render/texture.py), which continues the person only where the person reaches the
        edge (hair cut by the frame, a chest): past an edge that is wall, the mirror drew the
        hair again above the head, a second tuft floating on the wall. There the still plate
        is shown instead, by how much the edge beside the sample is background; worked out at
        full resolution (an upsampled correction would leave the tuft's fine edges). `maps`:
        the portrait positions on the correction's grid in `box` (output pixels)."""
        past = self._past_edge(maps[..., 0], maps[..., 1])
        if not (past > 0).any():
            return
        # Only where the mirror brings the person past an edge that is background does the
        # plate differ from what is drawn (above most heads the mirror is wall as well).
        beyond = cells_box(past > 0, 0, past.shape)  # in the correction grid's own cells
        mirrored, edge = (cv2.remap(self._alpha, maps[beyond], None, cv2.INTER_LINEAR,
                                    borderMode=border)
                          for border in (cv2.BORDER_REFLECT_101, cv2.BORDER_REPLICATE))
        differs = (past[beyond] > 0) & (mirrored * (1.0 - edge) > MIRRORED_PERSON)
        rows = np.flatnonzero(differs.any(1)) + beyond[0].start
        cols = np.flatnonzero(differs.any(0)) + beyond[1].start
        if not len(rows):
            return
        s = self._step
        out_w, out_h = self._size
        y0 = box[0].start + max(rows[0] - 1, 0) * s
        y1 = min(box[0].start + (rows[-1] + 2) * s, out_h)
        x0 = box[1].start + max(cols[0] - 1, 0) * s
        x1 = min(box[1].start + (cols[-1] + 2) * s, out_w)
        field = warp.expand((slice(y0, y1), slice(x0, x1)))
        past = self._past_edge(field.map_x, field.map_y)
        edge_alpha = cv2.remap(self._alpha, field.map_x, field.map_y, cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
        show_plate = np.clip(past / BEYOND_RAMP, 0.0, 1.0) * (1.0 - edge_alpha)
        xs, ys = self._framing.to_portrait_axes(np.arange(x0, x1, dtype=np.float32),
                                                np.arange(y0, y1, dtype=np.float32))
        px, py = np.meshgrid(xs.astype(np.float32), ys.astype(np.float32))
        plate = cv2.remap(self._plate, px, py, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        blend(image, (x0, y0, x1, y1), show_plate, plate)

    def _past_edge(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """How far portrait positions lie past the photo's nearest edge, in portrait pixels
        (0 or less inside it)."""
        h, w = self._alpha.shape
        return np.maximum(np.maximum(-xs, xs - (w - 1)), np.maximum(-ys, ys - (h - 1)))
