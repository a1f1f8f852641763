"""Named groups of mediapipe FaceMesh landmark indices (478 points, iris refined)."""
import numpy as np

from .geometry import rotation_to_euler_deg, umeyama

N_LANDMARKS = 478
N_MESH = 468  # 468..477 are the two irises

# Brows move with expression, so they never anchor the pose.
BROWS = np.array([70, 63, 105, 66, 107, 55, 65, 52, 53, 46,
                  300, 293, 334, 296, 336, 285, 295, 282, 283, 276])
RIGHT_BROW, LEFT_BROW = BROWS[:10], BROWS[10:]
RIGHT_BROW_MID, LEFT_BROW_MID = 105, 334  # upper brow edge, above each eye's middle
NOSE_TIP = 4
CHIN = 152
# The face outline below the mouth corners: what the jaw moves.
JAW = np.array([172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397])

FACE_OVAL = np.array([10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365,
                      379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93,
                      234, 127, 162, 21, 54, 103, 67, 109])

# Inner lip contour, corner to corner along the upper then the lower lip.
INNER_LIP_UPPER = np.array([78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308])
INNER_LIP_LOWER = np.array([78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308])
INNER_LIP_RING = np.concatenate([INNER_LIP_UPPER, INNER_LIP_LOWER[-2:0:-1]])
OUTER_LIP_RING = np.array([61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291,
                           375, 321, 405, 314, 17, 84, 181, 91, 146])
# The upper lip between its corners: its four contours, outer edge to inner, each corner to
# corner (the same order across).
UPPER_LIP = np.array([185, 40, 39, 37, 0, 267, 269, 270, 409,
                      184, 74, 73, 72, 11, 302, 303, 304, 408,
                      183, 42, 41, 38, 12, 268, 271, 272, 407,
                      191, 80, 81, 82, 13, 312, 311, 310, 415])
# The lower lip the same way, its inner edge to its outer (down the face, as the upper's).
LOWER_LIP = np.array([95, 88, 178, 87, 14, 317, 402, 318, 324,
                      96, 89, 179, 86, 15, 316, 403, 319, 325,
                      77, 90, 180, 85, 16, 315, 404, 320, 307,
                      146, 91, 181, 84, 17, 314, 405, 321, 375])
# Every contour of both lips: the two above, and the corner points each contour ends on.
LIPS = np.unique(np.concatenate([UPPER_LIP, LOWER_LIP, [61, 62, 76, 78, 291, 292, 306, 308]]))
MOUTH_INNER_MID = (13, 14)
MOUTH_CORNERS = (61, 291)

# Eye openings (lid margins), inner/outer corner to corner. "Right" is the subject's right
# eye, which appears on the image's left.
RIGHT_EYE_UPPER = np.array([33, 246, 161, 160, 159, 158, 157, 173, 133])
RIGHT_EYE_LOWER = np.array([33, 7, 163, 144, 145, 153, 154, 155, 133])
LEFT_EYE_UPPER = np.array([263, 466, 388, 387, 386, 385, 384, 398, 362])
LEFT_EYE_LOWER = np.array([263, 249, 390, 373, 374, 380, 381, 382, 362])
RIGHT_EYE_RING = np.concatenate([RIGHT_EYE_UPPER, RIGHT_EYE_LOWER[-2:0:-1]])
LEFT_EYE_RING = np.concatenate([LEFT_EYE_UPPER, LEFT_EYE_LOWER[-2:0:-1]])
# The rings of skin above each upper lid, nearest first: a closing lid slides down as a band.
RIGHT_EYE_ABOVE = (np.array([247, 30, 29, 27, 28, 56, 190]),
                   np.array([113, 225, 224, 223, 222, 221, 189]))
LEFT_EYE_ABOVE = (np.array([467, 260, 259, 257, 258, 286, 414]),
                  np.array([342, 445, 444, 443, 442, 441, 413]))
# The openings that close to a seam, each as (ring, upper edge, lower edge), corners left out
# of the edges: the lips and both eyes.
OPENINGS = ((INNER_LIP_RING, INNER_LIP_UPPER[1:-1], INNER_LIP_LOWER[1:-1]),
            (RIGHT_EYE_RING, RIGHT_EYE_UPPER[1:-1], RIGHT_EYE_LOWER[1:-1]),
            (LEFT_EYE_RING, LEFT_EYE_UPPER[1:-1], LEFT_EYE_LOWER[1:-1]))
# The lid margins, what a blink moves.
LIDS = np.concatenate([edge for _, *edges in OPENINGS[1:] for edge in edges])
RIGHT_EYE_CORNERS = (33, 133)
LEFT_EYE_CORNERS = (263, 362)
RIGHT_EYE_LID_MID = (159, 145)
LEFT_EYE_LID_MID = (386, 374)
RIGHT_IRIS_CENTER = 468
LEFT_IRIS_CENTER = 473
IRISES = np.arange(N_MESH, N_LANDMARKS)
# What the lip and eye landmark errors (metrics.akd) are measured on.
LIP_POINTS = np.unique(np.concatenate([OUTER_LIP_RING, INNER_LIP_RING]))
EYE_POINTS = np.unique(np.concatenate([RIGHT_EYE_RING, LEFT_EYE_RING, IRISES]))


def rigid_points(landmarks: np.ndarray) -> np.ndarray:
    """Indices of the upper face (above the nose tip), less lids and brows: skin that moves
    with the skull. Many points average out each landmark's own noise, which matters:
    individual landmarks wander by a pixel or so relative to the skin."""
    _, down = face_axes(landmarks)
    height = (landmarks[:N_MESH, :2] - landmarks[NOSE_TIP, :2]) @ down
    excluded = np.concatenate([RIGHT_EYE_RING, LEFT_EYE_RING, BROWS])
    upper = np.flatnonzero(height < 0)
    return upper[~np.isin(upper, excluded)]


def face_axes(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(right, down) unit vectors in the image plane, from the outer eye corners."""
    axis = landmarks[LEFT_EYE_CORNERS[0], :2] - landmarks[RIGHT_EYE_CORNERS[0], :2]
    axis = axis / max(np.linalg.norm(axis), 1e-9)
    return axis, np.array([-axis[1], axis[0]])


def lower_face(landmarks: np.ndarray) -> np.ndarray:
    """Boolean mask of the points below the nose tip: those the mouth and jaw move."""
    _, down = face_axes(landmarks)
    height = (landmarks[:, :2] - landmarks[NOSE_TIP, :2]) @ down
    return height > 0


def interocular(landmarks: np.ndarray) -> float:
    """Distance between the outer eye corners, in pixels (the usual normalisation, as in 300-W)."""
    return float(np.linalg.norm(landmarks[RIGHT_EYE_CORNERS[0], :2]
                                - landmarks[LEFT_EYE_CORNERS[0], :2]))


def iris_radius(points: np.ndarray, centre: int) -> float:
    """The radius of the iris about landmark `centre` (RIGHT_IRIS_CENTER or LEFT_IRIS_CENTER):
    the mean distance to its four rim points, which follow it."""
    return float(np.linalg.norm(points[centre + 1:centre + 5, :2] - points[centre, :2],
                                axis=1).mean())


def part(points: np.ndarray, upper: np.ndarray, lower: np.ndarray,
         half_gap: np.ndarray | float = 0.0) -> None:
    """Set each (upper, lower) edge pair about its own midline, `half_gap` (per pair, 3-D)
    from it each way: lower = middle + half_gap, upper = middle - half_gap. In place; 0 closes
    them."""
    middle = (points[upper] + points[lower]) / 2
    points[upper], points[lower] = middle - half_gap, middle + half_gap


def eye_opening_ratios(points: np.ndarray) -> np.ndarray:
    """Each eye's lid gap over its width (right, left): how open the eyes are, whatever the
    face's size."""
    lids = np.array([RIGHT_EYE_LID_MID, LEFT_EYE_LID_MID])
    corners = np.array([RIGHT_EYE_CORNERS, LEFT_EYE_CORNERS])
    gap = np.linalg.norm(points[lids[:, 0], :2] - points[lids[:, 1], :2], axis=-1)
    width = np.linalg.norm(points[corners[:, 0], :2] - points[corners[:, 1], :2], axis=-1)
    return gap / np.maximum(width, 1e-6)


def mouth_width(points: np.ndarray) -> float:
    """Corner to corner, in the points' own unit."""
    return float(np.linalg.norm(points[MOUTH_CORNERS[0], :2] - points[MOUTH_CORNERS[1], :2]))


def mouth_opening_ratio(points: np.ndarray) -> float:
    """Inner-lip gap over mouth width: how open the mouth is, whatever the face's size."""
    gap = np.linalg.norm(points[MOUTH_INNER_MID[0], :2] - points[MOUTH_INNER_MID[1], :2])
    return float(gap / max(mouth_width(points), 1e-6))


def head_rotation_deg(reference: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(yaw, pitch, roll) in degrees of the head's turn from `reference` to `landmarks`: the
    least-squares similarity between their 3-D rigid upper-face points."""
    rigid = rigid_points(reference)
    return np.array(rotation_to_euler_deg(umeyama(reference[rigid], landmarks[rigid]).rotation))
