"""Landmark edits: open the mouth, close the eyes, turn the head. Amounts are in face units,
so the same edit looks the same on any face at any size."""
from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from . import face_topology as topo
from .geometry import Similarity


def _face_axes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(right, down) unit vectors in the image plane and the outer-eye-corner distance."""
    return (*topo.face_axes(points), topo.interocular(points))


def open_mouth(points: np.ndarray, amount: float) -> np.ndarray:
    """Drop the jaw by `amount` × inter-ocular distance: lower lip and chin fully, the cheeks
    beside them less, the upper lip lifts a little, as one band. (A smile's upper lip lies
    below the line between its raised corners: moved as the lower face, it was torn from its
    inner edge and its sliver of photo stretched into vertical streaks.) The lips hinge at
    the corners: the opening is a lens."""
    out = points.copy()
    right, down, iod = _face_axes(points)
    mouth = points[list(topo.MOUTH_CORNERS), :2]
    centre = mouth.mean(0)
    half_width = np.linalg.norm(mouth[1] - mouth[0]) / 2
    rel = points[:, :2] - centre
    lateral = np.abs(rel @ right) / (1.6 * half_width)
    below = rel @ down
    weight = np.clip(1 - lateral ** 2, 0, 1) * np.clip(below / (0.1 * iod) + 0.5, 0, 1)
    weight[topo.UPPER_LIP] = -0.15
    # The lips' move eases from the middle's to the corners' own along an ellipse. (Moved as
    # the band below them, the lips beside the corners opened nearly as far as the middle,
    # and a wide-open mouth was a box with straight walls at its corners: a mask's.) Each
    # lip's contours ease alike, column by column: eased each by its own place, a smile's
    # upper lip contours (a pixel or two apart) crossed beside the corners.
    along = np.clip(np.abs(rel @ right) / half_width, 0, 1)
    for lip in (topo.UPPER_LIP, topo.LOWER_LIP):
        columns = lip.reshape(4, -1)
        along[columns] = along[columns].mean(0)
    lips = topo.LIPS
    corner = weight[list(topo.MOUTH_CORNERS)].mean()
    weight[lips] = corner + (weight[lips] - corner) * np.sqrt(1 - along[lips] ** 2)
    out[:, :2] += np.outer(weight * amount * iod, down)
    return out


LIDS_MEET = 0.25  # closed lids meet this far up from the lower lid, as real lids do


def close_eyes(points: np.ndarray, amount: float) -> np.ndarray:
    """Bring the upper lids down onto the lower lids (`amount` 1 = shut; negative: wider). The
    lid slides down as a band with the skin above it, so the lash line is not stretched into a
    dark smear; the lower lid rises the last bit."""
    out = points.copy()
    for upper, lower, above in ((topo.RIGHT_EYE_UPPER, topo.RIGHT_EYE_LOWER, topo.RIGHT_EYE_ABOVE),
                                (topo.LEFT_EYE_UPPER, topo.LEFT_EYE_LOWER, topo.LEFT_EYE_ABOVE)):
        lid, low = upper[1:-1], lower[1:-1]
        meet = points[low] + LIDS_MEET * (points[lid] - points[low])
        drop = amount * (meet - points[lid])  # the iris stays; the lid covers it
        out[lid] += drop
        out[low] += max(amount, 0.0) * (meet - points[low])
        # Seven points per ring above the seven inner lid points: same order, corner to corner.
        for ring, share in zip(above, (0.8, 0.3)):
            out[ring] += share * drop
    return out


def smile(points: np.ndarray, amount: float) -> np.ndarray:
    """Draw the mouth corners up and out by `amount` (1: a broad smile; negative: a frown),
    the lips and cheeks beside them less, fading over about half a mouth width."""
    out = points.copy()
    right, down, iod = _face_axes(points)
    corners = points[list(topo.MOUTH_CORNERS), :2]
    width = np.linalg.norm(corners[1] - corners[0])
    for corner, outward in zip(corners, (-right, right)):
        d2 = ((points[:, :2] - corner) ** 2).sum(1) / (0.45 * width) ** 2
        weight = np.exp(-d2)
        out[:, :2] += np.outer(weight * amount, 0.12 * width * outward - 0.1 * iod * down)
    return out


def raise_brows(points: np.ndarray, amount: float) -> np.ndarray:
    """Lift the brows by `amount` × 0.1 inter-ocular distance (negative: lower them), the
    forehead above and the lid skin below following in part."""
    out = points.copy()
    _, down, iod = _face_axes(points)
    brows = points[topo.BROWS, :2]
    d2 = (((points[:, None, :2] - brows[None]) ** 2).sum(2) / (0.18 * iod) ** 2).min(1)
    weight = np.exp(-d2)
    for upper in (topo.RIGHT_EYE_UPPER, topo.LEFT_EYE_UPPER):
        weight[upper] = np.minimum(weight[upper], 0.15)  # the lash line barely moves
    out[:, :2] -= np.outer(weight * amount * 0.1 * iod, down)
    return out


def look(points: np.ndarray, x: float, y: float) -> np.ndarray:
    """Turn both irises: `x` right / `y` down, in fractions of the half eye width (1: to the
    edge of what the lids show)."""
    out = points.copy()
    for corners, centre in ((topo.RIGHT_EYE_CORNERS, topo.RIGHT_IRIS_CENTER),
                            (topo.LEFT_EYE_CORNERS, topo.LEFT_IRIS_CENTER)):
        a, b = points[corners[0], :2], points[corners[1], :2]
        along = (b - a) if b[0] > a[0] else (a - b)  # image-right along the eye
        half = np.linalg.norm(along) / 2
        right = along / max(2 * half, 1e-9)
        down = np.array([-right[1], right[0]])
        shift = 0.45 * half * x * right + 0.3 * half * y * down
        out[centre:centre + 5, :2] += shift
    return out


def head_turn(points: np.ndarray, yaw: float, pitch: float, roll: float) -> Similarity:
    """The rotation (degrees) of the 3-D landmarks about the head centre (behind the face
    surface), as a rigid transform."""
    rotation = Rotation.from_euler("xyz", [pitch, yaw, roll], degrees=True).as_matrix()
    _, _, iod = _face_axes(points)
    centre = points[:topo.N_MESH].mean(0) + [0, 0, 0.9 * iod]
    return Similarity(1.0, rotation, centre - rotation @ centre)


def turn_head(points: np.ndarray, yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Rotate the 3-D landmarks (degrees) about the head centre."""
    return head_turn(points, yaw, pitch, roll).apply(points)
