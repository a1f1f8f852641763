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

import cv2
import numpy as np

from . import face_topology as topo
from .painting import blend
from .ramp import smoothstep

# Share of the way shut (1 - the eye's opening over its photo's) over which the lid is
# painted, from none to fully: a lid lowered a little is the photo's own.
LID_PAINT = (0.25, 0.8)
LID_COVER = 0.55  # share of the lid (from the margin up) painted fully; fading out above it
# The lid's skin colour is read in the photo between the skin above the lid and the margin,
# less its part nearest the margin (lashes, liner), and this far above (eye widths), in three
# stretches along the eye centred here (share of its width): from each, the pixels between
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

# Each eye: its upper and lower margins (corner to corner) and the skin above its upper lid.
_EYES = ((topo.RIGHT_EYE_UPPER, topo.RIGHT_EYE_LOWER, topo.RIGHT_EYE_ABOVE[0]),
         (topo.LEFT_EYE_UPPER, topo.LEFT_EYE_LOWER, topo.LEFT_EYE_ABOVE[0]))


@dataclass(frozen=True)
class _EyeFrame:
    """Pixels about one eye in its own axes: u along the eye from its first corner (eye widths),
    w across it (eye widths, downward on the face)."""

    box: tuple[int, int, int, int]
    u: np.ndarray  # (h, w)
    w: np.ndarray
    origin: np.ndarray  # the first corner, output pixels
    along: np.ndarray  # unit vector, first corner to second
    down: np.ndarray  # unit vector across, toward the lower lid
    width: float  # pixels

    @staticmethod
    def of(points: np.ndarray, eye: tuple[np.ndarray, ...], shape: tuple[int, ...],
           pad: float) -> "_EyeFrame | None":
        upper, lower, above = eye
        origin = points[upper[0], :2]
        axis = points[upper[-1], :2] - origin
        width = float(np.linalg.norm(axis))
        if width < 2.0:
            return None
        along = axis / width
        down = np.array([-along[1], along[0]])
        if ((points[above, :2] - origin) @ down).sum() > 0:
            down = -down  # the skin above the lid lies up the face
        ring = points[np.concatenate([upper, lower, above]), :2]
        x0, y0 = np.maximum(np.floor(ring.min(0) - pad).astype(int), 0)
        x1, y1 = np.minimum(np.ceil(ring.max(0) + pad).astype(int) + 1, [shape[1], shape[0]])
        if x1 <= x0 or y1 <= y0:
            return None
        xs, ys = np.meshgrid(np.arange(x0, x1, dtype=np.float32) - origin[0],
                             np.arange(y0, y1, dtype=np.float32) - origin[1])
        return _EyeFrame((x0, y0, x1, y1), (xs * along[0] + ys * along[1]) / width,
                         (xs * down[0] + ys * down[1]) / width, origin, along, down, width)

    def across(self, points: np.ndarray) -> np.ndarray:
        """The w of the polyline through `points` (n, 2, output pixels) at each pixel's u (held
        flat past its ends)."""
        rel = (points - self.origin) / self.width
        u, w = rel @ self.along, rel @ self.down
        order = np.argsort(u)
        return np.interp(self.u, u[order], w[order]).astype(np.float32)


class EyeLids:
    """The lids of one portrait's eyes, painted over frames where its eyes shut."""

    def __init__(self, image: np.ndarray, landmarks: np.ndarray):
        self._rest = topo.eye_opening_ratios(landmarks)
        self._skin = [_skin_colours(image, landmarks, eye) for eye in _EYES]
        self._lash = [_lash_colour(image, landmarks, eye) for eye in _EYES]

    def apply(self, image: np.ndarray, target_out: np.ndarray) -> None:
        """Paint the lids into `image` (output pixels, target landmarks `target_out`) in place,
        each eye by how far it is shut below its photo's opening."""
        shut = 1.0 - topo.eye_opening_ratios(target_out) / np.maximum(self._rest, 1e-6)
        for eye, skin, lash, amount in zip(_EYES, self._skin, self._lash, shut):
            strength = float(smoothstep(amount, *LID_PAINT))
            if strength > 0.0:
                _paint_lid(image, target_out, eye, skin, lash, strength)


def _paint_lid(image: np.ndarray, points: np.ndarray, eye: tuple[np.ndarray, ...],
               skin: np.ndarray, lash: np.ndarray, strength: float) -> None:
    """One eye's lid (landmarks `points`, output pixels) painted `skin` (colours at SKIN_AT)
    with a `lash` line, by `strength` (0 to 1)."""
    upper, _, above = eye
    frame = _EyeFrame.of(points, eye, image.shape, pad=0.1 * np.ptp(points[upper, 0]) + 2)
    if frame is None:
        return
    x0, y0, x1, y1 = frame.box
    margin = frame.across(points[upper, :2])
    top = np.minimum(frame.across(points[above, :2]), margin - 1e-3)
    taper = smoothstep(frame.u, 0.0, CORNER_TAPER) * smoothstep(1.0 - frame.u, 0.0, CORNER_TAPER)

    colour = np.stack([np.interp(frame.u, SKIN_AT, skin[:, c]) for c in range(3)], -1)
    up = (margin - frame.w) / np.maximum(margin - top, 1e-3)  # 0 at the margin, 1 at the top
    lid = (up >= 0) * (1.0 - smoothstep(up, LID_COVER, 1.0))
    blend(image, (x0, y0, x1, y1), strength * taper * lid, colour.astype(np.float32))

    # The lash line: thickest in the middle, over the margin and hanging below it.
    thick = LASH_WIDTH * (0.35 + 0.65 * np.sin(np.pi * np.clip(frame.u, 0.0, 1.0)))
    below = (frame.w - margin) * frame.width  # pixels
    lash_px = thick * frame.width
    soft = max(LASH_SOFT * frame.width, 1.0)
    within = np.minimum(below + LASH_ABOVE * lash_px, (1 - LASH_ABOVE) * lash_px - below)
    lash_cover = np.clip(within / soft + 0.5, 0.0, 1.0) * LASH_OPACITY
    inside = (frame.u >= 0) & (frame.u <= 1)
    blend(image, (x0, y0, x1, y1), strength * taper * inside * lash_cover,
          np.broadcast_to(lash, (y1 - y0, x1 - x0, 3)))


def _skin_colours(image: np.ndarray, landmarks: np.ndarray, eye: tuple[np.ndarray, ...]
                  ) -> np.ndarray:
    """The photo's lid skin colour at SKIN_AT along the eye, (3, 3) float32: each stretch's
    own, or the whole band's where a stretch has too few pixels."""
    frame = _EyeFrame.of(landmarks, eye, image.shape, pad=SKIN_REACH[1] * np.ptp(
        landmarks[eye[0], 0]) + 2)
    if frame is None:
        return np.full((len(SKIN_AT), 3), image.mean((0, 1)), np.float32)
    x0, y0, x1, y1 = frame.box
    upper, _, above = eye
    margin = frame.across(landmarks[upper, :2])
    top = np.minimum(frame.across(landmarks[above, :2]), margin)
    band = ((frame.w < margin - SKIN_REACH[0] * (margin - top))
            & (frame.w > top - SKIN_REACH[1]) & (frame.u >= 0) & (frame.u <= 1))
    rgb = image[y0:y1, x0:x1].astype(np.float32)
    luma = rgb @ np.array([0.299, 0.587, 0.114], np.float32)

    def robust(chosen: np.ndarray) -> np.ndarray | None:
        if chosen.sum() < 4:
            return None
        low, high = np.quantile(luma[chosen], SKIN_QUANTILES)
        return rgb[chosen & (luma >= low) & (luma <= high)].mean(0)

    whole = robust(band)
    if whole is None:
        whole = rgb.reshape(-1, 3).mean(0)
    edges = np.r_[0.0, (SKIN_AT[:-1] + SKIN_AT[1:]) / 2, 1.0]
    colours = [robust(band & (frame.u >= lo) & (frame.u <= hi)) for lo, hi in
               zip(edges[:-1], edges[1:])]
    return np.array([whole if c is None else c for c in colours], np.float32)


def _lash_colour(image: np.ndarray, landmarks: np.ndarray, eye: tuple[np.ndarray, ...]
                 ) -> np.ndarray:
    """The mean colour of the darkest pixels about the photo's upper lid margin: its lashes
    and liner."""
    frame = _EyeFrame.of(landmarks, eye, image.shape, pad=2)
    if frame is None:
        return np.zeros(3, np.float32)
    x0, y0, x1, y1 = frame.box
    margin = frame.across(landmarks[eye[0], :2])
    band = ((frame.w > margin - LASH_BAND[0]) & (frame.w < margin + LASH_BAND[1])
            & (frame.u >= 0) & (frame.u <= 1))
    pixels = image[y0:y1, x0:x1][band].astype(np.float32)
    if not len(pixels):
        return np.zeros(3, np.float32)
    luma = pixels @ np.array([0.299, 0.587, 0.114], np.float32)
    darkest = luma <= np.quantile(luma, LASH_DARKEST)
    return pixels[darkest].mean(0)
