from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import tifffile

from napari_gan_augment.data.io import (
    file_stem,
    is_mask_filename,
    read_image_file,
    read_nifti,
    write_nifti,
    write_raster,
)
from napari_gan_augment.errors import InputError


def test_nifti_round_trip_keeps_data_spacing_origin(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data = rng.integers(-1000, 3000, size=(7, 9, 5)).astype(np.int16)
    path = write_nifti(tmp_path / "ct.nii.gz", data, (0.7, 0.8, 2.5), (10.0, -20.0, 5.5))
    volume = read_nifti(path)
    assert volume.data.dtype == np.int16
    np.testing.assert_array_equal(volume.data, data)
    assert volume.spacing == pytest.approx((0.7, 0.8, 2.5))
    assert volume.origin == pytest.approx((10.0, -20.0, 5.5))


def test_write_refuses_to_overwrite(tmp_path: Path) -> None:
    path = write_nifti(tmp_path / "a.nii.gz", np.zeros((3, 3), np.uint8))
    before = path.read_bytes()
    with pytest.raises(InputError, match="already exists"):
        write_nifti(path, np.ones((3, 3), np.uint8))
    assert path.read_bytes() == before


def test_truncated_nifti_gives_clear_error(tmp_path: Path) -> None:
    path = write_nifti(tmp_path / "full.nii.gz", np.arange(4000, dtype=np.float32).reshape(20, 200))
    broken = tmp_path / "broken.nii.gz"
    broken.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    before = broken.read_bytes()
    with pytest.raises(InputError, match="truncated or corrupt"):
        read_nifti(broken)
    assert broken.read_bytes() == before


def test_not_gzip_at_all(tmp_path: Path) -> None:
    path = tmp_path / "x.nii.gz"
    path.write_bytes(gzip.compress(b"hello")[:5])
    with pytest.raises(InputError):
        read_nifti(path)


@pytest.mark.parametrize(
    ("name", "is_mask"),
    [
        ("brain_seg.nii.gz", True),
        ("a_mask.tif", True),
        ("b-labels.png", True),
        ("c_label.nii", True),
        ("brain.nii.gz", False),
        ("segment.tif", False),
        ("masked_t1.nii.gz", False),
    ],
)
def test_mask_names(name: str, is_mask: bool) -> None:
    assert is_mask_filename(name) is is_mask


def test_file_stem_handles_double_suffix() -> None:
    assert file_stem("/x/y/brain_seg.nii.gz") == "brain_seg"
    assert file_stem("a.tiff") == "a"


def test_tiff_and_png(tmp_path: Path) -> None:
    data16 = np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000
    write_raster(tmp_path / "a.tif", data16)
    np.testing.assert_array_equal(read_image_file(tmp_path / "a.tif").data, data16)
    data8 = np.arange(64, dtype=np.uint8).reshape(8, 8)
    write_raster(tmp_path / "b.png", data8)
    np.testing.assert_array_equal(read_image_file(tmp_path / "b.png").data, data8)


def test_corrupt_tiff(tmp_path: Path) -> None:
    tifffile.imwrite(tmp_path / "a.tif", np.zeros((50, 50), np.uint16))
    (tmp_path / "b.tif").write_bytes((tmp_path / "a.tif").read_bytes()[:100])
    with pytest.raises(InputError, match="cannot read"):
        read_image_file(tmp_path / "b.tif")
