"""Only what moves is drawn again (engine/render/still_around.py): the frame is the one the
whole-frame CPU renderer draws, whatever moves and wherever."""
from __future__ import annotations

import numpy as np
import pytest

from engine import metrics
from engine.animator import PortraitAnimator
from engine.editing import Edits
from engine.portrait import load_portrait, portrait_from_image
from engine.render.still_around import StillAround

from .conftest import PORTRAITS, needs_fixtures

SIZES = [(512, 512), (1280, 720)]


def _poses(face: np.ndarray, size: tuple[int, int], scale: float) -> dict[str, np.ndarray]:
    """Targets (portrait pixels) that move little, the neck, or the head to the frame's edge."""
    talking = Edits(smile=0.5, mouth_open=0.7, eye_open=-0.5)
    neck = Edits(pitch=-20.0, roll=15.0, yaw=-15.0)
    to_edge = face.copy()
    to_edge[:, 0] += 0.45 * size[0] / scale  # the head half out of the frame on the right
    return {"at rest": face,
            "talking": face + talking.expression_offset(face),
            "an edit that moves the neck": neck.turn(face),
            "a pose that reaches the frame's edge": to_edge}


def _check(portrait, size: tuple[int, int]) -> None:
    animator = PortraitAnimator(portrait, size)
    drawn = animator._renderer
    assert isinstance(drawn, StillAround)  # the CPU path draws only what moves
    whole = drawn._renderer  # the whole-frame renderer it wraps
    poses = _poses(portrait.landmarks, size, animator.framing.scale)
    for name, target in poses.items():
        warp = animator.warp(target)
        box = drawn.box(warp)
        if name != "at rest":
            assert box is not None, name
        psnr = metrics.psnr(drawn.render(warp), whole.render(warp))
        assert psnr >= 45.0, (name, size, psnr)
    # The head at the frame's edge: the box drawn again reaches the edge.
    edge = drawn.box(animator.warp(poses["a pose that reaches the frame's edge"]))
    assert edge[1].stop == size[0]


@pytest.mark.parametrize("size", SIZES)
def test_drawing_only_what_moves_gives_the_whole_frames_picture(astronaut_portrait, size):
    _check(astronaut_portrait, size)


@needs_fixtures
@pytest.mark.parametrize("name", ["obama.jpg", "smiling_teeth_man.png",
                                  "young_woman_long_hair.jpg"])
def test_drawing_only_what_moves_on_real_portraits(name):
    portrait = load_portrait(PORTRAITS / name)
    for size in SIZES:
        _check(portrait, size)


def test_a_switched_portrait_is_drawn_from_its_own_rest(astronaut_portrait, astronaut):
    """Two portraits one after the other (the app's switch): each still part is its own."""
    flipped = portrait_from_image(np.ascontiguousarray(astronaut[:, ::-1]))
    first = PortraitAnimator(astronaut_portrait, (512, 512))
    second = PortraitAnimator(flipped, (512, 512))
    for animator, portrait in ((first, astronaut_portrait), (second, flipped)):
        at_rest = animator._renderer.render(animator.warp(portrait.landmarks))
        whole = animator._renderer._renderer.render(animator.warp(portrait.landmarks))
        assert metrics.psnr(at_rest, whole) >= 45.0
    assert np.abs(first(astronaut_portrait.landmarks).astype(int)
                  - second(flipped.landmarks)).mean() > 10
