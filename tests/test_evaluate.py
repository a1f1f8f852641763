"""Evaluation protocols: the stretch, the shape and temporal metrics, and cross-identity on a
real clip."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from engine import face_topology as topo
from engine import metrics
from engine.cli import build_parser
from engine.evaluate import cross_identity, stretch_frame
from engine.evaluate.cross import calmest_frame
from engine.geometry import Similarity
from engine.portrait import load_portrait

from .conftest import DRIVING, PORTRAITS, needs_fixtures


def _bright_box(image: np.ndarray) -> tuple[int, int]:
    """(width, height) of the pixels brighter than the grey background."""
    ys, xs = np.nonzero(image[..., 0] > 200)
    return np.ptp(xs) + 1, np.ptp(ys) + 1


@pytest.mark.parametrize("fx, fy", [(0.75, 1.0), (1.0, 0.75), (1.5, 1.0), (1.0, 1.3)])
def test_stretch_keeps_the_size_and_stretches_a_square(fx, fy):
    image = np.full((160, 200, 3), 128, np.uint8)
    image[60:100, 80:120] = 255  # a 40 px square in the middle
    out = stretch_frame(image, fx, fy)
    assert out.shape == image.shape and out.dtype == image.dtype
    w, h = _bright_box(out)
    assert w / h == pytest.approx(fx / fy, rel=0.08)


def test_stretch_pads_with_black():
    out = stretch_frame(np.full((160, 200, 3), 128, np.uint8), 1.5, 1.0)
    assert out[:20].max() == 0 and out[-20:].max() == 0  # wider: bars above and below
    assert out[80, :, 0].min() == 128  # the picture itself still spans the width


def test_procrustes_distance_ignores_similarity_but_not_deformation(astronaut_portrait):
    face = astronaut_portrait.landmarks
    moved = Similarity(1.7, Rotation.from_euler("z", 25, degrees=True).as_matrix(),
                       np.array([40.0, -15.0, 3.0])).apply(face)
    assert metrics.procrustes_distance(moved, face) == pytest.approx(0, abs=1e-9)
    assert metrics.procrustes_distance(face, moved) == pytest.approx(0, abs=1e-9)
    deformed = moved.copy()
    deformed[:, 1] *= 1.2  # a taller face: not a similarity
    assert metrics.procrustes_distance(deformed, face) > 0.02


def test_head_rotation_recovers_a_known_turn(astronaut_portrait):
    face = astronaut_portrait.landmarks
    turn = Rotation.from_euler("xyz", [4, -10, 3], degrees=True).as_matrix()  # pitch, yaw, roll
    turned = (face - face.mean(0)) @ turn.T * 0.8 + face.mean(0)
    assert metrics.head_rotation_deg(face, turned) == pytest.approx([-10, 4, 3], abs=1e-6)


def _trajectory(face: np.ndarray, frames: int = 40, noise: float = 0.0) -> list[np.ndarray]:
    """The face sliding sideways on a smooth sine, with optional per-landmark noise (px)."""
    rng = np.random.default_rng(0)
    shift = 20 * np.sin(np.linspace(0, np.pi, frames))
    return [face + [s, 0, 0] + rng.normal(0, noise, face.shape) for s in shift]


def test_jitter_is_lower_for_a_smooth_trajectory(astronaut_portrait):
    face = astronaut_portrait.landmarks
    smooth, noisy = _trajectory(face), _trajectory(face, noise=0.5)
    assert metrics.jitter(smooth) < 0.1 * metrics.jitter(noisy)
    gap = [None if i == 20 else lm for i, lm in enumerate(noisy)]  # a frame with no face
    assert np.isfinite(metrics.jitter(gap))


def test_tcm_is_one_for_the_same_motion_and_lower_otherwise(astronaut_portrait):
    face = astronaut_portrait.landmarks
    driver = _trajectory(face)
    assert metrics.tcm(driver, driver) == pytest.approx(1.0)
    scaled = [lm * 1.5 for lm in driver]  # a bigger face moving the same, in face units
    assert metrics.tcm(scaled, driver) == pytest.approx(1.0)
    assert metrics.tcm(_trajectory(face, noise=0.5), driver) < 0.9
    half = [face + (lm - face) * 0.5 for lm in driver]  # follows at half the speed
    assert metrics.tcm(half, driver) < 0.9


def test_calmest_frame_is_still_and_closed_mouthed(astronaut_portrait):
    face = astronaut_portrait.landmarks
    track = _trajectory(face)  # fastest at the ends, still at the middle (frame 20)
    lower_lip = face[14].copy()
    for i, lm in enumerate(track):  # the mouth opens more the further from frame 25
        lm[14] = lower_lip + [track[i][14, 0] - face[14, 0], 2 + abs(i - 25), 0]
    assert 20 <= calmest_frame(track, list(range(len(track)))) <= 25


def test_eval_factor_option():
    args = build_parser().parse_args(["eval", "different-scale", "--factor", "0.75x1",
                                      "--factor", "1x1.3", "--frames", "10"])
    assert args.factor == [(0.75, 1.0), (1.0, 1.3)] and args.frames == 10


@needs_fixtures
def test_cross_identity_mouth_follows_the_driver():
    result = cross_identity(DRIVING / "grid_lbax4n.mpg", load_portrait(PORTRAITS / "astronaut.png"),
                            max_frames=40)
    assert result.frames == 40 and result.missed == 0
    assert result.product.mouth_r > 0.5
    assert np.isfinite([result.product.ard, result.product.eye_r, result.product.shape_ratio, result.temporal.tcm]).all()


# The mesh reference: the floor the product is scored against

def test_mesh_reference_at_rest_is_the_portrait_and_moves_what_the_driver_moves(
        astronaut, astronaut_portrait):
    from engine.evaluate.mesh_reference import MeshReference

    landmarks = astronaut_portrait.landmarks
    # The driver is the astronaut at twice the size, turned a quarter: its displacement is
    # carried over to the portrait's size and orientation.
    turn = Similarity(2.0, Rotation.from_euler("z", 90, degrees=True).as_matrix(), np.zeros(3))
    driver = turn.apply(landmarks)
    reference = MeshReference(astronaut, landmarks, driver)
    assert np.array_equal(reference.render(driver), astronaut)
    moved = driver.copy()
    moved[:, 1] -= 6.0  # the driver's face 6 px up its image: 3 px left on the portrait's
    target = reference.target(moved)
    assert np.allclose(target[:478] - landmarks[:, :2], [-3.0, 0.0], atol=1e-6)
    assert np.array_equal(target[478:], reference.target(driver)[478:])  # the border stays
    out = reference.render(moved)
    nose = np.round(landmarks[4, :2]).astype(int)
    assert np.abs(out[nose[1], nose[0] - 3].astype(int) - astronaut[nose[1], nose[0]]).max() <= 2
    for y, x in ((0, 0), (0, -1), (-1, 0), (-1, -1)):  # the image's corners do not move
        assert np.array_equal(out[y, x], astronaut[y, x])


def test_akd_on_chosen_points(astronaut_portrait):
    from engine import face_topology as topo

    truth = astronaut_portrait.landmarks
    found = truth.copy()
    found[topo.LIP_POINTS, 0] += metrics.interocular(truth) * 0.1
    assert metrics.akd(found, truth, topo.LIP_POINTS) == pytest.approx(0.1)
    assert metrics.akd(found, truth, topo.EYE_POINTS) == 0.0
    assert metrics.akd(found, truth) == pytest.approx(0.1 * len(topo.LIP_POINTS) / 478)


def test_gaze_follows_the_irises(astronaut_portrait):
    from engine.expression import look

    face = astronaut_portrait.landmarks
    ahead, right, down = (metrics.gaze(look(face, x, y)) for x, y in ((0, 0), (1, 0), (0, 1)))
    assert right[0] > ahead[0] + 0.05 and abs(right[1] - ahead[1]) < 0.02
    assert down[1] > ahead[1] + 0.03


def test_hard_moments_are_found_where_they_were_made(astronaut_portrait):
    from engine.evaluate.moments import hard_moments
    from engine.expression import close_eyes, look, open_mouth, raise_brows, smile, turn_head

    face = astronaut_portrait.landmarks
    made = {3: ("widest_mouth", open_mouth(face, 0.5)), 5: ("blink", close_eyes(face, 1.0)),
            7: ("brow_raise", raise_brows(face, 1.0)), 9: ("widest_grin", smile(face, 1.0)),
            11: ("largest_yaw", turn_head(face, 25, 0, 0)),
            13: ("sideways_glance", look(face, 1.0, 0.0))}
    frames = [made[i][1] if i in made else face for i in range(15)]
    frames[1] = None  # a frame with no face is skipped
    moments = hard_moments(frames)
    for i, (name, _) in made.items():
        assert moments[name] == i, name


def test_the_tear_measure_finds_folds_squeezes_and_a_face_come_off(astronaut_portrait):
    """At rest the map shows the portrait as it is (area change 1, no fold, no jump at the
    face's edge); turned over inside the head it folds; the face moved off the head is a
    jump across the face's edge; a head turned far stays within the limits."""
    from dataclasses import replace

    from engine.expression import turn_head
    from engine.tears import AREA_LIMITS, TearMeter
    from engine.session import Session

    portrait = astronaut_portrait
    with Session(portrait, (256, 256)) as session:
        animator = session._animator
        framing = session.framing
    meter = TearMeter(portrait, framing, portrait.person.alpha)
    rest = animator.warp(portrait.landmarks)
    target_out = framing.to_output(portrait.landmarks)
    calm = meter(rest, target_out)
    assert calm.folds == 0 and calm.outside == 0 and calm.seam < 2.0

    # A displacement that drops by more than one grid step per step (in portrait pixels)
    # across a band beside the face turns the texture over there.
    gh, gw = rest.displacement.shape[:2]
    step = (framing.output_size[0] / gw) / framing.scale
    folded = rest.displacement.copy()
    cols = np.arange(gw, dtype=np.float32)
    band = slice(gh // 3, 2 * gh // 3)
    folded[band, :, 0] += np.clip(cols - gw * 0.15, 0, gw * 0.1) * (-3.0 * step)
    fold = meter(replace(rest, displacement=folded), target_out)
    assert fold.folds > 0 and fold.least_area <= 0.0

    # The face's triangles sampled 40 portrait pixels away, the field beside them not.
    off = rest.displacement.copy().reshape(-1, 2)
    face = rest.raster.layer(0, gh * gw).pixels
    off[face, 0] += 40.0
    torn = meter(replace(rest, displacement=off.reshape(gh, gw, 2)), target_out)
    assert torn.seam > 10.0

    turned = turn_head(portrait.landmarks, 10.0, 0.0, 0.0)
    tear = meter(animator.warp(turned), framing.to_output(turned))
    assert tear.folds == 0
    assert AREA_LIMITS[0] <= tear.least_area and tear.most_area <= AREA_LIMITS[1]



def test_the_tear_measure_counts_apart_a_stretch_of_what_the_photo_sees_edge_on(
        astronaut_portrait):
    """Turned far, the side of the face a frontal photo sees edge-on (the outline's slivers,
    under a quarter of their area in the photo) turns toward the viewer and must stretch past
    the area limit, however it is mapped (and the other side, turned edge-on, squeeze):
    counted apart (`edge_on`), not as a tear. The same stretch on the cheek the photo and the
    target both see whole is a tear."""
    from dataclasses import replace

    from engine.expression import turn_head
    from engine.session import Session

    portrait = astronaut_portrait
    with Session(portrait, (256, 256)) as session:
        animator, framing, meter = session._animator, session.framing, session.tear_meter
    turned = turn_head(portrait.landmarks, 35.0, 0.0, 0.0)
    assert meter(animator.warp(turned), framing.to_output(turned)).edge_on > 0

    rest = animator.warp(portrait.landmarks)
    target_out = framing.to_output(portrait.landmarks)
    gh, gw = rest.displacement.shape[:2]
    cell = framing.output_size[0] / gw
    # Below the middle of the right eye, above the mouth's corner (the cheek the photo sees
    # whole, off the nose's wing and the cheek's turned side): rows there sample a fifth as
    # far apart.
    eye, corner = target_out[topo.RIGHT_EYE_RING, :2], target_out[topo.MOUTH_CORNERS[0], :2]
    rows = np.arange(int(eye[:, 1].max() / cell) + 3, int(corner[1] / cell) - 1)
    left, width = eye[:, 0].min(), np.ptp(eye[:, 0])
    cols = slice(int((left + 0.3 * width) / cell), int((left + 0.6 * width) / cell))
    stretched = rest.displacement.copy()
    stretched[rows, cols, 1] -= (0.8 * (rows - rows[0]) * cell / framing.scale)[:, None]
    tear = meter(replace(rest, displacement=stretched), target_out)
    assert tear.outside > 0 and tear.edge_on == 0


def test_the_tear_measure_leaves_out_where_shut_lids_meet_but_not_the_cheek_below(
        astronaut_portrait):
    """Shut, an eye is a sliver: where the lids meet, the map jumps from the upper lid's skin
    to the lower's by design (the eye is drawn, not warped), and the measure leaves out a band
    of a tenth of the eye's width about it (grown in proportion to the sliver's own height, it
    left out none); the same jump on the cheek past that band counts."""
    from dataclasses import replace

    from engine.expression import close_eyes
    from engine.session import Session

    portrait = astronaut_portrait
    with Session(portrait, (256, 256)) as session:
        animator, framing, meter = session._animator, session.framing, session.tear_meter
    shut = close_eyes(portrait.landmarks, 1.0)
    warp = animator.warp(shut)
    target_out = framing.to_output(shut)
    assert meter(warp, target_out).outside == 0
    eye = target_out[topo.RIGHT_EYE_RING, :2]
    cell = framing.output_size[0] / warp.displacement.shape[1]
    cols = slice(int(eye[:, 0].min() / cell), int(eye[:, 0].max() / cell))

    def jump_below(y: float) -> int:
        """Cells past the area limits when the rows below `y` (output pixels) under the eye
        sample eight cells' worth further down the portrait (squeezed five times over)."""
        jumped = warp.displacement.copy()
        jumped[int(y / cell) + 1:, cols, 1] += 8 * cell / framing.scale
        return meter(replace(warp, displacement=jumped), target_out).outside

    assert jump_below(eye[:, 1].mean()) == 0  # where the lids meet
    assert jump_below(eye[:, 1].max() + np.ptp(eye[:, 0]) / 3) > 0  # the cheek below


def test_a_still_video_reads_its_first_frame_as_it_reads_the_rest(astronaut):
    """Measures against a clip's first frame (cross-identity's ARD) need that frame read as
    tracking reads the others: from a cold detection of a still face the landmarks drift
    (median 0.3 px, up to 4 px) as tracking settles (FaceTracker.settle), and that drift
    was read as a head turn in every frame after it."""
    from engine.evaluate.common import find_landmarks

    def drift(settle_first: bool) -> float:
        landmarks = find_landmarks([astronaut] * 8, settle_first=settle_first)
        return float(np.median(np.abs(np.stack(landmarks[1:])[:, :, :2]
                                      - landmarks[0][:, :2]), axis=(1, 2)).mean())

    assert drift(True) < 0.15 < drift(False)


def test_a_still_driver_on_a_still_portrait_turns_nothing(astronaut, astronaut_portrait, tmp_path):
    """Cross-identity's ARD of the astronaut held still, driving herself: nothing turns, so
    the head rotation difference is the tracker's noise alone. Read from a cold first frame
    it was 0.9 degrees (1.0 for the mesh reference): the first frame's drift, counted in
    every frame."""
    import cv2

    clip = tmp_path / "still.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 25, astronaut.shape[1::-1])
    for _ in range(12):
        writer.write(np.ascontiguousarray(astronaut[..., ::-1]))
    writer.release()
    result = cross_identity(clip, astronaut_portrait)
    assert result.product.ard < 0.5 and result.mesh.ard < 0.5, (result.product.ard,
                                                                  result.mesh.ard)
