from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.fastgan import SkipLayerExcitation
from napari_gan_augment.models.registry import get_family
from napari_gan_augment.synthesis import load_generator, synthesize_pairs
from napari_gan_augment.training import train

from ..conftest import tiny_config
from .test_pair_wgan import _real_batch

CPU = torch.device("cpu")


def _spec(size: int = 32, classes: int = 3) -> ModelSpec:
    opts = get_family("fastgan").resolve_options({"base_filters": 4, "latent_dim": 32})
    return ModelSpec("fastgan", size, 1, classes, opts, 2e-4, 2e-4, (0.5, 0.999))


def test_skip_layer_excitation_gates_channels_in_0_1() -> None:
    sle = SkipLayerExcitation(16, 8)
    high = torch.ones(2, 8, 32, 32)
    out = sle(torch.randn(2, 16, 4, 4), high)
    assert out.shape == high.shape
    assert torch.all((out >= 0) & (out <= 1))
    assert torch.all(out == out[:, :, :1, :1])  # one gate per channel


@pytest.mark.parametrize(("size", "classes"), [(32, 2), (64, 3), (128, 4)])
def test_pairs_shape_and_range(size: int, classes: int) -> None:
    torch.manual_seed(0)
    model = get_family("fastgan").build(_spec(size, classes), CPU)
    model.eval()
    pairs = model.generate(model.sample_noise(2, torch.Generator()))
    assert pairs.shape == (2, classes, size, size) and pairs.abs().max() <= 1
    logits, whole, part = model.discriminator(pairs, quarter=3)
    assert whole.shape == part.shape == (2, classes, 32, 32)


def test_losses_finite_reconstruction_falls_and_seeded(sample_volumes) -> None:
    real = _real_batch(sample_volumes, 32, 3)

    def run() -> list[dict[str, float]]:
        torch.manual_seed(0)
        model = get_family("fastgan").build(_spec(32, 3), CPU)
        rng = torch.Generator().manual_seed(0)
        return [model.train_step(real, rng) for _ in range(8)]

    history = run()
    assert all(np.isfinite(v) for h in history for v in h.values())
    assert history[-1]["loss_reconstruction"] < history[0]["loss_reconstruction"]
    assert history == run()


def test_trains_and_synthesizes_pairs(tmp_path: Path) -> None:
    options = {"base_filters": 4, "latent_dim": 32}
    train(tmp_path / "run", tiny_config(family="fastgan", options=options))
    images, masks = synthesize_pairs(load_generator(tmp_path / "run", device="cpu"), 4, seed=1)
    assert images.shape == masks.shape == (4, 32, 32) and images.dtype == np.uint8
    again, _ = synthesize_pairs(load_generator(tmp_path / "run", device="cpu"), 4, seed=1)
    np.testing.assert_array_equal(images, again)


def test_r1_adds_the_real_gradient_penalty_to_the_discriminator_loss() -> None:
    losses = {}
    for gamma in (0.0, 10.0):
        torch.manual_seed(0)
        opts = get_family("fastgan").resolve_options(
            {"base_filters": 4, "latent_dim": 32, "r1_gamma": gamma}
        )
        spec = ModelSpec("fastgan", 32, 1, 3, opts, 2e-4, 2e-4, (0.5, 0.999))
        model = get_family("fastgan").build(spec, CPU)
        real = torch.rand(4, 3, 32, 32) * 2 - 1
        losses[gamma] = model.train_step(real, torch.Generator().manual_seed(1))
    # same weights, same draws: the penalised loss is larger by γ/2 · E‖∇D‖² > 0
    assert losses[10.0]["loss_critic"] > losses[0.0]["loss_critic"]
    assert losses[10.0]["loss_reconstruction"] == pytest.approx(losses[0.0]["loss_reconstruction"])
