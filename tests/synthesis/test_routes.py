"""Mask sources, pair routes and the conditional path's padding."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from napari_gan_augment.api import synthesize
from napari_gan_augment.data.pairset import PairSet, square_padding
from napari_gan_augment.errors import InputError
from napari_gan_augment.synthesis import (
    DeformedMasks,
    MaskDeformation,
    images_for_masks,
    load_generator,
    pair_route,
)
from napari_gan_augment.training import RunDirectory


def test_non_square_masks_are_padded_like_training_not_stretched(pix2pix_run, sample_volumes):
    generator = load_generator(pix2pix_run, device="cpu")
    mask = sample_volumes[1][60]  # 117 × 99: padded to 117 × 117 in training
    pad = square_padding(*mask.shape)
    image = images_for_masks(generator, mask)
    square = images_for_masks(generator, np.pad(mask, pad))
    (top, _), (left, _) = pad
    assert image.shape == mask.shape
    np.testing.assert_array_equal(image, square[top : top + 117, left : left + 99])


def test_deformed_masks_are_seed_stable_class_preserving_and_new(sample_volumes):
    pairs = PairSet.from_arrays(*sample_volumes, slicing=None)
    masks = pairs.training_arrays(64, pairs.fit_normaliser())[1][::10]
    source = DeformedMasks(masks)
    first = source.masks(0, 6, seed=3)
    assert first.shape == (6, 64, 64)
    np.testing.assert_array_equal(first[2:5], source.masks(2, 3, seed=3))  # per-index seeds
    assert not np.array_equal(first, source.masks(0, 6, seed=4))
    for mask in first:
        origin = min(masks, key=lambda m: np.abs(m - mask).sum())
        assert set(np.unique(mask)) == set(np.unique(origin))  # no new, no lost classes
        assert not any(np.array_equal(mask, m) for m in masks)  # a deformed copy, not a copy
    still = DeformedMasks(masks, MaskDeformation(0, 0, 0, 0)).masks(0, 3, seed=3)
    assert all(any(np.array_equal(m, s) for s in masks) for m in still)


def test_pix2pix_makes_pairs_from_its_deformed_training_masks(pix2pix_run):
    images, masks = synthesize(pix2pix_run, count=4, seed=1, device="cpu")
    assert images.shape == masks.shape == (4, 32, 32) and images.dtype == np.uint8
    assert set(np.unique(masks)) == {0, 1, 2}
    again, _ = synthesize(pix2pix_run, count=4, seed=1, device="cpu")
    np.testing.assert_array_equal(images, again)
    route = pair_route(load_generator(pix2pix_run, device="cpu"))
    record = route.provenance(seed=1, count=4)
    assert record["synthetic"] and "deformed" in record["route"] and record["count"] == 4
    assert len(record["checkpoint_sha256"]) == 64


def test_noise_runs_take_no_masks(trained_run):
    with pytest.raises(InputError, match="takes no masks"):
        synthesize(trained_run, count=2, masks=np.zeros((2, 32, 32), np.int64), device="cpu")


def test_runs_record_what_they_trained_on(trained_run: Path):
    from napari_gan_augment.data.sources import pairset_from_config

    run = RunDirectory(trained_run)
    config = run.load_config()
    pairs = pairset_from_config(config.data, config.seed)
    assert run.training_fingerprints() == set(pairs.fingerprints())
    assert run.training_masks(32).shape == (len(pairs), 32, 32)
    names = [p["name"] for p in json.loads(run.training_data_path.read_text())["pairs"]]
    assert names == list(pairs.provenance)
