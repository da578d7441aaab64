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

from ...atomic import save_npz, write_json, write_text
from ...devices import resolve_device
from ...errors import InputError
from ...precision import resolve_precision
from ...training.checkpoint import save_checkpoint
from ...updates import Updates
from ..metrics import segmentation_metrics
from ..networks import (
    FitResult,
    classification_network,
    fit,
    segmentation_loss,
    segmentation_network,
)
from .batches import arm_batches, as_targets
from .config import ExperimentConfig, path_name, seed_of
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
    data = load_data(config)
    folds = held_out_folds(data, config)
    for test in folds:
        training_pool(data.count, test, config)  # refuses a train_limit too large
    device = resolve_device(config.device)
    precision = resolve_precision(config.precision, device)
    # experiment.json names the precision that runs, so the experiment repeats as it ran
    config = dataclasses.replace(config, precision=precision.name)
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json(run_dir / "experiment.json", asdict(config))
    yield from attach_generators(data, config, folds, run_dir)
    writer = _Writer(run_dir)
    predictions: dict[str, np.ndarray] = {}
    test_order = np.concatenate(folds)
    position = {int(index): place for place, index in enumerate(test_order)}
    runs = [
        (seed, fold, arm, augment)
        for seed in range(config.seeds)
        for fold in range(len(folds))
        for arm in config.parsed_arms
        for augment in config.augment
    ]
    transformed: dict[tuple[int, int, str], tuple[np.ndarray, np.ndarray]] = {}
    budgets: dict[str, int] = {}
    capped: dict[str, dict[str, int]] = {}
    for number, (seed, fold, arm, augment) in enumerate(runs):
        name = arm.name(augment)
        pool = training_pool(data.count, folds[fold], config)
        train, validation = split_validation(
            pool, config.validation_fraction, np.random.default_rng(seed_of(seed, fold))
        )
        run = arm.run
        extra = data.synthetic.get((run, fold))
        if config.task == "classification":
            assert isinstance(data, SliceData)  # the config refuses classification in 3D
            labels = np.asarray(data.masks.reshape(data.count, -1).any(axis=1), np.int64)
            real = (data.images[train], labels[train])
            validation_set = (data.images[validation], labels[validation])
            if arm.base == "real+synthetic":
                if (seed, fold, run) not in transformed:
                    free = train[labels[train] == 0]
                    picks = np.resize(free, config.synthetic_count)
                    transformed[(seed, fold, run)] = (
                        object_class_images(data, data.images[picks], run, fold),
                        np.ones(len(picks), np.int64),
                    )
                extra = transformed[(seed, fold, run)]
        else:
            real = data.samples(train, config, seed_of(seed, fold, 5))
            images, masks = data.samples(validation, config, seed_of(seed, fold, 6))
            validation_set = (images, as_targets(masks, config))
        batches, steps = arm_batches(data, config, arm, real, seed, fold, augment, extra)
        budgets[name] = steps
        torch.manual_seed(seed_of(seed, fold, 3))
        if config.task == "classification":
            network = classification_network().to(device)
            loss_fn: Any = torch.nn.CrossEntropyLoss()
        else:
            network = segmentation_network(
                config.network, data.classes, config.base_filters, config.spatial_dims
            ).to(device)
            loss_fn = segmentation_loss(config.loss)
        precision.apply(network)
        common = {"arm": name, "seed": seed, "fold": fold}
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
            Updates(precision),
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
            assert isinstance(data, SliceData)
            with torch.no_grad():
                logits = network(torch.from_numpy(data.images[test]).to(device))
            predicted = logits.argmax(1).cpu().numpy()
            writer.add(_score_classification(data, test, predicted, labels, common))
        else:
            labelled = data.predict(network, test, config, device)
            writer.add(_score_segmentation(data, test, labelled, common))
            if isinstance(data, VolumeData):
                folder = run_dir / "predictions" / path_name(name)
                data.write_predictions(folder, seed, test, labelled)
            elif isinstance(data, SliceData):
                key = f"{name}/seed{seed}"
                predictions.setdefault(
                    key, np.zeros((len(test_order),) + data.masks.shape[1:], np.int32)
                )
                predictions[key][[position[i] for i in test]] = np.stack(labelled)
        yield {
            "event": "arm",
            "arm": name,
            "seed": seed,
            "fold": fold,
            "done": number + 1,
            "total": len(runs),
        }
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
    if data.gate_records:
        summary["quality_gate"] = data.gate_records
    summary["real_pairs"] = {
        "unit": data.unit,
        "total": data.count,
        "test": [len(f) for f in folds],
        "training_pool": [len(training_pool(data.count, f, config)) for f in folds],
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
