"""Image and landmark metrics (DESIGN §7)."""
from __future__ import annotations

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from . import face_topology as topo


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """dB; identical images give infinity."""
    if np.array_equal(a, b):
        return float("inf")
    return float(peak_signal_noise_ratio(a, b, data_range=255))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM over RGB channels."""
    return float(structural_similarity(a, b, channel_axis=2, data_range=255))


def l1(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference, in [0, 1]."""
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean() / 255.0)


def face_box(landmarks: np.ndarray, shape: tuple[int, ...], margin: float = 0.0
             ) -> tuple[slice, slice]:
    """Bounding box of the face landmarks, grown by `margin` of its size, clipped to the image."""
    lo, hi = landmarks[:468, :2].min(0), landmarks[:468, :2].max(0)
    pad = (hi - lo) * margin
    x0, y0 = np.maximum(np.floor(lo - pad).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(hi + pad).astype(int), [shape[1], shape[0]])
    return slice(y0, y1), slice(x0, x1)


def interocular(landmarks: np.ndarray) -> float:
    """Distance between the outer eye corners, in pixels (the usual normalisation, as in 300-W)."""
    return float(np.linalg.norm(landmarks[topo.RIGHT_EYE_CORNERS[0], :2]
                                - landmarks[topo.LEFT_EYE_CORNERS[0], :2]))


def akd(found: np.ndarray, truth: np.ndarray) -> float:
    """Average keypoint distance (2-D, all 478 points) over the truth's inter-ocular distance."""
    return float(np.linalg.norm(found[:, :2] - truth[:, :2], axis=1).mean() / interocular(truth))


def mouth_opening(landmarks: np.ndarray) -> float:
    """Inner-lip gap over inter-ocular distance."""
    a, b = topo.MOUTH_INNER_MID
    return float(np.linalg.norm(landmarks[a, :2] - landmarks[b, :2]) / interocular(landmarks))


def eye_opening(landmarks: np.ndarray) -> float:
    """Mean lid gap of both eyes over inter-ocular distance."""
    gaps = [np.linalg.norm(landmarks[u, :2] - landmarks[d, :2])
            for u, d in (topo.RIGHT_EYE_LID_MID, topo.LEFT_EYE_LID_MID)]
    return float(np.mean(gaps) / interocular(landmarks))


def pearson(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])
