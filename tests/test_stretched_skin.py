"""A cheek the photo shows edge-on, turned toward the viewer, is drawn as skin."""
from __future__ import annotations

import cv2
import numpy as np

from engine import face_topology as topo
from engine.animator import PortraitAnimator
from engine.editing import Edits
from engine.stretched_skin import StretchedSkin


def _skin_distance(image: np.ndarray, mask: np.ndarray, skin: np.ndarray) -> float:
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(np.float32)
    return float(np.linalg.norm(lab[mask] - skin, axis=1).mean())


def test_a_turn_past_the_photos_outline_shows_skin_not_the_wall(astronaut_portrait, monkeypatch):
    """Turned 30 degrees, the astronaut's far cheek is drawn from the slivers along her
    photo's outline, which hold the pale wall behind her: without the skin plate that band
    is a patch of wall inside her face (Lab distance from her skin's median about 37), with
    it her skin (about 8). At rest nothing is painted."""
    portrait = astronaut_portrait
    animator = PortraitAnimator(portrait, portrait.size)
    skin = StretchedSkin(portrait.image, portrait.landmarks, portrait.triangles,
                         portrait.triangle_region)
    assert not skin.weights(portrait.landmarks).any()

    face = np.zeros(portrait.image.shape[:2], np.uint8)
    cv2.fillPoly(face, [np.round(portrait.landmarks[topo.FACE_OVAL, :2]).astype(np.int32)], 1)
    lab = cv2.cvtColor(portrait.image, cv2.COLOR_RGB2LAB).astype(np.float32)
    skin_colour = np.median(lab[face.astype(bool)], 0)

    turned = Edits(yaw=-30.0).turn(portrait.landmarks)
    painted = np.zeros(face.shape, np.uint8)
    for triangle in portrait.triangles[skin.weights(turned) > 0.5]:
        corners = animator.framing.to_output(turned)[triangle, :2]
        cv2.fillPoly(painted, [np.round(corners).astype(np.int32)], 1)
    painted = cv2.erode(painted, np.ones((3, 3), np.uint8)).astype(bool)
    assert painted.sum() > 100

    with_plate = _skin_distance(animator(turned), painted, skin_colour)
    monkeypatch.setattr(StretchedSkin, "apply", lambda *args: None)
    without = _skin_distance(animator(turned), painted, skin_colour)
    assert with_plate < 0.5 * without, f"{with_plate:.1f} vs {without:.1f} (Lab)"
