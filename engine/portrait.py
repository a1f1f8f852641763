"""The portrait: loaded once, tracked once, meshed once."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import PortraitError
from .image_io import read_image
from .mesh import triangulate
from .tracking import Detection, FaceTracker, face_width

if TYPE_CHECKING:
    from .backdrop import PersonLayers

MAX_SQUARES = 16  # a panorama is searched in at most this many squares (each a detection)
MIN_FACE_WIDTH = 48  # px; below this the face has too little texture to animate

DEFAULT_PORTRAIT = Path(__file__).resolve().parents[1] / "assets" / "default_portrait.jpg"


@dataclass
class Portrait:
    image: np.ndarray  # RGB uint8, full resolution
    landmarks: np.ndarray  # (478, 3) pixels
    triangles: np.ndarray  # (T, 3) indices into landmarks
    triangle_region: np.ndarray  # (T,) mesh.SKIN, mesh.MOUTH_INTERIOR, ...
    name: str
    notices: list[str] = field(default_factory=list)  # things the user should know

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[1], self.image.shape[0]

    @cached_property
    def person(self) -> "PersonLayers":
        """The photo as a person over a background (backdrop.PersonLayers), worked out the
        first time the portrait is animated and kept: up to a second for a close-up, and
        every output size, restart and protocol run animates the same portrait again."""
        from .backdrop import PersonLayers  # (backdrop needs warp, which needs Portrait)
        return PersonLayers.of(self.image, self.landmarks)


def _in_squares(tracker: FaceTracker, image: np.ndarray) -> Detection:
    """The faces in overlapping squares along a wide or tall photo. FaceMesh looks for faces
    in the whole picture squeezed to a small square, where a face in a wide group photo or a
    tall full-length shot is too small to see. A face cut by a square's edge is whole in the
    next (they overlap by half, up to MAX_SQUARES), so only faces clear of the edges count."""
    h, w = image.shape[:2]
    side = min(h, w)
    found: list[np.ndarray] = []
    last = max(h, w) - side
    stride = max(side // 2, -(-last // (MAX_SQUARES - 1)), 1)
    for start in sorted({*range(0, last + 1, stride), last}):  # the far end too
        y, x = (start, 0) if h > w else (0, start)
        detection = tracker.track(np.ascontiguousarray(image[y:y + side, x:x + side]))
        if not detection.found:
            continue
        points = detection.landmarks[:468, :2]
        margin = 0.02 * side
        if points.min() < margin or points.max() > side - margin:
            continue
        landmarks = detection.landmarks + np.array([x, y, 0.0])
        centre = landmarks[:468, :2].mean(0)
        if all(np.linalg.norm(centre - f[:468, :2].mean(0)) > 0.5 * face_width(f) for f in found):
            found.append(landmarks)
    if not found:
        return Detection(None, 0)
    return Detection(max(found, key=face_width), len(found))


def _settled(image: np.ndarray, detection: Detection) -> Detection:
    """The face's landmarks as a driver's are found: tracked on the still image until they
    settle (FaceTracker.settle). A single detection sits about 0.01 inter-ocular distances
    (0.02 on the outline) off the settled fit that the driver's reference and every later
    frame are measured with; in self-reenactment that offset alone was read as motion. A face
    the whole image does not show the tracker (one found in squares) keeps its detection."""
    with FaceTracker(video=True, max_faces=4) as tracker:
        settled = tracker.settle(image)
    if not settled.found:
        return detection
    moved = np.linalg.norm(settled.landmarks[:468, :2].mean(0) - detection.landmarks[:468, :2].mean(0))
    if moved > 0.2 * face_width(detection.landmarks):
        return detection  # another face
    return Detection(settled.landmarks, detection.face_count)


def portrait_from_image(image: np.ndarray, name: str = "portrait") -> Portrait:
    """Track the face in an RGB image and mesh it; PortraitError if it cannot be animated."""
    with FaceTracker(video=False, max_faces=4) as tracker:
        detection = tracker.track(image)
        if not detection.found and max(image.shape[:2]) > 1.3 * min(image.shape[:2]):
            detection = _in_squares(tracker, image)
    if detection.found:
        detection = _settled(image, detection)
    if not detection.found:
        raise PortraitError(f"no face found in {name}: choose a photo where the face is visible, "
                            "frontal and at least 100 px wide")
    width = face_width(detection.landmarks)
    if width < MIN_FACE_WIDTH:
        raise PortraitError(f"the face in {name} is only {width:.0f} px wide: choose a photo where "
                            f"it is at least {MIN_FACE_WIDTH} px wide (100 px or more looks best)")
    notices = []
    if detection.face_count > 1:
        notices.append(f"{detection.face_count} faces found in {name}: using the largest; crop the "
                       "photo to choose another")
    triangles, region = triangulate(detection.landmarks)
    return Portrait(np.ascontiguousarray(image), detection.landmarks, triangles, region, name,
                    notices)


def load_portrait(path: str | Path | None = None) -> Portrait:
    """Load a portrait file (the bundled default when `path` is None)."""
    path = Path(path) if path is not None else DEFAULT_PORTRAIT
    return portrait_from_image(read_image(path), name=path.name)
