"""Mouth interior: a dark, shaded cavity inside the target inner-lip contour.

It fades in only once the mouth opens clearly wider than the portrait's own (from about 0.08
of the mouth width): on small speech openings a flat cavity reads too dark, too early.
"""
from __future__ import annotations

import cv2
import numpy as np

from . import face_topology as topo

FADE_IN = (0.08, 0.22)  # extra opening / mouth width: cavity starts, cavity is full
MAX_ALPHA = 0.92  # let a trace of the lip seam through, as in real mouths


def _opening_ratio(points: np.ndarray) -> float:
    gap = np.linalg.norm(points[topo.MOUTH_INNER_MID[0], :2] - points[topo.MOUTH_INNER_MID[1], :2])
    width = np.linalg.norm(points[topo.MOUTH_CORNERS[0], :2] - points[topo.MOUTH_CORNERS[1], :2])
    return float(gap / max(width, 1e-6))


class MouthInterior:
    def __init__(self, image: np.ndarray, landmarks: np.ndarray):
        self._rest_opening = _opening_ratio(landmarks)
        lip_ring = landmarks[topo.INNER_LIP_RING, :2]
        centre = lip_ring.mean(0)
        width = np.ptp(lip_ring[:, 0])
        # The lips' own colour, darkened, tints the cavity so it matches the portrait's light.
        x0, y0 = np.maximum((centre - [width * 0.5, width * 0.25]).astype(int), 0)
        x1, y1 = (centre + [width * 0.5, width * 0.25]).astype(int) + 1
        patch = image[y0:y1, x0:x1].reshape(-1, 3).astype(np.float32)
        lip = np.median(patch, 0) if len(patch) else np.array([120.0, 60, 60])
        self._colour = np.clip(lip * [0.30, 0.18, 0.18], 0, 255).astype(np.float32)

    def strength(self, target_out: np.ndarray) -> float:
        extra = _opening_ratio(target_out) - self._rest_opening
        t = np.clip((extra - FADE_IN[0]) / (FADE_IN[1] - FADE_IN[0]), 0.0, 1.0)
        return float(MAX_ALPHA * t * t * (3 - 2 * t))

    def apply(self, image: np.ndarray, target_out: np.ndarray) -> None:
        """Paint the cavity into `image` (output pixels) in place."""
        alpha = self.strength(target_out)
        if alpha <= 0.0:
            return
        ring = target_out[topo.INNER_LIP_RING, :2]
        h, w = image.shape[:2]
        width = np.ptp(ring[:, 0])
        pad = int(np.ceil(width * 0.1)) + 2
        x0, y0 = np.maximum(np.floor(ring.min(0)).astype(int) - pad, 0)
        x1, y1 = np.minimum(np.ceil(ring.max(0)).astype(int) + pad, [w, h])
        if x1 <= x0 or y1 <= y0:
            return
        mask = np.zeros((y1 - y0, x1 - x0), np.float32)
        poly = np.round((ring - [x0, y0]) * 4).astype(np.int32)  # quarter-pixel edges
        cv2.fillPoly(mask, [poly], 1.0, lineType=cv2.LINE_AA, shift=2)
        feather = max(width * 0.03, 0.8)
        mask = cv2.GaussianBlur(mask, (0, 0), feather)
        # Deeper (darker) away from the lips: a blurrier copy of the mask says how far in.
        depth = cv2.GaussianBlur(mask, (0, 0), feather * 3)
        cavity = self._colour * (1.15 - 0.5 * depth[..., None])
        region = image[y0:y1, x0:x1].astype(np.float32)
        a = (alpha * mask)[..., None]
        image[y0:y1, x0:x1] = np.clip(region * (1 - a) + cavity * a, 0, 255).astype(np.uint8)
