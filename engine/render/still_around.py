"""Only what moves is sampled again (DESIGN §5). The portrait's background and body stay still
while the head moves: the CPU renderer samples the box where this frame's map differs from the
map at rest (grown by the cells over which upsampling blends the two) and the face's box, and
takes everything else from the portrait drawn once at rest, at load."""
from __future__ import annotations

import numpy as np

from ..warp import CoarseWarp, union_box
from .cpu import CpuRenderer

MOVED = 0.01  # portrait pixels: a map this close to the rest's samples the same pixels
MARGIN = 2  # grid cells: upsampling blends each cell with its neighbours


class StillAround:
    """A CPU renderer that draws again only the box where the picture can change."""

    def __init__(self, renderer: CpuRenderer, rest: CoarseWarp):
        """`rest`: the map of the portrait at rest (its own landmarks)."""
        self.name = renderer.name
        self._renderer = renderer
        self._rest_warp = rest
        self._rest = renderer.render(rest)

    def box(self, warp: CoarseWarp) -> tuple[slice, slice] | None:
        """Output rows and columns drawn again for `warp`; None: it is the rest frame."""
        moved = union_box(warp.moving_box(MOVED, MARGIN, self._rest.shape[:2],
                                          since=self._rest_warp), warp.patched_box())
        if moved is None:
            return None
        # The face boxes (this map's and the rest's) get the sharper face sampling: whole.
        return union_box(moved, warp.face, self._rest_warp.face)

    def render(self, warp: CoarseWarp) -> np.ndarray:
        image = self._rest.copy()
        box = self.box(warp)
        if box is not None:
            image[box] = self._renderer.sample(warp.expand(box))
        return image
