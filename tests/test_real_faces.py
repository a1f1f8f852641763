"""Integration on real faces (../shared/fixtures; skipped where absent)."""
from __future__ import annotations

import numpy as np
import pytest

from engine import metrics
from engine.evaluate import self_reenactment
from engine.portrait import load_portrait
from engine.session import Session
from engine.sources import read_all_frames
from engine.tracking import FaceTracker

from .conftest import DRIVING, GRID_CLIPS, PORTRAITS, needs_fixtures

pytestmark = needs_fixtures


def test_output_mouth_follows_the_driver():
    """Astronaut driven by a GRID speaker: mouth opening found again on the output follows the
    driver's (Pearson r >= 0.85)."""
    frames, fps = read_all_frames(DRIVING / "grid_lbax4n.mpg")
    driver_open, output_open = [], []
    with Session(load_portrait(PORTRAITS / "astronaut.png")) as session, \
            FaceTracker() as driver_tracker, FaceTracker() as output_tracker:
        for i, frame in enumerate(frames):
            out = session.process(frame, i / fps).image
            d, o = driver_tracker.track(frame).landmarks, output_tracker.track(out).landmarks
            assert d is not None and o is not None
            driver_open.append(metrics.mouth_opening(d))
            output_open.append(metrics.mouth_opening(o))
    assert len(output_open) == 75
    assert metrics.pearson(driver_open, output_open) >= 0.85


@pytest.fixture(scope="module")
def reenactments():
    return [self_reenactment(clip) for clip in GRID_CLIPS]


def test_self_reenactment_on_the_six_grid_clips(reenactments):
    assert len(reenactments) == 6
    means = [r.means() for r in reenactments]
    assert all(r.missed == 0 for r in reenactments)
    assert np.mean([m["face_ssim"] for m in means]) >= 0.89
    assert np.mean([m["akd"] for m in means]) <= 0.011
    # Every clip, too, stays well within reach of the bar (the worst shows teeth the portrait
    # never showed: see the issue notes).
    assert min(m["face_ssim"] for m in means) >= 0.84
    assert max(m["akd"] for m in means) <= 0.0125
