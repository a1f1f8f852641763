"""Closing lids drawn as lids (issue 24): skin shaded from the lid above, with a lash line.

A photo's open eye shows little of its upper lid: the margin holds lashes and liner, and above
them a thin band of lid up to the crease. Closed, the lid covers the eye, and the warp can only
stretch that band down over it: lashes and liner smeared into streaks across the lid, flecks of
eyeball along the meeting line. So as an eye shuts (below its photo's own opening), the band
between the skin above the lid and its margin is painted with the photo's own lid skin colour
(read once, clear of lashes, liner, brows and glasses' frames, along the eye: its light and
eyeshadow), fading out toward the top so the crease stays the photo's, and a line of the
photo's own lash colour is drawn along the margin, hanging below it as closed lashes do.
Painted after the warp, on every backend; set photos blended in later show their own lids.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import face_topology as topo
from .painting import LUMA, PartAxes, blend, part_box
from .ramp import smoothstep

# Share of the way shut (1 - the eye's opening over its photo's) over which the lid is
# painted, from none to fully: a lid lowered a little is the photo's own.
LID_PAINT = (0.25, 0.8)
LID_COVER = 0.55  # share of the lid (from the margin up) painted fully; fading out above it
# The lid's skin colour is read in the photo between the skin above the lid and the margin,
# less this share of it nearest the margin (lashes, liner), and this far above (eye widths),
# in three stretches along the eye centred here (share of its width, from the image's left): from each, the pixels between
# these quantiles of brightness (no lashes, brows or glasses' frames, no glints).
SKIN_REACH = (0.35, 0.05)
SKIN_AT = np.array([1 / 6, 1 / 2, 5 / 6])
SKIN_QUANTILES = (0.4, 0.9)
LASH_WIDTH = 0.08  # the lash line's thickness at its middle, in eye widths
LASH_ABOVE = 0.3  # ...of which this share lies above the margin, the rest hangs below
LASH_SOFT = 0.02  # its edges' fall-off, in eye widths (at least a pixel)
LASH_OPACITY = 0.85  # lashes are hairs, not ink: a trace of the lid shows through
LASH_DARKEST = 0.1  # the lashes take the mean colour of this share of the darkest pixels...
LASH_BAND = (0.06, 0.02)  # ...within this many eye widths above and below the photo's margin
CORNER_TAPER = 0.15  # share of the eye's width at each corner over which the paint fades in

# Each eye: its corners, the image's left first (so v runs down the face), its upper margin,
# and the skin above its upper lid.
_EYES = ((topo.RIGHT_EYE_CORNERS, topo.RIGHT_EYE_UPPER, topo.RIGHT_EYE_ABOVE[0]),
         (topo.LEFT_EYE_CORNERS[::-1], topo.LEFT_EYE_UPPER, topo.LEFT_EYE_ABOVE[0]))


@dataclass(frozen=True)
class _Lid:
    """The pixels about one upper lid in its eye's axes (PartAxes), with the lid's margin and
    the skin above it at each pixel's u."""

    box: tuple[int, int, int, int]
    along: np.ndarray  # (h, w): 0 at the first corner, 1 at the second
    v: np.ndarray  # pixels across, down the face
    margin: np.ndarray  # v of the upper margin
    top: np.ndarray  # v of the skin above the lid (never below the margin)
    width: float  # the eye's, pixels

    @staticmethod
    def of(points: np.ndarray, eye: tuple, shape: tuple[int, ...], pad: float) -> "_Lid | None":
        corners, upper, above = eye
        axes = PartAxes.of(points, *corners)
        if axes.width < 2.0:
            return None
        box = part_box(points, shape, int(np.ceil(pad)), np.concatenate([upper, above]))
        if box is None:
            return None
        box, xs, ys = box
        u, v = axes.to_uv(xs, ys)
        u = u.astype(np.float32)
        margin = axes.curve(upper, u)
        return _Lid(box, (u + 1) / 2, v.astype(np.float32), margin,
                    np.minimum(axes.curve(above, u), margin), axes.width)


class EyeLids:
    """The lids of one portrait's eyes, painted over frames where its eyes shut."""

    def __init__(self, image: np.ndarray, landmarks: np.ndarray):
        self._rest = topo.eye_opening_ratios(landmarks)
        self._colours = [_photo_colours(image, landmarks, eye) for eye in _EYES]

    def apply(self, image: np.ndarray, target_out: np.ndarray) -> None:
        """Paint the lids into `image` (output pixels, target landmarks `target_out`) in place,
        each eye by how far it is shut below its photo's opening."""
        shut = 1.0 - topo.eye_opening_ratios(target_out) / np.maximum(self._rest, 1e-6)
        for eye, (skin, lash), amount in zip(_EYES, self._colours, shut):
            strength = float(smoothstep(amount, *LID_PAINT))
            if strength > 0.0:
                _paint_lid(image, target_out, eye, skin, lash, strength)


def _paint_lid(image: np.ndarray, points: np.ndarray, eye: tuple, skin: np.ndarray,
               lash: np.ndarray, strength: float) -> None:
    """One eye's lid (landmarks `points`, output pixels) painted `skin` (colours at SKIN_AT)
    with a `lash` line, by `strength` (0 to 1)."""
    lid = _Lid.of(points, eye, image.shape, pad=0.1 * np.ptp(points[eye[1], 0]) + 2)
    if lid is None:
        return
    (x0, y0, x1, y1), s = lid.box, lid.along
    taper = smoothstep(s, 0.0, CORNER_TAPER) * smoothstep(1.0 - s, 0.0, CORNER_TAPER)

    colour = np.stack([np.interp(s, SKIN_AT, skin[:, c]) for c in range(3)], -1)
    up = (lid.margin - lid.v) / np.maximum(lid.margin - lid.top, 1e-3)  # 0 margin, 1 top
    cover = (up >= 0) * (1.0 - smoothstep(up, LID_COVER, 1.0))
    blend(image, lid.box, strength * taper * cover, colour.astype(np.float32))

    # The lash line: thickest in the middle, over the margin and hanging below it.
    lash_px = LASH_WIDTH * lid.width * (0.35 + 0.65 * np.sin(np.pi * np.clip(s, 0.0, 1.0)))
    below = lid.v - lid.margin
    soft = max(LASH_SOFT * lid.width, 1.0)
    within = np.minimum(below + LASH_ABOVE * lash_px, (1 - LASH_ABOVE) * lash_px - below)
    lash_cover = np.clip(within / soft + 0.5, 0.0, 1.0) * LASH_OPACITY
    inside = (s >= 0) & (s <= 1)
    blend(image, lid.box, strength * taper * inside * lash_cover,
          np.broadcast_to(lash, (y1 - y0, x1 - x0, 3)))


def _photo_colours(image: np.ndarray, landmarks: np.ndarray, eye: tuple
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The photo's lid skin colour at SKIN_AT along the eye ((3, 3) float32: each stretch's
    own, or the whole band's where a stretch has too few pixels), and its lash colour (the
    mean of the darkest pixels about the upper margin: lashes and liner)."""
    width = np.ptp(landmarks[eye[1], 0])
    lid = _Lid.of(landmarks, eye, image.shape, pad=max(SKIN_REACH[1], LASH_BAND[1]) * width + 2)
    if lid is None:
        mean = image.mean((0, 1)).astype(np.float32)
        return np.tile(mean, (len(SKIN_AT), 1)), mean
    x0, y0, x1, y1 = lid.box
    rgb = image[y0:y1, x0:x1].astype(np.float32)
    luma = rgb @ LUMA
    on_eye = (lid.along >= 0) & (lid.along <= 1)

    band = (on_eye & (lid.v < lid.margin - SKIN_REACH[0] * (lid.margin - lid.top))
            & (lid.v > lid.top - SKIN_REACH[1] * lid.width))

    def robust(chosen: np.ndarray) -> np.ndarray | None:
        if chosen.sum() < 4:
            return None
        low, high = np.quantile(luma[chosen], SKIN_QUANTILES)
        return rgb[chosen & (luma >= low) & (luma <= high)].mean(0)

    whole = robust(band)
    if whole is None:
        whole = rgb.reshape(-1, 3).mean(0)
    edges = np.r_[0.0, (SKIN_AT[:-1] + SKIN_AT[1:]) / 2, 1.0]
    stretches = [robust(band & (lid.along >= lo) & (lid.along <= hi))
                 for lo, hi in zip(edges[:-1], edges[1:])]
    skin = np.array([whole if c is None else c for c in stretches], np.float32)

    lashes = (on_eye & (lid.v > lid.margin - LASH_BAND[0] * lid.width)
              & (lid.v < lid.margin + LASH_BAND[1] * lid.width))
    if not lashes.any():
        return skin, whole.astype(np.float32)
    darkest = lashes & (luma <= np.quantile(luma[lashes], LASH_DARKEST))
    return skin, rgb[darkest].mean(0).astype(np.float32)
