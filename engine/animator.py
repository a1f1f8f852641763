"""One portrait at one output size: target landmarks in, animated frame out (warp + render +
mouth interior). Everything that depends only on the portrait is prepared here, once."""
from __future__ import annotations

import numpy as np

from .framing import Framing, frame_portrait
from .mouth import MouthInterior
from .portrait import Portrait
from .render import CpuRenderer
from .warp import DenseMotion, WarpField


class PortraitAnimator:
    def __init__(self, portrait: Portrait, output_size: tuple[int, int]):
        self.framing: Framing = frame_portrait(portrait.size, output_size,
                                               portrait.landmarks[:468].mean(0))
        self._dense = DenseMotion(portrait, self.framing)
        self._renderer = CpuRenderer(portrait.image, self.framing.scale, output_size[1])
        self._mouth = MouthInterior(portrait.image, portrait.landmarks)

    @property
    def backend(self) -> str:
        return self._renderer.name

    @property
    def mouth_opening(self) -> float:
        """How far the portrait's mouth can close from its photo (gap over width): all of its
        opening, unless it shows teeth. Warping cannot shut lips over teeth (they stay as a
        bright seam between the squeezed lips), so such a mouth's opening is its rest."""
        return 0.0 if self._mouth.uses_real_interior else self._mouth.rest_opening

    def warp(self, target: np.ndarray) -> WarpField:
        """Backward map for target landmarks given in portrait pixels."""
        return self._dense(target)

    def render(self, field: WarpField, target: np.ndarray) -> np.ndarray:
        """Sample the portrait through `field`, then paint the mouth interior."""
        image = self._renderer.render(field)
        self._mouth.apply(image, self.framing.to_output(target))
        return image

    def __call__(self, target: np.ndarray) -> np.ndarray:
        return self.render(self.warp(target), target)
