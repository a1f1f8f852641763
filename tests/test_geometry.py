"""Pose recovery and smoothing: the math the pipeline stands on."""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from engine.geometry import Similarity, rotation_to_euler_deg, shown_shares, umeyama
from engine.smoothing import OneEuroFilter, OneEuroSettings


def test_umeyama_recovers_a_known_similarity():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(30, 3)) * 50
    rotation = Rotation.from_euler("xyz", [10, -25, 5], degrees=True).as_matrix()
    truth = Similarity(1.7, rotation, np.array([12.0, -3.0, 40.0]))
    found = umeyama(points, truth.apply(points))
    assert found.scale == pytest.approx(1.7, rel=1e-9)
    np.testing.assert_allclose(found.rotation, rotation, atol=1e-9)
    np.testing.assert_allclose(found.translation, truth.translation, atol=1e-7)
    yaw, pitch, roll = rotation_to_euler_deg(found.rotation)
    assert (pitch, yaw, roll) == pytest.approx((10, -25, 5), abs=1e-6)


def test_euler_angles_come_back_from_any_head_pose():
    angles = np.random.default_rng(3).uniform(-80, 80, (100, 3))  # pitch, yaw, roll
    for pitch, yaw, roll in angles:
        rotation = Rotation.from_euler("xyz", [pitch, yaw, roll], degrees=True).as_matrix()
        assert rotation_to_euler_deg(rotation) == pytest.approx((yaw, pitch, roll), abs=1e-9)


def test_umeyama_never_returns_a_reflection():
    rng = np.random.default_rng(1)
    points = rng.normal(size=(20, 3))
    mirrored = points * [-1, 1, 1]
    assert np.linalg.det(umeyama(points, mirrored).rotation) == pytest.approx(1.0)


def test_similarity_inverse_and_compose():
    s = Similarity(2.0, Rotation.from_euler("z", 30, degrees=True).as_matrix(), np.array([1.0, 2, 3]))
    x = np.array([[1.0, 0, 0], [0, 5, 1]])
    np.testing.assert_allclose(s.inverse().apply(s.apply(x)), x, atol=1e-12)
    np.testing.assert_allclose(s.compose(s).apply(x), s.apply(s.apply(x)), atol=1e-12)


def test_one_euro_cuts_jitter_of_a_still_signal():
    rng = np.random.default_rng(2)
    f = OneEuroFilter(OneEuroSettings(min_cutoff=1.0, beta=0.0))
    noisy = 5.0 + rng.normal(scale=1.0, size=(400, 10))
    out = np.array([f(x, 1 / 30) for x in noisy])
    assert out[100:].std() < 0.35 * noisy[100:].std()
    assert out[100:].mean() == pytest.approx(5.0, abs=0.1)


def test_one_euro_beta_reduces_lag_on_motion():
    ramp = np.linspace(0, 100, 200)[:, None]
    lags = []
    for beta in (0.0, 1.0):
        f = OneEuroFilter(OneEuroSettings(min_cutoff=1.0, beta=beta))
        out = np.array([f(x, 1 / 30) for x in ramp])
        lags.append(float(np.abs(out[-50:] - ramp[-50:]).mean()))
    assert lags[1] < 0.2 * lags[0]


def test_one_euro_reset_forgets_the_past():
    f = OneEuroFilter(OneEuroSettings(min_cutoff=0.1))
    f(np.zeros(3), 0.03)
    f(np.ones(3), 0.03)
    f.reset()
    np.testing.assert_array_equal(f(np.full(3, 7.0), 0.03), np.full(3, 7.0))


def test_a_triangle_shows_the_share_of_its_area_its_tilt_leaves_in_the_picture():
    """Flat in the picture plane a triangle shows all of its area; tilted 60 degrees about
    x, half; seen from behind (corners in the other order), the same share, negative."""
    flat = np.array([[0.0, 0.0, 0.0], [4.0, 0.0, 0.0], [0.0, 3.0, 0.0]])
    tilt = np.radians(60.0)
    rotate = np.array([[1.0, 0.0, 0.0],
                       [0.0, np.cos(tilt), -np.sin(tilt)],
                       [0.0, np.sin(tilt), np.cos(tilt)]])
    tilted = flat @ rotate.T
    shares = shown_shares(np.stack([flat, tilted, tilted[::-1]]))
    assert np.allclose(shares, [1.0, 0.5, -0.5])
