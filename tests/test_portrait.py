"""Portrait loading: a usable face, or a clear message that names the problem and the fix."""
import cv2
import numpy as np
import pytest

from engine.errors import PortraitError
from engine.mesh import LEFT_EYE_INTERIOR, MOUTH_INTERIOR, RIGHT_EYE_INTERIOR, SKIN
from engine.portrait import load_portrait, portrait_from_image


def test_default_portrait_loads_with_a_full_mesh():
    p = load_portrait()
    assert p.landmarks.shape == (478, 3)
    assert p.notices == []
    counts = np.bincount(p.triangle_region, minlength=4)
    assert counts[SKIN] > 800  # the whole face is covered
    assert min(counts[MOUTH_INTERIOR], counts[RIGHT_EYE_INTERIOR], counts[LEFT_EYE_INTERIOR]) > 5


def test_no_face_is_refused_with_the_fix():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 255, (300, 300, 3), np.uint8)
    with pytest.raises(PortraitError, match="no face found in noise.png: choose a photo"):
        portrait_from_image(noise, "noise.png")


def test_two_faces_use_the_largest_and_say_so(astronaut):
    head = astronaut[20:276, 100:356]
    canvas = np.full((256, 512, 3), 128, np.uint8)
    canvas[:, :256] = head
    canvas[32:224, 288:480] = cv2.resize(head, (192, 192))
    p = portrait_from_image(canvas, "pair.png")
    assert p.landmarks[:, 0].max() < 256  # the larger, left face
    assert p.notices == ["2 faces found in pair.png: using the largest; crop the photo to "
                         "choose another"]


def test_tiny_face_is_refused_with_the_size(astronaut):
    canvas = np.full((400, 400, 3), 128, np.uint8)
    canvas[:256, :256] = cv2.resize(astronaut, (256, 256), interpolation=cv2.INTER_AREA)
    with pytest.raises(PortraitError, match=r"the face in small.png is only \d+ px wide: choose a "
                                            r"photo where it is at least 48 px wide"):
        portrait_from_image(canvas, "small.png")


def test_corrupt_file_is_refused(tmp_path, astronaut):
    path = tmp_path / "broken.jpg"
    ok, jpeg = cv2.imencode(".jpg", astronaut)
    path.write_bytes(jpeg.tobytes()[:2000])
    with pytest.raises(PortraitError, match="broken.jpg"):
        load_portrait(path)


@pytest.mark.parametrize("layout", ["wide", "tall"])
def test_a_face_small_in_a_wide_or_tall_photo_is_found(astronaut, layout):
    """A group-photo width (or a full-length height): the face is found in a square of the
    photo, where the whole picture squeezed for the detector shows it too small."""
    canvas = np.full((512, 1600, 3), 235, np.uint8) if layout == "wide" else \
        np.full((1600, 512, 3), 235, np.uint8)
    at = 1000
    if layout == "wide":
        canvas[:, at:at + 512] = astronaut
    else:
        canvas[at:at + 512] = astronaut
    portrait = portrait_from_image(canvas, layout)
    centre = portrait.landmarks[:468, :2].mean(0)
    expected = np.array([220.0, 125.0]) + ([at, 0] if layout == "wide" else [0, at])
    assert np.linalg.norm(centre - expected) < 25, centre
    assert portrait.notices == []


def test_the_portraits_landmarks_are_where_the_video_tracker_settles_on_it(astronaut):
    """The driver is tracked as video, and a still face tracked as video settles off a single
    detection (0.016 inter-ocular distances on this photo). The portrait's landmarks must be
    that settled fit, or the offset between the two fits is read as motion."""
    from engine import metrics
    from engine.tracking import FaceTracker

    p = portrait_from_image(astronaut)
    with FaceTracker(video=True) as tracker:
        found = tracker.settle(astronaut).landmarks
    assert metrics.akd(p.landmarks, found) < 0.002
