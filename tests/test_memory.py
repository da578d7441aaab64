"""Memory estimates before a run starts: measured activations, clear refusals."""

from __future__ import annotations

import pytest
import torch

from napari_gan_augment import memory
from napari_gan_augment.errors import InputError
from napari_gan_augment.memory import MemoryEstimate, estimate_training, refuse_if_too_large
from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.registry import get_family
from napari_gan_augment.training import train

from .conftest import tiny_config


def _estimate(size: int, batch: int = 4) -> MemoryEstimate:
    family = get_family("pix2pix")
    spec = ModelSpec("pix2pix", size, 1, 2, family.resolve_options({"base_filters": 4}))
    model = family.build(spec, torch.device("cpu"))
    data = torch.rand(8, 2, size, size) * 2 - 1
    return estimate_training(
        lambda: family.build(spec, torch.device("cpu")), model, data, batch, torch.device("cpu")
    )


def test_activations_grow_with_the_pixels_and_the_total_with_the_batch():
    small, large = _estimate(32), _estimate(64)
    assert 3.0 < large.activations_per_sample / small.activations_per_sample < 5.0  # 4× pixels
    assert large.weights >= small.weights > 0  # deeper U-Net for larger images
    assert _estimate(32, batch=8).total > small.total


def test_a_run_that_does_not_fit_is_refused_with_the_batch_that_would():
    estimate = MemoryEstimate(
        weights=10 * 2**20,
        activations_per_sample=100 * 2**20,
        data=2**20,
        batch_size=64,
        available=2 * 2**30,
        where="GPU memory",
    )
    with pytest.raises(InputError, match=r"lower batch_size to (\d+)") as error:
        refuse_if_too_large(estimate, "training pix2pix")
    fits = int(error.value.args[0].split("lower batch_size to ")[1].split(",")[0])
    assert 1 <= fits < 64
    smaller = MemoryEstimate(**{**estimate.__dict__, "batch_size": fits})
    assert smaller.total <= smaller.available
    none_fit = MemoryEstimate(**{**estimate.__dict__, "available": 2**20})
    with pytest.raises(InputError, match="lower image_size"):
        refuse_if_too_large(none_fit, "training pix2pix")


def test_training_on_a_machine_too_small_stops_before_the_first_step(tmp_path, monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda device: (900 * 2**20, "RAM"))
    with pytest.raises(InputError, match="would need about .* GiB of RAM.*lower batch_size"):
        train(tmp_path / "run", tiny_config(batch_size=4096))
    assert not list((tmp_path / "run" / "checkpoints").glob("*.pt"))
    train(tmp_path / "run", tiny_config())  # the same directory takes a run that fits
    assert (tmp_path / "run" / "checkpoints" / "last.pt").is_file()


def test_a_volume_too_large_for_the_free_memory_is_refused_before_drawing(monkeypatch):
    class Tight:
        available = 2 * 2**30

    monkeypatch.setattr(memory.psutil, "virtual_memory", lambda: Tight())
    memory.refuse_volume_too_large((100, 100, 100), 2)  # 20 MB of volumes: fits
    with pytest.raises(InputError, match=r"1000×1000×1000 volume needs about 19\.4 GiB"):
        memory.refuse_volume_too_large((1000, 1000, 1000), 2)
