from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from napari_gan_augment.cli import main
from napari_gan_augment.data.encoding import encode_masks
from napari_gan_augment.data.io import read_nifti, write_nifti
from napari_gan_augment.errors import InputError
from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.cyclegan import ImagePool
from napari_gan_augment.models.registry import get_family
from napari_gan_augment.synthesis import iter_synthesis, load_generator, translate_images
from napari_gan_augment.training import train

from ..conftest import tiny_config
from .test_ugan import _toy_pairs

CPU = torch.device("cpu")


def _spec() -> ModelSpec:
    opts = get_family("cyclegan").resolve_options({"base_filters": 4, "pool_size": 4})
    return ModelSpec("cyclegan", 32, 1, 2, opts, 2e-4, 2e-4, (0.5, 0.999))


def _toy_data() -> torch.Tensor:
    pairs = _toy_pairs()
    images, masks = pairs.training_arrays(32, pairs.fit_normaliser())
    return torch.from_numpy(np.concatenate([images, encode_masks(masks, 2)], 1))


def test_image_pool_keeps_at_most_its_size_and_returns_the_batch_shape() -> None:
    pool, rng = ImagePool(3), torch.Generator().manual_seed(0)
    for _ in range(5):
        out = pool.query(torch.randn(2, 1, 4, 4), rng)
        assert out.shape == (2, 1, 4, 4)
    assert len(pool.images) == 3


def test_losses_finite_cycle_falls_and_seeded() -> None:
    data = _toy_data()

    def run() -> list[dict[str, float]]:
        torch.manual_seed(0)
        model = get_family("cyclegan").build(_spec(), CPU)
        rng = torch.Generator().manual_seed(0)
        return [model.train_step(model.draw_batch(data, 4, rng), rng) for _ in range(6)]

    history = run()
    assert all(np.isfinite(v) for h in history for v in h.values())
    assert history[-1]["loss_cycle"] < history[0]["loss_cycle"]
    assert history == run()


@pytest.fixture(scope="module")
def cyclegan_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("cyclegan") / "run"
    options = {"base_filters": 4, "pool_size": 4}
    train(run_dir, tiny_config(family="cyclegan", options=options, steps=3), pairs=_toy_pairs())
    return run_dir


def test_translate_images_any_size_both_directions(cyclegan_run: Path) -> None:
    generator = load_generator(cyclegan_run, device="cpu")
    image = np.random.default_rng(0).integers(30, 90, (50, 40)).astype(np.uint8)
    before = image.copy()
    forward = translate_images(generator, image, "a2b")
    back = translate_images(generator, np.stack([image, image]), "b2a")
    assert forward.shape == image.shape and forward.dtype == np.uint8
    assert back.shape == (2, 50, 40)
    np.testing.assert_array_equal(image, before)
    with pytest.raises(InputError, match="direction"):
        translate_images(generator, image, "sideways")


def test_cli_translate(cyclegan_run: Path, tmp_path: Path) -> None:
    image = np.random.default_rng(1).integers(30, 90, (40, 40)).astype(np.uint8)
    write_nifti(tmp_path / "in.nii.gz", image, (0.5, 0.5))
    code = main(
        [
            "translate",
            "--run-dir",
            str(cyclegan_run),
            "--image",
            str(tmp_path / "in.nii.gz"),
            "--out",
            str(tmp_path / "out.nii.gz"),
            "--device",
            "cpu",
        ]
    )
    assert code == 0
    assert read_nifti(tmp_path / "out.nii.gz").spacing == pytest.approx((0.5, 0.5))
    record = json.loads((tmp_path / "out.provenance.json").read_text())
    assert record["family"] == "cyclegan" and record["file"] == "out.nii.gz"
    assert record["run"] == str(cyclegan_run) or Path(record["run"]) == cyclegan_run.resolve()


def test_other_uses_are_refused_clearly(cyclegan_run: Path, trained_run: Path) -> None:
    with pytest.raises(InputError, match="translate_images"):
        next(iter_synthesis(load_generator(cyclegan_run, device="cpu"), 1))
    with pytest.raises(InputError, match="does not translate"):
        translate_images(load_generator(trained_run, device="cpu"), np.zeros((32, 32)))
