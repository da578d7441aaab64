"""Differentiable augmentation of discriminator inputs (DiffAugment) and its adaptive p."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_gan_augment.errors import InputError
from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.diffaugment import DiffAugment
from napari_gan_augment.models.registry import available_families, get_family

CPU = torch.device("cpu")


def _pairs(n: int = 6, size: int = 32) -> torch.Tensor:
    """Image channel in [-1, 1] and a mask channel that is the image's sign, so any
    geometric move that treats both alike keeps the mask equal to sign(image)."""
    image = torch.rand(n, 1, size, size, generator=torch.Generator().manual_seed(0)) * 2 - 1
    return torch.cat([image, torch.sign(image)], 1)


def test_off_is_the_identity() -> None:
    x = _pairs()
    assert DiffAugment("", 1)(x) is x


def test_geometry_moves_image_and_mask_together_colour_touches_the_image_only() -> None:
    x = _pairs()
    moved = DiffAugment("translation,cutout", 1)(x)
    assert not torch.equal(moved, x)
    inside = moved[:, 0] != 0  # cutout blanks both channels to 0
    assert torch.equal(torch.sign(moved[:, 0])[inside], moved[:, 1][inside])
    coloured = DiffAugment("color", 1)(x)
    assert torch.equal(coloured[:, 1], x[:, 1]) and not torch.equal(coloured[:, 0], x[:, 0])


def test_gradients_flow_and_draws_repeat_from_the_state() -> None:
    x = _pairs().requires_grad_(True)
    augment = DiffAugment("translation,cutout,color", 1, seed=3)
    state = augment.state_dict()
    first = augment(x)
    first.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    augment.load_state_dict(state)
    assert torch.equal(augment(x), first)


def test_probability_zero_and_partial_application() -> None:
    x = _pairs(64)
    assert torch.equal(DiffAugment("translation", 1, probability=0.0)(x), x)
    half = DiffAugment("cutout", 1, probability=0.5)(x)
    changed = (half != x).flatten(1).any(1).float().mean()
    assert 0.2 < changed < 0.8


def test_adaptive_probability_follows_the_overfitting_signal() -> None:
    augment = DiffAugment("translation", 1, probability=0.5, ada_target=0.6)
    for _ in range(40):  # the discriminator separates real from fake: raise p
        augment.observe(torch.full((8, 1), 3.0), torch.full((8, 1), -3.0))
    assert augment.probability == pytest.approx(0.6)
    for _ in range(80):  # it cannot tell them apart: lower p
        augment.observe(torch.randn(8, 1), torch.randn(8, 1) + 5)
    assert augment.probability < 0.6


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(InputError, match="unknown diffaugment policies"):
        DiffAugment("rotation", 1)


@pytest.mark.parametrize("family", available_families())
def test_every_family_trains_with_it(family: str) -> None:
    info = get_family(family)
    small = {"base_filters": 4, "diffaugment": "translation,cutout,color", "augment_p": 1.0}
    options = info.resolve_options(small | {"ada_target": 0.6})
    spec = ModelSpec(family, 32, 1, 2, options, 1e-4, 1e-4, (0.5, 0.999))
    torch.manual_seed(0)
    model = info.build(spec, CPU)
    assert model.augment.active
    image = torch.rand(8, 1, 32, 32) * 2 - 1
    mask = -torch.ones(8, 1, 32, 32)
    mask[4:, :, 8:20, 8:20] = 1  # half the pairs hold the object (ugan, cyclegan need both)
    losses = [
        model.train_step(torch.cat([image, mask], 1), torch.Generator().manual_seed(i))
        for i in range(2)
    ]
    assert all(np.isfinite(v) for step in losses for v in step.values())
