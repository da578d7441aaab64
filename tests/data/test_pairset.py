from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from napari_gan_augment.data.encoding import decode_masks, encode_masks
from napari_gan_augment.data.io import write_nifti, write_raster
from napari_gan_augment.data.pairset import PairSet, SliceSettings
from napari_gan_augment.errors import InputError


def _pair(shape: tuple[int, ...] = (40, 30)) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    image = rng.normal(100, 20, shape).astype(np.float32)
    mask = np.zeros(shape, np.uint8)
    mask[..., 10:20, 5:15] = 1
    return image, mask


def test_layers_2d_give_one_pair() -> None:
    image, mask = _pair()
    pairs = PairSet.from_arrays(image, mask, (0.5, 0.5))
    assert len(pairs) == 1 and pairs.num_classes == 2 and pairs.spacing == (0.5, 0.5)


def test_volume_slicing_keeps_foreground_slices(sample_volumes) -> None:
    image, mask = sample_volumes
    pairs = PairSet.from_arrays(
        image, mask, (2.0, 2.0, 2.0), slicing=SliceSettings(axis=0, step=2, min_foreground=0.1)
    )
    for labels in pairs.masks:
        assert (labels > 0).mean() >= 0.1
    assert pairs.num_classes == 3
    assert all(i.shape == (117, 99) for i in pairs.images)
    assert "slice" in pairs.provenance[0]


def test_empty_share_adds_background_slices(sample_volumes) -> None:
    image, mask = sample_volumes
    base = PairSet.from_volume(image, mask, (2, 2, 2), "s", SliceSettings(0, 1, 0.2))
    more = PairSet.from_volume(image, mask, (2, 2, 2), "s", SliceSettings(0, 1, 0.2, 0.5))
    assert len(more) == len(base) + round(0.5 * len(base))
    assert sum((m > 0).mean() < 0.2 for m in more.masks) == len(more) - len(base)


def test_training_arrays_resize_and_normalise() -> None:
    image, mask = _pair((48, 30))
    pairs = PairSet.from_arrays(image, mask)
    norm = pairs.fit_normaliser()
    images, masks = pairs.training_arrays(32, norm)
    assert images.shape == (1, 1, 32, 32) and masks.shape == (1, 32, 32)
    assert images.min() >= -1 and images.max() <= 1
    assert set(np.unique(masks)) == {0, 1}  # nearest neighbour: no new labels


def test_save_load_round_trip(tmp_path: Path) -> None:
    image, mask = _pair()
    pairs = PairSet.from_pairs([image, image[:20]], [mask, mask[:20]], ["a", "b"], (0.3, 0.4))
    loaded = PairSet.load(pairs.save(tmp_path / "p.npz"))
    assert loaded.provenance == ("a", "b") and loaded.spacing == (0.3, 0.4)
    for x, y in zip(pairs.images + pairs.masks, loaded.images + loaded.masks, strict=True):
        np.testing.assert_array_equal(x, y)


def test_folder_matching_with_mask_suffix(tmp_path: Path) -> None:
    image, mask = _pair()
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    write_raster(tmp_path / "images" / "a.tif", image)
    write_raster(tmp_path / "masks" / "a_mask.tif", mask)
    write_nifti(tmp_path / "images" / "b.nii.gz", image, (0.5, 0.5))
    write_nifti(tmp_path / "masks" / "b.nii.gz", mask, (0.5, 0.5))
    pairs = PairSet.from_folder(tmp_path)
    assert pairs.provenance == ("a.tif", "b.nii.gz")


def test_folder_reports_unmatched(tmp_path: Path) -> None:
    image, mask = _pair()
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    write_raster(tmp_path / "images" / "lonely.tif", image)
    with pytest.raises(InputError, match="no mask .* lonely.tif"):
        PairSet.from_folder(tmp_path)


# --- bad input: each a clear message, inputs untouched -------------------------------------
def _assert_rejected(image: np.ndarray, mask: np.ndarray, match: str, **kwargs) -> None:
    image_before, mask_before = image.copy(), mask.copy()
    with pytest.raises(InputError, match=match):
        PairSet.from_arrays(image, mask, **kwargs)
    np.testing.assert_array_equal(image, image_before)
    np.testing.assert_array_equal(mask, mask_before)


def test_shape_mismatch() -> None:
    image, mask = _pair()
    _assert_rejected(image, mask[:-1], "must match pixel for pixel")


def test_float_labels() -> None:
    image, mask = _pair()
    _assert_rejected(image, mask * 0.5, "integer labels")


def test_negative_labels() -> None:
    image, mask = _pair()
    _assert_rejected(image, mask.astype(np.int16) - 1, "negative labels")


def test_empty_masks() -> None:
    image, mask = _pair()
    _assert_rejected(image, np.zeros_like(mask), "empty")


def test_nan_and_inf() -> None:
    image, mask = _pair()
    image[3, 3], image[4, 4] = np.nan, np.inf
    _assert_rejected(image, mask, "2 NaN or infinite")


def test_4d_input() -> None:
    image, mask = _pair((2, 3, 40, 30))
    _assert_rejected(image, mask, "4 dimensions.*supported: 2D or 3D")


def test_rgb_input() -> None:
    image = np.zeros((40, 30, 3), np.uint8)
    mask = np.ones((40, 30, 3), np.uint8)
    _assert_rejected(image, mask, "RGB")


def test_training_size_larger_than_source() -> None:
    image, mask = _pair((40, 30))
    pairs = PairSet.from_arrays(image, mask)
    with pytest.raises(InputError, match="larger than the source images.*at most 40"):
        pairs.training_arrays(64, pairs.fit_normaliser())


def test_empty_pair_list() -> None:
    with pytest.raises(InputError, match="no image"):
        PairSet.from_pairs([], [], [])


# --- mask encoding ---------------------------------------------------------------------------
def test_encode_decode_round_trip_multiclass() -> None:
    labels = np.random.default_rng(0).integers(0, 4, size=(3, 8, 8))
    channels = encode_masks(labels, num_classes=4)
    assert channels.shape == (3, 3, 8, 8) and set(np.unique(channels)) == {-1.0, 1.0}
    np.testing.assert_array_equal(decode_masks(channels), labels)


def test_decode_thresholds_binary_at_zero() -> None:
    channels = np.array([[[[-0.5, -0.01, 0.01, 0.9]]]], np.float32)
    np.testing.assert_array_equal(decode_masks(channels), [[[0, 0, 1, 1]]])
