"""The portrait's background stays where it is while the head moves over it (DESIGN §4.5).

The warp carries hair, ears and neck with the head over a smooth fall-off, and the same
fall-off would bend the wall behind them. So the portrait is seen as a person over a
background: at load the person is found (mediapipe's selfie segmentation, with the face
always in it) and the background behind it is inpainted once (the plate). Each frame, the
matting equation I = a F + (1 - a) B gives the warped person over the plate, still:

    out(p) = I(m(p)) + (1 - a(m(p))) (B(p) - B(m(p)))

with m the backward map. At rest (m the framing) it is the portrait exactly; where the warp
samples background, the background shows unmoved; where the head moves off, the plate
shows what was behind it. Only the box where the map moves is touched."""
from __future__ import annotations

import cv2
import numpy as np

from . import face_topology as topo
from .framing import Framing
from .warp import CoarseWarp

PLATE_LONG_SIDE = 256  # the background is inpainted at this size (it is smooth behind a head)
MOVING = 0.05  # portrait pixels: grid cells whose map moves less are left alone
MARGIN = 2  # grid cells added around the moving box
STEP_PIXELS = 640  # the correction is worked out on a grid of about this many pixels across


def person_alpha(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(h, w) float32, 1 on the person (head, hair, neck, body), 0 on the background, soft
    between; the face is always in it, whatever the segmentation says (a painting, a mask)."""
    import mediapipe as mp

    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as segmenter:
        mask = segmenter.process(np.ascontiguousarray(image)).segmentation_mask
    alpha = np.clip((mask.astype(np.float32) - 0.2) / 0.6, 0.0, 1.0)
    face = np.zeros(alpha.shape, np.uint8)
    cv2.fillConvexPoly(face, np.round(landmarks[topo.FACE_OVAL, :2]).astype(np.int32), 1)
    return np.maximum(alpha, face.astype(np.float32))


def inpaint_behind(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The image with the person replaced by what is around it (float32 RGB)."""
    h, w = image.shape[:2]
    f = min(1.0, PLATE_LONG_SIDE / max(h, w))
    small = cv2.resize(image, (max(1, round(w * f)), max(1, round(h * f))),
                       interpolation=cv2.INTER_AREA)
    hole = cv2.resize((alpha > 0.05).astype(np.uint8), small.shape[1::-1],
                      interpolation=cv2.INTER_NEAREST)
    hole = cv2.dilate(hole, np.ones((5, 5), np.uint8))
    filled = cv2.inpaint(small, hole, 5, cv2.INPAINT_TELEA)
    behind = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    cover = cv2.resize(hole.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    cover = cv2.GaussianBlur(cover, (0, 0), 2.0 / f)[..., None]
    return image.astype(np.float32) * (1 - cover) + behind * cover


class Backdrop:
    """The person's alpha and the background plate of one portrait, at one output framing."""

    def __init__(self, image: np.ndarray, landmarks: np.ndarray, framing: Framing):
        self._alpha = person_alpha(image, landmarks)
        self._plate = inpaint_behind(image, self._alpha)
        w, h = framing.output_size
        # The correction is smooth (a soft alpha, a blurred plate): worked out on every
        # `step`-th output pixel and scaled up, it costs a quarter at HD sizes.
        self._step = max(1, round(max(w, h) / STEP_PIXELS))
        self._size = (w, h)
        xs, ys = framing.to_portrait_axes(np.arange(0, w, self._step, dtype=np.float32),
                                          np.arange(0, h, self._step, dtype=np.float32))
        self._base_x, self._base_y = np.meshgrid(xs.astype(np.float32), ys.astype(np.float32))
        self._plate_out = cv2.remap(self._plate, self._base_x, self._base_y, cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REPLICATE)

    @property
    def alpha(self) -> np.ndarray:
        return self._alpha

    def apply(self, image: np.ndarray, warp: CoarseWarp) -> None:
        """Put the background back under the warped person in `image` (the output, uint8 RGB),
        in place."""
        gh, gw = warp.displacement.shape[:2]
        h, w = self._base_x.shape  # the correction's grid (every `step`-th output pixel)
        moving = warp.moving(MOVING)
        rows, cols = np.flatnonzero(moving.any(1)), np.flatnonzero(moving.any(0))
        if not len(rows):
            return
        y0, y1 = _pixels(rows[0] - MARGIN, rows[-1] + 1 + MARGIN, gh, h)
        x0, x1 = _pixels(cols[0] - MARGIN, cols[-1] + 1 + MARGIN, gw, w)
        box = slice(y0, y1), slice(x0, x1)
        full = cv2.resize(warp.displacement, (w, h), interpolation=cv2.INTER_LINEAR)[box]
        map_x = self._base_x[box] + full[..., 0]
        map_y = self._base_y[box] + full[..., 1]
        alpha = cv2.remap(self._alpha, map_x, map_y, cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
        behind = cv2.remap(self._plate, map_x, map_y, cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
        change = (1.0 - alpha)[..., None] * (self._plate_out[box] - behind)
        s = self._step
        out_w, out_h = self._size
        y0, y1, x0, x1 = y0 * s, min(y1 * s, out_h), x0 * s, min(x1 * s, out_w)
        if s > 1:
            change = cv2.resize(change, ((x1 - x0), (y1 - y0)), interpolation=cv2.INTER_LINEAR)
        region = image[y0:y1, x0:x1]
        region[:] = np.clip(region + change, 0, 255).astype(np.uint8)


def _pixels(first: int, last: int, cells: int, pixels: int) -> tuple[int, int]:
    """The output pixels covered by grid cells first..last (clipped to the grid)."""
    first, last = max(first, 0), min(last, cells)
    return first * pixels // cells, -(-last * pixels // cells)
