"""Each arm's endless minibatch stream: real pairs, the fixed synthetic set, or mixes with
freshly generated pairs; standard augmentation on top when the arm asks for it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from ..augmentation import AugmentationSettings, augment_batch, standard_augmentation
from ..networks import Batches
from .config import Arm, ExperimentConfig, seed_of
from .data import ExperimentData


def cycle(indices: np.ndarray, size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Endless full minibatches of ``size`` indices, reshuffled after every pass (a short
    last batch is dropped: batch norm, e.g. in DenseNet121, fails on a single sample)."""
    if size == 0:
        while True:
            yield indices[:0]
    while True:
        order = rng.permutation(indices)
        if len(order) <= size:
            yield order
            continue
        for start in range(0, len(order) - size + 1, size):
            yield order[start : start + size]


def arm_batches(
    data: ExperimentData,
    config: ExperimentConfig,
    arm: Arm,
    real: tuple[np.ndarray, np.ndarray],
    seed: int,
    fold: int,
    augmentation: AugmentationSettings | None,
    extra: tuple[np.ndarray, np.ndarray] | None,
) -> tuple[Batches, int]:
    """The arm's endless minibatch stream over its ``real`` training samples (images and
    targets) and its synthetic ones, augmented with ``augmentation`` (``None``: not), and its
    number of minibatches per epoch."""
    rng = np.random.default_rng(seed_of(seed, 1))
    transform = (
        standard_augmentation(config.image_size, seed, augmentation, config.spatial_dims)
        if augmentation is not None
        else None
    )
    images, targets = real
    if extra is not None and arm.fixed_synthetic:
        if arm.base == "synthetic":
            images, targets = extra
        else:
            images, targets = (
                np.concatenate([images, extra[0]]),
                np.concatenate([targets, extra[1]]),
            )
    real_size = config.batch_size if arm.real_per_batch is None else arm.real_per_batch
    fresh = arm.fresh_per_batch
    natural = max(1, len(images) // (real_size or config.batch_size))
    steps = config.steps_per_epoch or natural

    def stream() -> Batches:
        chunks = cycle(np.arange(len(images)), real_size, rng)
        for step in itertools.count():
            index = next(chunks)
            batch_images, batch_targets = images[index], targets[index]
            if fresh:
                new_images, new_masks = data.generated(
                    config, fresh, seed_of(seed, step, 7), arm.run, fold
                )
                batch_images = np.concatenate([batch_images, new_images])
                batch_targets = np.concatenate([batch_targets, new_masks])
            if transform is not None:
                label_maps = batch_targets.ndim > 1  # segmentation (classification: one label)
                masks = (
                    batch_targets
                    if label_maps
                    else np.zeros((len(batch_images),) + batch_images.shape[2:], np.int32)
                )
                batch_images, moved = augment_batch(transform, batch_images, masks)
                if label_maps:
                    batch_targets = moved
            yield batch_images.astype(np.float32), as_targets(batch_targets, config)

    return stream(), steps


def as_targets(labels: np.ndarray, config: ExperimentConfig) -> np.ndarray:
    if config.task == "classification":
        return labels.astype(np.int64)
    return labels[:, None].astype(np.int64)
