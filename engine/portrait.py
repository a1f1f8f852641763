"""The portrait: loaded once, tracked once, meshed once."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import PortraitError
from .image_io import read_image
from .mesh import triangulate
from .tracking import FaceTracker, face_width

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


def portrait_from_image(image: np.ndarray, name: str = "portrait") -> Portrait:
    """Track the face in an RGB image and mesh it; PortraitError if it cannot be animated."""
    with FaceTracker(video=False, max_faces=4, max_height=max(image.shape[0], 480)) as tracker:
        detection = tracker.track(image)
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
