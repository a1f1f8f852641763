"""Shared test setup: fixture paths (skipped where absent) and a loaded default portrait."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from skimage import data

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # Qt aborts without a display otherwise

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
DRIVING = FIXTURES / "driving"
PORTRAITS = FIXTURES / "portraits"
MOTION = FIXTURES / "motion"  # real talking heads that move
needs_fixtures = pytest.mark.skipif(not all(d.is_dir() for d in (DRIVING, PORTRAITS, MOTION)),
                                    reason=f"real-face fixtures not found at {FIXTURES}")
GRID_CLIPS = sorted(DRIVING.glob("grid_*.mpg")) if DRIVING.is_dir() else []


@pytest.fixture(autouse=True)
def own_data_folder(tmp_path, monkeypatch):
    """What the app learns (the personal motion bank) goes to the test's folder, never to the
    user's (subprocesses inherit it)."""
    monkeypatch.setenv("STANDIN_DATA", str(tmp_path / "standin-data"))


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def astronaut_portrait(astronaut):
    from engine.portrait import portrait_from_image

    return portrait_from_image(astronaut, "astronaut")


def outside_head_and_neck(image: np.ndarray, face_landmarks: np.ndarray) -> np.ndarray:
    """Boolean mask of what is neither head nor neck: the person (mediapipe selfie
    segmentation) above a line 0.35 face heights below the chin, grown by 4 px, is head and
    neck; the rest is body and background."""
    import cv2
    import mediapipe as mp

    from engine import face_topology as topo

    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as segmenter:
        person = segmenter.process(np.ascontiguousarray(image)).segmentation_mask > 0.5
    oval = face_landmarks[topo.FACE_OVAL, :2]
    rows = np.arange(image.shape[0])[:, None]
    head = person & (rows < oval[:, 1].max() + 0.35 * np.ptp(oval[:, 1]))
    return cv2.dilate(head.astype(np.uint8), np.ones((9, 9), np.uint8)) == 0


def mean_change_outside(frames: list[np.ndarray], outside: np.ndarray) -> list[float]:
    """Mean absolute grey-level change from each frame to the next, over the `outside` pixels."""
    return [float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean(2)[outside].mean())
            for a, b in zip(frames, frames[1:])]


def fine_detail(image: np.ndarray) -> float:
    """High-frequency energy of an RGB image: the variance of its grey Laplacian."""
    import cv2

    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


@pytest.fixture(scope="session")
def prompted_video_file(tmp_path_factory, astronaut) -> Path:
    """A 'camera' video of the astronaut following the guided capture's prompts (made once)."""
    from .capture_video import prompted_video

    return prompted_video(tmp_path_factory.mktemp("capture") / "prompted.mp4", astronaut)


def iris_samples(animator, portrait, target_out: np.ndarray) -> int:
    """How many output pixels about the eyes show the portrait's irises (sample inside 0.8 of
    an iris radius), by the warp's own backward map (`animator`'s, for `portrait`)."""
    from engine import face_topology as topo

    field = animator.warp(animator.framing.to_portrait(target_out)).expand()
    count = 0
    for centre, ring in ((topo.RIGHT_IRIS_CENTER, topo.RIGHT_EYE_RING),
                         (topo.LEFT_IRIS_CENTER, topo.LEFT_EYE_RING)):
        c = portrait.landmarks[centre, :2]
        radius = topo.iris_radius(portrait.landmarks, centre)
        xy = target_out[ring, :2]
        pad = 0.3 * np.ptp(xy[:, 0])
        x0, y0 = np.maximum(np.floor(xy.min(0) - pad).astype(int), 0)
        x1, y1 = np.ceil(xy.max(0) + pad).astype(int)
        sx, sy = field.map_x[y0:y1, x0:x1], field.map_y[y0:y1, x0:x1]
        count += int((np.hypot(sx - c[0], sy - c[1]) < 0.8 * radius).sum())
    return count
