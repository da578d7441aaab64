"""Inputs that used to be misread silently: each is now read one documented way or refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from napari_gan_augment.api import images_from_mask_folder
from napari_gan_augment.config import DataConfig
from napari_gan_augment.data.io import read_image_file, write_nifti, write_raster
from napari_gan_augment.data.pairset import PairSet
from napari_gan_augment.data.sources import pairset_from_config
from napari_gan_augment.errors import InputError, InputNotice


def _brain_pair(sample_volumes, index: int = 60) -> tuple[np.ndarray, np.ndarray]:
    image, mask = sample_volumes
    return image[index], mask[index]


def _folder(root: Path, images: list[np.ndarray], masks: list[np.ndarray], fmt: str) -> Path:
    for i, (image, mask) in enumerate(zip(images, masks, strict=True)):
        if fmt == "png":
            write_raster(root / "images" / f"p{i}.png", image)
            write_raster(root / "masks" / f"p{i}_mask.png", mask)
        else:
            write_nifti(root / "images" / f"p{i}.nii.gz", image)
            write_nifti(root / "masks" / f"p{i}_mask.nii.gz", mask)
    return root


def test_binary_masks_saved_as_0_255_become_0_1_with_a_notice(sample_volumes, tmp_path):
    image, mask = _brain_pair(sample_volumes)
    binary = np.where(mask > 0, 255, 0).astype(np.uint8)
    _folder(tmp_path, [image, image[::-1]], [binary, binary[::-1]], "png")
    with pytest.warns(InputNotice, match="0 and 255"):
        pairs = PairSet.from_folder(tmp_path)
    assert pairs.num_classes == 2
    assert set(np.unique(pairs.masks[0]).tolist()) == {0, 1}
    np.testing.assert_array_equal(pairs.masks[0], mask > 0)


def test_other_non_consecutive_labels_are_refused(sample_volumes):
    image, mask = _brain_pair(sample_volumes)
    gappy = np.choose(mask, [0, 3, 7]).astype(np.uint8)
    with pytest.raises(InputError, match="not consecutive.*relabel"):
        PairSet.from_arrays(image, gappy)


def test_singleton_axes_read_the_same_in_folders_and_for_own_masks(
    sample_volumes, tmp_path, pix2pix_run
):
    image, mask = _brain_pair(sample_volumes)
    _folder(tmp_path / "pairs", [image[..., None]], [mask[..., None]], "nii.gz")
    pairs = PairSet.from_folder(tmp_path / "pairs")
    assert len(pairs) == 1 and pairs.images[0].shape == image.shape
    assert read_image_file(tmp_path / "pairs" / "masks" / "p0_mask.nii.gz").data.shape == mask.shape

    written = images_from_mask_folder(
        pix2pix_run, tmp_path / "pairs" / "masks", tmp_path / "out", device="cpu"
    )
    assert written == 1
    out = read_image_file(tmp_path / "out" / "p0_mask_synthetic.nii.gz").data
    assert out.shape == mask.shape  # one image, not 233 streaks of 189×1 px


def test_a_nifti_stack_of_three_slices_is_not_rgb(sample_volumes, tmp_path):
    image, mask = sample_volumes
    stack, labels = image[50:53].transpose(1, 2, 0), mask[50:53].transpose(1, 2, 0)
    write_nifti(tmp_path / "stack.nii.gz", np.ascontiguousarray(stack))
    write_nifti(tmp_path / "stack_seg.nii.gz", np.ascontiguousarray(labels))
    config = DataConfig(
        "volume", str(tmp_path / "stack.nii.gz"), str(tmp_path / "stack_seg.nii.gz"), axis=2
    )
    assert len(pairset_from_config(config)) == 3


def test_an_rgb_png_is_still_refused(tmp_path):
    colour = np.zeros((20, 30, 3), np.uint8)
    _folder(tmp_path, [colour], [np.ones((20, 30), np.uint8)], "png")
    with pytest.raises(InputError, match="RGB"):
        PairSet.from_folder(tmp_path)


def test_what_fuzzing_found_stays_fixed() -> None:
    """Each of these once crashed, exhausted memory or was read wrongly."""
    from napari_gan_augment.evaluation import segmentation_metrics

    empty = np.zeros((0, 0), np.uint8)
    with pytest.raises(InputError, match="is empty"):
        PairSet.from_arrays(empty, empty)
    with pytest.raises(InputError, match="not consecutive"):  # was range(2e9): out of memory
        PairSet.from_pairs([np.ones((1, 2))], [np.array([[0, 2_000_000_000]])], ["a"])
    with pytest.raises(InputError, match="far beyond"):  # was cast to int32 garbage
        PairSet.from_pairs([np.ones((1, 1))], [np.array([[2.1474836e9]], np.float32)], ["a"])
    thresholded = np.arange(16.0).reshape(4, 4) > 7  # a bool mask reads as 0/1
    assert PairSet.from_arrays(np.ones((4, 4)), thresholded).masks[0].sum() == 8
    with pytest.raises(InputError, match="up to 1000000"):  # was a one-hot of 1e6 classes
        segmentation_metrics(np.full((4, 4), 10**6), np.zeros((4, 4), np.int64))
