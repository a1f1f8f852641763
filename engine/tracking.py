"""Face tracking: mediapipe FaceMesh, 478 landmarks (irises included) in image pixels."""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import cv2
import numpy as np

# mediapipe's C++ side logs to stderr through glog/absl; keep a user's terminal clean.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def _native_stderr_silenced():
    """Hide the TFLite/absl banner printed by native code while a graph starts."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
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
    """FaceMesh with refined irises. `video=True` tracks across frames (faster, steadier)."""

    def __init__(self, video: bool = True, max_faces: int = 2, max_height: int = 480):
        import mediapipe as mp  # imported here: it takes ~1 s and is not needed for --help

        self._max_height = max_height
        self._first = True
        with _native_stderr_silenced():
            self._mesh = mp.solutions.face_mesh.FaceMesh(
                static_image_mode=not video, max_num_faces=max_faces, refine_landmarks=True,
                min_detection_confidence=0.5, min_tracking_confidence=0.5)

    def track(self, rgb: np.ndarray) -> Detection:
        h, w = rgb.shape[:2]
        small = rgb
        if h > self._max_height:
            f = self._max_height / h
            small = cv2.resize(rgb, (round(w * f), self._max_height), interpolation=cv2.INTER_AREA)
        if self._first:
            with _native_stderr_silenced():
                result = self._mesh.process(small)
            self._first = False
        else:
            result = self._mesh.process(small)
        faces = result.multi_face_landmarks or []
        if not faces:
            return Detection(None, 0)
        # Normalised coordinates scale back to the full frame; z is normalised like x.
        scale = np.array([w, h, w], np.float64)
        all_points = [np.array([(p.x, p.y, p.z) for p in f.landmark], np.float64) * scale
                      for f in faces]
        largest = max(all_points, key=lambda pts: np.ptp(pts[:, 0]) * np.ptp(pts[:, 1]))
        return Detection(largest, len(faces))

    def close(self) -> None:
        self._mesh.close()

    def __enter__(self) -> "FaceTracker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
