"""CPU renderer: one sample per output pixel from the (pre-filtered) portrait: bilinear, and
bicubic with the detail restored in the face where the portrait is as fine as the output.
It is the reference the other backends are tested against."""
from __future__ import annotations

import cv2
import numpy as np

from ..warp import CoarseWarp, WarpField
from .texture import DETAIL_SIGMA, FEATHER, detail_weight, prepare_texture


class CpuRenderer:
    name = "CPU"

    def __init__(self, image: np.ndarray, scale: float, output_height: int):
        self._texture = prepare_texture(image, scale, output_height)

    def render(self, warp: CoarseWarp) -> np.ndarray:
        return self.sample(warp.expand())

    def sample(self, field: WarpField) -> np.ndarray:
        """The portrait sampled at every output pixel's map position."""
        texture = self._texture
        map_x, map_y = texture.texel(field.map_x, field.map_y)
        out = cv2.remap(texture.image, map_x, map_y, cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE)
        if texture.restore_detail and field.face is not None:
            box = field.face
            face = cv2.remap(texture.image, map_x[box], map_y[box], cv2.INTER_CUBIC,
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
    """`image` sampled at (map_x, map_y), with the detail that sampling between texels blurred
    away added back."""
    detail = cv2.subtract(image, cv2.GaussianBlur(image, (0, 0), DETAIL_SIGMA), dtype=cv2.CV_16S)
    weight = detail_weight(map_x, map_y)
    return cv2.add(image, (detail * weight[..., None]).astype(np.int16), dtype=cv2.CV_8U)
