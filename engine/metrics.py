"""Image and landmark metrics (DESIGN §7)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from . import face_topology as topo
from .face_topology import head_rotation_deg, interocular  # noqa: F401  (measures too)
from .geometry import umeyama


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
    return points_box(landmarks[:topo.N_MESH], shape, margin)


def points_box(points: np.ndarray, shape: tuple[int, ...], margin: float = 0.0
               ) -> tuple[slice, slice]:
    """Bounding box of `points`, grown by `margin` of its size, clipped to the image."""
    lo, hi = points[:, :2].min(0), points[:, :2].max(0)
    pad = (hi - lo) * margin
    x0, y0 = np.maximum(np.floor(lo - pad).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(hi + pad).astype(int), [shape[1], shape[0]])
    return slice(y0, y1), slice(x0, x1)


def akd(found: np.ndarray, truth: np.ndarray, points: np.ndarray | None = None) -> float:
    """Average keypoint distance (2-D; all 478 points, or those indexed by `points`, e.g.
    topo.LIP_POINTS) over the truth's inter-ocular distance."""
    chosen = slice(None) if points is None else points
    distance = np.linalg.norm(found[chosen, :2] - truth[chosen, :2], axis=1)
    return float(distance.mean() / interocular(truth))


def mouth_opening(landmarks: np.ndarray) -> float:
    """Inner-lip gap over inter-ocular distance."""
    a, b = topo.MOUTH_INNER_MID
    return float(np.linalg.norm(landmarks[a, :2] - landmarks[b, :2]) / interocular(landmarks))


def eye_opening(landmarks: np.ndarray) -> float:
    """Mean lid gap of both eyes over inter-ocular distance."""
    gaps = [np.linalg.norm(landmarks[u, :2] - landmarks[d, :2])
            for u, d in (topo.RIGHT_EYE_LID_MID, topo.LEFT_EYE_LID_MID)]
    return float(np.mean(gaps) / interocular(landmarks))


def gaze(landmarks: np.ndarray) -> np.ndarray:
    """(across, down): where the irises sit between the eye corners, both eyes averaged; across
    0 at the middle, ±0.5 at a corner (toward the image's right positive); down in the same
    unit (eye widths), from the corners' line."""
    places = []
    for (a, b), iris in ((topo.RIGHT_EYE_CORNERS, topo.RIGHT_IRIS_CENTER),
                         (topo.LEFT_EYE_CORNERS, topo.LEFT_IRIS_CENTER)):
        p, q = landmarks[a, :2], landmarks[b, :2]
        if q[0] < p[0]:
            p, q = q, p
        axis = q - p
        width = max(float(np.linalg.norm(axis)), 1e-6)
        along = axis / width
        off = landmarks[iris, :2] - (p + q) / 2
        places.append([off @ along / width, off @ np.array([-along[1], along[0]]) / width])
    return np.mean(places, 0)


def pearson(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def procrustes_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Shape difference of two faces: `a`'s 468 mesh points (2-D) aligned onto `b`'s by the
    least-squares similarity, then the RMS point distance over `b`'s inter-ocular distance.
    Position, size and in-plane rotation do not count; expression and identity do."""
    a2, b2 = a[:topo.N_MESH, :2], b[:topo.N_MESH, :2]
    aligned = umeyama(a2, b2).apply(a2)
    return float(np.sqrt(((aligned - b2) ** 2).sum(1).mean()) / interocular(b))


def ard(driver: Sequence[np.ndarray], output: Sequence[np.ndarray]) -> float:
    """Average rotation distance, degrees: each face's head turn from its own first frame
    (head_rotation_deg), driver vs output, absolute difference averaged over yaw, pitch, roll
    and the frames after the first. Different faces at different sizes compare fairly: only
    the change of pose counts."""
    errors = [head_rotation_deg(driver[0], d) - head_rotation_deg(output[0], o)
              for d, o in zip(driver[1:], output[1:])]
    return float(np.abs(errors).mean()) if errors else float("nan")


def _track(landmarks: Sequence[np.ndarray | None]) -> np.ndarray:
    """Per-frame landmarks -> (T, 468, 2) mesh points, NaN on frames with no face."""
    missing = np.full((topo.N_MESH, 2), np.nan)
    return np.stack([missing if lm is None else lm[:topo.N_MESH, :2] for lm in landmarks])


def _mean_interocular(track: np.ndarray) -> float:
    right, left = track[:, topo.RIGHT_EYE_CORNERS[0]], track[:, topo.LEFT_EYE_CORNERS[0]]
    return float(np.nanmean(np.linalg.norm(right - left, axis=1)))


def landmark_speed(landmarks: Sequence[np.ndarray | None]) -> np.ndarray:
    """(T-1,): mean 2-D distance the 468 mesh points move from each frame to the next, over
    the clip's mean inter-ocular distance; NaN next to a frame with no face."""
    track = _track(landmarks)
    return np.linalg.norm(np.diff(track, axis=0), axis=2).mean(1) / _mean_interocular(track)


def jitter(landmarks: Sequence[np.ndarray | None]) -> float:
    """Landmark jitter: the norm of the 2-D second difference p(t+1) - 2 p(t) + p(t-1) of the
    468 mesh points, averaged over points and frames, over the clip's mean inter-ocular
    distance. Steady motion scores 0; shimmer and sudden jumps score high. Frames next to one
    with no face are left out."""
    track = _track(landmarks)
    second = np.linalg.norm(np.diff(track, n=2, axis=0), axis=2).mean(1)
    return float(np.nanmean(second) / _mean_interocular(track))


def tcm(output: Sequence[np.ndarray | None], driver: Sequence[np.ndarray | None]) -> float:
    """Temporal consistency metric in the spirit of DaGAN++: with v(t) the landmark speed
    (landmark_speed) of each clip, TCM = mean_t exp(-|v_out(t) - v_drv(t)| / mean_t v_drv(t)).
    1 when the output moves exactly as much as the driver at every step, toward 0 as it
    lags, shimmers or jumps where the driver does not."""
    v_out, v_drv = landmark_speed(output), landmark_speed(driver)
    scale = np.nanmean(v_drv)
    if not scale > 0:  # a still driver: no motion to be consistent with
        return float("nan")
    return float(np.nanmean(np.exp(-np.abs(v_out - v_drv) / scale)))
