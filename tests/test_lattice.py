"""The lattice: integer-factor resizes that are exactly bilinear interpolation and cell means."""
import numpy as np
import pytest
from scipy import ndimage

from engine.lattice import Lattice

RNG = np.random.default_rng(7)


def test_its_cells_cover_the_box_on_the_anchor():
    lattice = Lattice.over(slice(13, 50), slice(101, 170), 4, anchor=-1)
    assert lattice.top <= 13 and lattice.top + 4 * lattice.shape[0] >= 50
    assert lattice.left <= 101 and lattice.left + 4 * lattice.shape[1] >= 170
    assert (lattice.top + 1) % 4 == 0 and (lattice.left + 1) % 4 == 0
    assert lattice.top > 13 - 4 and lattice.left > 101 - 4  # no spare row or column


@pytest.mark.parametrize("spacing", [3, 4])
def test_upsampling_is_bilinear_interpolation_between_the_points(spacing):
    lattice = Lattice.over(slice(10, 90), slice(20, 130), spacing)
    values = RNG.random(lattice.shape + (3,)).astype(np.float32)
    for rows, cols in [(slice(10, 90), slice(20, 130)), (slice(31, 47), slice(66, 81)),
                       (slice(10, 12), slice(127, 130))]:
        ys, xs = np.mgrid[rows, cols]
        at = lattice.to_lattice(np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float64))
        expected = np.stack([ndimage.map_coordinates(values[..., c], [at[:, 1], at[:, 0]],
                                                     order=1, mode="nearest")
                             for c in range(3)], 1).reshape(ys.shape + (3,))
        np.testing.assert_allclose(lattice.upsample(values, rows, cols), expected, atol=1e-5)
    plane = values[..., 0]  # one channel: the same, as a plane
    np.testing.assert_allclose(lattice.upsample(plane, slice(31, 47), slice(66, 81)),
                               lattice.upsample(values, slice(31, 47), slice(66, 81))[..., 0],
                               atol=1e-6)


def test_averaging_gives_each_cells_mean_repeating_the_image_past_its_edge():
    image = RNG.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    lattice = Lattice(top=-2, left=30, shape=(5, 6), spacing=4)  # past the top and the right
    means = lattice.average(image)
    padded = np.pad(image.astype(np.float64), ((2, 0), (0, 4), (0, 0)), mode="edge")
    cells = padded[:20, 30:54].reshape(5, 4, 6, 4, 3).mean((1, 3))
    np.testing.assert_allclose(means, cells, atol=0.5 + 1e-6)  # uint8 means: whole levels


def test_its_points_are_where_upsampling_puts_their_values():
    """axes() gives the points' output positions: values that are a point's own x and y come
    back, upsampled, as each pixel's x and y (bilinear interpolation keeps a linear ramp)."""
    lattice = Lattice.over(slice(13, 50), slice(101, 170), 4, anchor=-1)
    xs, ys = lattice.axes()
    assert (len(ys), len(xs)) == lattice.shape
    positions = np.stack(np.meshgrid(xs, ys), -1).astype(np.float32)
    rows, cols = slice(20, 44), slice(110, 160)  # inside the outer points: no edge repeats
    ys_out, xs_out = np.mgrid[rows, cols]
    np.testing.assert_allclose(lattice.upsample(positions, rows, cols),
                               np.stack([xs_out, ys_out], -1), atol=1e-4)
