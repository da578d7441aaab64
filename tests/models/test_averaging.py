"""The generator weight average (EMA) a noise family draws with when ``ema_decay`` > 0."""

from __future__ import annotations

import copy

import pytest
import torch

from napari_gan_augment.errors import InputError
from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.registry import get_family
from napari_gan_augment.synthesis import load_generator
from napari_gan_augment.training import train

from ..conftest import tiny_config

CPU = torch.device("cpu")


def _model(family: str, **options: object):
    spec = ModelSpec(family, 32, 1, 3, get_family(family).resolve_options(options))
    return get_family(family).build(spec, CPU)


@torch.no_grad()
def _distance(a: torch.nn.Module, b: torch.nn.Module) -> float:
    return sum(
        float((x - y).abs().sum()) for x, y in zip(a.parameters(), b.parameters(), strict=True)
    )


@pytest.mark.parametrize("family", ["pair-wgan", "fastgan"])
def test_the_average_trails_the_generator_and_is_what_draws(family: str) -> None:
    model = _model(family, ema_decay=0.9, base_filters=4)
    real = torch.rand(4, model.spec.pair_channels, 32, 32) * 2 - 1
    rng = torch.Generator().manual_seed(0)
    start = copy.deepcopy(model.generator)
    for _ in range(4):
        model.train_step(real, rng)
        model.after_step()
    average, live = model.sampler, model.generator
    assert average is not live and model.bundle_network is average
    # the average has moved from the start, but not as far as the generator
    assert 0 < _distance(average, live) and 0 < _distance(average, start) < _distance(live, start)
    noise = torch.randn(2, int(model.spec.options["latent_dim"]))
    model.eval()
    assert torch.equal(model.generate(noise), average(noise).detach())


def test_without_a_decay_the_live_generator_draws() -> None:
    model = _model("pair-wgan", ema_decay=0.0)
    assert model.sampler is model.generator and "generator_average" not in model.networks


def test_a_decay_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(InputError, match="ema_decay"):
        get_family("fastgan").resolve_options({"ema_decay": 1.5})


def test_the_average_survives_a_checkpoint_and_a_resume(tmp_path) -> None:
    config = tiny_config(
        options={"base_filters": 4, "critic_steps": 1, "ema_decay": 0.99}, checkpoint_every=2
    )
    train(tmp_path / "run", config)
    first = load_generator(tmp_path / "run", device="cpu").model
    assert int(first.generator_average.n_averaged) == 4
    train(tmp_path / "run", config, resume=True, steps=6)
    resumed = load_generator(tmp_path / "run", device="cpu").model
    assert int(resumed.generator_average.n_averaged) == 6
    assert _distance(resumed.sampler, first.sampler) > 0
