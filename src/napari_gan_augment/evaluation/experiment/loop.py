"""The run loop: one network per arm × seed × fold, trained, saved and scored on its fold's
test images; results.csv, curves.jsonl, predictions.npz, summary.json and the report."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Generator, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ... import parallel
from ...atomic import save_npz, write_json, write_text
from ...devices import resolve_device
from ...errors import InputError
from ...precision import Precision, resolve_precision
from ...segmentation.networks import segmentation_loss, segmentation_network
from ...training.checkpoint import save_checkpoint
from ...updates import Updates
from ..augmentation import AugmentationSettings, level_settings
from ..metrics import segmentation_metrics
from ..networks import FitResult, classification_network, fit
from .batches import arm_batches, as_targets
from .config import Arm, ExperimentConfig, path_name, seed_of
from .data import (
    attach_generators,
    held_out_folds,
    load_data,
    object_class_images,
    split_validation,
    training_pool,
)
from .items import ExperimentData, SliceData, VolumeData
from .results import summarise_results
from .splits import describe_split


class _Writer:
    """results.csv after every arm (so a stopped job keeps what it finished; rewritten whole
    and atomically, so a killed one never leaves a torn row) and curves.jsonl."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.rows: list[dict[str, Any]] = []

    def save(self, curve: list[dict[str, Any]]) -> None:
        """Write the rows so far, and append one network's training curve."""
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(self.rows[0]))
        writer.writeheader()
        writer.writerows(self.rows)
        write_text(self.run_dir / "results.csv", text.getvalue())
        with open(self.run_dir / "curves.jsonl", "a") as handle:
            handle.writelines(json.dumps(point) + "\n" for point in curve)


def _score_segmentation(
    data: ExperimentData, test: np.ndarray, predictions: list[np.ndarray], common: dict[str, Any]
) -> list[dict[str, Any]]:
    return [
        {
            **common,
            "image": data.names[i],
            **segmentation_metrics(p, data.truth(i), data.spacing, data.classes),
        }
        for i, p in zip(test, predictions, strict=True)
    ]


def _score_classification(
    data: ExperimentData,
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
    curve: list[dict[str, Any]],
) -> Generator[dict[str, Any], None, FitResult]:
    """Pass the fit's epochs on as events (and into ``curve``); return its result."""
    while True:
        try:
            point = next(fitting)
        except StopIteration as end:
            return end.value  # type: ignore[no-any-return]
        curve.append({**common, **point})
        yield {"event": "epoch", **common, **point}


@dataclasses.dataclass
class _Setting:
    """What every arm × seed × fold of one experiment shares."""

    data: ExperimentData
    config: ExperimentConfig
    folds: list[np.ndarray]
    device: torch.device
    precision: Precision
    run_dir: Path
    #: object-class images per (seed, fold, run), made once for the arms that share them
    transformed: dict[tuple[int, int, str], tuple[np.ndarray, np.ndarray]] = dataclasses.field(
        default_factory=dict
    )
    #: the augmentation of each fold's augmented arms (tuned, or ``config.augmentation``)
    augmentation: dict[int, AugmentationSettings | None] = dataclasses.field(default_factory=dict)
    #: what tuning tried and chose per fold (``summary.json``'s ``augmentation_tuning``)
    tuning: dict[str, Any] = dataclasses.field(default_factory=dict)


#: Seeds of the tuning networks: none of them is a seed an arm reports.
TUNING_SEED = 10_000


@dataclasses.dataclass
class _Fitted:
    network: torch.nn.Module
    result: FitResult
    steps: int
    curve: list[dict[str, Any]]
    common: dict[str, Any]
    hit_cap: bool


@dataclasses.dataclass
class _Outcome:
    """One trained and scored network: what the run directory's shared files record."""

    name: str
    seed: int
    fold: int
    steps: int
    hit_cap: bool
    rows: list[dict[str, Any]]
    curve: list[dict[str, Any]]
    labelled: list[np.ndarray] | None  # 2D segmentation: predictions for predictions.npz


def _class_labels(data: SliceData) -> np.ndarray:
    """Classification: 1 where an item's mask holds the object class."""
    return np.asarray(data.masks.reshape(data.count, -1).any(axis=1), np.int64)


def _fit_arm(
    setting: _Setting,
    seed: int,
    fold: int,
    arm: Arm,
    augmentation: AugmentationSettings | None,
    name: str,
) -> Generator[dict[str, Any], None, _Fitted]:
    """Train one arm's network for a seed and fold on the fold's training pool (never its
    test images); yields its epochs."""
    data, config, folds, device = setting.data, setting.config, setting.folds, setting.device
    pool = training_pool(data, folds[fold], config)
    train, validation = split_validation(
        pool, config.validation_fraction, np.random.default_rng(seed_of(seed, fold))
    )
    run = arm.run
    extra = data.synthetic.get((run, fold))
    if config.task == "classification":
        assert isinstance(data, SliceData)  # the config refuses classification in 3D
        labels = _class_labels(data)
        real = (data.images[train], labels[train])
        validation_set = (data.images[validation], labels[validation])
        if arm.base == "real+synthetic":
            if (seed, fold, run) not in setting.transformed:
                free = train[labels[train] == 0]
                picks = np.resize(free, config.synthetic_count)
                setting.transformed[(seed, fold, run)] = (
                    object_class_images(data, data.images[picks], run, fold),
                    np.ones(len(picks), np.int64),
                )
            extra = setting.transformed[(seed, fold, run)]
    else:
        real = data.samples(train, config, seed_of(seed, fold, 5))
        images, masks = data.samples(validation, config, seed_of(seed, fold, 6))
        validation_set = (images, as_targets(masks, config))
    batches, steps = arm_batches(data, config, arm, real, seed, fold, augmentation, extra)
    torch.manual_seed(seed_of(seed, fold, 3))
    if config.task == "classification":
        network = classification_network().to(device)
        loss_fn: Any = torch.nn.CrossEntropyLoss()
    else:
        network = segmentation_network(
            config.network, data.classes, config.base_filters, config.spatial_dims
        ).to(device)
        loss_fn = segmentation_loss(config.loss)
    setting.precision.apply(network)
    common: dict[str, Any] = {"arm": name, "seed": seed, "fold": fold}
    fitting = fit(
        network,
        loss_fn,
        batches,
        steps,
        validation_set,
        config.epochs,
        config.patience,
        config.learning_rate,
        device,
        Updates(setting.precision),
    )
    curve: list[dict[str, Any]] = []
    result = yield from _epoch_events(fitting, common, curve)
    # ran every epoch while early stopping still waited for an improvement
    hit_cap = (
        len(result.curve) == config.epochs
        and config.epochs - 1 - result.best_epoch < config.patience
    )
    return _Fitted(network, result, steps, curve, common, hit_cap)


def _tune_augmentation(setting: _Setting) -> Iterator[dict[str, Any]]:
    """Choose each fold's augmentation from ``augmentation_levels`` by the validation loss
    of ``real`` networks (``tuning_seeds`` of them per level, on the training pool's
    validation splits; the test images are never used); fills ``setting.augmentation``."""
    config = setting.config
    for fold in range(len(setting.folds)):
        setting.augmentation[fold] = config.augmentation
    augmented = any(True in a.augment_choices(config.augment) for a in config.parsed_arms)
    if not config.augmentation_levels or not augmented:
        return
    for fold in range(len(setting.folds)):
        losses: dict[str, float] = {}
        capped = 0
        for level in config.augmentation_levels:
            settings = level_settings(level, config.augmentation.flip)
            values = []
            for number in range(config.tuning_seeds):
                fitted = yield from _fit_arm(
                    setting,
                    TUNING_SEED + number,
                    fold,
                    Arm.parse("real"),
                    settings,
                    f"tune:{level}",
                )
                values.append(fitted.result.curve[fitted.result.best_epoch]["val_loss"])
                capped += int(fitted.hit_cap)
            losses[level] = float(np.mean(values))
        chosen = min(losses, key=losses.__getitem__)
        setting.augmentation[fold] = level_settings(chosen, config.augmentation.flip)
        setting.tuning[f"fold{fold}"] = {
            "chosen": chosen,
            "validation_loss": losses,
            "networks": len(losses) * config.tuning_seeds,
            "hit_epoch_cap": capped,
        }
        yield {"event": "tuned", "fold": fold, "chosen": chosen, "validation_loss": losses}


def _train_and_score(
    setting: _Setting, seed: int, fold: int, arm: Arm, augment: bool
) -> Generator[dict[str, Any], None, _Outcome]:
    """Train one arm's network for a seed and fold, save it, score it on the fold's test
    images; yields its epochs."""
    data, config, folds, device = setting.data, setting.config, setting.folds, setting.device
    name = arm.name(augment)
    augmentation = setting.augmentation[fold] if augment else None
    fitted = yield from _fit_arm(setting, seed, fold, arm, augmentation, name)
    network, result, common = fitted.network, fitted.result, fitted.common
    test = folds[fold]
    save_checkpoint(
        {
            "network": network.state_dict(),
            "experiment": json.dumps(asdict(config)),
            "classes": data.classes,
        },
        setting.run_dir / "models" / path_name(name) / f"seed{seed}_fold{fold}.pt",
    )
    common |= {"best_epoch": result.best_epoch, "epochs_run": len(result.curve)}
    common["hit_epoch_cap"] = int(fitted.hit_cap)
    labelled = None
    if config.task == "classification":
        assert isinstance(data, SliceData)
        with torch.no_grad():
            logits = network(torch.from_numpy(data.images[test]).to(device))
        predicted = logits.argmax(1).cpu().numpy()
        labels = _class_labels(data)
        rows = _score_classification(data, test, predicted, labels, common)
    else:
        labelled = data.predict(network, test, config, device)
        rows = _score_segmentation(data, test, labelled, common)
        if isinstance(data, VolumeData):
            folder = setting.run_dir / "predictions" / path_name(name)
            data.write_predictions(folder, seed, test, labelled)
            labelled = None
    return _Outcome(name, seed, fold, fitted.steps, fitted.hit_cap, rows, fitted.curve, labelled)


def iter_experiment(config: ExperimentConfig, run_dir: str | Path) -> Iterator[dict[str, Any]]:
    """Run every arm × seed × fold; yields progress events; writes the run directory.

    Events: ``{"event": "epoch", arm, seed, fold, epoch, train_loss, val_loss}``,
    ``{"event": "arm", arm, seed, fold, done, total}``, ``{"event": "end", run_dir}``.
    Closing the iterator stops the job after the current epoch; results.csv keeps the
    finished arms.

    Under torchrun (``gan-augment evaluate``) the ranks share the work: the generators of
    the folds, then the networks, in turns; each network is seeded by its seed and fold
    alone, so the results are those of one process. Each rank writes the models and files
    of its own networks; rank 0 writes the files they share.
    """
    run_dir = Path(run_dir)
    group = parallel.process_group()
    if (run_dir / "results.csv").exists() or (run_dir / "experiment.json").exists():
        raise InputError(f"{run_dir} already holds an experiment; choose a new run directory")
    data = load_data(config)
    folds = held_out_folds(data, config)
    for test in folds:
        training_pool(data, test, config)  # refuses a train_limit too large
    device = resolve_device(config.device)
    precision = resolve_precision(config.precision, device, spatial_dims=config.spatial_dims)
    # experiment.json names the precision that runs, so the experiment repeats as it ran
    config = dataclasses.replace(config, precision=precision.name)
    parallel.barrier()  # every rank checked the folder before rank 0 writes into it
    run_dir.mkdir(parents=True, exist_ok=True)
    if group.rank == 0:
        write_json(run_dir / "experiment.json", asdict(config))
    yield from attach_generators(data, config, folds, run_dir)
    setting = _Setting(data, config, folds, device, precision, run_dir)
    yield from _tune_augmentation(setting)
    writer = _Writer(run_dir)
    predictions: dict[str, np.ndarray] = {}
    test_order = np.concatenate(folds)
    position = {int(index): place for place, index in enumerate(test_order)}
    runs = [
        (seed, fold, arm, augment)
        for seed in range(config.seeds)
        for fold in range(len(folds))
        for arm in config.parsed_arms
        for augment in arm.augment_choices(config.augment)
    ]
    budgets: dict[str, int] = {}
    capped: dict[str, dict[str, int]] = {}
    for turn in range(0, len(runs), group.size):  # one network per rank per turn
        mine = runs[turn + group.rank] if turn + group.rank < len(runs) else None
        outcome = (yield from _train_and_score(setting, *mine)) if mine else None
        for number, done in enumerate(parallel.gather_to_all(outcome), start=turn + 1):
            if not isinstance(done, _Outcome):
                continue
            budgets[done.name] = done.steps
            tally = capped.setdefault(done.name, {"hit": 0, "runs": 0})
            tally["hit"] += int(done.hit_cap)
            tally["runs"] += 1
            writer.rows.extend(done.rows)
            if done.labelled is not None:
                assert isinstance(data, SliceData)
                key = f"{done.name}/seed{done.seed}"
                predictions.setdefault(
                    key, np.zeros((len(test_order),) + data.masks.shape[1:], np.int32)
                )
                test = folds[done.fold]
                predictions[key][[position[int(i)] for i in test]] = np.stack(done.labelled)
            if group.rank == 0:
                writer.save(done.curve)
            yield {
                "event": "arm",
                "arm": done.name,
                "seed": done.seed,
                "fold": done.fold,
                "done": number,
                "total": len(runs),
            }
    if group.rank > 0:  # rank 0 writes what the networks share
        yield {"event": "end", "run_dir": str(run_dir)}
        return
    if isinstance(data, VolumeData):
        shown = [arm.name(False) for arm in config.parsed_arms]
        data.prediction_figure(run_dir, int(folds[0][0]), shown)
    if predictions:
        assert isinstance(data, SliceData)
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
    summary["split"] = describe_split(data.layout, data.names, config.split, config.guard_mm, folds)
    if setting.tuning:
        summary["augmentation_tuning"] = setting.tuning
    if data.gate_records:
        summary["quality_gate"] = data.gate_records
    summary["real_pairs"] = {
        "unit": data.unit,
        "total": data.count,
        "test": [len(f) for f in folds],
        "training_pool": [len(training_pool(data, f, config)) for f in folds],
    }
    write_json(run_dir / "summary.json", summary)
    from ..report import write_report

    write_report(run_dir)
    yield {"event": "end", "run_dir": str(run_dir)}


def run_experiment(config: ExperimentConfig, run_dir: str | Path) -> dict[str, Any]:
    """Run :func:`iter_experiment` to the end; returns the summary."""
    for _ in iter_experiment(config, run_dir):
        pass
    return dict(json.loads((Path(run_dir) / "summary.json").read_text()))
