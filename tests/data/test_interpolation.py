"""Masks painted on a few slices, filled in between by shape-based interpolation."""

from __future__ import annotations

import numpy as np
import pytest

from napari_gan_augment.data.interpolation import interpolate_painted_slices
from napari_gan_augment.errors import InputError


def _disc(shape: tuple[int, int], radius: float, centre: tuple[float, float]) -> np.ndarray:
    y, x = np.indices(shape)
    return (y - centre[0]) ** 2 + (x - centre[1]) ** 2 <= radius**2


def test_a_small_and_a_large_disc_become_a_cone_between_them():
    mask = np.zeros((16, 40, 40), np.uint8)
    mask[2][_disc((40, 40), 5, (20, 20))] = 1
    mask[12][_disc((40, 40), 13, (20, 20))] = 1
    before = mask.copy()
    filled = interpolate_painted_slices(mask, axis=0)
    np.testing.assert_array_equal(mask, before)  # the input is never changed
    np.testing.assert_array_equal(filled[[2, 12]], mask[[2, 12]])  # painted slices kept
    assert not filled[:2].any() and not filled[13:].any()  # nothing outside the painted range
    radii = [np.sqrt(filled[k].sum() / np.pi) for k in range(2, 13)]
    assert np.all(np.diff(radii) >= 0) and radii[-2] > radii[1] + 5  # grows slice by slice
    assert radii[5] == pytest.approx(9.0, abs=0.6)  # halfway: the mean radius


def test_classes_move_along_any_axis_and_in_slice_spacing_counts():
    mask = np.zeros((30, 10, 30), np.int16)
    mask[:, 0][_disc((30, 30), 6, (9, 9))] = 2  # along axis 1 this time, label 2
    mask[:, 9][_disc((30, 30), 6, (15, 15))] = 2
    mask[:, 0][_disc((30, 30), 3, (25, 25))] = 1
    mask[:, 9][_disc((30, 30), 3, (25, 25))] = 1
    filled = interpolate_painted_slices(mask, axis=1)
    middle = filled[:, 5]
    ys, xs = np.nonzero(middle == 2)
    assert 11 < ys.mean() < 13 and 11 < xs.mean() < 13  # moved halfway between the discs
    assert set(np.unique(filled).tolist()) == {0, 1, 2} and filled.dtype == mask.dtype
    # an anisotropic in-slice spacing changes the distances, not the painted slices
    spaced = interpolate_painted_slices(mask, axis=1, spacing=(1.0, 5.0, 3.0))
    np.testing.assert_array_equal(spaced[:, [0, 9]], mask[:, [0, 9]])


def test_a_class_painted_on_one_end_only_shrinks_away():
    mask = np.zeros((11, 30, 30), np.uint8)
    mask[0][_disc((30, 30), 8, (15, 15))] = 1
    mask[10][_disc((30, 30), 8, (15, 15))] = 2
    filled = interpolate_painted_slices(mask, axis=0)
    ones = [int((filled[k] == 1).sum()) for k in range(11)]
    twos = [int((filled[k] == 2).sum()) for k in range(11)]
    assert ones[1] > ones[5] and twos[9] > twos[5] and ones[9] == 0 and twos[1] == 0


@pytest.mark.parametrize(
    ("mask", "axis", "message"),
    [
        (np.zeros((4, 8, 8), np.uint8), 0, "paint at least two slices"),
        (np.eye(8, dtype=np.uint8), 0, "3D mask"),
        (np.ones((4, 8, 8), np.uint8), 3, "0, 1 or 2"),
        (np.full((4, 8, 8), 0.5), 0, "mask"),
    ],
)
def test_what_cannot_be_filled_is_refused(mask, axis, message):
    with pytest.raises(InputError, match=message):
        interpolate_painted_slices(mask, axis)


def test_shapes_that_do_not_overlap_vanish_midway_so_the_docs_say_paint_more_slices():
    mask = np.zeros((9, 30, 30), np.uint8)
    mask[0][_disc((30, 30), 3, (6, 6))] = 1
    mask[8][_disc((30, 30), 3, (24, 24))] = 1
    assert not interpolate_painted_slices(mask, axis=0)[4].any()
