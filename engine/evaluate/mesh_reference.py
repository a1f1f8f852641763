"""The floor every protocol is scored against (DESIGN §7): a plain mesh warp, with none of the
product's tracking, smoothing, neutral, retargeting or rendering. Delaunay triangles over the
portrait's 478 landmarks and 8 border points; each frame's target is the portrait's
landmarks plus the driver's displacement from its first frame, carried over by the
similarity between the two faces (2-D); the border stays; one cv2.remap."""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from scipy.spatial import Delaunay

from ..geometry import umeyama

SUBPIXEL_BITS = 4  # cv2.fillPoly's fixed point: vertices placed to 1/16 px


class MeshReference:
    """`image` (RGB) with its `landmarks`, driven by a driver whose first face is `first`."""

    def __init__(self, image: np.ndarray, landmarks: np.ndarray, first: np.ndarray):
        self._image = image
        h, w = image.shape[:2]
        border = np.array([[0, 0], [w / 2, 0], [w - 1, 0], [w - 1, h / 2], [w - 1, h - 1],
                           [w / 2, h - 1], [0, h - 1], [0, h / 2]], np.float64)
        self._source = np.vstack([landmarks[:, :2], border])
        self._triangles = Delaunay(self._source).simplices
        between = umeyama(first[:, :2], landmarks[:, :2])  # driver -> portrait
        self._carry = between.scale * between.rotation
        self._first = first[:, :2]
        self._grid = np.mgrid[0:h, 0:w][::-1].astype(np.float32)  # (x, y) of each pixel

    def target(self, driver: np.ndarray) -> np.ndarray:
        """(486, 2): where the portrait's landmarks and border points go for this frame."""
        target = self._source.copy()
        target[:len(self._first)] += (driver[:, :2] - self._first) @ self._carry.T
        return target

    def render(self, driver: np.ndarray) -> np.ndarray:
        maps = backward_map(self.target(driver), self._source, self._triangles, self._grid)
        return cv2.remap(self._image, maps[0], maps[1], cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)

    def animate(self, drivers: Sequence[np.ndarray | None]) -> list[np.ndarray]:
        """One frame per driver frame; a frame with no face keeps the last target."""
        frames, last = [], self._first
        for driver in drivers:
            last = last if driver is None else driver
            frames.append(self.render(last))
        return frames


def backward_map(target: np.ndarray, source: np.ndarray, triangles: np.ndarray,
                 grid: np.ndarray) -> np.ndarray:
    """(2, h, w) float32: for each pixel inside a target triangle, where it is in the source
    (that triangle's affine map; a later triangle wins where folded ones overlap); elsewhere
    the pixel itself."""
    h, w = grid.shape[1:]
    index = np.full((h, w), -1, np.int32)
    corners = np.round(target[triangles] * (1 << SUBPIXEL_BITS)).astype(np.int32)
    for k, triangle in enumerate(corners):
        cv2.fillPoly(index, [triangle], k, lineType=cv2.LINE_8, shift=SUBPIXEL_BITS)
    # Each triangle's affine map, target -> source: S = A T with T the corners in homogeneous
    # columns. Degenerate (flat) triangles get the least-squares map.
    t = np.concatenate([target[triangles], np.ones((len(triangles), 3, 1))], 2)  # (n, 3, 3)
    s = source[triangles]  # (n, 3, 2)
    affine = np.linalg.pinv(t) @ s  # (n, 3, 2): [x y 1] @ affine = source
    inside = index >= 0
    maps = grid.copy()
    a = affine[index[inside]].astype(np.float32)
    x, y = grid[0][inside], grid[1][inside]
    maps[0][inside] = x * a[:, 0, 0] + y * a[:, 1, 0] + a[:, 2, 0]
    maps[1][inside] = x * a[:, 0, 1] + y * a[:, 1, 1] + a[:, 2, 1]
    return maps
