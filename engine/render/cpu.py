"""CPU renderer: one sample per output pixel from the (pre-filtered) portrait: bilinear, and
bicubic with the detail restored in the face where the portrait is as fine as the output."""
from __future__ import annotations

import cv2
import numpy as np

from ..warp import WarpField

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


class CpuRenderer:
    name = "CPU"

    def __init__(self, image: np.ndarray, scale: float, output_height: int):
        """`scale`: output pixels per portrait pixel. A much larger portrait is shrunk once
        with area averaging, so sampling it does not alias; otherwise it is used as is."""
        self._k = scale if scale < SHRINK_BELOW else 1.0
        if self._k < 1.0:
            h, w = image.shape[:2]
            size = (max(1, round(w * self._k)), max(1, round(h * self._k)))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        self._texture = np.ascontiguousarray(image)
        # An upsampled portrait has no finer detail to restore: its blur is the portrait's.
        self._restore_detail = scale / self._k <= 1.05 and output_height >= DETAIL_FROM_HEIGHT

    def render(self, field: WarpField) -> np.ndarray:
        map_x, map_y = field.map_x, field.map_y
        if self._k < 1.0:  # portrait pixel p -> texture pixel (p + 0.5) k - 0.5
            map_x = (map_x + 0.5) * self._k - 0.5
            map_y = (map_y + 0.5) * self._k - 0.5
        out = cv2.remap(self._texture, map_x, map_y, cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE)
        if self._restore_detail and field.face is not None:
            box = field.face
            face = cv2.remap(self._texture, map_x[box], map_y[box], cv2.INTER_CUBIC,
                             borderMode=cv2.BORDER_REPLICATE)
            face = restore_detail(face, map_x[box], map_y[box])
            out[box] = _feathered(out[box], face)
        return out


def _feathered(outside: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """`inside` over `outside` (same box), fading to `outside` at the box's edges."""
    h, w = outside.shape[:2]
    ramp_y = np.minimum(np.arange(h), np.arange(h)[::-1]) / FEATHER
    ramp_x = np.minimum(np.arange(w), np.arange(w)[::-1]) / FEATHER
    alpha = np.minimum(np.minimum.outer(ramp_y, ramp_x), 1.0).astype(np.float32)[..., None]
    return (outside + alpha * (inside.astype(np.float32) - outside)).astype(np.uint8)


def restore_detail(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """`image` sampled bilinearly at (map_x, map_y), with the detail that sampling between
    texels blurred away added back (DETAIL_GAIN)."""
    fx, fy = map_x - np.floor(map_x), map_y - np.floor(map_y)
    weight = np.maximum(fx * (1 - fx), fy * (1 - fy)) * (4 * DETAIL_GAIN)
    detail = cv2.subtract(image, cv2.GaussianBlur(image, (0, 0), DETAIL_SIGMA), dtype=cv2.CV_16S)
    return cv2.add(image, (detail * weight[..., None]).astype(np.int16), dtype=cv2.CV_8U)
