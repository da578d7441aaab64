from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_gan_augment.data.encoding import encode_masks
from napari_gan_augment.errors import InputError
from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.registry import available_families, get_family

CPU = torch.device("cpu")


def _spec(size: int = 32, classes: int = 3, **options: object) -> ModelSpec:
    family = get_family("pair-wgan")
    opts = family.resolve_options({"base_filters": 4, "critic_steps": 2, **options})
    return ModelSpec("pair-wgan", size, 1, classes, opts, 1e-4, 1e-4, (0.5, 0.9))


def _real_batch(sample_volumes, size: int, classes: int, count: int = 8) -> torch.Tensor:
    from napari_gan_augment.data.pairset import PairSet, SliceSettings

    image, mask = sample_volumes
    pairs = PairSet.from_volume(image, mask, (2, 2, 2), "s", SliceSettings(0, 6, 0.1))
    images, masks = pairs.training_arrays(size, pairs.fit_normaliser())
    masks = np.minimum(masks, classes - 1)
    return torch.from_numpy(np.concatenate([images, encode_masks(masks, classes)], 1)[:count])


@pytest.mark.parametrize(("size", "classes"), [(32, 2), (64, 3), (128, 5)])
def test_shapes_and_range(size: int, classes: int) -> None:
    torch.manual_seed(0)
    model = get_family("pair-wgan").build(_spec(size, classes), CPU)
    model.eval()
    pairs = model.generate(model.sample_noise(3, torch.Generator().manual_seed(0)))
    assert pairs.shape == (3, 1 + classes - 1, size, size)
    assert pairs.min() >= -1 and pairs.max() <= 1
    scores = model.critic(pairs)
    assert scores.shape == (3, 1)


def test_first_critic_conv_takes_the_pair_channels() -> None:
    model = get_family("pair-wgan").build(_spec(32, 4), CPU)
    first = next(m for m in model.critic.modules() if isinstance(m, torch.nn.Conv2d))
    assert first.in_channels == 4


def test_losses_finite_and_moving_on_real_pairs(sample_volumes) -> None:
    torch.manual_seed(0)
    model = get_family("pair-wgan").build(_spec(32, 3), CPU)
    real = _real_batch(sample_volumes, 32, 3)
    rng = torch.Generator().manual_seed(0)
    history = [model.train_step(real, rng) for _ in range(6)]
    for losses in history:
        assert all(np.isfinite(v) for v in losses.values())
    critic = [h["loss_critic"] for h in history]
    assert critic[-1] < critic[0]  # the critic learns to separate real from fake
    assert len({round(h["loss_generator"], 6) for h in history}) > 1


def test_training_is_deterministic_under_a_seed(sample_volumes) -> None:
    real = _real_batch(sample_volumes, 32, 3)

    def run() -> list[dict[str, float]]:
        torch.manual_seed(5)
        model = get_family("pair-wgan").build(_spec(32, 3), CPU)
        rng = torch.Generator().manual_seed(5)
        return [model.train_step(real, rng) for _ in range(3)]

    assert run() == run()


def test_he_initialisation() -> None:
    torch.manual_seed(0)
    model = get_family("pair-wgan").build(_spec(64, 2, base_filters=16), CPU)
    conv = next(
        m for m in model.critic.modules() if isinstance(m, torch.nn.Conv2d) and m.in_channels == 16
    )
    fan_in = conv.in_channels * conv.kernel_size[0] * conv.kernel_size[1]
    assert conv.weight.std().item() == pytest.approx((2 / fan_in) ** 0.5, rel=0.1)
    assert torch.all(conv.bias == 0)


def test_registry_errors_are_helpful() -> None:
    assert "pair-wgan" in available_families()
    with pytest.raises(InputError, match="available: .*pair-wgan"):
        get_family("stylegan9")
    with pytest.raises(InputError, match="no option.*colour"):
        get_family("pair-wgan").resolve_options({"colour": 1})
    with pytest.raises(InputError, match="sizes"):
        get_family("pair-wgan").build(_spec(8, 2), CPU)


def test_paper_defaults_and_the_measured_departures() -> None:
    family = get_family("pair-wgan")
    assert family.defaults["gp_weight"] == 10.0
    # 2 critic steps (paper: 5) and a weight average: the ablation in docs/benchmarks.md
    assert family.defaults["critic_steps"] == 2 and family.defaults["ema_decay"] == 0.999
    assert family.optimiser == {"lr_generator": 1e-4, "lr_critic": 1e-4, "betas": (0.5, 0.9)}


def test_bad_options_are_refused() -> None:
    with pytest.raises(InputError, match="critic_steps.* at least 1"):
        get_family("pair-wgan").build(_spec(32, 2, critic_steps=0), CPU)
