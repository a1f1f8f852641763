"""Guided capture (engine/guided_capture.py) on videos the engine makes of the astronaut doing
what the prompts ask (tests/capture_video.py): the real tracker, the real measures."""
from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from engine import face_topology as topo
from engine.guided_capture import (LOOK_UP_MIN, MAIN, NO_FACE, OPEN_MORE, SMILE_WIDER,
                                   STEP_SECONDS, STEPS, TOO_DARK, TURN_MIN, GuidedCapture)
from engine.mouth import MouthInterior
from engine.portrait_set import FaceState, open_portrait, save_set_folder
from engine.sources import open_source

from .capture_video import NEVER_TURNS, prompted_video, step_windows


def _captured(video, capture: GuidedCapture | None = None, start_s: float = 0.0,
              end_s: float = float("inf")) -> GuidedCapture:
    """`capture` fed the video's frames from `start_s` to `end_s`, timed from 0, until it is
    done."""
    capture = capture or GuidedCapture()
    with open_source(video) as source:
        for k, frame in enumerate(source):
            if k / source.fps >= end_s or capture.done:
                break
            if k / source.fps >= start_s:
                capture.feed(frame, k / source.fps - start_s)
    capture.close()
    return capture


@pytest.fixture(scope="module")
def never_turns(tmp_path_factory, astronaut):
    return prompted_video(tmp_path_factory.mktemp("capture") / "never_turns.mp4", astronaut,
                          NEVER_TURNS)


@pytest.fixture(scope="module")
def prompted_capture(prompted_video_file) -> GuidedCapture:
    return _captured(prompted_video_file)


def test_each_step_picks_a_frame_of_its_own_time(prompted_capture):
    assert prompted_capture.done
    for result in prompted_capture.results:
        start, end = step_windows()[result.step.name]
        assert result.missed is None and result.pick is not None, result.step.name
        assert start <= result.pick.time < end, (result.step.name, result.pick.time)


def test_each_pick_shows_the_asked_state(prompted_capture):
    straight = prompted_capture.straight.landmarks
    rigid = topo.rigid_points(straight)
    main = FaceState.of(straight, straight, rigid)
    picks = {r.step.name: r.pick for r in prompted_capture.results}
    state = {name: FaceState.of(look.landmarks, straight, rigid) for name, look in picks.items()}
    smile = picks["smile"]
    assert state["smile"].mouth_width >= SMILE_WIDER * main.mouth_width
    assert MouthInterior(smile.image, smile.landmarks).uses_real_interior
    assert state["mouth_open"].mouth_open >= main.mouth_open + OPEN_MORE
    assert max(np.divide(state["eyes_closed"].eye_open, main.eye_open)) < 0.4
    assert state["turn_left"].yaw <= -TURN_MIN and state["turn_right"].yaw >= TURN_MIN
    assert state["look_up"].pitch <= -LOOK_UP_MIN
    for name in ("smile", "mouth_open", "eyes_closed"):  # facing the camera
        assert abs(state[name].yaw) < 10 and abs(state[name].pitch) < 10, name


def test_the_picks_make_a_set(prompted_capture, tmp_path):
    folder = save_set_folder(tmp_path / "me", prompted_capture.photos(keep={"smile"}))
    assert sorted(p.name for p in folder.iterdir()) == ["main.png", "smile.png"]
    assert len(open_portrait(folder)) == 2


def test_a_video_that_never_turns_misses_the_turns_and_says_why(never_turns):
    capture = _captured(never_turns)
    missed = {r.step.name: r.missed for r in capture.results if r.pick is None}
    assert missed == {"turn_left": f"no frame with your head turned left by {TURN_MIN:g}° or more",
                      "turn_right": f"no frame with your head turned right by {TURN_MIN:g}° or "
                                    "more"}


def test_a_missed_step_is_retaken(never_turns, prompted_video_file):
    capture = _captured(never_turns)
    capture.retake("turn_left")
    assert not capture.done and capture.results[4].missed is None
    # The second run: the person turns left when asked, on a clock starting again at 0.
    start, end = step_windows()["turn_left"]
    _captured(prompted_video_file, capture, start_s=start)
    assert capture.done and capture.results[4].pick is not None
    assert capture.results[4].pick.time < end - start
    assert capture.results[5].pick is None  # the other missed step stays missed


def test_a_video_that_ends_early_keeps_what_was_taken(prompted_video_file):
    capture = _captured(prompted_video_file, end_s=step_windows()["eyes_closed"][0] + 0.1)
    capture.finish("the video ended before this step")
    assert capture.done
    assert [r.step.name for r in capture.results if r.pick] == ["main", "smile", "mouth_open"]
    assert {r.missed for r in capture.results[3:]} == {"the video ended before this step"}


def test_the_straight_photo_is_required_and_no_face_says_so():
    capture = GuidedCapture()
    coffee = np.ascontiguousarray(data.coffee())
    for k in range(round(2.5 * STEP_SECONDS * 10)):  # well past the first step's time
        progress = capture.feed(coffee, k / 10)
        assert progress.step is MAIN and progress.hint == NO_FACE
    capture.finish("the video ended before this step")
    assert not capture.done and all(r.missed is None for r in capture.results)
    capture.close()


def test_a_dark_face_is_missed_as_too_dark(astronaut):
    capture = GuidedCapture(steps=STEPS[:2], step_seconds=1.0)
    dark = (astronaut * 0.2).astype(np.uint8)
    for k in range(21):  # 0.1 s apart: the straight photo, then a second of darkness
        capture.feed(astronaut if k < 10 else dark, k / 10)
    assert capture.done and capture.results[1].missed == TOO_DARK
    capture.close()
