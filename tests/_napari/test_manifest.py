"""The manifest napari loads, and the reader/writer/sample contributions through npe2."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from npe2 import PluginManifest

from napari_gan_augment.data.io import read_nifti, write_nifti

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((ROOT / "napari.yaml").read_text())


@pytest.mark.parametrize("command", MANIFEST["contributions"]["commands"], ids=lambda c: c["id"])
def test_every_python_name_imports(command: dict) -> None:
    module, name = command["python_name"].split(":")
    assert callable(getattr(importlib.import_module(module), name))


def test_manifest_validates_with_imports() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "npe2", "validate", "napari-gan-augment", "--imports"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout.lower()


def test_installed_manifest_is_the_root_one() -> None:
    installed = PluginManifest.from_distribution("napari-gan-augment")
    assert installed.name == "napari-gan-augment"
    assert {c.id for c in installed.contributions.commands} == {
        c["id"] for c in MANIFEST["contributions"]["commands"]
    }


def test_reader_opens_masks_as_labels_with_geometry(tmp_path: Path) -> None:
    from napari_gan_augment._napari.reader import get_nifti_reader

    image = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    write_nifti(tmp_path / "ct.nii.gz", image, (1.0, 0.5, 0.25), (3.0, 2.0, 1.0))
    write_nifti(tmp_path / "ct_seg.nii.gz", (image > 30).astype(np.uint8), (1.0, 0.5, 0.25))
    assert get_nifti_reader(str(tmp_path / "x.tif")) is None
    reader = get_nifti_reader(str(tmp_path / "ct.nii.gz"))
    [(data, meta, kind)] = reader(str(tmp_path / "ct.nii.gz"))
    assert kind == "image" and meta["scale"] == pytest.approx((1.0, 0.5, 0.25))
    assert meta["translate"] == pytest.approx((3.0, 2.0, 1.0))
    np.testing.assert_array_equal(data, image)
    [(labels, _, kind)] = reader(str(tmp_path / "ct_seg.nii.gz"))
    assert kind == "labels" and np.issubdtype(labels.dtype, np.integer)


def test_read_write_read_round_trip(tmp_path: Path) -> None:
    from napari_gan_augment._napari.reader import read_nifti_layers
    from napari_gan_augment._napari.writer import write_image_nifti, write_labels_nifti

    source = tmp_path / "brain.nii.gz"
    write_nifti(
        source,
        np.random.default_rng(0).normal(size=(4, 6, 8)).astype(np.float32),
        (0.9, 1.1, 3.0),
        (-5.0, 4.0, 0.5),
    )
    [(data, meta, _)] = read_nifti_layers(str(source))
    [written] = write_image_nifti(str(tmp_path / "copy.nii.gz"), data, meta)
    [(again, meta_again, _)] = read_nifti_layers(written)
    np.testing.assert_array_equal(again, data)
    assert meta_again["scale"] == pytest.approx(meta["scale"])
    assert meta_again["translate"] == pytest.approx(meta["translate"])
    labels = (data > 0).astype(np.uint16)
    [out] = write_labels_nifti(str(tmp_path / "copy_seg.nii.gz"), labels, meta)
    np.testing.assert_array_equal(read_nifti(out).data, labels)


def test_sample_data_has_image_and_labels() -> None:
    from napari_gan_augment._napari.sample import mni152_brain_sample

    (image, image_meta, image_kind), (labels, _, labels_kind) = mni152_brain_sample()
    assert (image_kind, labels_kind) == ("image", "labels")
    assert image.shape == labels.shape == (95, 117, 99)
    assert set(np.unique(labels)) == {0, 1, 2}
    assert image_meta["scale"] == pytest.approx((2.0, 2.0, 2.0))
    assert "Collins" in image_meta["metadata"]["copyright"]


def test_wheel_ships_the_root_manifest_and_sample(tmp_path: Path) -> None:
    """napari loads the manifest from a wheel install too: it must be inside the package."""
    import zipfile

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("napari_gan_augment-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert archive.read("napari_gan_augment/napari.yaml") == (ROOT / "napari.yaml").read_bytes()
    assert "napari_gan_augment/sample_data/mni152_t1_2mm.nii.gz" in names
    assert "napari_gan_augment/sample_data/NOTICE.txt" in names
    [licence] = [n for n in names if n.endswith("licenses/LICENSE")]
    assert "BSD 3-Clause" in zipfile.ZipFile(wheel).read(licence).decode()


def test_a_pair_folder_opens_as_one_stacked_image_and_labels_layer(tmp_path: Path) -> None:
    from napari_gan_augment._napari.reader import get_pair_folder_reader
    from napari_gan_augment.errors import InputError

    root = tmp_path / "pairs"
    for index in range(3):
        image = np.full((12, 10), index, np.float32)
        mask = np.zeros((12, 10), np.uint8)
        mask[index : index + 4, 2:6] = 1
        write_nifti(root / "images" / f"pair_{index:05d}.nii.gz", image, spacing=(0.5, 2.0))
        write_nifti(root / "masks" / f"pair_{index:05d}_mask.nii.gz", mask, spacing=(0.5, 2.0))
    assert get_pair_folder_reader(str(root / "images" / "pair_00000.nii.gz")) is None
    assert get_pair_folder_reader(str(tmp_path)) is None  # no images/ + masks/ in it
    reader = get_pair_folder_reader(str(root))
    assert reader is not None
    (images, image_meta, image_kind), (masks, mask_meta, mask_kind) = reader(str(root))
    assert (image_kind, mask_kind) == ("image", "labels")
    assert images.shape == masks.shape == (3, 12, 10)  # the pairs on an axis of their own
    assert [float(images[i].mean()) for i in range(3)] == [0.0, 1.0, 2.0]  # in file order
    assert masks[2, 2:6, 2:6].all() and not masks[2, :2].any()
    assert image_meta["scale"] == pytest.approx((1.0, 0.5, 2.0)) == mask_meta["scale"]
    assert image_meta["name"] == "pairs images" and mask_meta["name"] == "pairs masks"
    write_nifti(root / "images" / "pair_00009.nii.gz", np.zeros((8, 8), np.float32))
    write_nifti(root / "masks" / "pair_00009_mask.nii.gz", np.zeros((8, 8), np.uint8))
    with pytest.raises(InputError, match="different shapes"):
        reader(str(root))
