"""Skin where the photo shows too little of it: a cheek seen edge-on, turned to the viewer.

On a turned photo the far cheek is, in the face mesh, a band of slivers a pixel or two wide
along the face's outline, as much hair or wall as skin. A target that turns that cheek toward
the viewer stretches each sliver across the cheek (15 to 150 times its photo's area on
lp_d12): streaks of wood and hair down his cheek, an earring smeared over sadtalker_aoc's jaw.
The map cannot show what the photo does not hold (and widening a sliver's source takes the
room from the skin beside it, which then stretches in turn: tried, it stretched more cells
past the tear limit, not fewer). So at load a skin plate is made: the face's skin (its
outline shrunk by SKIN_INSET, less the eyes and mouth) smoothed and continued past the
outline by a normalised convolution, its own colour and light without hair, wall or
jewellery; and each frame, where a sliver along the outline is stretched past STRETCHED
into a band wider than WIDE_BAND, the output there is drawn from the plate through the same
map, fading in with both. A sliver stretched only into a thin band is the face's edge as the
photo has it (skin into hair or wall) and keeps it: painted, every turned face had a pale
rim. The map itself is the warp's: the tear measure (tears.py) counts these cells as before.
Painted after the warp, on every backend."""
from __future__ import annotations

import cv2
import numpy as np

from . import face_topology as topo
from .geometry import signed_areas
from .mesh import SKIN
from .painting import blend, normalised_blur
from .ramp import smoothstep
from .warp import CoarseWarp, cells_box

SKIN_INSET = 0.04  # face widths: the plate's own skin is the outline shrunk by this
FILL_SIGMA = 0.05  # face widths: how far the skin's colour is averaged as it is continued
# A triangle's area in the target over its photo's: from the first it starts to be drawn
# from the plate, fully from the second (the tear measure's limit is 4).
STRETCHED = (3.0, 6.0)
# A stretched sliver's height across (face widths) from which it is painted, fully from the
# second.
WIDE_BAND = (0.02, 0.05)
# A triangle whose photo area (twice, as signed_areas gives it) is under this times its
# longest side squared is a sliver (an equilateral one is 0.87; the face's skin triangles'
# 5th percentile is about 0.08 on lp_d10).
SLIVER = 0.06
# A frame whose largest weight is under this is left alone (a plate that differs from the
# photo by 50 grey levels moves no pixel by a whole level): most frames of a moving head.
INVISIBLE = 0.02
PLATE_PAD = 0.2  # face widths about the outline's box that the plate covers


def skin_plate(image: np.ndarray, landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The plate about the face ((h, w, 3) float32: the skin within the face's outline shrunk
    by SKIN_INSET, smoothed and continued past it) and its top-left corner in the photo
    (x, y)."""
    oval = landmarks[topo.FACE_OVAL, :2]
    width = float(np.ptp(oval[:, 0]))
    # Only about the face: a map stretched there samples the photo within the outline's reach.
    (x0, y0), (x1, y1) = (np.clip(np.round(oval.min(0) - PLATE_PAD * width), 0, None),
                          np.round(oval.max(0) + PLATE_PAD * width))
    x0, y0, x1, y1 = int(x0), int(y0), min(int(x1), image.shape[1]), min(int(y1), image.shape[0])
    image, oval = image[y0:y1, x0:x1], oval - [x0, y0]
    inside = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round(oval).astype(np.int32)], 1)
    inset = max(1, round(SKIN_INSET * width))
    inside = cv2.erode(inside, cv2.getStructuringElement(cv2.MORPH_ELLIPSE,
                                                         (2 * inset + 1, 2 * inset + 1)))
    photo = image.astype(np.float32)
    sigma = max(1.0, FILL_SIGMA * width)
    for ring in (topo.OUTER_LIP_RING, topo.RIGHT_EYE_RING, topo.LEFT_EYE_RING):  # skin only
        cv2.fillPoly(inside, [np.round(landmarks[ring, :2] - [x0, y0]).astype(np.int32)], 0)
    plate, weight = normalised_blur(photo, inside.astype(np.float32), sigma)
    # Far from any skin nothing is continued (and nothing there is drawn from the plate).
    plate[weight < 1e-4] = photo[weight < 1e-4]
    return plate.astype(np.float32), np.float32([x0, y0])


class StretchedSkin:
    """For one portrait: paints the plate where a frame's map stretches the face's skin."""

    def __init__(self, image: np.ndarray, landmarks: np.ndarray, triangles: np.ndarray,
                 regions: np.ndarray):
        self._plate, self._corner = skin_plate(image, landmarks)
        self._triangles = triangles
        self._points = len(landmarks)
        self._photo_area = signed_areas(landmarks[triangles, :2])
        # Only the skin along the face's outline (a triangle with a corner on it or next to
        # it) is ever seen edge-on: within, a small triangle stretched (a nostril's, a mouth
        # corner's as the lips part) has the photo's own detail, which the plate would blur.
        near = np.zeros(len(landmarks), bool)
        near[topo.FACE_OVAL] = True
        near[triangles[near[triangles].any(1)]] = True
        # ...and seen edge-on is a sliver (or hidden): a chin's triangle stretched by a
        # dropping jaw is not, and its photo's own skin is better than the plate's.
        sliver = self._photo_area < SLIVER * _longest_sides(landmarks[triangles, :2]) ** 2
        self._outline = np.flatnonzero((regions == SKIN) & near[triangles].any(1) & sliver)

    def weights(self, target: np.ndarray) -> np.ndarray:
        """(T,) how much of each triangle the plate draws for `target` (portrait pixels)."""
        corners = target[self._triangles[self._outline], :2]
        area = signed_areas(corners)
        # A triangle the photo hides (turned away: the far side of a turned face) is drawn
        # from what covers it in the photo, mirrored (warp.py): as stretched as that is.
        stretch = area / np.maximum(np.abs(self._photo_area[self._outline]), 1e-9)
        # A sliver stretched only into a thin band is the face's edge, skin into hair or
        # wall as the photo has it; one stretched across the cheek is a band of streaks.
        width = np.ptp(target[topo.FACE_OVAL, 0])
        band = area / _longest_sides(corners) / max(width, 1e-9)
        weights = np.zeros(len(self._triangles))
        weights[self._outline] = np.where(
            area > 0, smoothstep(stretch, *STRETCHED) * smoothstep(band, *WIDE_BAND), 0.0)
        return weights

    def apply(self, image: np.ndarray, warp: CoarseWarp, target: np.ndarray) -> None:
        """Paint `image` (the output, uint8 RGB) in place for `target` (portrait pixels) drawn
        by `warp`."""
        weights = self.weights(target)
        if warp.raster is None or weights.max() < INVISIBLE:
            return
        gh, gw = warp.displacement.shape[:2]
        raster = warp.raster.layer(0, gh * gw)
        cells = np.zeros(gh * gw, np.float32)
        # Smooth across the mesh: each point takes its most stretched triangle's weight.
        points = np.zeros(self._points, np.float32)
        np.maximum.at(points, self._triangles[self._outline].ravel(),
                      np.repeat(weights[self._outline], 3).astype(np.float32))
        cells[raster.pixels] = (raster.bary * points[self._triangles[raster.triangles]]).sum(1)
        cells = cells.reshape(gh, gw)
        h, w = image.shape[:2]
        # The cells painted, and one more each way (the weights are spread over it).
        box = cells_box(cells > 0, 1, (h, w))
        if box is None:
            return
        # Upsampled as the warp upsamples its grid, so the two stay aligned.
        coverage = warp.upsampled(cv2.GaussianBlur(cells, (3, 3), 0), *box)
        field = warp.expand(box)
        drawn = cv2.remap(self._plate, field.map_x - self._corner[0],
                          field.map_y - self._corner[1], cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
        rows, cols = box
        blend(image, (cols.start, rows.start, cols.stop, rows.stop), coverage, drawn)


def _longest_sides(corners: np.ndarray) -> np.ndarray:
    """(T,) each triangle's longest side ((T, 3, 2) corners), at least a tiny length."""
    return np.maximum(np.linalg.norm(corners - np.roll(corners, 1, 1), axis=2).max(1), 1e-9)
