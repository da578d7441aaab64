"""The public Python API: everything the CLI and the widgets do, callable from a script.

Example::

    from napari_gan_augment import api

    config = api.TrainConfig(data=api.DataConfig(source="sample", axis=0), steps=800)
    api.train("runs/brain", config)
    images, masks = api.synthesize("runs/brain", count=32, seed=1)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .config import DataConfig, SynthesisConfig, TrainConfig
from .data.pairset import PairSet, SliceSettings
from .jobs import follow_events, start_training_process
from .models.registry import available_families, get_family
from .synthesis import iter_synthesis, load_generator, synthesize_pairs, write_pairs
from .training import RunDirectory, iter_training, train

__all__ = [
    "DataConfig",
    "PairSet",
    "RunDirectory",
    "SliceSettings",
    "SynthesisConfig",
    "TrainConfig",
    "available_families",
    "follow_events",
    "generate_to_folder",
    "get_family",
    "iter_training",
    "load_generator",
    "start_training_process",
    "synthesize",
    "train",
]


def synthesize(
    run_dir: str | Path,
    count: int,
    seed: int = 0,
    checkpoint: str = "last.pt",
    device: str = "auto",
    batch_size: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate ``count`` pairs from a run: images in the source dtype and integer masks."""
    SynthesisConfig(count=count, seed=seed, batch_size=batch_size)  # validates
    generator = load_generator(run_dir, checkpoint, device)
    return synthesize_pairs(generator, count, seed, batch_size)


def generate_to_folder(
    run_dir: str | Path, out_dir: str | Path, settings: SynthesisConfig, fmt: str = "nii.gz"
) -> int:
    """Stream ``settings.count`` pairs into ``out_dir/images`` and ``out_dir/masks``."""
    generator = load_generator(run_dir, settings.checkpoint, settings.device)
    batches = iter_synthesis(generator, settings.count, settings.seed, settings.batch_size)
    return write_pairs(batches, out_dir, fmt, generator.spacing)
