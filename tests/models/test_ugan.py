from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from napari_gan_augment.config import DataConfig
from napari_gan_augment.data.pairset import PairSet
from napari_gan_augment.errors import InputError
from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.registry import get_family
from napari_gan_augment.models.ugan import stripe_noise
from napari_gan_augment.synthesis import (
    composite_under_mask,
    iter_synthesis,
    load_generator,
    transform_region,
)
from napari_gan_augment.training import train

from ..conftest import tiny_config

CPU = torch.device("cpu")


def _toy_pairs(count: int = 12, size: int = 32, seed: int = 0) -> PairSet:
    """Class 0: textured background; class 1: the same with a bright disc and its mask."""
    rng = np.random.default_rng(seed)
    images, masks, names = [], [], []
    yy, xx = np.mgrid[:size, :size]
    for i in range(count):
        image = rng.integers(40, 80, (size, size)).astype(np.uint8)
        mask = np.zeros((size, size), np.uint8)
        if i % 2:
            centre = rng.integers(8, size - 8, 2)
            mask[(yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 < 25] = 1
            image[mask > 0] = 220
        images.append(image)
        masks.append(mask)
        names.append(f"toy{i}")
    return PairSet.from_pairs(images, masks, names)


def _spec(size: int = 32) -> ModelSpec:
    family = get_family("ugan")
    opts = family.resolve_options({"base_filters": 4, "critic_steps": 1})
    return ModelSpec("ugan", size, 1, 2, opts, 2e-4, 2e-4, (0.0, 0.999))


def test_stripe_noise_is_constant_down_each_column() -> None:
    noise = stripe_noise(2, 5, 7, torch.Generator().manual_seed(0))
    assert noise.shape == (2, 1, 5, 7)
    assert torch.all(noise == noise[:, :, :1, :])
    assert noise[0, 0, 0].unique().numel() == 7


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.uint16, (12, 10)),
    arrays(np.uint16, (12, 10)),
    arrays(np.bool_, (12, 10)),
    st.sampled_from([0.0, 1.5, 4.0]),
)
def test_compositing_leaves_outside_pixels_bit_identical(original, generated, mask, feather):
    before = original.copy()
    result = composite_under_mask(original, generated, mask, feather)
    np.testing.assert_array_equal(result[~mask], original[~mask])
    np.testing.assert_array_equal(original, before)  # the input is not modified
    assert result.dtype == original.dtype
    if feather == 0.0:
        np.testing.assert_array_equal(result[mask], generated[mask])


def test_feathered_edge_blends_only_inside() -> None:
    original = np.zeros((21, 21), np.float32)
    generated = np.ones((21, 21), np.float32)
    mask = np.zeros((21, 21), bool)
    mask[5:16, 5:16] = True
    result = composite_under_mask(original, generated, mask, feather_px=3)
    assert result[10, 10] == 1.0 and 0 < result[5, 10] < 1 and result[4, 10] == 0


def test_generator_outputs_image_and_mask() -> None:
    torch.manual_seed(0)
    model = get_family("ugan").build(_spec(), CPU)
    model.eval()
    inputs = model.generator_inputs(torch.zeros(3, 1, 32, 32), torch.Generator())
    assert inputs.shape == (3, 2, 32, 32)
    out = model.transform(inputs)
    assert out.shape == (3, 2, 32, 32) and out.abs().max() <= 1


def test_training_on_toy_pairs_and_data_checks(tmp_path: Path) -> None:
    pairs = _toy_pairs()
    summary = train(
        tmp_path / "run",
        tiny_config(family="ugan", options={"base_filters": 4, "critic_steps": 1}, steps=4),
        pairs=pairs,
    )
    assert summary["status"] == "finished"
    only_objects = PairSet.from_pairs(pairs.images[1::2], pairs.masks[1::2], pairs.provenance[1::2])
    with pytest.raises(InputError, match="needs images without an object"):
        train(tmp_path / "bad", tiny_config(family="ugan"), pairs=only_objects)


@pytest.fixture(scope="module")
def ugan_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("ugan") / "run"
    config = tiny_config(
        family="ugan", options={"base_filters": 4, "critic_steps": 1}, steps=3, data=DataConfig()
    )
    train(run_dir, config, pairs=_toy_pairs())
    return run_dir


def test_transform_region_changes_only_under_the_mask(ugan_run: Path) -> None:
    generator = load_generator(ugan_run, device="cpu")
    image = np.random.default_rng(1).integers(30, 90, (80, 70)).astype(np.uint8)
    before = image.copy()
    result, mask = transform_region(generator, image, box=(10, 20, 50, 60), seed=3)
    np.testing.assert_array_equal(image, before)
    assert result.dtype == image.dtype and mask.shape == image.shape
    np.testing.assert_array_equal(result[mask == 0], image[mask == 0])
    assert not mask[:10].any() and not mask[50:].any() and not mask[:, :20].any()
    again, again_mask = transform_region(generator, image, box=(10, 20, 50, 60), seed=3)
    np.testing.assert_array_equal(result, again)
    np.testing.assert_array_equal(mask, again_mask)


@pytest.mark.parametrize(
    ("image", "box", "match"),
    [
        (np.zeros((40, 40), np.uint8), (30, 30, 50, 50), "past the image border"),
        (np.zeros((40, 40), np.uint8), None, "trained at 32×32"),
        (np.zeros((32, 32, 3), np.uint8), None, "RGB"),
    ],
)
def test_transform_region_bad_input(ugan_run: Path, image, box, match) -> None:
    generator = load_generator(ugan_run, device="cpu")
    with pytest.raises(InputError, match=match):
        transform_region(generator, image, box=box)


def test_noise_synthesis_points_to_transform_region(ugan_run: Path) -> None:
    with pytest.raises(InputError, match="transform_region"):
        next(iter_synthesis(load_generator(ugan_run, device="cpu"), 2))


def test_cli_transform_writes_new_files(ugan_run: Path, tmp_path: Path) -> None:
    from napari_gan_augment.cli import main
    from napari_gan_augment.data.io import read_nifti, write_nifti

    image = np.random.default_rng(2).integers(30, 90, (60, 50)).astype(np.uint8)
    source = write_nifti(tmp_path / "scan.nii.gz", image, (0.3, 0.3))
    before = source.read_bytes()
    code = main(
        [
            "transform",
            "--run-dir",
            str(ugan_run),
            "--image",
            str(source),
            "--box",
            "5",
            "5",
            "40",
            "45",
            "--samples",
            "2",
            "--out",
            str(tmp_path / "new.nii.gz"),
            "--device",
            "cpu",
        ]
    )
    assert code == 0 and source.read_bytes() == before
    out = read_nifti(tmp_path / "new_seed1.nii.gz")
    mask = read_nifti(tmp_path / "new_seed1_mask.nii.gz").data
    assert out.spacing == pytest.approx((0.3, 0.3))
    np.testing.assert_array_equal(out.data[mask == 0], image[mask == 0])
    record = json.loads((tmp_path / "new_seed1_mask.provenance.json").read_text())
    assert record["synthetic"] and record["family"] == "ugan" and record["seed"] == 1
    assert "box (5, 5, 40, 45)" in record["route"] and len(record["checkpoint_sha256"]) == 64
    descrip = nib.load(tmp_path / "new_seed1.nii.gz").header["descrip"].item()
    assert descrip.startswith(b"synthetic ugan seed 1")
    assert (
        main(
            [
                "transform",
                "--run-dir",
                str(ugan_run),
                "--image",
                str(source),
                "--box",
                "50",
                "5",
                "70",
                "45",
                "--out",
                str(tmp_path / "x.nii.gz"),
            ]
        )
        == 2
    )


def test_losses_finite_critic_learns_and_seeded(tmp_path: Path) -> None:
    pairs = _toy_pairs()
    images, masks = pairs.training_arrays(32, pairs.fit_normaliser())
    from napari_gan_augment.data.encoding import encode_masks

    data = torch.from_numpy(np.concatenate([images, encode_masks(masks, 2)], 1))

    def run() -> list[dict[str, float]]:
        torch.manual_seed(0)
        model = get_family("ugan").build(_spec(), CPU)
        rng = torch.Generator().manual_seed(0)
        return [model.train_step(model.draw_batch(data, 4, rng), rng) for _ in range(6)]

    history = run()
    assert all(np.isfinite(v) for h in history for v in h.values())
    assert history[-1]["loss_critic"] < history[0]["loss_critic"]
    assert history == run()
