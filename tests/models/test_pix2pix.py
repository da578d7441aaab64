from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from napari_gan_augment.data.encoding import encode_masks
from napari_gan_augment.data.pairset import PairSet, SliceSettings
from napari_gan_augment.errors import InputError
from napari_gan_augment.models import Kind
from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.networks import _decoder_blocks_deepest_first
from napari_gan_augment.models.patchgan import (
    MultiScalePatchGAN,
    build_patch_discriminator,
    receptive_field,
)
from napari_gan_augment.models.registry import get_family
from napari_gan_augment.synthesis import images_for_masks, iter_synthesis, load_generator

CPU = torch.device("cpu")


def _spec(size: int = 32, classes: int = 3, **options: object) -> ModelSpec:
    family = get_family("pix2pix")
    opts = family.resolve_options({"base_filters": 8, **options})
    return ModelSpec("pix2pix", size, 1, classes, opts, 2e-4, 2e-4, (0.5, 0.999))


def _real_batch(sample_volumes, size: int = 32, count: int = 8) -> torch.Tensor:
    image, mask = sample_volumes
    pairs = PairSet.from_volume(image, mask, (2, 2, 2), "s", SliceSettings(0, 6, 0.1))
    images, masks = pairs.training_arrays(size, pairs.fit_normaliser())
    return torch.from_numpy(np.concatenate([images, encode_masks(masks, 3)], 1)[:count])


@pytest.mark.parametrize("field", [10, 22, 46])
def test_patchgan_receptive_fields(field: int) -> None:
    assert receptive_field(build_patch_discriminator(3, field, 8)) == field


def test_unknown_receptive_field() -> None:
    with pytest.raises(InputError, match="10, 22, 46"):
        build_patch_discriminator(3, 70, 8)


@pytest.mark.parametrize("scales", [1, 2, 3])
def test_multiscale_gives_one_logit_map_per_scale(scales: int) -> None:
    logits = MultiScalePatchGAN(3, 10, 8, scales)(torch.randn(2, 3, 64, 64))
    assert len(logits) == scales
    assert [t.shape[-1] for t in logits] == sorted((t.shape[-1] for t in logits), reverse=True)


@pytest.mark.parametrize(("size", "classes"), [(32, 2), (64, 4)])
def test_generator_maps_masks_to_images(size: int, classes: int) -> None:
    torch.manual_seed(0)
    model = get_family("pix2pix").build(_spec(size, classes), CPU)
    model.eval()
    images = model.translate(torch.randn(3, classes - 1, size, size))
    assert images.shape == (3, 1, size, size)
    assert images.min() >= -1 and images.max() <= 1


def test_dropout_only_in_the_deepest_three_decoder_blocks() -> None:
    model = get_family("pix2pix").build(_spec(64, 2, dropout=0.3), CPU)
    unet = model.generator[0]
    rates = [
        max((m.p for m in block.modules() if isinstance(m, torch.nn.Dropout)), default=0.0)
        for block in _decoder_blocks_deepest_first(unet)
    ]
    assert rates[:3] == [0.3, 0.3, 0.3] and all(r == 0.0 for r in rates[3:])


def test_l1_falls_and_losses_stay_finite(sample_volumes) -> None:
    torch.manual_seed(0)
    model = get_family("pix2pix").build(_spec(32, 3), CPU)
    real = _real_batch(sample_volumes)
    history = [model.train_step(real, torch.Generator()) for _ in range(8)]
    assert all(np.isfinite(v) for h in history for v in h.values())
    assert history[-1]["loss_l1"] < history[0]["loss_l1"]


def test_deterministic_under_a_seed(sample_volumes) -> None:
    real = _real_batch(sample_volumes)

    def run() -> list[dict[str, float]]:
        torch.manual_seed(3)
        model = get_family("pix2pix").build(_spec(32, 3), CPU)
        return [model.train_step(real, torch.Generator()) for _ in range(2)]

    assert run() == run()


def test_checkpoint_round_trip_and_masks_of_any_size(pix2pix_run: Path, sample_volumes) -> None:
    generator = load_generator(pix2pix_run, device="cpu")
    assert generator.model.kind is Kind.MASK_TO_IMAGE
    mask = sample_volumes[1][50]
    image = images_for_masks(generator, mask)
    assert image.shape == mask.shape and image.dtype == np.uint8
    again = images_for_masks(load_generator(pix2pix_run, device="cpu"), mask)
    np.testing.assert_array_equal(image, again)


def test_mask_with_unknown_classes_is_refused(pix2pix_run: Path) -> None:
    generator = load_generator(pix2pix_run, device="cpu")
    mask = np.zeros((40, 40), np.uint8)
    mask[5:10, 5:10] = 5
    before = mask.copy()
    with pytest.raises(InputError, match="label 5 .* labels 0–2"):
        images_for_masks(generator, mask)
    np.testing.assert_array_equal(mask, before)


def test_noise_synthesis_is_refused_for_a_mask_model(pix2pix_run: Path) -> None:
    generator = load_generator(pix2pix_run, device="cpu")
    with pytest.raises(InputError, match="given masks"):
        next(iter_synthesis(generator, 2))
