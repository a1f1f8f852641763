"""A lattice of points a whole number of output pixels apart, laid over a box: the centres of
the box's square cells. Values on it are upsampled over the box, and the box's pixels averaged
onto it, by integer-factor resizes, which are several times quicker than sampling at given
positions (cv2.remap): what makes a portrait set's smooth terms cheap (set_render.py)."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Lattice:
    """Points `spacing` output pixels apart, `shape` (rows, cols) of them, the first at the
    centre of the cell whose corner is (`left`, `top`). The cells may reach past the image."""

    top: int
    left: int
    shape: tuple[int, int]
    spacing: int

    @staticmethod
    def over(rows: slice, cols: slice, spacing: int, anchor: int = 0) -> "Lattice":
        """The lattice whose cells cover output `rows` and `cols`, with cell corners at
        `anchor` plus whole multiples of `spacing` (points may so sit where others are)."""
        def span(pixels: slice) -> tuple[int, int]:
            start = anchor + spacing * ((pixels.start - anchor) // spacing)
            return start, -(-(pixels.stop - start) // spacing)

        (top, rows_count), (left, cols_count) = span(rows), span(cols)
        return Lattice(top, left, (rows_count, cols_count), spacing)

    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        """Output pixel positions of the points: x of each column, y of each row."""
        centre = (self.spacing - 1) / 2
        xs = self.left + centre + self.spacing * np.arange(self.shape[1], dtype=np.float64)
        ys = self.top + centre + self.spacing * np.arange(self.shape[0], dtype=np.float64)
        return xs, ys

    def to_lattice(self, points_out: np.ndarray) -> np.ndarray:
        """Output pixel positions (n, 2 or more) in lattice steps (n, 2): point (j, i) at j, i."""
        return (points_out[:, :2] - [self.left, self.top] - (self.spacing - 1) / 2) / self.spacing

    def average(self, image: np.ndarray) -> np.ndarray:
        """The mean of `image` (output pixels) over each cell, float32 (rows, cols, channels;
        to the image's precision: whole levels for uint8); a cell past the image's edge
        repeats its edge."""
        h, w = image.shape[:2]
        bottom, right = self.top + self.spacing * self.shape[0], self.left + self.spacing * self.shape[1]
        inside = image[max(self.top, 0):min(bottom, h), max(self.left, 0):min(right, w)]
        pads = (max(-self.top, 0), max(bottom - h, 0), max(-self.left, 0), max(right - w, 0))
        if any(pads):
            inside = cv2.copyMakeBorder(inside, *pads, cv2.BORDER_REPLICATE)
        return cv2.resize(inside, self.shape[::-1], interpolation=cv2.INTER_AREA).astype(np.float32)

    def upsample(self, values: np.ndarray, rows: slice, cols: slice) -> np.ndarray:
        """`values` on the points (rows, cols[, channels]; float32), bilinearly interpolated at
        output pixels `rows` x `cols`; past the outer points, the nearest one's."""
        s = self.spacing
        (i0, i1), (j0, j1) = (_points_about(span, start, count, s) for span, start, count in
                              ((rows, self.top, self.shape[0]), (cols, self.left, self.shape[1])))
        # Resizing points i0..i1 by `s` gives the pixels of their cells, exactly (each point at
        # its cell's centre); edge points repeat outward, which only the lattice's own are.
        dense = cv2.resize(values[i0:i1, j0:j1], ((j1 - j0) * s, (i1 - i0) * s),
                           interpolation=cv2.INTER_LINEAR)
        y, x = rows.start - (self.top + s * i0), cols.start - (self.left + s * j0)
        return dense[y:y + rows.stop - rows.start, x:x + cols.stop - cols.start]


def _points_about(pixels: slice, start: int, count: int, spacing: int) -> tuple[int, int]:
    """The range of points (of `count`, cells from `start`) whose cells hold `pixels` and
    the points on either side that interpolation between them needs."""
    first = max((pixels.start - start) // spacing - 1, 0)
    last = min(-(-(pixels.stop - start) // spacing) + 1, count)
    return first, last
