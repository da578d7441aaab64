"""Segmentation experiments: does synthetic data help a segmentation network?

One job trains a MONAI ``UNet`` per arm and seed on 2D pairs and scores it on one fixed,
held-out test set. Arms (any subset):

- ``real``: the real training pairs;
- ``real+synthetic``: plus a fixed set of ``synthetic_count`` pairs from a generator run;
- ``synthetic``: the synthetic pairs only;

each without and/or with standard augmentation (``augment: [false, true]``; see
``augmentation.py``), named ``<arm>+aug`` when augmented.

The seed drives the train/validation split and the initialisation, so arms are paired by
seed; the test set never changes. Writes ``results.csv`` (one row per test image × arm ×
seed) and ``summary.json`` (per-arm summaries and paired comparisons with a verdict).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from monai.losses import DiceCELoss
from monai.networks.nets import UNet

from ..config import DataConfig, read_settings
from ..data.pairset import PairSet
from ..data.sources import pairset_from_config
from ..devices import resolve_device
from ..errors import InputError
from ..synthesis import load_generator, synthesize_pairs
from .augmentation import augment_batch, standard_augmentation
from .metrics import segmentation_metrics
from .statistics import compare_paired, summarise

ARMS = ("real", "real+synthetic", "synthetic")


@dataclass(frozen=True)
class ExperimentConfig:
    """What to compare. Defaults follow Neff et al. (U-Net, Adam 1e-4) at CPU scale."""

    data: DataConfig = field(default_factory=DataConfig)
    synthetic_run: str | None = None
    synthetic_count: int = 64
    arms: tuple[str, ...] = ("real", "real+synthetic")
    augment: tuple[bool, ...] = (False,)
    seeds: int = 10
    image_size: int = 64
    epochs: int = 30
    batch_size: int = 8
    learning_rate: float = 1e-4
    patience: int = 5
    test_fraction: float = 0.2
    validation_fraction: float = 0.2
    base_filters: int = 16
    device: str = "auto"

    def __post_init__(self) -> None:
        object.__setattr__(self, "arms", tuple(self.arms))
        object.__setattr__(self, "augment", tuple(bool(a) for a in self.augment))
        if not self.augment:
            raise InputError("augment must list at least one of false/true")
        unknown = set(self.arms) - set(ARMS)
        if unknown or not self.arms:
            raise InputError(f"arms must be a non-empty subset of {ARMS}, got {self.arms}")
        if self.seeds < 1:
            raise InputError(f"seeds must be at least 1, got {self.seeds}")
        if any(a != "real" for a in self.arms) and not self.synthetic_run:
            raise InputError(
                f"arms {[a for a in self.arms if a != 'real']} need synthetic_run: the run "
                "directory of a trained generator of pairs"
            )

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ExperimentConfig:
        values = dict(raw)
        known = {f.name for f in fields(cls)}
        if set(values) - known:
            raise InputError(
                f"unknown experiment keys {sorted(set(values) - known)}; known: {sorted(known)}"
            )
        if isinstance(values.get("data"), Mapping):
            try:
                values["data"] = DataConfig(**values["data"])
            except TypeError as exc:
                raise InputError(f"experiment data settings: {exc}") from exc
        return cls(**values)

    @classmethod
    def load(cls, path: str | Path) -> ExperimentConfig:
        """Read an experiment config (YAML or JSON)."""
        return cls.from_dict(read_settings(path))


def arm_name(arm: str, augment: bool) -> str:
    """``"real"``, ``"real+aug"``, ``"real+synthetic+aug"``…"""
    return f"{arm}+aug" if augment else arm


def _split(count: int, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(count)
    held = max(1, int(round(fraction * count)))
    return order[held:], order[:held]


def _network(config: ExperimentConfig, classes: int) -> torch.nn.Module:
    nf = config.base_filters
    # Neff et al.: a U-Net of 3 levels (64 filters at full size); no batch norm in segmentation
    return UNet(
        2, 1, classes, (nf, 2 * nf, 4 * nf, 8 * nf), (2, 2, 2), num_res_units=1, norm="INSTANCE"
    )


def _train_and_predict(
    config: ExperimentConfig,
    images: np.ndarray,
    masks: np.ndarray,
    test_images: np.ndarray,
    classes: int,
    seed: int,
    device: torch.device,
    augment: bool = False,
) -> tuple[np.ndarray, int]:
    """Train with early stopping on a seeded validation split; predict the test images."""
    rng = np.random.default_rng(seed)
    train_index, val_index = _split(len(images), config.validation_fraction, rng)
    torch.manual_seed(seed)
    net = _network(config, classes).to(device)
    optimiser = torch.optim.Adam(net.parameters(), lr=config.learning_rate)
    loss_fn = DiceCELoss(to_onehot_y=True, softmax=True)
    x = torch.from_numpy(images).to(device)
    y = torch.from_numpy(masks[:, None].astype(np.int64)).to(device)
    transform = standard_augmentation(config.image_size, seed) if augment else None
    best_loss, best_state, best_epoch, waited = float("inf"), None, 0, 0
    for epoch in range(config.epochs):
        net.train()
        order = rng.permutation(train_index)
        for start in range(0, len(order), config.batch_size):
            index = order[start : start + config.batch_size]
            inputs, targets = x[index], y[index]
            if transform is not None:
                moved_images, moved_masks = augment_batch(transform, images[index], masks[index])
                inputs = torch.from_numpy(moved_images).to(device)
                targets = torch.from_numpy(moved_masks[:, None]).to(device)
            optimiser.zero_grad(set_to_none=True)
            loss_fn(net(inputs), targets).backward()
            optimiser.step()
        net.eval()
        with torch.no_grad():
            val_loss = float(loss_fn(net(x[val_index]), y[val_index]))
        if val_loss < best_loss:
            best_loss, best_epoch, waited = val_loss, epoch, 0
            best_state = {k: v.clone() for k, v in net.state_dict().items()}
        else:
            waited += 1
            if waited >= config.patience:
                break
    assert best_state is not None
    net.load_state_dict(best_state)
    net.eval()
    with torch.no_grad():
        logits = net(torch.from_numpy(test_images).to(device))
    return logits.argmax(1).cpu().numpy(), best_epoch


def iter_experiment(config: ExperimentConfig, run_dir: str | Path) -> Iterator[dict[str, Any]]:
    """Run every arm × seed; yields progress events; writes results.csv and summary.json."""
    run_dir = Path(run_dir)
    if (run_dir / "results.csv").exists():
        raise InputError(f"{run_dir} already holds results; choose a new run directory")
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "experiment.json").write_text(json.dumps(asdict(config), indent=2))
    pairs: PairSet = pairset_from_config(config.data)
    normaliser = pairs.fit_normaliser()
    images, masks = pairs.training_arrays(config.image_size, normaliser)
    train_index, test_index = _split(len(pairs), config.test_fraction, np.random.default_rng(0))
    if len(train_index) < 4:
        raise InputError(
            f"only {len(pairs)} pairs: too few to split into train, validation and test; add "
            "pairs or lower test_fraction"
        )
    classes = pairs.num_classes
    synthetic_images = synthetic_masks = None
    if config.synthetic_run:
        generator = load_generator(config.synthetic_run, device=config.device)
        if generator.spec.num_classes != classes:
            raise InputError(
                f"the synthetic run draws {generator.spec.num_classes} classes but the real "
                f"data has {classes}; train the generator on the same kind of masks"
            )
        raw_images, raw_masks = synthesize_pairs(generator, config.synthetic_count, seed=0)
        synthetic_images = normaliser.forward(raw_images)[:, None]
        synthetic_masks = raw_masks.astype(np.int32)
    device = resolve_device(config.device)
    rows: list[dict[str, Any]] = []
    total = len(config.arms) * len(config.augment) * config.seeds
    runs = [(a, g, s) for s in range(config.seeds) for a in config.arms for g in config.augment]
    for number, (arm, augment, seed) in enumerate(runs):
        arm_images, arm_masks = images[train_index], masks[train_index]
        if arm != "real":
            assert synthetic_images is not None and synthetic_masks is not None
            if arm == "synthetic":
                arm_images, arm_masks = synthetic_images, synthetic_masks
            else:
                arm_images = np.concatenate([arm_images, synthetic_images])
                arm_masks = np.concatenate([arm_masks, synthetic_masks])
        predictions, best_epoch = _train_and_predict(
            config, arm_images, arm_masks, images[test_index], classes, seed, device, augment
        )
        name = arm_name(arm, augment)
        for index, prediction in zip(test_index, predictions, strict=True):
            scores = segmentation_metrics(prediction, masks[index], pairs.spacing, classes)
            rows.append(
                {
                    "arm": name,
                    "seed": seed,
                    "image": pairs.provenance[index],
                    "best_epoch": best_epoch,
                    **scores,
                }
            )
        yield {"event": "arm", "arm": name, "seed": seed, "done": number + 1, "total": total}
    _write_results(run_dir, rows, config)
    yield {"event": "end", "run_dir": str(run_dir)}


def _write_results(run_dir: Path, rows: list[dict[str, Any]], config: ExperimentConfig) -> None:
    with open(run_dir / "results.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    per_seed: dict[str, list[float]] = {}
    for arm in dict.fromkeys(row["arm"] for row in rows):
        per_seed[arm] = [
            float(np.nanmean([r["mean_dice"] for r in rows if r["arm"] == arm and r["seed"] == s]))
            for s in range(config.seeds)
        ]
    summary: dict[str, Any] = {
        "metric": "mean Dice per seed (mean over test images)",
        "arms": {arm: asdict(summarise(values)) for arm, values in per_seed.items()},
        "comparisons": {},
    }
    if "real" in per_seed and config.seeds >= 2:
        for arm in per_seed:
            if arm != "real":
                summary["comparisons"][f"{arm} vs real"] = asdict(
                    compare_paired(per_seed["real"], per_seed[arm], names=("real", arm))
                )
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2))


def run_experiment(config: ExperimentConfig, run_dir: str | Path) -> dict[str, Any]:
    """Run :func:`iter_experiment` to the end; returns the summary."""
    for _ in iter_experiment(config, run_dir):
        pass
    return dict(json.loads((Path(run_dir) / "summary.json").read_text()))
