"""Filling what lies behind the person from patches of the background around it."""
import cv2
import numpy as np

from engine.patch_fill import fill_from_around


def _planks(height: int = 96, width: int = 128) -> np.ndarray:
    """Horizontal planks 12 px tall in two browns, a dark seam line between each: a shelf,
    a wall of boards."""
    rows = np.arange(height)
    colour = np.where((rows // 12) % 2 == 0, 150.0, 110.0)
    colour[rows % 12 == 0] = 40.0
    image = np.repeat(colour[:, None], width, 1)
    return np.ascontiguousarray(np.stack([image, image * 0.8, image * 0.5], -1).astype(np.uint8))


def test_lines_run_on_through_the_hole():
    """Behind a square hole the planks' seams go on across it: filled from patches the hole
    is within a few grey levels of the planks that were there; diffused from its edge
    (cv2.inpaint, what the plate did before) the seams fade into a smear many times worse."""
    truth = _planks()
    hole = np.zeros(truth.shape[:2], bool)
    hole[30:66, 44:84] = True
    shown = truth.copy()
    shown[hole] = (200, 30, 30)  # the person
    filled = fill_from_around(shown, hole, hole)
    error = np.abs(filled - truth.astype(np.float32)).mean(2)[hole].mean()
    smeared = cv2.inpaint(shown, hole.astype(np.uint8), 5, cv2.INPAINT_TELEA)
    smear_error = np.abs(smeared.astype(np.float32) - truth).mean(2)[hole].mean()
    assert error < 3.0, error
    assert smear_error > 4 * error, (smear_error, error)
    assert np.array_equal(filled[~hole], shown[~hole].astype(np.float32))  # the rest kept


def test_only_the_part_asked_for_is_filled_and_nothing_is_taken_from_the_hole():
    """Of a hole, only `fill` is filled (the rest of the hole keeps its pixels), and never
    with the hole's own colour: the person is no source."""
    truth = _planks()
    hole = np.zeros(truth.shape[:2], bool)
    hole[20:80, 40:90] = True
    fill = hole.copy()
    fill[:, 55:75] = False  # the middle: never revealed
    shown = truth.copy()
    shown[hole] = (200, 30, 30)
    filled = fill_from_around(shown, hole, fill)
    assert np.array_equal(filled[hole & ~fill], shown[hole & ~fill].astype(np.float32))
    red = (filled[..., 0] > 180) & (filled[..., 2] < 60)
    assert not red[fill].any()


def test_a_hole_with_nothing_around_it_is_left_as_it_is():
    """An image that is all hole has no source: the fill ends and changes nothing."""
    image = np.full((24, 24, 3), 90, np.uint8)
    hole = np.ones((24, 24), bool)
    assert np.array_equal(fill_from_around(image, hole, hole), image.astype(np.float32))
