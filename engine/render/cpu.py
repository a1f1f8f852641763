"""CPU renderer: one bilinear sample per output pixel from the (pre-filtered) portrait."""
from __future__ import annotations

import cv2
import numpy as np

from ..warp import WarpField

SHRINK_BELOW = 0.67  # output/portrait scale under which the texture is pre-shrunk (anti-alias)


class CpuRenderer:
    name = "cpu"

    def __init__(self, image: np.ndarray, scale: float):
        """`scale`: output pixels per portrait pixel. A much larger portrait is shrunk once
        with area averaging, so sampling it does not alias; otherwise it is used as is."""
        self._k = scale if scale < SHRINK_BELOW else 1.0
        if self._k < 1.0:
            h, w = image.shape[:2]
            size = (max(1, round(w * self._k)), max(1, round(h * self._k)))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        self._texture = np.ascontiguousarray(image)

    def render(self, field: WarpField) -> np.ndarray:
        map_x, map_y = field.map_x, field.map_y
        if self._k < 1.0:  # portrait pixel p -> texture pixel (p + 0.5) k - 0.5
            map_x = (map_x + 0.5) * self._k - 0.5
            map_y = (map_y + 0.5) * self._k - 0.5
        return cv2.remap(self._texture, map_x, map_y, cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
