"""A turn the portrait cannot show eases off instead of tearing (engine/ease_turn.py)."""
from __future__ import annotations

import dataclasses

import numpy as np

from engine import face_topology as topo
from engine import metrics
from engine.ease_turn import EASE_FROM_DEG, RECOVERY_PER_S, TORN_SHARE, TurnEaser
from engine.expression import turn_head
from engine.session import Session
from engine.tears import TearMeter


def _easer(portrait):
    with Session(portrait, (256, 256)) as session:
        animator, framing = session._animator, session.framing
    meter = TearMeter(portrait, framing, animator.person_alpha)
    return TurnEaser(portrait.landmarks, framing, meter, animator.warp), meter, animator, framing


TURN = 50.0  # degrees of yaw: more than the astronaut's photo shows


def test_a_turn_too_far_eases_back_within_the_limits_and_returns_gradually(astronaut_portrait):
    easer, meter, animator, framing = _easer(astronaut_portrait)
    face = astronaut_portrait.landmarks

    small = turn_head(face, EASE_FROM_DEG / 2, 0.0, 0.0)
    same, _, shown = easer(small, animator.warp(small), 0.04)
    assert shown == 1.0 and np.array_equal(same, small)  # a small turn is left alone

    far = turn_head(face, TURN, 0.0, 0.0)
    full_warp = animator.warp(far)
    full = meter(full_warp, framing.to_output(far))
    # The full turn tears the head (above the chin, where the easer measures it).
    head = meter(full_warp, framing.to_output(far), head_only=True)
    assert head.outside > TORN_SHARE * head.measured
    eased, warp, shown = easer(far, animator.warp(far), 0.04)
    assert 0.2 < shown < 1.0
    yaw = metrics.head_rotation_deg(face, eased)[0]
    assert abs(yaw - TURN * shown) < 2.0  # it turns that share of the way
    tear = meter(warp, framing.to_output(eased))
    assert tear.outside <= TORN_SHARE * tear.measured and tear.folds <= full.folds

    # Back to frontal: the share comes back at RECOVERY_PER_S, not at once.
    _, _, after = easer(face, animator.warp(face), 0.04)
    assert after == min(1.0, shown + RECOVERY_PER_S * 0.04)


def test_only_the_head_above_the_chin_is_judged(astronaut_portrait):
    """A map torn only below the chin (the neck and body, which the turn does not move): the
    easer's measure (head_only) sees nothing there; the eval's whole measure does."""
    _, meter, animator, framing = _easer(astronaut_portrait)
    face = turn_head(astronaut_portrait.landmarks, 5.0, 0.0, 0.0)  # a head that moves a little
    warp = animator.warp(face)
    target_out = framing.to_output(face)
    gh = warp.displacement.shape[0]
    rows = (np.arange(gh) + 0.5) * framing.output_size[1] / gh - 0.5
    chin = target_out[topo.CHIN, 1]
    band = np.flatnonzero((rows > chin + 8) & (rows < chin + 40))
    torn = warp.displacement.copy()
    # The band samples one row of the portrait: squeezed to nothing (area 0).
    base_y = rows / framing.scale + framing.offset[1]
    torn[band, :, 1] += (base_y[band[0]] - base_y[band])[:, None]
    torn_warp = dataclasses.replace(warp, displacement=torn)
    whole = meter(torn_warp, target_out)
    head = meter(torn_warp, target_out, head_only=True)
    assert whole.outside > 100
    assert head.outside == 0 and head.measured > 0
