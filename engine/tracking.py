"""Face tracking: mediapipe FaceMesh, 478 landmarks (irises included) in image pixels."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import numpy as np

# The last mediapipe whose wheel ships its models (build_tools/install.sh installs this one).
MEDIAPIPE_VERSION = "0.10.21"

# mediapipe's C++ side logs to stderr through glog/absl; keep a user's terminal clean.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def route_native_logs_away() -> None:
    """mediapipe's native code writes warnings straight to file descriptor 2, at moments of its
    own choosing. For command-line and app use: keep Python's `sys.stderr` on the terminal
    through a duplicate descriptor and send descriptor 2 itself to /dev/null.
    Set STANDIN_NATIVE_LOGS=1 to keep them (debugging)."""
    if os.environ.get("STANDIN_NATIVE_LOGS"):
        return
    try:
        sys.stderr.flush()
        terminal = os.dup(2)
    except (OSError, ValueError):  # no stderr at all
        return
    sys.stderr = os.fdopen(terminal, "w", buffering=1, errors="backslashreplace")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


@dataclass(frozen=True)
class Detection:
    """What the tracker found in one frame."""

    landmarks: np.ndarray | None  # (478, 3) float64 pixels; z in x's unit, smaller = nearer
    face_count: int

    @property
    def found(self) -> bool:
        return self.landmarks is not None


def face_width(landmarks: np.ndarray) -> float:
    """Horizontal extent of the face in pixels."""
    return float(np.ptp(landmarks[:468, 0]))


class FaceTracker:
    """FaceMesh with refined irises. `video=True` tracks across frames (faster, steadier): the
    face's box is found again from the last frame's landmarks, and the face detector runs only
    while fewer than `max_faces` faces are tracked (so a driver's tracker looks for one; with
    room for two, the detector ran on every frame: +1.5 ms). Frames go in at full size:
    FaceMesh crops and resamples the face's box itself, and shrinking a 720p frame first took
    longer than tracking it (4.7 ms of 8.5)."""

    def __init__(self, video: bool = True, max_faces: int = 1):
        import mediapipe as mp  # imported here: it takes ~1 s and is not needed for --help

        self._mesh = mp.solutions.face_mesh.FaceMesh(
                static_image_mode=not video, max_num_faces=max_faces, refine_landmarks=True,
                min_detection_confidence=0.5, min_tracking_confidence=0.5)

    def track(self, rgb: np.ndarray) -> Detection:
        h, w = rgb.shape[:2]
        faces = self._mesh.process(rgb).multi_face_landmarks or []
        if not faces:
            return Detection(None, 0)
        # Normalised coordinates scale back to the full frame; z is normalised like x.
        scale = np.array([w, h, w], np.float64)
        all_points = [np.array([(p.x, p.y, p.z) for p in f.landmark], np.float64) * scale
                      for f in faces]
        largest = max(all_points, key=lambda pts: np.ptp(pts[:, 0]) * np.ptp(pts[:, 1]))
        return Detection(largest, len(faces))

    def settle(self, rgb: np.ndarray, passes: int = 8) -> Detection:
        """Track the same frame until the landmarks stop moving. In video mode each frame's
        landmarks seed the next frame's search, so even a still face drifts for a few frames
        (about 1.5 px) before it settles; a reference taken before then would read that drift
        as motion."""
        detection = self.track(rgb)
        for _ in range(passes):
            if not detection.found:
                break
            previous = detection.landmarks
            detection = self.track(rgb)
            if detection.found and np.abs(detection.landmarks - previous)[:, :2].max() < 0.05:
                break
        return detection

    def close(self) -> None:
        self._mesh.close()

    def __enter__(self) -> "FaceTracker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
