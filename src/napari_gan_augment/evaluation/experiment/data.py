"""The experiment's data: real pairs or volumes, fixed test folds, training pools, and the
generators (given runs checked for leakage, or trained here per fold) with their synthetic
sets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ... import parallel
from ...data.sources import pairset_from_config, volumes_from_config
from ...devices import resolve_device
from ...errors import InputError
from ...models.base import MaskToImageModel
from ...synthesis import PairRoute, load_generator, pair_route
from ...synthesis.generate import LoadedGenerator
from ...training import RunDirectory
from ..gate import gate_pairs
from ..quality.samplers import sampler_for
from .config import ExperimentConfig, generator_config, path_name, seed_of
from .items import ExperimentData, SliceData, VolumeData
from .splits import guard_band, split_folds


def load_data(config: ExperimentConfig) -> ExperimentData:
    if config.spatial_dims == 3:
        volumes = volumes_from_config(config.data)
        normaliser = volumes.fit_normaliser()
        volumes.check_training_size(config.image_size)
        normalised = tuple(normaliser.forward(v).astype(np.float32) for v in volumes.images)
        return VolumeData(pairs=volumes, normaliser=normaliser, volumes=normalised)
    pairs = pairset_from_config(config.data)
    normaliser = pairs.fit_normaliser()
    images, masks = pairs.training_arrays(config.image_size, normaliser)
    if config.task == "classification":
        present = {bool(m.any()) for m in masks}
        if present != {False, True}:
            raise InputError(
                "classification needs images with and without the object class (empty and "
                "non-empty masks); this data has only "
                + ("non-empty" if True in present else "empty")
                + " masks"
            )
    return SliceData(pairs=pairs, normaliser=normaliser, images=images, masks=masks)


def held_out_folds(data: ExperimentData, config: ExperimentConfig) -> list[np.ndarray]:
    """The test indices of each fold (``splits.py``); fixed, so every arm and seed sees them."""
    count = data.count
    folds = split_folds(
        data.layout, config.split, config.folds, config.test_fraction, config.test_blocks
    )
    smallest_test = min(len(f) for f in folds)
    smallest_train = min(
        len(training_pool(data, f, replace(config, train_limit=None))) for f in folds
    )
    (least_test, least_train), unit = data.minimum, data.unit
    if smallest_test < least_test or smallest_train < least_train:
        more = "add volumes" if unit == "volumes" else "add pairs (e.g. a smaller slice step)"
        raise InputError(
            f"{count} {unit} give {smallest_test} test and {smallest_train} training {unit} "
            f"per fold; an experiment needs at least {least_test} test and {least_train} "
            f"training {unit} (one of them for validation): {more}, raise test_fraction, "
            "lower guard_mm, or use fewer folds"
        )
    return folds


def training_pool(data: ExperimentData, test: np.ndarray, config: ExperimentConfig) -> np.ndarray:
    """The real items a fold may train on: everything but its test items (and, with a
    blocked split, the guard band around them), cut to ``train_limit`` by a fixed order, so
    smaller pools are subsets of larger ones."""
    left_out = test
    if config.split == "block":
        left_out = np.concatenate([test, guard_band(data.layout, test, config.guard_mm)])
    pool = np.setdiff1d(np.arange(data.count), left_out)
    if config.train_limit is None:
        return pool
    if config.train_limit > len(pool):
        raise InputError(
            f"train_limit {config.train_limit} is more than the {len(pool)} real items outside "
            "the test set" + (" and its guard band" if config.split == "block" else "")
        )
    return np.sort(np.random.default_rng(1).permutation(pool)[: config.train_limit])


def split_validation(
    indices: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(indices)
    held = max(1, int(round(fraction * len(order))))
    return order[held:], order[:held]


def _run_path(config: ExperimentConfig, run: str) -> str:
    path = config.synthetic_runs[run] if run else config.synthetic_run
    assert path is not None
    return path


def refuse_leaking_run(
    generator: LoadedGenerator, path: str, data: ExperimentData, test: np.ndarray
) -> None:
    """Refuse a run that saw any of the test images (content fingerprints, see
    ``training_data.json``), or that cannot show it did not."""
    seen = RunDirectory(generator.metadata["run_dir"]).training_fingerprints()
    fix = (
        "let the experiment train its generator on each split's training images (a "
        "`generator:` section instead of synthetic_run), or train the run on data without them"
    )
    if seen is None:
        raise InputError(
            f"{path} does not record which pairs it was trained on (it predates that record), "
            f"so it cannot be shown never to have seen this experiment's test images: {fix}"
        )
    fingerprints = data.pairs.fingerprints()
    leaked = [data.names[i] for i in test if fingerprints[i] in seen]
    if leaked:
        raise InputError(
            f"the generator {path} was trained on {len(leaked)} of this experiment's "
            f"{len(test)} test images (e.g. {leaked[0]}); its scores would be inflated: {fix}"
        )


def attach_generators(
    data: ExperimentData, config: ExperimentConfig, folds: list[np.ndarray], run_dir: Path
) -> Iterator[dict[str, Any]]:
    """A pair route per (run, fold): given runs after the leakage check, or a generator
    trained here on each fold's training pool (progress events are passed on; under
    torchrun the folds' generators are shared out over the ranks)."""
    group = parallel.process_group()
    for run in dict.fromkeys(a.run for a in config.parsed_arms if a.synthetic):
        trained_here = (run == "" and config.generator is not None) or run in config.generators
        folder = run_dir / "generators" / path_name(run) if run else run_dir / "generators"
        if trained_here:
            for fold, test in enumerate(folds):
                if fold % group.size == group.rank:
                    path = folder / f"fold{fold}"
                    yield from _train_split_generator(data, config, test, path, fold, run)
            parallel.barrier()  # every fold's generator is saved
        for fold, test in enumerate(folds):
            if trained_here:
                source = str(folder / f"fold{fold}")
                generator = load_generator(source, device=config.device, precision=config.precision)
            else:
                source = _run_path(config, run)
                generator = load_generator(source, device=config.device, precision=config.precision)
                refuse_leaking_run(generator, source, data, test)
            _check_generator(generator, config, data, source)
            if config.task == "classification":
                data.routes[(run, fold)] = PairRoute(generator)
                continue
            pool = training_pool(data, test, config)
            masks = (
                data.mask_choice(pool, config, seed_of(fold, 8))
                if isinstance(generator.model, MaskToImageModel)
                else None
            )
            data.routes[(run, fold)] = pair_route(
                generator,
                masks,
                deformation=config.mask_deformation,
                mask_threshold=config.synthetic_mask_threshold,
                device=config.device,
                mask_cleanup=config.synthetic_mask_cleanup,
            )
            if any(a.fixed_synthetic for a in config.parsed_arms if a.run == run):
                data.synthetic[(run, fold)] = _fixed_synthetic_set(data, config, run, fold, test)


def _fixed_synthetic_set(
    data: ExperimentData, config: ExperimentConfig, run: str, fold: int, test: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The ``synthetic_count`` pairs of the fixed arms; with ``synthetic_gate``, the first
    that pass the gate (judged against the fold's training pool, never its test images)."""
    gate = config.synthetic_gate
    if gate is None:
        return data.generated(config, config.synthetic_count, 0, run, fold)
    drawn = data.generated(
        config, int(np.ceil(config.synthetic_count * gate.oversample)), 0, run, fold
    )
    assert isinstance(data, SliceData)  # the config refuses a gate in 3D
    pool = training_pool(data, test, config)
    keep, record = gate_pairs(
        drawn,
        (data.images[pool], data.masks[pool]),
        data.classes,
        data.spacing,
        gate,
        resolve_device(config.device),
    )
    chosen = np.flatnonzero(keep)[: config.synthetic_count]
    record["used"] = len(chosen)
    data.gate_records[f"{run or 'synthetic_run'}/fold{fold}"] = record
    if len(chosen) == 0:
        raise InputError(
            f"the quality gate kept none of {record['drawn']} generated pairs (median mask "
            f"fidelity {record['fidelity_median']:.2f}); lower synthetic_gate.min_fidelity or "
            "train the generator longer"
        )
    return drawn[0][chosen], drawn[1][chosen]


def _train_split_generator(
    data: ExperimentData,
    config: ExperimentConfig,
    test: np.ndarray,
    path: Path,
    fold: int,
    run: str,
) -> Iterator[dict[str, Any]]:
    pool = training_pool(data, test, config)
    for event in data.train_generator(pool, generator_config(config, run), path):
        if event["event"] in ("start", "step", "end"):
            yield {
                **event,
                "event": "generator",
                "kind": event["event"],
                "fold": fold,
                "generator": run or "generator",
            }


def _check_generator(
    generator: LoadedGenerator, config: ExperimentConfig, data: ExperimentData, path: str
) -> None:
    spec, classes = generator.spec, data.classes
    data.check_generator_shape(spec.spatial_dims, spec.image_size, config, path)
    if config.task == "classification" and not generator.model.kind.adds_object_class:
        raise InputError(
            f"a classification experiment needs a ugan or cyclegan run, not {spec.family!r} "
            f"({path})"
        )
    if spec.num_classes != classes:
        raise InputError(
            f"the synthetic run {path} draws {spec.num_classes} classes but the real data has "
            f"{classes}; train the generator on the same kind of masks"
        )


def object_class_images(data: SliceData, sources: np.ndarray, run: str, fold: int) -> np.ndarray:
    """Object-class images made by a generator from object-free images ``(N, 1, S, S)``."""
    generator = data.routes[(run, fold)].generator
    raw = data.normaliser.inverse(sources[:, 0])
    moved, _ = sampler_for(generator).object_class_images(generator, raw)
    return data.normaliser.forward(moved).astype(np.float32)[:, None]
