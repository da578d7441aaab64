from __future__ import annotations

import numpy as np

from napari_gan_augment.api import synthesize
from napari_gan_augment.synthesis.cleanup import clean_mask, components_per_class


def test_specks_and_pinholes_take_their_surroundings_class() -> None:
    mask = np.zeros((40, 40), np.uint8)
    mask[5:25, 5:25] = 1
    mask[10:22, 10:22] = 2  # a solid structure of class 2 inside class 1
    mask[7, 7] = 2  # a speck of class 2 inside class 1
    mask[15, 15] = 0  # a pinhole inside class 2
    mask[35, 35] = 1  # a lone speck in the background
    cleaned = clean_mask(mask, min_size=4)
    assert cleaned[7, 7] == 1 and cleaned[15, 15] == 2 and cleaned[35, 35] == 0
    expected = mask.copy()
    expected[7, 7], expected[15, 15], expected[35, 35] = 1, 2, 0
    np.testing.assert_array_equal(cleaned, expected)  # nothing else moves
    assert components_per_class(mask[None]) == 2.0 and components_per_class(cleaned[None]) == 1.0
    np.testing.assert_array_equal(clean_mask(mask, 0), mask)


def test_route_cleanup_never_adds_components(trained_run) -> None:
    _, raw = synthesize(trained_run, count=6, seed=0, device="cpu")
    _, cleaned = synthesize(trained_run, count=6, seed=0, device="cpu", mask_cleanup=5)
    assert components_per_class(cleaned) <= components_per_class(raw)
    assert set(np.unique(cleaned)) <= set(np.unique(raw))
