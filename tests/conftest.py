"""Shared fixtures: tiny real data from the bundled sample and one tiny trained run."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from napari_gan_augment.config import DataConfig, TrainConfig
from napari_gan_augment.data.sample import load_sample
from napari_gan_augment.precision import CACHE_ENV
from napari_gan_augment.training import train

# Every 4th axial slice with ≥ 5 % tissue: ~17 real pairs, enough for a few honest steps.
TINY_DATA = DataConfig(source="sample", axis=0, step=4, min_foreground=0.05)


def tiny_config(**changes: object) -> TrainConfig:
    """pair-wgan at 32 px with 4 base filters: a step takes milliseconds on CPU."""
    base = TrainConfig(
        family="pair-wgan",
        data=TINY_DATA,
        image_size=32,
        steps=4,
        batch_size=4,
        seed=0,
        device="cpu",
        options={"base_filters": 4, "critic_steps": 2},
        sample_every=2,
        checkpoint_every=4,
        log_every=1,
    )
    return base.replace(**changes)


@pytest.fixture(scope="session", autouse=True)
def precision_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The precision probe's cache in a test folder, not the user's (CLI children inherit it)."""
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def sample_volumes() -> tuple[np.ndarray, np.ndarray]:
    image, mask = load_sample()
    return image.data, mask.data


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run directory holding a 4-step pair-wgan (read-only for tests)."""
    run_dir = tmp_path_factory.mktemp("runs") / "tiny"
    train(run_dir, tiny_config())
    return run_dir


@pytest.fixture(scope="session")
def pix2pix_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run directory holding a 3-step pix2pix (read-only for tests)."""
    run_dir = tmp_path_factory.mktemp("p2p") / "run"
    train(run_dir, tiny_config(family="pix2pix", options={"base_filters": 4}, steps=3))
    return run_dir
