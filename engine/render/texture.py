"""The portrait as every renderer samples it: pre-shrunk where the output is much smaller (so
sampling does not alias), and whether the face's fine detail is restored (HD outputs only)."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SHRINK_BELOW = 0.67  # output/portrait scale under which the texture is pre-shrunk (anti-alias)
# Bilinear sampling between texels is a blur, strongest half-way between them: a face that
# moves by fractions of a pixel loses over half its fine detail (pores, hair, lashes). Where
# the texture is as fine as the output, the lost detail is added back in proportion to how
# far between texels each sample falls (an unsharp mask of this gain at half a texel).
DETAIL_GAIN = 0.45
DETAIL_SIGMA = 0.8  # px: the unsharp mask's blur
# Only at HD output sizes: in a small picture the finest octave of a (usually compressed)
# portrait is as much noise as detail, and bilinear's softening is the kinder choice there.
DETAIL_FROM_HEIGHT = 720
FEATHER = 16  # px: the sharper face fades in over this band inside its box (no visible edge)
# The photo mirrored past its edges by this share of its longer side. A head that moves draws
# its neck, hair and backdrop from beyond the photo's edge where the photo ends close by (a
# head-and-shoulders shot cut at the chest, the head moved up): clamped there, the edge's last
# row repeated down the frame as streaks; mirrored, the shirt or wall goes on.
MIRRORED = 0.25


@dataclass(frozen=True)
class Texture:
    image: np.ndarray  # RGB uint8, contiguous, with its mirrored margin
    shrink: float  # texture pixels per portrait pixel (1: the portrait as is)
    restore_detail: bool
    margin: int = 0  # texels of mirrored photo on each side (MIRRORED)

    def texel(self, map_x: np.ndarray, map_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Portrait positions -> texture positions (pixel p -> (p + 0.5) k - 0.5 + margin)."""
        return self.texels(map_x), self.texels(map_y)

    def texels(self, positions: np.ndarray) -> np.ndarray:
        """Portrait positions (x, y or both: any shape) -> texture positions."""
        if self.shrink == 1.0:
            return positions + self.margin
        return (positions + 0.5) * self.shrink + (self.margin - 0.5)  # NumPy or torch alike


def prepare_texture(image: np.ndarray, scale: float, output_height: int) -> Texture:
    """`scale`: output pixels per portrait pixel. A much larger portrait is shrunk once with
    area averaging; otherwise it is used as is."""
    k = scale if scale < SHRINK_BELOW else 1.0
    if k < 1.0:
        h, w = image.shape[:2]
        size = (max(1, round(w * k)), max(1, round(h * k)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    # An upsampled portrait has no finer detail to restore: its blur is the portrait's.
    restore = scale / k <= 1.05 and output_height >= DETAIL_FROM_HEIGHT
    margin = min(round(MIRRORED * max(image.shape[:2])), min(image.shape[:2]) - 1)
    image = cv2.copyMakeBorder(image, margin, margin, margin, margin, cv2.BORDER_REFLECT_101)
    return Texture(np.ascontiguousarray(image), k, restore, margin)


def detail_weight(map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """How much of the unsharp detail each sample gets back: DETAIL_GAIN half-way between
    texels, none on a texel."""
    fx, fy = map_x - np.floor(map_x), map_y - np.floor(map_y)
    return np.maximum(fx * (1 - fx), fy * (1 - fy)) * (4 * DETAIL_GAIN)
