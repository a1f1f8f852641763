"""Landmark edits: open the mouth, close the eyes, turn the head. Amounts are in face units,
so the same edit looks the same on any face at any size."""
from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from . import face_topology as topo


def _face_axes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(right, down) unit vectors in the image plane and the outer-eye-corner distance."""
    across = points[topo.LEFT_EYE_CORNERS[0], :2] - points[topo.RIGHT_EYE_CORNERS[0], :2]
    iod = float(np.linalg.norm(across))
    right = across / max(iod, 1e-9)
    return right, np.array([-right[1], right[0]]), iod


def open_mouth(points: np.ndarray, amount: float) -> np.ndarray:
    """Drop the jaw by `amount` × inter-ocular distance: lower lip and chin fully, the cheeks
    beside them less, the upper lip lifts a little."""
    out = points.copy()
    right, down, iod = _face_axes(points)
    mouth = points[list(topo.MOUTH_CORNERS), :2]
    centre = mouth.mean(0)
    half_width = np.linalg.norm(mouth[1] - mouth[0]) / 2
    rel = points[:, :2] - centre
    lateral = np.abs(rel @ right) / (1.6 * half_width)
    below = rel @ down
    weight = np.clip(1 - lateral ** 2, 0, 1) * np.clip(below / (0.1 * iod) + 0.5, 0, 1)
    upper = np.concatenate([topo.INNER_LIP_UPPER[1:-1], [37, 0, 267]])
    weight[upper] = -0.15
    out[:, :2] += np.outer(weight * amount * iod, down)
    return out


def close_eyes(points: np.ndarray, amount: float) -> np.ndarray:
    """Bring the upper lids down onto the lower lids (`amount` 1 = closed). The lid slides down
    as a band with the skin above it, so the lash line is not stretched into a dark smear."""
    out = points.copy()
    for upper, lower, above in ((topo.RIGHT_EYE_UPPER, topo.RIGHT_EYE_LOWER, topo.RIGHT_EYE_ABOVE),
                                (topo.LEFT_EYE_UPPER, topo.LEFT_EYE_LOWER, topo.LEFT_EYE_ABOVE)):
        lid = upper[1:-1]
        # Close onto a line a quarter of the way up from the lower lid, as real lids do.
        meet = points[lower[1:-1]] + 0.25 * (points[lid] - points[lower[1:-1]])
        drop = amount * (meet - points[lid])  # the iris stays; the lid covers it
        out[lid] += drop
        # Seven points per ring above the seven inner lid points: same order, corner to corner.
        for ring, share in zip(above, (0.8, 0.3)):
            out[ring] += share * drop
    return out


def turn_head(points: np.ndarray, yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Rotate the 3-D landmarks (degrees) about the head centre (behind the face surface)."""
    rotation = Rotation.from_euler("xyz", [pitch, yaw, roll], degrees=True).as_matrix()
    _, _, iod = _face_axes(points)
    centre = points[:topo.N_MESH].mean(0) + [0, 0, 0.9 * iod]
    return (points - centre) @ rotation.T + centre
