"""Optimiser updates: fp16 loss scaling (a skipped overflow, the scale carried through a
checkpoint), the scaled gradient penalty, and ``amp`` choosing a precision per device."""

from __future__ import annotations

import json

import pytest
import torch
import yaml
from torch import nn

from napari_gan_augment.models.losses import gradient_penalty
from napari_gan_augment.precision import Precision, resolve_precision
from napari_gan_augment.training import iter_training
from napari_gan_augment.training.checkpoint import load_checkpoint
from napari_gan_augment.updates import Updates

from .conftest import tiny_config

FP16 = Precision("fp16", "cpu")


def _network() -> nn.Module:
    torch.manual_seed(0)
    return FP16.apply(nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Conv2d(4, 1, 1)))


def test_an_overflowing_fp16_update_is_skipped_and_the_scale_halved():
    network = _network()
    optimiser = torch.optim.Adam(network.parameters(), lr=0.1)
    update = Updates(FP16)
    start = update.scale(optimiser)
    before = [p.detach().clone() for p in network.parameters()]
    update(optimiser, network(torch.ones(1, 1, 4, 4)).sum() * float("inf"))
    assert update.skipped == 1 and update.scale(optimiser) == start / 2
    assert all(torch.equal(a, b) for a, b in zip(before, network.parameters(), strict=True))
    update(optimiser, network(torch.ones(1, 1, 4, 4)).square().mean())
    assert update.skipped == 1  # a finite loss steps
    assert not all(torch.equal(a, b) for a, b in zip(before, network.parameters(), strict=True))


def test_fp16_gradients_are_unscaled_before_the_step():
    """Adam is scale-invariant; SGD is not: its step shows whether the scale was removed."""
    steps = []
    for precision in (Precision("fp32", "cpu"), FP16):
        network = _network()
        start = torch.cat([p.detach().flatten() for p in network.parameters()])
        optimiser = torch.optim.SGD(network.parameters(), lr=100.0)
        update = Updates(precision)
        # small enough not to overflow at the initial scale (2¹⁶), so the step is taken
        update(optimiser, network(torch.ones(1, 1, 4, 4)).mean() * 1e-3)
        assert update.skipped == 0
        steps.append(torch.cat([p.detach().flatten() for p in network.parameters()]) - start)
    assert steps[0].abs().max() > 0.01  # a step 2¹⁶ times too large would be ~650
    assert torch.allclose(steps[0], steps[1], rtol=0.01, atol=1e-4)


def test_the_scaled_gradient_penalty_equals_the_unscaled_one():
    torch.manual_seed(1)
    critic = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 1))
    real, fake = torch.randn(4, 1, 4, 4), torch.randn(4, 1, 4, 4)
    plain = gradient_penalty(critic, real, fake, torch.Generator().manual_seed(2))
    scaled = gradient_penalty(critic, real, fake, torch.Generator().manual_seed(2), 2.0**16)
    assert scaled.item() == pytest.approx(plain.item(), rel=1e-5)


def test_amp_is_bf16_on_a_cpu_and_explicit_fp16_is_kept():
    assert resolve_precision("amp", torch.device("cpu")).name == "bf16"
    assert resolve_precision("fp16", torch.device("cpu")).name == "fp16"


@pytest.mark.parametrize("family", ["pair-wgan", "pix2pix"])
def test_fp16_training_runs_records_and_resumes_its_loss_scales(tmp_path, family):
    run = tmp_path / family
    options = {"base_filters": 4} | ({"critic_steps": 2} if family == "pair-wgan" else {})
    config = tiny_config(family=family, precision="fp16", steps=4, options=options)
    events = list(iter_training(run, config))
    steps = [e for e in events if e["event"] == "step"]
    assert len(steps) == 4 and events[-1]["status"] == "finished"
    assert yaml.safe_load((run / "config.yaml").read_text())["precision"] == "fp16"
    assert json.loads((run / "summary.json").read_text())["precision"] == "fp16"
    scalers = load_checkpoint(run / "checkpoints" / "last.pt")["state"]["scalers"]
    assert set(scalers) == {"generator", "critic" if family == "pair-wgan" else "discriminator"}
    assert all(0 < s["scale"] <= 2.0**16 for s in scalers.values())
    resumed = list(iter_training(run, None, resume=True, steps=6))
    assert resumed[-1]["step"] == 6 and resumed[-1]["status"] == "finished"
