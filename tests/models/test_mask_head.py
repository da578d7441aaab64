"""How noise families emit masks: per-class tanh channels or class logits through a softmax."""

from __future__ import annotations

import pytest
import torch

from napari_gan_augment.data.encoding import decode_masks, encode_masks
from napari_gan_augment.errors import InputError
from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.mask_head import PairHead, mask_head_name
from napari_gan_augment.models.registry import get_family

CPU = torch.device("cpu")
NOISE_FAMILIES = ("pair-wgan", "fastgan", "mask-dcgan")


def _spec(family: str, **options: object) -> ModelSpec:
    return ModelSpec(family, 32, 1, 4, get_family(family).resolve_options(options))


def test_softmax_masks_are_exclusive_and_on_the_real_masks_scale() -> None:
    head = PairHead(1, 4, "softmax")
    raw = torch.randn(5, head.raw_channels, 8, 8) * 5
    pair = head(raw)
    assert pair.shape == (5, 4, 8, 8) and pair.abs().max() <= 1
    probabilities = (pair[:, 1:] + 1) / 2
    assert (probabilities.sum(1) <= 1 + 1e-5).all()  # background holds the rest
    # confident logits give exactly the real encoding of the arg-max class
    labels = torch.randint(0, 4, (5, 8, 8))
    logits = torch.nn.functional.one_hot(labels, 4).permute(0, 3, 1, 2).float() * 50
    confident = head(torch.cat([torch.zeros(5, 1, 8, 8), logits], 1))[:, 1:]
    expected = torch.from_numpy(encode_masks(labels.numpy(), 4))
    assert torch.allclose(confident, expected, atol=1e-4)
    assert (decode_masks(confident) == labels.numpy()).all()


@pytest.mark.parametrize("family", NOISE_FAMILIES)
def test_each_noise_family_defaults_to_the_softmax_head(family: str) -> None:
    model = get_family(family).build(_spec(family), CPU)
    pairs = model.generate(model.sample_noise(4, torch.Generator().manual_seed(0)))
    assert pairs.shape == (4, 4, 32, 32)
    assert ((pairs[:, 1:] + 1).sum(1) / 2 <= 1 + 1e-5).all()


@pytest.mark.parametrize("family", NOISE_FAMILIES)
def test_tanh_head_channels_are_not_tied(family: str) -> None:
    model = get_family(family).build(_spec(family, mask_head="tanh"), CPU)
    pairs = model.generate(model.sample_noise(16, torch.Generator().manual_seed(0)))
    assert pairs.shape == (16, 4, 32, 32)
    # nothing ties the three foreground channels together: their "probabilities" exceed 1
    assert ((pairs[:, 1:] + 1).sum(1) / 2 > 1.01).any()


def test_checkpoints_from_before_the_option_rebuild_with_tanh() -> None:
    options = dict(get_family("pair-wgan").resolve_options({}))
    del options["mask_head"]  # what a spec stored before mask heads existed holds
    old = ModelSpec("pair-wgan", 32, 1, 4, options)
    assert mask_head_name(old.options) == "tanh"
    model = get_family("pair-wgan").build(old, CPU)
    tanh = get_family("pair-wgan").build(_spec("pair-wgan", mask_head="tanh"), CPU)
    model.load_state_dict(tanh.state_dict())  # same layers, same shapes


def test_unknown_head_is_refused() -> None:
    with pytest.raises(InputError, match="mask_head must be one of tanh, softmax"):
        get_family("fastgan").build(_spec("fastgan", mask_head="sigmoid"), CPU)


def test_softmax_pair_wgan_trains() -> None:
    model = get_family("pair-wgan").build(_spec("pair-wgan", critic_steps=1), CPU)
    labels = torch.randint(0, 4, (8, 32, 32)).numpy()
    real = torch.cat(
        [torch.rand(8, 1, 32, 32) * 2 - 1, torch.from_numpy(encode_masks(labels, 4))], 1
    )
    before = [p.clone() for p in model.generator.parameters()]
    losses = model.train_step(real, torch.Generator().manual_seed(0))
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    assert any(
        not torch.equal(a, b) for a, b in zip(before, model.generator.parameters(), strict=True)
    )
