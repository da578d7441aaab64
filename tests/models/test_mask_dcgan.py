from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
import torch

from napari_gan_augment.cli import main
from napari_gan_augment.data.io import read_nifti, write_raster
from napari_gan_augment.errors import InputError
from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.registry import get_family
from napari_gan_augment.synthesis import load_generator, pair_route, synthesize_pairs
from napari_gan_augment.training import train

from ..conftest import tiny_config

CPU = torch.device("cpu")


def _spec(size: int = 32, classes: int = 3) -> ModelSpec:
    family = get_family("mask-dcgan")
    opts = family.resolve_options({"base_filters": 4})
    return ModelSpec("mask-dcgan", size, 1, classes, opts, 1e-4, 1e-4, (0.5, 0.999))


def test_generates_mask_channels_only() -> None:
    torch.manual_seed(0)
    model = get_family("mask-dcgan").build(_spec(64, 4), CPU)
    model.eval()
    pairs = model.generate(model.sample_noise(2, torch.Generator()))
    assert pairs.shape == (2, 4, 64, 64)
    assert torch.all(pairs[:, 0] == -1)  # no image: the image channel stays blank
    first = next(m for m in model.discriminator.modules() if isinstance(m, torch.nn.Conv2d))
    assert first.in_channels == 3


def test_losses_finite_and_moving() -> None:
    torch.manual_seed(0)
    model = get_family("mask-dcgan").build(_spec(32, 3), CPU)
    real = torch.cat([torch.zeros(8, 1, 32, 32), torch.rand(8, 2, 32, 32).round() * 2 - 1], 1)
    history = [model.train_step(real, torch.Generator().manual_seed(i)) for i in range(5)]
    assert all(np.isfinite(v) for h in history for v in h.values())
    assert history[-1]["loss_critic"] != history[0]["loss_critic"]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("two-stage")
    train(root / "masks", tiny_config(family="mask-dcgan", options={"base_filters": 4}))
    train(root / "images", tiny_config(family="pix2pix", options={"base_filters": 4}))
    return root / "masks", root / "images"


def test_two_stage_pairs_are_seed_stable(two_runs: tuple[Path, Path]) -> None:
    images_run = load_generator(two_runs[1], device="cpu")
    route = pair_route(images_run, two_runs[0], device="cpu")
    first = list(route.batches(5, seed=2, batch_size=2))
    again = list(route.batches(5, seed=2, batch_size=5))
    images = np.concatenate([b.images for b in first])
    masks = np.concatenate([b.masks for b in first])
    np.testing.assert_array_equal(images, np.concatenate([b.images for b in again]))
    assert images.shape == masks.shape == (5, 32, 32) and images.dtype == np.uint8
    mask_model = load_generator(two_runs[0], device="cpu")
    np.testing.assert_array_equal(masks, route.masks.masks(0, 5, 2))  # type: ignore[union-attr]
    assert "mask-dcgan" in route.description and "pix2pix" in route.description
    assert route.provenance(2)["checkpoint_sha256"] == images_run.metadata["checkpoint_sha256"]
    with pytest.raises(InputError, match="draws masks only"):
        synthesize_pairs(mask_model, 2)  # never a pair source alone (its images are blank)
    with pytest.raises(InputError, match="draws masks only"):
        pair_route(mask_model)


def test_two_stage_refuses_a_noise_model_as_stage_two(two_runs, trained_run: Path) -> None:
    with pytest.raises(InputError, match="takes no masks"):
        pair_route(load_generator(trained_run, device="cpu"), two_runs[0])


def test_cli_two_stage_and_own_masks(two_runs, tmp_path: Path) -> None:
    masks_run, images_run = two_runs
    code = main(
        [
            "generate",
            "--run-dir",
            str(images_run),
            "--mask-run",
            str(masks_run),
            "--count",
            "3",
            "--out",
            str(tmp_path / "pairs"),
            "--device",
            "cpu",
        ]
    )
    assert code == 0 and len(list((tmp_path / "pairs" / "masks").iterdir())) == 3
    record = json.loads((tmp_path / "pairs" / "provenance.json").read_text())
    assert record["synthetic"] and record["family"] == "pix2pix" and record["count"] == 3
    assert "mask-dcgan" in record["route"]
    header = nib.load(tmp_path / "pairs" / "images" / "pair_00000.nii.gz").header
    assert header["descrip"].item().startswith(b"synthetic pix2pix")
    (tmp_path / "mine").mkdir()
    painted = np.zeros((50, 40), np.uint8)
    painted[10:30, 10:30] = 1
    write_raster(tmp_path / "mine" / "drawn.png", painted)
    code = main(
        [
            "generate",
            "--run-dir",
            str(images_run),
            "--masks",
            str(tmp_path / "mine"),
            "--out",
            str(tmp_path / "out"),
            "--device",
            "cpu",
        ]
    )
    assert code == 0
    assert read_nifti(tmp_path / "out" / "drawn_synthetic.nii.gz").data.shape == (50, 40)
    assert json.loads((tmp_path / "out" / "provenance.json").read_text())["synthetic"]


def test_cli_own_masks_are_checked_before_out_exists_and_keep_their_shape(
    two_runs, tmp_path: Path, capsys
) -> None:
    images_run = two_runs[1]
    (tmp_path / "float").mkdir()
    fine = np.zeros((32, 32), np.uint8)
    write_raster(tmp_path / "float" / "a_fine.tif", fine)
    write_raster(tmp_path / "float" / "b_soft.tif", np.full((32, 32), 0.4, np.float32))
    command = ["generate", "--run-dir", str(images_run), "--device", "cpu", "--masks"]
    code = main([*command, str(tmp_path / "float"), "--out", str(tmp_path / "refused")])
    assert code == 2
    assert "b_soft.tif" in capsys.readouterr().err
    assert not (tmp_path / "refused").exists()  # no lock, no event log, no INCOMPLETE
    # an H×W×1 mask (a NIfTI slice) gets an H×W×1 image at the same place in the world
    affine = np.array([[0, -2.0, 0, 10], [1.5, 0, 0, -4], [0, 0, 3.0, 7], [0, 0, 0, 1]])
    slab = np.zeros((30, 20, 1), np.uint8)
    slab[5:20, 5:15] = 1
    nib.save(nib.Nifti1Image(slab, affine), tmp_path / "slab_seg.nii.gz")
    code = main([*command, str(tmp_path / "slab_seg.nii.gz"), "--out", str(tmp_path / "o")])
    assert code == 0
    written = nib.load(tmp_path / "o" / "slab_seg_synthetic.nii.gz")
    assert written.shape == (30, 20, 1)
    np.testing.assert_allclose(written.affine, affine)
