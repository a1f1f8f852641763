"""One portrait (or portrait set) at one output size: target landmarks in, animated frame out
(warp + render + the still background + mouth interior + the set's other photos). Everything
that depends only on the portrait is prepared here, once."""
from __future__ import annotations

import numpy as np

from .backdrop import Backdrop
from .eyeballs import Eyeballs
from .eyelids import EyeLids
from .framing import Framing, frame_portrait
from .mouth import MouthInterior, SeenInside
from .portrait import Portrait
from .portrait_set import PortraitSet, as_set
from .render.backends import Choice, make_renderer
from .render.cpu import CpuRenderer
from .render.still_around import StillAround
from .set_render import SetCompositor
from .stretched_skin import StretchedSkin
from .warp import CoarseWarp, DenseMotion


class PortraitAnimator:
    def __init__(self, portrait: Portrait | PortraitSet, output_size: tuple[int, int],
                 backend: Choice = Choice("cpu", "default"), **renderer_options):
        """`renderer_options` go to render.backends.make_renderer (`say`)."""
        portraits = as_set(portrait)
        portrait = portraits.main
        self.framing: Framing = frame_portrait(portrait.size, output_size,
                                               portrait.landmarks[:468].mean(0))
        self._dense = DenseMotion(portrait, self.framing, openings=len(portraits) > 1)
        self._renderer = make_renderer(backend, portrait.image, self.framing.scale, output_size,
                                       **renderer_options)
        if isinstance(self._renderer, CpuRenderer):  # a GPU draws the whole frame in less
            self._renderer = StillAround(self._renderer, self.warp(portrait.landmarks))
        self._backdrop = Backdrop(portrait.person, self.framing)
        self._skin = StretchedSkin(portrait.image, portrait.landmarks, portrait.triangles,
                                   portrait.triangle_region)
        self._mouth = MouthInterior(portrait.image, portrait.landmarks)
        self._eyeballs = Eyeballs(portrait.image, portrait.landmarks, self.framing.scale)
        self._lids = EyeLids(portrait.image, portrait.landmarks)
        self.compositor = SetCompositor(portraits, self.framing, self._dense)

    @property
    def backend(self) -> str:
        return self._renderer.name

    @property
    def mouth_opening(self) -> float:
        """How open the portrait's mouth is in its photo (gap over width). The driver's opening
        acts relative to it: the driver's mouth as open as this is the portrait's own mouth,
        wider opens it further, shut closes it."""
        return self._mouth.rest_opening

    @property
    def person_alpha(self) -> np.ndarray:
        """The person (1) over the background (0), portrait pixels (backdrop.person_alpha)."""
        return self._backdrop.alpha

    def warp(self, target: np.ndarray) -> CoarseWarp:
        """Backward map for target landmarks given in portrait pixels."""
        return self._dense.coarse(target)

    def render(self, warp: CoarseWarp, target: np.ndarray, timestamp: float = 0.0,
               set_weights: np.ndarray | None = None,
               seen: SeenInside | None = None) -> np.ndarray:
        """Sample the portrait through `warp`, paint the mouth interior, then blend in the
        set's other photos where they are nearer the target (`timestamp`, seconds, paces
        their cross-fades; 0 throughout: each frame stands alone). `set_weights`: blend with
        these (FrameResult.set_weights) instead, choosing nothing. `seen`: the driver's own
        mouth interior, drawn where the mouth opens (MouthInterior.apply)."""
        image = self._renderer.render(warp)
        self._backdrop.apply(image, warp)
        self._skin.apply(image, warp, target)
        target_out = self.framing.to_output(target)
        self._eyeballs.apply(image, target_out, warp)
        self._lids.apply(image, target_out)
        self._mouth.cover_teeth(image, target_out, warp)
        placed = self._mouth.apply(image, target_out, seen=seen)
        if set_weights is None:
            self.compositor.choose(target, timestamp)
        self.compositor.apply(image, warp, target, set_weights, placed, seen)
        return image

    def __call__(self, target: np.ndarray) -> np.ndarray:
        return self.render(self.warp(target), target)
