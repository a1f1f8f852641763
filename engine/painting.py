"""Painting over a rendered frame: a colour blended into a box of it by a coverage mask (the
mouth's interior and lips, the lids of closing eyes)."""
from __future__ import annotations

import cv2
import numpy as np


def blend(image: np.ndarray, box: tuple[int, int, int, int], coverage: np.ndarray,
          colour: np.ndarray) -> None:
    """Blend `colour` ((h, w, 3) float32, or a view that broadcasts to it) into `image`'s `box`
    (x0, y0, x1, y1), in place, by `coverage` ((h, w), 0 to 1). (cv2 and a three-channel
    mask: NumPy broadcasts slowly along an axis of three.)"""
    x0, y0, x1, y1 = box
    region = image[y0:y1, x0:x1]
    a = cv2.merge([coverage.astype(np.float32)] * 3)
    blended = cv2.add(region, cv2.multiply(a, colour - region, dtype=cv2.CV_32F),
                      dtype=cv2.CV_32F)
    image[y0:y1, x0:x1] = np.clip(blended, 0, 255).astype(np.uint8)
