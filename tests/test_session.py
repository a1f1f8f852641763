"""Session: still driver gives the portrait back; a lost face is held, then eased to rest; the
voice taking over draws the mouth's inside the camera no longer drives."""
from dataclasses import replace

import numpy as np

from engine import face_topology as topo
from engine import metrics
from engine.demo_driver import DemoDriver
from engine.mouth import SeenInside
from engine.session import Analysis, Session

from .conftest import mean_change_outside, outside_head_and_neck


def test_still_driver_returns_the_portrait(astronaut_portrait):
    # The driver is the portrait itself, not moving: the output must be the portrait.
    with Session(astronaut_portrait) as session:
        for i in range(15):
            out = session.process(astronaut_portrait.image, i / 25).image
            assert metrics.psnr(out, astronaut_portrait.image) >= 40


def test_lost_face_holds_then_eases_to_rest(astronaut_portrait):
    demo = DemoDriver(astronaut_portrait, seconds=1.0)
    moving = [demo.read() for _ in range(12)]
    blank = np.full_like(moving[0], 90)
    fps = 25.0
    with Session(astronaut_portrait) as session:
        settings = session.settings
        outs = [session.process(f, i / fps) for i, f in enumerate(moving)]
        last = outs[-1].image
        assert metrics.psnr(last, astronaut_portrait.image) < 35  # it was really moving
        lost = [session.process(blank, (len(moving) + i) / fps) for i in range(60)]
    assert not any(r.face_found for r in lost)
    held = int(settings.hold_seconds * fps) - 1
    for r in lost[:held]:
        assert metrics.psnr(r.image, last) >= 40  # the last pose is held
    rested = int((settings.hold_seconds + settings.ease_seconds) * fps) + 1
    for r in lost[rested:]:
        assert metrics.psnr(r.image, astronaut_portrait.image) >= 40  # at rest
    steps = [metrics.l1(a.image, b.image) for a, b in zip(lost, lost[1:])]
    assert max(steps) < 0.25 * metrics.l1(last, astronaut_portrait.image) + 1e-6  # gradual


def test_stage_timings_are_reported(astronaut_portrait):
    with Session(astronaut_portrait, (256, 256)) as session:
        result = session.process(astronaut_portrait.image, 0.0)
    assert result.image.shape == (256, 256, 3)
    assert set(result.timings_ms) == {"track", "motion", "retarget", "warp", "render", "total"}
    assert all(v >= 0 for v in result.timings_ms.values())


def test_background_and_body_stay_still_while_the_head_moves(astronaut_portrait):
    demo = DemoDriver(astronaut_portrait, seconds=2.0, loop=False)
    with Session(astronaut_portrait) as session:
        outputs = [session.process(demo.read(), i / 25).image for i in range(50)]
        rest = session.framing.to_output(astronaut_portrait.landmarks)
    outside = outside_head_and_neck(outputs[0], rest)
    assert outside.mean() > 0.3  # most of the picture is body and background
    inside_motion = [metrics.l1(a, b) for a, b in zip(outputs, outputs[1:])]
    assert max(inside_motion) > 0.002  # the head does move
    assert max(mean_change_outside(outputs, outside)) <= 1.0  # grey levels


def test_the_voice_taking_over_draws_the_inside_the_camera_no_longer_drives(astronaut_portrait):
    """What the driver's camera sees inside its mouth (Analysis.seen) shows while the camera
    drives; once the voice has taken over, the mouth is the voice's and its inside the drawn
    one, as with nothing seen (SeenInside.share)."""
    rest = Analysis(0.0, False, None, None, {"track": 0.0, "motion": 0.0})
    with Session(astronaut_portrait) as session:
        session.edits = replace(session.edits, mouth_open=1.0)
        drawn = session.render(rest)
        inside = np.full((24, 64, 3), (40, 160, 40), np.float32)  # nothing a drawn mouth has
        seen = SeenInside(inside, np.array([150, 60, 60], np.float32),
                          np.array([220, 210, 200], np.float32),
                          topo.mouth_opening_ratio(drawn.target))
        camera = replace(rest, seen=seen)
        assert not np.array_equal(session.render(camera).image, drawn.image)
        assert np.array_equal(session.render(camera, rest, 1.0).image,
                              session.render(rest, rest, 1.0).image)


def test_the_person_and_the_wall_behind_are_worked_out_once_per_portrait(astronaut, monkeypatch):
    """Finding the person and filling the wall behind them costs up to a second and depends
    on the photo alone: a second session of the same portrait (another output size, a
    restart) takes them from the portrait instead of working them out again."""
    from engine import backdrop
    from engine.portrait import portrait_from_image

    portrait = portrait_from_image(astronaut, "astronaut")
    calls = []
    segment = backdrop.person_alpha
    monkeypatch.setattr(backdrop, "person_alpha", lambda *a: calls.append(1) or segment(*a))
    for size in ((256, 256), (320, 240)):
        with Session(portrait, size) as session:
            session.process(astronaut, 0.0)
    assert len(calls) == 1
