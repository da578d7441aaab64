from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from napari_gan_augment.cli import main
from napari_gan_augment.data.io import read_nifti, write_raster
from napari_gan_augment.errors import InputError
from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.registry import get_family
from napari_gan_augment.synthesis import iter_two_stage, load_generator, synthesize_pairs
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
    masks_run, images_run = (load_generator(p, device="cpu") for p in two_runs)
    first = list(iter_two_stage(masks_run, images_run, 5, seed=2, batch_size=2))
    again = list(iter_two_stage(masks_run, images_run, 5, seed=2, batch_size=5))
    images = np.concatenate([b.images for b in first])
    masks = np.concatenate([b.masks for b in first])
    np.testing.assert_array_equal(images, np.concatenate([b.images for b in again]))
    assert images.shape == masks.shape == (5, 32, 32) and images.dtype == np.uint8
    _, direct_masks = synthesize_pairs(masks_run, 5, seed=2)
    np.testing.assert_array_equal(masks, direct_masks)  # stage 1 is the mask model's output


def test_two_stage_refuses_a_noise_model_as_stage_two(two_runs, trained_run: Path) -> None:
    masks_run = load_generator(two_runs[0], device="cpu")
    with pytest.raises(InputError, match="takes no masks"):
        next(iter_two_stage(masks_run, load_generator(trained_run, device="cpu"), 2))


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
