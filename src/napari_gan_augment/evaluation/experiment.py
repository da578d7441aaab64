"""Downstream experiments: does synthetic data make a network better, and by how much?

One job trains a network per arm, seed (and fold) and scores it on held-out test images.

``task: segmentation`` (MONAI UNet/BasicUNet/FlexibleUNet, see ``networks.py``), arms:

- ``real``: the real training pairs;
- ``real+synthetic``: plus one fixed set of ``synthetic_count`` generated pairs;
- ``synthetic``: the fixed synthetic set only;
- ``mix:R-S``: every minibatch holds R real and S freshly generated pairs (Neff et al.'s
  16-0 / 8-8 / 0-16 are ``mix:16-0``, ``mix:8-8``, ``mix:0-16``).

``task: classification`` (DenseNet121; class = mask not empty) for the class-transform
families (ugan, cyclegan): ``real`` vs ``real+synthetic``, where the synthetic images are
real object-free training images turned into the object class by the generator.

Arms can come from several generators: ``synthetic_runs: {wgan: runs/a, fastgan: runs/b}``
and ``real+synthetic@wgan``, ``mix:8-8@fastgan``… (an arm without ``@`` uses
``synthetic_run``), so one experiment compares families on the same seeds and test set.

Every arm runs without and/or with standard augmentation (``augment: [false, true]``; named
``<arm>+aug``). The seed drives the train/validation split, the initialisation, the batch
order and the augmentation draws, so arms are paired by seed. The test set is fixed
(``test_fraction``) or rotates over ``folds`` (k-fold cross-validation; each image is then
tested once per seed). See ``docs/evaluation.md`` for the files a run writes.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
import math
import re
from collections.abc import Generator, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from skimage.transform import resize

from ..atomic import save_npz, write_json, write_text
from ..config import SETTINGS, DataConfig, TrainConfig, parse_settings, read_settings
from ..data.normalise import IntensityNormaliser
from ..data.pairset import PairSet
from ..data.sources import pairset_from_config
from ..devices import resolve_device
from ..errors import InputError
from ..models import Kind
from ..precision import check_precision, resolve_precision
from ..synthesis import (
    MaskDeformation,
    PairRoute,
    load_generator,
    pair_route,
    transform_region,
    translate_images,
)
from ..synthesis.generate import LoadedGenerator
from ..training import RunDirectory, iter_training
from ..training.checkpoint import save_checkpoint
from .augmentation import AugmentationSettings, augment_batch, standard_augmentation
from .gate import GateSettings, gate_pairs
from .metrics import segmentation_metrics
from .networks import (
    LOSSES,
    SEGMENTERS,
    Batches,
    FitResult,
    classification_network,
    fit,
    predict_labels,
    segmentation_loss,
    segmentation_network,
)
from .statistics import compare_paired, summarise

TASKS = ("segmentation", "classification")
FIXED_ARMS = ("real", "real+synthetic", "synthetic")
MIX = re.compile(r"^mix:(\d+)-(\d+)$")
#: The per-seed score each task is judged by (mean over that seed's test images).
PRIMARY = {"segmentation": "mean_dice", "classification": "accuracy"}
SECONDARY = {
    "segmentation": ("mean_iou", "hd95_mm", "accuracy"),
    "classification": ("sensitivity", "specificity", "fp", "fn"),
}


@dataclass(frozen=True)
class ExperimentConfig:
    """What to compare. Defaults follow Neff et al. (U-Net, Adam 1e-4) at CPU scale."""

    __pydantic_config__ = SETTINGS

    data: DataConfig = field(default_factory=DataConfig)
    task: str = "segmentation"
    synthetic_run: str | None = None
    synthetic_runs: dict[str, str] = field(default_factory=dict)
    generator: dict[str, Any] | None = None
    synthetic_count: int = 64
    synthetic_mask_threshold: float = 0.0
    synthetic_mask_cleanup: int = 0
    synthetic_gate: GateSettings | None = None
    mask_deformation: MaskDeformation = field(default_factory=MaskDeformation)
    train_limit: int | None = None
    real_counts: tuple[int | None, ...] = ()
    arms: tuple[str, ...] = ("real", "real+synthetic")
    augment: tuple[bool, ...] = (False,)
    augmentation: AugmentationSettings = field(default_factory=AugmentationSettings)
    seeds: int = 10
    folds: int = 1
    network: str = "unet"
    loss: str = "dicece"
    largest_component: bool = False
    image_size: int = 64
    epochs: int = 30
    steps_per_epoch: int | None = None
    batch_size: int = 8
    learning_rate: float = 1e-4
    patience: int = 5
    test_fraction: float = 0.2
    validation_fraction: float = 0.2
    base_filters: int = 16
    device: str = "auto"
    precision: str = "auto"

    def __post_init__(self) -> None:
        check_precision(self.precision)
        object.__setattr__(self, "arms", tuple(self.arms))
        object.__setattr__(self, "augment", tuple(bool(a) for a in self.augment))
        if isinstance(self.augmentation, Mapping):
            settings = AugmentationSettings.from_dict(dict(self.augmentation))
            object.__setattr__(self, "augmentation", settings)
        if isinstance(self.synthetic_gate, Mapping):
            gate = GateSettings.from_dict(dict(self.synthetic_gate))
            object.__setattr__(self, "synthetic_gate", gate)
        if isinstance(self.mask_deformation, Mapping):
            deformation = MaskDeformation.from_dict(dict(self.mask_deformation))
            object.__setattr__(self, "mask_deformation", deformation)
        if self.generator is not None:
            generator_config(self)  # refuses unknown or bad settings now, not after data loads
            if self.synthetic_run:
                raise InputError(
                    "give either generator (the experiment trains one per split) or "
                    "synthetic_run (a trained run), not both"
                )
        object.__setattr__(self, "real_counts", tuple(self.real_counts))
        if any(c is not None and c < 2 for c in self.real_counts):
            raise InputError(f"real_counts must be at least 2 pairs each, got {self.real_counts}")
        if self.real_counts and self.train_limit is not None:
            raise InputError("give real_counts (a curve) or train_limit (one count), not both")
        if self.train_limit is not None and self.train_limit < 2:
            raise InputError(f"train_limit must be at least 2 real pairs, got {self.train_limit}")
        if self.task not in TASKS:
            raise InputError(f"task must be one of {TASKS}, got {self.task!r}")
        if not self.augment:
            raise InputError("augment must list at least one of false/true")
        allowed = ("real", "real+synthetic") if self.task == "classification" else FIXED_ARMS
        object.__setattr__(self, "synthetic_runs", dict(self.synthetic_runs))
        bases = [split_arm(a)[0] for a in self.arms]
        bad = [
            a
            for a in bases
            if a not in allowed and not (MIX.match(a) and self.task == "segmentation")
        ]
        if bad or not self.arms:
            raise InputError(
                f"arms must be a non-empty subset of {allowed}"
                + (" or mix:R-S (e.g. mix:8-8)" if self.task == "segmentation" else "")
                + f", optionally @name of a synthetic_runs entry; got {list(self.arms)}"
            )
        for arm in self.arms:
            match = MIX.match(split_arm(arm)[0])
            if match and int(match[1]) + int(match[2]) == 0:
                raise InputError(f"{arm}: a minibatch needs at least one pair")
            run = split_arm(arm)[1]
            if run and run not in self.synthetic_runs:
                raise InputError(
                    f"arm {arm!r} names run {run!r}, which synthetic_runs does not list "
                    f"(it lists {sorted(self.synthetic_runs)})"
                )
        if self.seeds < 1:
            raise InputError(f"seeds must be at least 1, got {self.seeds}")
        if self.folds < 1:
            raise InputError(f"folds must be at least 1, got {self.folds}")
        unnamed = [a for a in self.arms if a != "real" and not split_arm(a)[1]]
        if unnamed and not self.synthetic_run and self.generator is None:
            raise InputError(
                f"arms {unnamed} need synthetic pairs: choose a trained synthetic run "
                "(synthetic_run), or let the experiment train a generator on each split's "
                "training images (a `generator:` section)"
            )
        if self.network not in SEGMENTERS:
            raise InputError(f"network must be one of {SEGMENTERS}, got {self.network!r}")
        if self.loss not in LOSSES:
            raise InputError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.patience < 1 or self.epochs < 1 or self.batch_size < 1:
            raise InputError("epochs, patience and batch_size must be at least 1")

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ExperimentConfig:
        return parse_settings(cls, raw, "experiment")

    @classmethod
    def load(cls, path: str | Path) -> ExperimentConfig:
        """Read an experiment config (YAML or JSON)."""
        return cls.from_dict(read_settings(path))


def path_name(name: str) -> str:
    """An arm's name as one folder name inside the run directory: anything but letters,
    digits, ``+``, ``-``, ``@`` and ``_`` becomes ``_`` (``x/../../y`` cannot climb out)."""
    return re.sub(r"[^A-Za-z0-9+@_-]", "_", name) or "_"


def generator_config(config: ExperimentConfig) -> TrainConfig:
    """The TrainConfig of the experiment's own generator (its data are set per split)."""
    raw = dict(config.generator or {})
    if "data" in raw:
        raise InputError(
            "generator: takes no data: the experiment trains it on each split's training images"
        )
    raw.setdefault("device", config.device)
    raw.setdefault("precision", config.precision)
    return TrainConfig.from_dict(raw)


def split_arm(arm: str) -> tuple[str, str]:
    """``"mix:8-8@fastgan"`` → ``("mix:8-8", "fastgan")``; ``""`` = ``synthetic_run``."""
    base, _, run = arm.partition("@")
    return base, run


def arm_name(arm: str, augment: bool) -> str:
    """``"real"``, ``"real+aug"``, ``"mix:8-8+aug"``…"""
    return f"{arm}+aug" if augment else arm


def seed_of(*parts: int) -> int:
    """A 32-bit seed that depends on every part (and on nothing else)."""
    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0])


def held_out_folds(count: int, config: ExperimentConfig) -> list[np.ndarray]:
    """The test indices of each fold; fixed (seed 0) so every arm and seed sees them."""
    order = np.random.default_rng(0).permutation(count)
    if config.folds == 1:
        held = max(1, int(round(config.test_fraction * count)))
        folds = [np.sort(order[:held])]
    else:
        folds = [np.sort(part) for part in np.array_split(order, config.folds)]
    smallest_test = min(len(f) for f in folds)
    smallest_train = count - max(len(f) for f in folds)
    if smallest_test < 2 or smallest_train < 4:
        raise InputError(
            f"{count} pairs give {smallest_test} test and {smallest_train} training pairs per "
            "fold; an experiment needs at least 2 test and 4 training pairs: add pairs (e.g. "
            "a smaller slice step), raise test_fraction, or use fewer folds"
        )
    return folds


def _split(
    indices: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(indices)
    held = max(1, int(round(fraction * len(order))))
    return order[held:], order[:held]


def _cycle(indices: np.ndarray, size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
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


@dataclass
class _Data:
    """Normalised arrays of the real pairs and, when asked for, the synthetic ones."""

    pairs: PairSet
    images: np.ndarray
    masks: np.ndarray
    normaliser: IntensityNormaliser
    #: pair routes and their fixed synthetic sets by (run name, fold); "" = the default run
    routes: dict[tuple[str, int], PairRoute] = field(default_factory=dict)
    synthetic: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    gate_records: dict[str, dict[str, Any]] = field(default_factory=dict)

    names = property(lambda self: list(self.pairs.provenance))
    spacing = property(lambda self: self.pairs.spacing)
    classes = property(lambda self: self.pairs.num_classes)

    def generated(
        self, config: ExperimentConfig, count: int, seed: int, run: str, fold: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """``count`` pairs from a generator, normalised and sized like the real ones."""
        raw_images, raw_masks = self.routes[(run, fold)].pairs(count, seed)
        return self.to_experiment(raw_images, raw_masks, config.image_size)

    def to_experiment(
        self, raw_images: np.ndarray, raw_masks: np.ndarray, size: int
    ) -> tuple[np.ndarray, np.ndarray]:
        images = self.normaliser.forward(raw_images).astype(np.float32)
        masks = raw_masks.astype(np.int32)
        if images.shape[-1] != size:
            images = resize(images, (len(images), size, size), order=1).astype(np.float32)
            masks = resize(
                masks, (len(masks), size, size), order=0, preserve_range=True, anti_aliasing=False
            ).astype(np.int32)
        return images[:, None], masks


def _load_data(config: ExperimentConfig) -> _Data:
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
    return _Data(pairs, images, masks, normaliser)


def training_pool(count: int, test: np.ndarray, config: ExperimentConfig) -> np.ndarray:
    """The real pairs a fold may train on (everything but its test images), cut to
    ``train_limit`` by a fixed order, so smaller pools are subsets of larger ones."""
    pool = np.setdiff1d(np.arange(count), test)
    if config.train_limit is None:
        return pool
    if config.train_limit > len(pool):
        raise InputError(
            f"train_limit {config.train_limit} is more than the {len(pool)} real pairs outside "
            "the test set"
        )
    return np.sort(np.random.default_rng(1).permutation(pool)[: config.train_limit])


def _run_path(config: ExperimentConfig, run: str) -> str:
    path = config.synthetic_runs[run] if run else config.synthetic_run
    assert path is not None
    return path


def refuse_leaking_run(
    generator: LoadedGenerator, path: str, data: _Data, test: np.ndarray
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


def _attach_generators(
    data: _Data, config: ExperimentConfig, folds: list[np.ndarray], run_dir: Path
) -> Iterator[dict[str, Any]]:
    """A pair route per (run, fold): given runs after the leakage check, or a generator
    trained here on each fold's training pool (progress events are passed on)."""
    for run in dict.fromkeys(split_arm(a)[1] for a in config.arms if a != "real"):
        for fold, test in enumerate(folds):
            if run == "" and config.generator is not None:
                path = run_dir / "generators" / f"fold{fold}"
                yield from _train_split_generator(data, config, test, path, fold)
                source = str(path)
                generator = load_generator(source, device=config.device, precision=config.precision)
            else:
                source = _run_path(config, run)
                generator = load_generator(source, device=config.device, precision=config.precision)
                refuse_leaking_run(generator, source, data, test)
            _check_generator(generator, config, data.classes, source)
            if config.task == "classification":
                data.routes[(run, fold)] = PairRoute(generator)
                continue
            data.routes[(run, fold)] = pair_route(
                generator,
                deformation=config.mask_deformation,
                mask_threshold=config.synthetic_mask_threshold,
                device=config.device,
                mask_cleanup=config.synthetic_mask_cleanup,
            )
            bases = [split_arm(a)[0] for a in config.arms if split_arm(a)[1] == run]
            if {"real+synthetic", "synthetic"} & set(bases):
                data.synthetic[(run, fold)] = _fixed_synthetic_set(data, config, run, fold, test)


def _fixed_synthetic_set(
    data: _Data, config: ExperimentConfig, run: str, fold: int, test: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The ``synthetic_count`` pairs of the fixed arms; with ``synthetic_gate``, the first
    that pass the gate (judged against the fold's training pool, never its test images)."""
    gate = config.synthetic_gate
    if gate is None:
        return data.generated(config, config.synthetic_count, 0, run, fold)
    drawn = data.generated(
        config, int(np.ceil(config.synthetic_count * gate.oversample)), 0, run, fold
    )
    pool = training_pool(len(data.images), test, config)
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
    data: _Data, config: ExperimentConfig, test: np.ndarray, path: Path, fold: int
) -> Iterator[dict[str, Any]]:
    pool = training_pool(len(data.images), test, config)
    pairs = PairSet.from_pairs(
        [data.pairs.images[i] for i in pool],
        [data.pairs.masks[i] for i in pool],
        [data.names[i] for i in pool],
        data.spacing,
        rgb=False,
    )
    for event in iter_training(path, generator_config(config), pairs=pairs):
        if event["event"] in ("start", "step", "end"):
            yield {**event, "event": "generator", "kind": event["event"], "fold": fold}


def _check_generator(
    generator: LoadedGenerator, config: ExperimentConfig, classes: int, path: str
) -> None:
    spec = generator.spec
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


def _transformed(data: _Data, sources: np.ndarray, run: str, fold: int) -> np.ndarray:
    """Object-class images made by a generator from object-free images ``(N, 1, S, S)``."""
    generator = data.routes[(run, fold)].generator
    raw = data.normaliser.inverse(sources[:, 0])
    if generator.model.kind is Kind.IMAGE_TRANSLATION:
        moved = translate_images(generator, raw)
    else:
        size = raw.shape[-1]
        moved = np.stack(
            [
                transform_region(generator, image, (0, 0, size, size), seed=i)[0]
                for i, image in enumerate(raw)
            ]
        )
    return data.normaliser.forward(moved).astype(np.float32)[:, None]


def _batches(
    data: _Data,
    config: ExperimentConfig,
    arm: str,
    train: np.ndarray,
    labels: np.ndarray,
    seed: int,
    fold: int,
    augment: bool,
    extra: tuple[np.ndarray, np.ndarray] | None,
) -> tuple[Batches, int]:
    """The arm's endless minibatch stream and its number of minibatches per epoch."""
    rng = np.random.default_rng(seed_of(seed, 1))
    transform = (
        standard_augmentation(config.image_size, seed, config.augmentation) if augment else None
    )
    images, targets = data.images[train], labels[train]
    base, run = split_arm(arm)
    match = MIX.match(base)
    if extra is not None and base in ("real+synthetic", "synthetic"):
        if base == "synthetic":
            images, targets = extra
        else:
            images, targets = (
                np.concatenate([images, extra[0]]),
                np.concatenate([targets, extra[1]]),
            )
    real_size, fresh = (int(match[1]), int(match[2])) if match else (config.batch_size, 0)
    natural = max(1, len(images) // (real_size or config.batch_size))
    steps = config.steps_per_epoch or natural

    def stream() -> Batches:
        chunks = _cycle(np.arange(len(images)), real_size, rng)
        for step in itertools.count():
            index = next(chunks)
            batch_images, batch_targets = images[index], targets[index]
            if fresh:
                new_images, new_masks = data.generated(
                    config, fresh, seed_of(seed, step, 7), run, fold
                )
                batch_images = np.concatenate([batch_images, new_images])
                batch_targets = np.concatenate([batch_targets, new_masks])
            if transform is not None:
                masks = (
                    batch_targets
                    if batch_targets.ndim == 3
                    else np.zeros((len(batch_images),) + batch_images.shape[2:], np.int32)
                )
                batch_images, moved = augment_batch(transform, batch_images, masks)
                if batch_targets.ndim == 3:
                    batch_targets = moved
            yield batch_images.astype(np.float32), _targets(batch_targets, config)

    return stream(), steps


def _targets(labels: np.ndarray, config: ExperimentConfig) -> np.ndarray:
    if config.task == "classification":
        return labels.astype(np.int64)
    return labels[:, None].astype(np.int64)


class _Writer:
    """results.csv after every arm (so a stopped job keeps what it finished; rewritten whole
    and atomically, so a killed one never leaves a torn row) and curves.jsonl."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.rows: list[dict[str, Any]] = []

    def add(self, rows: list[dict[str, Any]]) -> None:
        self.rows.extend(rows)
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(self.rows[0]))
        writer.writeheader()
        writer.writerows(self.rows)
        write_text(self.run_dir / "results.csv", text.getvalue())

    def curve(self, point: dict[str, Any]) -> None:
        with open(self.run_dir / "curves.jsonl", "a") as handle:
            handle.write(json.dumps(point) + "\n")


def _score_segmentation(
    data: _Data, test: np.ndarray, predictions: np.ndarray, common: dict[str, Any]
) -> list[dict[str, Any]]:
    return [
        {
            **common,
            "image": data.names[i],
            **segmentation_metrics(p, data.masks[i], data.spacing, data.classes),
        }
        for i, p in zip(test, predictions, strict=True)
    ]


def _score_classification(
    data: _Data,
    test: np.ndarray,
    predictions: np.ndarray,
    labels: np.ndarray,
    common: dict[str, Any],
) -> list[dict[str, Any]]:
    return [
        {
            **common,
            "image": data.names[i],
            "label": int(labels[i]),
            "prediction": int(p),
            "correct": int(p == labels[i]),
        }
        for i, p in zip(test, predictions, strict=True)
    ]


def _epoch_events(
    fitting: Generator[dict[str, float], None, FitResult],
    common: dict[str, Any],
    writer: _Writer,
) -> Generator[dict[str, Any], None, FitResult]:
    """Pass the fit's epochs on as events (and to curves.jsonl); return its result."""
    while True:
        try:
            point = next(fitting)
        except StopIteration as end:
            return end.value  # type: ignore[no-any-return]
        writer.curve({**common, **point})
        yield {"event": "epoch", **common, **point}


def iter_experiment(config: ExperimentConfig, run_dir: str | Path) -> Iterator[dict[str, Any]]:
    """Run every arm × seed × fold; yields progress events; writes the run directory.

    Events: ``{"event": "epoch", arm, seed, fold, epoch, train_loss, val_loss}``,
    ``{"event": "arm", arm, seed, fold, done, total}``, ``{"event": "end", run_dir}``.
    Closing the iterator stops the job after the current epoch; results.csv keeps the
    finished arms.
    """
    run_dir = Path(run_dir)
    if (run_dir / "results.csv").exists() or (run_dir / "experiment.json").exists():
        raise InputError(f"{run_dir} already holds an experiment; choose a new run directory")
    data = _load_data(config)
    folds = held_out_folds(len(data.images), config)
    for test in folds:
        training_pool(len(data.images), test, config)  # refuses a train_limit too large
    device = resolve_device(config.device)
    precision = resolve_precision(config.precision, device)
    # experiment.json names the precision that runs, so the experiment repeats as it ran
    config = dataclasses.replace(config, precision=precision.name)
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json(run_dir / "experiment.json", asdict(config))
    yield from _attach_generators(data, config, folds, run_dir)
    labels: np.ndarray = (
        np.asarray(data.masks.reshape(len(data.masks), -1).any(axis=1), np.int64)
        if config.task == "classification"
        else data.masks
    )
    writer = _Writer(run_dir)
    predictions: dict[str, np.ndarray] = {}
    test_order = np.concatenate(folds)
    position = {int(index): place for place, index in enumerate(test_order)}
    runs = [
        (seed, fold, arm, augment)
        for seed in range(config.seeds)
        for fold in range(len(folds))
        for arm in config.arms
        for augment in config.augment
    ]
    transformed: dict[tuple[int, int, str], tuple[np.ndarray, np.ndarray]] = {}
    budgets: dict[str, int] = {}
    capped: dict[str, dict[str, int]] = {}
    for number, (seed, fold, arm, augment) in enumerate(runs):
        name = arm_name(arm, augment)
        pool = training_pool(len(data.images), folds[fold], config)
        train, validation = _split(
            pool, config.validation_fraction, np.random.default_rng(seed_of(seed, fold))
        )
        base, run = split_arm(arm)
        extra = data.synthetic.get((run, fold))
        if config.task == "classification" and base == "real+synthetic":
            if (seed, fold, run) not in transformed:
                free = train[labels[train] == 0]
                picks = np.resize(free, config.synthetic_count)
                transformed[(seed, fold, run)] = (
                    _transformed(data, data.images[picks], run, fold),
                    np.ones(len(picks), np.int64),
                )
            extra = transformed[(seed, fold, run)]
        batches, steps = _batches(data, config, arm, train, labels, seed, fold, augment, extra)
        budgets[name] = steps
        torch.manual_seed(seed_of(seed, fold, 3))
        if config.task == "classification":
            network = classification_network().to(device)
            loss_fn: Any = torch.nn.CrossEntropyLoss()
        else:
            network = segmentation_network(config.network, data.classes, config.base_filters).to(
                device
            )
            loss_fn = segmentation_loss(config.loss)
        precision.apply(network)
        common = {"arm": name, "seed": seed, "fold": fold}
        fitting = fit(
            network,
            loss_fn,
            batches,
            steps,
            (data.images[validation], _targets(labels[validation], config)),
            config.epochs,
            config.patience,
            config.learning_rate,
            device,
        )
        result = yield from _epoch_events(fitting, common, writer)
        test = folds[fold]
        save_checkpoint(
            {
                "network": network.state_dict(),
                "experiment": json.dumps(asdict(config)),
                "classes": data.classes,
            },
            run_dir / "models" / path_name(name) / f"seed{seed}_fold{fold}.pt",
        )
        # ran every epoch while early stopping still waited for an improvement
        hit_cap = (
            len(result.curve) == config.epochs
            and config.epochs - 1 - result.best_epoch < config.patience
        )
        common |= {"best_epoch": result.best_epoch, "epochs_run": len(result.curve)}
        common["hit_epoch_cap"] = int(hit_cap)
        tally = capped.setdefault(name, {"hit": 0, "runs": 0})
        tally["hit"] += int(hit_cap)
        tally["runs"] += 1
        if config.task == "classification":
            with torch.no_grad():
                logits = network(torch.from_numpy(data.images[test]).to(device))
            predicted = logits.argmax(1).cpu().numpy()
            writer.add(_score_classification(data, test, predicted, labels, common))
        else:
            predicted = predict_labels(network, data.images[test], device, config.largest_component)
            writer.add(_score_segmentation(data, test, predicted, common))
            key = f"{name}/seed{seed}"
            predictions.setdefault(
                key, np.zeros((len(test_order),) + data.masks.shape[1:], np.int32)
            )
            predictions[key][[position[i] for i in test]] = predicted
        yield {
            "event": "arm",
            "arm": name,
            "seed": seed,
            "fold": fold,
            "done": number + 1,
            "total": len(runs),
        }
    if predictions:
        arrays: dict[str, Any] = {
            "images": data.images[test_order, 0],
            "masks": data.masks[test_order],
            "names": np.array([data.names[i] for i in test_order]),
            **predictions,
        }
        save_npz(run_dir / "predictions.npz", **arrays)
    summary = summarise_results(writer.rows, config)
    summary["minibatches_per_epoch"] = budgets
    summary["precision"] = {"name": precision.name, "reason": precision.reason}
    summary["epoch_cap"] = capped
    if data.gate_records:
        summary["quality_gate"] = data.gate_records
    summary["real_pairs"] = {
        "total": len(data.images),
        "test": [len(f) for f in folds],
        "training_pool": [len(training_pool(len(data.images), f, config)) for f in folds],
    }
    write_json(run_dir / "summary.json", summary)
    from .report import write_report

    write_report(run_dir)
    yield {"event": "end", "run_dir": str(run_dir)}


def per_seed_scores(rows: list[dict[str, Any]], task: str) -> dict[str, dict[str, list[float]]]:
    """``{metric: {arm: [score of seed 0, seed 1, …]}}`` — each seed's mean over its test
    images (classification: accuracy, sensitivity, specificity, FP and FN counts)."""
    arms = list(dict.fromkeys(str(r["arm"]) for r in rows))
    seeds = sorted({int(r["seed"]) for r in rows})
    scores: dict[str, dict[str, list[float]]] = {}
    for arm in arms:
        for seed in seeds:
            mine = [r for r in rows if r["arm"] == arm and int(r["seed"]) == seed]
            if not mine:
                continue
            for metric, value in _seed_metrics(mine, task).items():
                scores.setdefault(metric, {}).setdefault(arm, []).append(value)
    return scores


def _seed_metrics(rows: list[dict[str, Any]], task: str) -> dict[str, float]:
    if task == "classification":
        label = np.array([int(r["label"]) for r in rows])
        guess = np.array([int(r["prediction"]) for r in rows])
        positives, negatives = label == 1, label == 0
        return {
            "accuracy": float((label == guess).mean()),
            "sensitivity": float(guess[positives].mean()) if positives.any() else math.nan,
            "specificity": float(1 - guess[negatives].mean()) if negatives.any() else math.nan,
            "fp": float((guess[negatives] == 1).sum()),
            "fn": float((guess[positives] == 0).sum()),
        }
    out = {}
    for metric in (PRIMARY[task], *SECONDARY[task]):
        columns = [k for k in rows[0] if k == metric or k.startswith(metric + "_")]
        values = np.array([[float(r[c]) for c in columns] for r in rows], dtype=float)
        finite = values[np.isfinite(values)]
        out[metric] = float(finite.mean()) if finite.size else math.nan
    return out


def summarise_results(rows: list[dict[str, Any]], config: ExperimentConfig) -> dict[str, Any]:
    """Per-arm summaries of every per-seed metric and each arm's paired comparison with
    ``real`` (or the first arm) on the primary metric."""
    scores = per_seed_scores(rows, config.task)
    primary = PRIMARY[config.task]
    per_arm = scores[primary]
    reference = "real" if "real" in per_arm else next(iter(per_arm))
    summary: dict[str, Any] = {
        "task": config.task,
        "metric": f"{primary} per seed (mean over test images)",
        "arms": {arm: asdict(summarise(values)) for arm, values in per_arm.items()},
        "secondary": {
            metric: {arm: asdict(summarise(v)) for arm, v in arms.items() if np.isfinite(v).any()}
            for metric, arms in scores.items()
            if metric != primary
        },
        "per_seed": scores,
        "comparisons": {},
    }
    label = "Dice" if primary == "mean_dice" else "accuracy"
    for arm, values in per_arm.items():
        if arm != reference and len(values) >= 2 and len(values) == len(per_arm[reference]):
            summary["comparisons"][f"{arm} vs {reference}"] = asdict(
                compare_paired(per_arm[reference], values, metric=label, names=(reference, arm))
            )
    if primary == "mean_dice" and {"real", "synthetic"} <= set(per_arm):
        real, synthetic = float(np.mean(per_arm["real"])), float(np.mean(per_arm["synthetic"]))
        summary["train_on_synthetic"] = {
            "real": real,
            "synthetic": synthetic,
            "ratio": synthetic / real if real > 0 else math.nan,
        }
    return summary


def run_experiment(config: ExperimentConfig, run_dir: str | Path) -> dict[str, Any]:
    """Run :func:`iter_experiment` to the end; returns the summary."""
    for _ in iter_experiment(config, run_dir):
        pass
    return dict(json.loads((Path(run_dir) / "summary.json").read_text()))
