"""Painting over a rendered frame: a colour blended into a box of it by a coverage mask (the
mouth's interior and lips, the lids of closing eyes), placed in a face part's own axes."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # RGB to brightness


@dataclass(frozen=True)
class PartAxes:
    """A face part's own coordinates (the mouth, an eye): u along the line between its two
    corners (0 at the middle, -1 at the first, 1 at the second), v across in pixels (down the
    face positive when the first corner is the image's left)."""

    centre: np.ndarray  # (2,) pixels
    axis: np.ndarray  # unit, first corner to second
    width: float  # corner to corner, pixels
    points: np.ndarray  # the landmarks (x, y, ...) they are of

    @staticmethod
    def of(points: np.ndarray, first: int, second: int) -> "PartAxes":
        """The axes between the landmarks `first` and `second` of `points`."""
        a, b = points[first, :2], points[second, :2]
        axis = b - a
        width = float(max(np.linalg.norm(axis), 1e-6))
        return PartAxes((a + b) / 2, axis / width, width, points)

    def to_uv(self, x, y):
        dx, dy = x - self.centre[0], y - self.centre[1]
        (ax, ay) = self.axis
        return (dx * ax + dy * ay) / (self.width / 2), dy * ax - dx * ay

    def to_xy(self, u, v):
        along, (ax, ay) = u * (self.width / 2), self.axis
        return (self.centre[0] + along * ax - v * ay).astype(np.float32), \
            (self.centre[1] + along * ay + v * ax).astype(np.float32)

    def curve(self, indices, u: np.ndarray) -> np.ndarray:
        """v of the polyline through landmarks `indices` at each u (held flat past its ends)."""
        cu, cv = self.to_uv(self.points[indices, 0], self.points[indices, 1])
        order = np.argsort(cu)
        return np.interp(u, cu[order], cv[order]).astype(np.float32)


def part_box(points: np.ndarray, shape: tuple[int, ...], pad: int, ring: np.ndarray):
    """The pixels around the landmarks `ring` of `points` with a margin of `pad`, clipped to an
    image of `shape`: ((x0, y0, x1, y1), xs, ys) with xs, ys their coordinate grids; None if
    none are inside."""
    ring = points[ring, :2]
    x0, y0 = np.maximum(np.floor(ring.min(0)).astype(int) - pad, 0)
    x1, y1 = np.minimum(np.ceil(ring.max(0)).astype(int) + pad, [shape[1], shape[0]])
    if x1 <= x0 or y1 <= y0:
        return None
    xs, ys = np.meshgrid(np.arange(x0, x1, dtype=np.float32), np.arange(y0, y1, dtype=np.float32))
    return (x0, y0, x1, y1), xs, ys


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


def normalised_blur(values: np.ndarray, weight: np.ndarray, sigma: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """`values` (h, w, channels) where `weight` (h, w) holds them, spread over their
    surroundings by a Gaussian blur of `sigma` pixels normalised by the blurred weight: the
    spread values, and the blurred weight (how much known weight reached each pixel)."""
    total = cv2.GaussianBlur(weight, (0, 0), sigma)
    spread = cv2.GaussianBlur(values * weight[..., None], (0, 0), sigma)
    return spread / np.maximum(total, 1e-6)[..., None], total
