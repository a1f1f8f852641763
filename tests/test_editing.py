"""Editing on top of the live motion (engine/editing.py): pose offsets, expression controls,
gains and locks, on the astronaut, with the tracker run again on the output."""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from engine import face_topology as topo
from engine import metrics
from engine.demo_driver import DemoDriver
from engine.editing import Edits
from engine.geometry import signed_areas
from engine.mesh import SKIN
from engine.portrait import portrait_from_image
from engine.session import Session
from engine.tears import TearMeter
from engine.tracking import FaceTracker
from engine.warp import DenseMotion

from .conftest import PORTRAITS, needs_fixtures


def _render(portrait, edits: Edits, driver=None):
    """One output frame of `portrait` driven by `driver` (default: the portrait itself)."""
    with Session(portrait, (384, 384)) as session:
        session.edits = edits
        return session.process(portrait.image if driver is None else driver, 0.0)


def _found(image):
    with FaceTracker() as tracker:
        landmarks = tracker.track(image).landmarks
    assert landmarks is not None
    return landmarks


def test_out_of_range_edits_name_the_control():
    with pytest.raises(ValueError, match="yaw 60 is outside -45 to 45"):
        Edits(yaw=60)


@pytest.mark.parametrize("yaw", [-20, 20])
def test_yaw_offset_turns_the_head(astronaut_portrait, yaw):
    rest = _render(astronaut_portrait, Edits())
    turned = _render(astronaut_portrait, Edits(yaw=yaw))
    # The target is the portrait's face turned by exactly the command...
    commanded = metrics.head_rotation_deg(rest.target, turned.target)
    assert commanded == pytest.approx([yaw, 0, 0], abs=0.01)
    # ...and the tracker sees the output turned the same way.
    measured = metrics.head_rotation_deg(_found(rest.image), _found(turned.image))[0]
    assert np.sign(measured) == np.sign(yaw) and abs(measured) >= 0.6 * abs(yaw)


def _mouth_width(landmarks):
    a, b = topo.MOUTH_CORNERS
    return np.linalg.norm(landmarks[a, :2] - landmarks[b, :2]) / metrics.interocular(landmarks)


def test_expression_controls_show_on_the_output(astronaut_portrait):
    rest = _found(_render(astronaut_portrait, Edits()).image)
    assert _mouth_width(_found(_render(astronaut_portrait, Edits(smile=1)).image)) \
        > _mouth_width(rest) + 0.03
    assert metrics.mouth_opening(_found(_render(astronaut_portrait, Edits(mouth_open=1)).image)) \
        > metrics.mouth_opening(rest) + 0.1
    assert metrics.eye_opening(_found(_render(astronaut_portrait, Edits(eye_open=-1)).image)) \
        < 0.5 * metrics.eye_opening(rest)


def test_mouth_open_opens_a_lens_that_narrows_to_the_corners(astronaut_portrait):
    """The lips hinge at the mouth's corners: at the Mouth-open control's end the opening
    between them narrows toward the corners like an ellipse's (0.6 of the middle's at four
    fifths of the way out). Moved as the band below them, the lips there opened 0.76 and
    0.69 as far as the middle (1.13 on biden.jpg): a box with straight walls at its corners,
    the look of a mask."""
    from engine.mouth import mouth_axes
    p = astronaut_portrait.landmarks
    target = p + Edits(mouth_open=1.0).expression_offset(p)
    axes = mouth_axes(target)
    u = np.array([-0.8, -0.6, 0.0, 0.6, 0.8])
    gap = axes.curve(topo.INNER_LIP_LOWER, u) - axes.curve(topo.INNER_LIP_UPPER, u)
    share = gap / gap[2]
    assert gap[2] > 0.4 * axes.width  # wide open
    assert share[[0, 4]].max() < 0.65 and share[[1, 3]].max() < 0.85, share.round(2)


@needs_fixtures
@pytest.mark.parametrize("name", ["smiling_teeth_man.png", "biden.jpg"])
def test_mouth_open_lifts_the_upper_lip_as_one_band(name):
    """The upper lip's four contours (outer edge to inner) keep their order down the face
    however far the Mouth-open control drops the jaw. A smile's upper lip lies below the line
    between its raised corners; moved with the jaw there, its inner rows crossed its inner edge
    and the sliver of photo between them was stretched into vertical streaks."""
    from engine.expression import open_mouth
    from engine.portrait import load_portrait
    portrait = load_portrait(PORTRAITS / name)
    _, down = topo.face_axes(portrait.landmarks)
    columns = topo.UPPER_LIP.reshape(4, -1)  # contour by contour, the same order across
    for amount in (0.1, 0.25):
        depth = open_mouth(portrait.landmarks, amount)[:, :2] @ down
        assert (np.diff(depth[columns], axis=0) > 0).all(), amount


def test_gains_and_locks(astronaut_portrait):
    demo = DemoDriver(astronaut_portrait, seconds=1.0, loop=False)
    frames = [demo.read() for _ in range(20)]
    with Session(astronaut_portrait, (256, 256)) as session:
        rest = session.framing.to_output(astronaut_portrait.landmarks)
        iod = metrics.interocular(rest)
        moved = [session.process(f, i / 25).target for i, f in enumerate(frames[:10])]
        session.edits = Edits(pose_gain=0, expression_gain=0)
        still = session.process(frames[10], 10 / 25).target
        session.edits = Edits(lock_pose=True, lock_expression=True)
        locked = [session.process(f, (11 + i) / 25).target for i, f in enumerate(frames[11:])]
        session.edits = dataclasses.replace(session.edits, lock_pose=False, lock_expression=False)
        free = session.process(frames[10], 30 / 25).target

    def distance(a, b):
        return np.linalg.norm(a[:, :2] - b[:, :2], axis=1).mean() / iod

    assert distance(moved[-1], rest) > 0.03  # the demo moves the head
    assert distance(still, rest) < 1e-6  # gains 0: the portrait at rest
    # Locked: held (the online neutral still settles a little under it: sub-pixel).
    assert max(distance(t, locked[0]) for t in locked) < 0.002
    assert distance(free, locked[0]) > 0.01  # unlocked: it moves again


def _iris_across(landmarks) -> tuple[float, float]:
    """Mean iris centre of both eyes relative to its eye's corners, in eye widths: (along the
    eye toward the picture's right, across it downward)."""
    positions = []
    for corners, centre in ((topo.RIGHT_EYE_CORNERS, topo.RIGHT_IRIS_CENTER),
                            (topo.LEFT_EYE_CORNERS, topo.LEFT_IRIS_CENTER)):
        a, b = sorted((landmarks[corners[0], :2], landmarks[corners[1], :2]), key=lambda p: p[0])
        width = np.linalg.norm(b - a)
        along = (b - a) / width
        offset = landmarks[centre, :2] - (a + b) / 2
        positions.append([offset @ along / width, offset @ [-along[1], along[0]] / width])
    return tuple(np.mean(positions, 0))


@pytest.mark.parametrize("axis", [0, 1])
def test_gaze_sweep_moves_the_irises_within_the_eyes(astronaut_portrait, axis):
    commands = np.linspace(-1, 1, 9)
    found = []
    for command in commands:
        edits = Edits(gaze_x=command) if axis == 0 else Edits(gaze_y=command)
        landmarks = _found(_render(astronaut_portrait, edits).image)
        found.append(_iris_across(landmarks)[axis])
        for ring, centre in ((topo.RIGHT_EYE_RING, topo.RIGHT_IRIS_CENTER),
                             (topo.LEFT_EYE_RING, topo.LEFT_IRIS_CENTER)):
            inside = cv2.pointPolygonTest(landmarks[ring, :2].astype(np.float32),
                                          tuple(float(v) for v in landmarks[centre, :2]), False)
            assert inside > 0  # the iris centre stays within the eye opening
    assert metrics.pearson(commands, found) >= 0.9
    assert np.ptp(found) > 0.04  # and it really moves


@needs_fixtures
@pytest.mark.parametrize("gaze", [-1.0, 1.0])
def test_a_glance_moves_the_eyeball_and_leaves_the_lids_rims_as_they_were(gaze):
    """A glance moves only the eyeball: the opening's rim (the lid margin's own pixels) stays
    as at rest. Interpolated on the grid between the eyeball's map and the lids', it drew a
    pale ring around each eye (young_woman at 512 px: a mean change of 16 to 26 levels there).
    Except where an iris meets the lid: the photo's own, left there, stood beside the moved
    iris as a dark notch, and it must go; the moved one reaches the lid where it now is.
    (At sizes where an eye's corners come within two grid cells, the eye is mapped per pixel
    as a whole, rim and all, and its rim shows the eyeball moving under the lid.)"""
    from engine.portrait import load_portrait

    portrait = load_portrait(PORTRAITS / "young_woman_long_hair.jpg")

    def render(edits):
        with Session(portrait, (512, 512)) as session:
            session.edits = edits
            return session.process(portrait.image, 0.0), session.framing

    (rest, framing), (glance, _) = render(Edits()), render(Edits(gaze_x=gaze))
    change = np.abs(glance.image.astype(np.float32) - rest.image).mean(2)
    ys, xs = np.indices(change.shape)
    photo_xy = framing.to_portrait_xy(np.stack([xs, ys], -1).astype(np.float64))
    on_iris = np.zeros(change.shape, bool)  # where the still frame shows the photo's irises
    moved = np.zeros(change.shape, bool)  # ...and where the glance puts them
    for centre in (topo.RIGHT_IRIS_CENTER, topo.LEFT_IRIS_CENTER):
        c = portrait.landmarks[centre, :2]
        radius = topo.iris_radius(portrait.landmarks, centre)
        on_iris |= np.linalg.norm(photo_xy - c, axis=-1) < radius + 1.0 / framing.scale
        moved |= (np.hypot(xs - glance.target[centre, 0], ys - glance.target[centre, 1])
                  < (radius + 1.0) * framing.scale)
    for ring in (topo.RIGHT_EYE_RING, topo.LEFT_EYE_RING):
        opening = np.zeros(change.shape, np.uint8)
        cv2.fillPoly(opening, [np.round(glance.target[ring, :2]).astype(np.int32)], 1)
        rim = (opening - cv2.erode(opening, np.ones((3, 3), np.uint8))).astype(bool)
        inside = cv2.erode(opening, np.ones((5, 5), np.uint8)).astype(bool)
        assert change[inside].mean() > 20  # the premise: the eyeball moved
        assert change[rim & ~on_iris & ~moved].mean() < 5
        assert (rim & on_iris & ~moved).sum() > 5
        assert change[rim & on_iris & ~moved].mean() > 10  # the photo's iris left the rim


@pytest.mark.parametrize("yaw", [-30, -20, -10, 10, 20, 30])
def test_turned_heads_draw_only_the_side_that_faces_the_viewer(astronaut_portrait, yaw):
    """Every skin triangle that shows in the output faces the viewer (the back of the nose and
    the far cheek are hidden, never drawn folded over), and nearly all show what the photo
    shows of them: only a sliver along the outline turns toward the viewer from behind."""
    result = _render(astronaut_portrait, Edits(yaw=yaw))
    with Session(astronaut_portrait, (384, 384)) as session:
        framing = session.framing
    dense = DenseMotion(astronaut_portrait, framing)
    drawn = dense.drawn_triangles(framing.to_portrait(result.target))
    drawn = drawn[astronaut_portrait.triangle_region[drawn] == SKIN]
    triangles = astronaut_portrait.triangles[drawn]

    def winding(points):
        return np.sign(signed_areas(points[triangles, :2]))

    turned = framing.to_portrait(result.target)
    assert len(drawn) > 300
    assert np.all(winding(turned) > 0)
    hidden_in_photo = winding(astronaut_portrait.landmarks) <= 0
    assert hidden_in_photo.mean() < 0.02  # measured: 3 to 5 of about 500


@pytest.mark.parametrize("yaw", [25, -25])
def test_a_turned_photo_turned_back_covers_its_face_without_gaps(astronaut_portrait, yaw):
    """A photo of a turned head (the astronaut turned by the product itself), turned back toward
    the viewer: the mesh covers the whole face, outline to outline. A mesh of the photo's
    projection joined the far side's folded points across the fold and, turned back, left
    saw-teeth of background down the cheek (41 to 86 grid cells inside the oval uncovered).
    What the photo hid is drawn from what covered it: the tear measure counts it apart, and
    finds no fold (8 and 21 fold cells if it were measured as the rest)."""
    photo = portrait_from_image(_render(astronaut_portrait, Edits(yaw=yaw)).image, "turned")
    result = _render(photo, Edits(yaw=-yaw))
    with Session(photo, (384, 384)) as session:
        framing = session.framing
    dense = DenseMotion(photo, framing)
    warp = dense.coarse(framing.to_portrait(result.target))
    gh, gw = warp.displacement.shape[:2]
    covered = np.zeros(gh * gw, bool)
    covered[warp.raster.layer(0, gh * gw).pixels] = True
    oval = np.round(dense.to_grid(result.target)[topo.FACE_OVAL]).astype(np.int32)
    inside = np.zeros((gh, gw), np.uint8)
    cv2.fillPoly(inside, [oval], 1)
    inside = cv2.erode(inside, np.ones((3, 3), np.uint8)).astype(bool)  # off the outline
    assert inside.sum() > 500
    assert (inside & ~covered.reshape(gh, gw)).sum() <= 5  # measured: none
    tear = TearMeter(photo, framing, photo.person.alpha)(
        warp, result.target)
    assert tear.hidden > 0 and tear.folds == 0
