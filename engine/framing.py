"""Where the output frame sits on the portrait: a scale and an offset (crop to fill)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Framing:
    """Output pixel o maps to portrait pixel o / scale + offset."""

    output_size: tuple[int, int]  # (width, height)
    scale: float
    offset: np.ndarray  # (2,) portrait pixels

    def to_output(self, points: np.ndarray) -> np.ndarray:
        """Portrait pixels (x, y[, z]) -> output pixels; z scales like x."""
        out = np.array(points, np.float64, copy=True)
        out[:, :2] = (out[:, :2] - self.offset) * self.scale
        if out.shape[1] > 2:
            out[:, 2:] *= self.scale
        return out

    def to_portrait(self, points: np.ndarray) -> np.ndarray:
        """Output pixels (x, y[, z]) -> portrait pixels: the inverse of to_output."""
        out = np.array(points, np.float64, copy=True)
        out[:, :2] = out[:, :2] / self.scale + self.offset
        if out.shape[1] > 2:
            out[:, 2:] /= self.scale
        return out

    def to_portrait_xy(self, xy: np.ndarray) -> np.ndarray:
        return xy / self.scale + self.offset

    def to_portrait_axes(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Output x of columns and y of rows -> portrait x and y (the axes stay apart)."""
        return xs / self.scale + self.offset[0], ys / self.scale + self.offset[1]


def frame_portrait(portrait_size: tuple[int, int], output_size: tuple[int, int],
                   face_center: np.ndarray) -> Framing:
    """Scale the portrait to cover the output, cropping around the face where it must crop."""
    pw, ph = portrait_size
    ow, oh = output_size
    scale = max(ow / pw, oh / ph)
    view = np.array([ow, oh]) / scale  # the crop window, in portrait pixels
    top_left = np.clip(face_center[:2] - view / 2, 0, np.array([pw, ph]) - view)
    # Pixel centres: output pixel o covers portrait [o, o+1)/scale + top_left.
    offset = top_left + 0.5 / scale - 0.5
    return Framing((ow, oh), scale, offset)
