"""The hard moments of a clip, found on the driver's landmarks: the frames to look at (widest
mouth, largest turn, blink, downward look, the expressions). Each measure is over the
inter-ocular distance, so faces of any size compare."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import face_topology as topo
from .. import metrics

INNER_BROWS = (55, 285)  # the brows' inner ends: they draw together in a frown
LOWER_LIP_MID = (17, 14)  # outer and inner edge of the lower lip's middle: a pout thickens it


def _per_eye_opening(landmarks: np.ndarray) -> np.ndarray:
    iod = metrics.interocular(landmarks)
    return np.array([np.linalg.norm(landmarks[u, :2] - landmarks[d, :2]) / iod
                     for u, d in (topo.RIGHT_EYE_LID_MID, topo.LEFT_EYE_LID_MID)])


def _distance(landmarks: np.ndarray, pair: tuple[int, int]) -> float:
    a, b = pair
    return float(np.linalg.norm(landmarks[a, :2] - landmarks[b, :2]) / metrics.interocular(landmarks))


def _brow_height(landmarks: np.ndarray) -> float:
    """The brows' middles above their eyes' corners (a lid that moves does not count)."""
    _, down = topo.face_axes(landmarks)
    heights = [(landmarks[list(corners), :2].mean(0) - landmarks[brow, :2]) @ down
               for brow, corners in ((topo.RIGHT_BROW_MID, topo.RIGHT_EYE_CORNERS),
                                     (topo.LEFT_BROW_MID, topo.LEFT_EYE_CORNERS))]
    return float(np.mean(heights) / metrics.interocular(landmarks))


MEASURES = {
    # moment: (measure of a frame, True to take the largest, False the smallest)
    "widest_mouth": (metrics.mouth_opening, True),
    "widest_grin": (lambda lm: _distance(lm, topo.MOUTH_CORNERS), True),
    "pucker": (lambda lm: _distance(lm, topo.MOUTH_CORNERS), False),
    "pout": (lambda lm: _distance(lm, LOWER_LIP_MID), True),
    "blink": (metrics.eye_opening, False),
    "wink": (lambda lm: float(abs(np.diff(_per_eye_opening(lm))[0])), True),
    "downward_look": (lambda lm: float(metrics.gaze(lm)[1]), True),
    "brow_raise": (_brow_height, True),
    "frown": (lambda lm: _distance(lm, INNER_BROWS), False),
}


def hard_moments(landmarks: Sequence[np.ndarray | None]) -> dict[str, int]:
    """Frame index of each moment (MEASURES, plus the largest yaw from the first frame and
    the sideways glance furthest from the clip's median gaze), over the frames with a face."""
    found = [i for i, lm in enumerate(landmarks) if lm is not None]
    if not found:
        return {}
    moments = {}
    for name, (measure, largest) in MEASURES.items():
        values = np.array([measure(landmarks[i]) for i in found])
        moments[name] = found[int(np.argmax(values) if largest else np.argmin(values))]
    first = landmarks[found[0]]
    yaw = [abs(metrics.head_rotation_deg(first, landmarks[i])[0]) for i in found]
    moments["largest_yaw"] = found[int(np.argmax(yaw))]
    across = np.array([metrics.gaze(landmarks[i])[0] for i in found])
    moments["sideways_glance"] = found[int(np.argmax(np.abs(across - np.median(across))))]
    return moments
