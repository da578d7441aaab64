from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from napari_gan_augment.data.io import read_image_file
from napari_gan_augment.errors import InputError
from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.inpaint import random_holes
from napari_gan_augment.models.registry import get_family
from napari_gan_augment.synthesis import inpaint_region, iter_synthesis, load_generator
from napari_gan_augment.training import train

from ..conftest import tiny_config

CPU = torch.device("cpu")


def _spec(size: int = 32) -> ModelSpec:
    opts = get_family("inpaint").resolve_options({"base_filters": 4})
    return ModelSpec("inpaint", size, 1, 3, opts, 2e-4, 2e-4, (0.5, 0.999))


def test_random_holes_are_seeded_binary_and_bounded() -> None:
    holes = random_holes(20, 32, torch.Generator().manual_seed(0))
    again = random_holes(20, 32, torch.Generator().manual_seed(0))
    assert torch.equal(holes, again)
    assert set(holes.unique().tolist()) <= {0.0, 1.0}
    assert all(0 < h.mean() < 0.6 for h in holes)


def test_generator_shape_range_and_known_pixels_reach_it() -> None:
    torch.manual_seed(0)
    model = get_family("inpaint").build(_spec(), CPU)
    model.eval()
    image = torch.rand(2, 1, 32, 32) * 2 - 1
    hole = random_holes(2, 32, torch.Generator())
    out = model.fill(image, hole)
    assert out.shape == (2, 1, 32, 32) and out.abs().max() <= 1
    other = image.clone()
    other[hole == 1] = -1  # change only the pixels inside the hole
    assert torch.allclose(model.fill(other, hole), out)  # the hole's content is never seen


def test_losses_finite_and_reconstruction_falls(sample_volumes) -> None:
    from napari_gan_augment.data.pairset import PairSet, SliceSettings

    image, mask = sample_volumes
    pairs = PairSet.from_volume(image, mask, (2, 2, 2), "s", SliceSettings(0, 6, 0.1))
    images, _ = pairs.training_arrays(32, pairs.fit_normaliser())
    real = torch.from_numpy(images[:8]).repeat(1, 3, 1, 1)
    torch.manual_seed(0)
    model = get_family("inpaint").build(_spec(), CPU)
    rng = torch.Generator().manual_seed(0)
    history = [model.train_step(real, rng) for _ in range(8)]
    assert all(np.isfinite(v) for h in history for v in h.values())
    assert history[-1]["loss_l1"] < history[0]["loss_l1"]


@pytest.fixture(scope="module")
def inpaint_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("inpaint") / "run"
    train(run_dir, tiny_config(family="inpaint", options={"base_filters": 4}, steps=3))
    return run_dir


def test_inpaint_region_changes_only_the_hole(inpaint_run: Path, sample_volumes) -> None:
    generator = load_generator(inpaint_run, device="cpu")
    image = sample_volumes[0][50]
    hole = np.zeros(image.shape, np.uint8)
    hole[40:60, 30:45] = 1
    before = image.copy()
    result = inpaint_region(generator, image, hole)
    np.testing.assert_array_equal(image, before)
    np.testing.assert_array_equal(result[hole == 0], image[hole == 0])
    assert result.dtype == image.dtype and not np.array_equal(result, image)
    np.testing.assert_array_equal(result, inpaint_region(generator, image, hole))


@pytest.mark.parametrize(
    ("hole", "match"),
    [
        (np.ones((117, 99), np.uint8), "covers 100%"),
        (np.zeros((117, 99), np.uint8), "empty"),
        (np.ones((50, 50), np.uint8), "must match"),
    ],
)
def test_bad_holes(inpaint_run: Path, sample_volumes, hole, match: str) -> None:
    generator = load_generator(inpaint_run, device="cpu")
    with pytest.raises(InputError, match=match):
        inpaint_region(generator, sample_volumes[0][50], hole)


def test_other_uses_point_to_inpaint_region(inpaint_run: Path, trained_run: Path) -> None:
    with pytest.raises(InputError, match="inpaint_region"):
        next(iter_synthesis(load_generator(inpaint_run, device="cpu"), 1))
    with pytest.raises(InputError, match="does not inpaint"):
        inpaint_region(
            load_generator(trained_run, device="cpu"), np.zeros((32, 32)), np.ones((32, 32))
        )


def test_cli_inpaint(inpaint_run: Path, tmp_path: Path, sample_volumes) -> None:
    from napari_gan_augment.cli import main
    from napari_gan_augment.data.io import read_nifti, write_nifti

    image = sample_volumes[0][50]
    hole = np.zeros(image.shape, np.uint8)
    hole[40:60, 30:45] = 1
    write_nifti(tmp_path / "t1.nii.gz", image, (2.0, 2.0))
    write_nifti(tmp_path / "t1_hole.nii.gz", hole, (2.0, 2.0))
    code = main(
        [
            "inpaint",
            "--run-dir",
            str(inpaint_run),
            "--image",
            str(tmp_path / "t1.nii.gz"),
            "--hole",
            str(tmp_path / "t1_hole.nii.gz"),
            "--out",
            str(tmp_path / "filled.nii.gz"),
            "--device",
            "cpu",
        ]
    )
    assert code == 0
    filled = read_nifti(tmp_path / "filled.nii.gz").data
    np.testing.assert_array_equal(filled[hole == 0], image[hole == 0])
    record = json.loads((tmp_path / "filled.provenance.json").read_text())
    assert record["synthetic"] and record["family"] == "inpaint" and "t1_hole" in record["route"]
    assert (
        main(
            [
                "inpaint",
                "--run-dir",
                str(inpaint_run),
                "--image",
                str(tmp_path / "t1.nii.gz"),
                "--hole",
                str(tmp_path / "t1_hole.nii.gz"),
                "--out",
                str(tmp_path / "filled.nii.gz"),
            ]
        )
        == 2
    )  # never overwrites


def test_3d_holes_are_seeded_boxes_or_strokes_within_the_share() -> None:
    holes = random_holes(20, 16, torch.Generator().manual_seed(0), 0.25, spatial_dims=3)
    assert holes.shape == (20, 1, 16, 16, 16)
    assert torch.equal(holes, random_holes(20, 16, torch.Generator().manual_seed(0), 0.25, 3))
    assert all(0 < h.mean() < 0.6 for h in holes)


def test_a_3d_inpaint_run_fills_a_hole_in_a_volume_and_keeps_every_other_voxel(tmp_path):
    from ..test_volumes_3d import _config_3d

    config = _config_3d(tmp_path, "inpaint", steps=3, sample_every=3, checkpoint_every=3)
    assert train(tmp_path / "run", config)["status"] == "finished"
    generator = load_generator(tmp_path / "run", device="cpu")
    assert generator.spec.spatial_dims == 3
    volume = read_image_file(str(config.data.path)).data
    hole = np.zeros(volume.shape, np.uint8)
    hole[8:13, 9:14, 8:12] = 1
    filled = inpaint_region(generator, volume, hole)
    assert filled.shape == volume.shape and filled.dtype == volume.dtype
    np.testing.assert_array_equal(filled[hole == 0], volume[hole == 0])
    assert not np.array_equal(filled[hole == 1], volume[hole == 1])
    from napari_gan_augment.cli import main
    from napari_gan_augment.data.io import read_nifti, write_nifti

    write_nifti(tmp_path / "hole.nii.gz", hole, affine=read_nifti(config.data.path).affine)
    args = ["inpaint", "--run-dir", str(tmp_path / "run"), "--image", str(config.data.path)]
    args += ["--hole", str(tmp_path / "hole.nii.gz"), "--out", str(tmp_path / "out.nii.gz")]
    assert main([*args, "--device", "cpu"]) == 0
    written = read_nifti(tmp_path / "out.nii.gz")
    np.testing.assert_array_equal(written.data, filled)
    np.testing.assert_allclose(written.affine, read_nifti(config.data.path).affine, atol=1e-5)
    big = np.zeros_like(hole)
    big[2:20, 2:20, 2:20] = 1
    with pytest.raises(InputError, match="fills holes up to 12 voxels"):
        inpaint_region(generator, volume, big)
    with pytest.raises(InputError, match="volume"):
        inpaint_region(generator, volume[5], hole[5])
