"""Train on synthetic, test on real: the task-grounded quality figure (Shmelkov et al. 2018).

The same small MONAI U-Net, with the same number of Adam steps and seeds, is trained once on
synthetic pairs only and once on the real training pairs; both are scored (mean Dice) on
real held-out pairs that the generator never saw. The ratio synthetic / real says how much
of what real data teaches a segmenter the synthetic pairs teach it: 1.0 = as much.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from ..segmentation.networks import segmentation_loss, segmentation_network
from .metrics import segmentation_metrics
from .networks import fit, predict_labels

Arrays = tuple[np.ndarray, np.ndarray]  # images (N, 1, S, S) in [-1, 1], labels (N, S, S)


@dataclass(frozen=True)
class TrainOnSynthetic:
    """Mean Dice on real held-out pairs of segmenters trained on synthetic or real pairs."""

    synthetic_dice: float
    real_dice: float
    ratio: float
    per_seed_synthetic: list[float]
    per_seed_real: list[float]
    steps: int
    test_count: int
    synthetic_count: int
    real_count: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self) -> str:
        """The result in plain words."""
        return (
            f"A U-Net trained only on {self.synthetic_count} synthetic pairs reaches "
            f"{self.ratio:.0%} of the Dice of the same U-Net trained on the "
            f"{self.real_count} real training pairs ({self.synthetic_dice:.3f} vs "
            f"{self.real_dice:.3f}, mean of {len(self.per_seed_real)} seeds, "
            f"{self.steps} steps each), both tested on {self.test_count} real pairs the "
            "generator never saw."
        )


def train_segmenter(
    train: Arrays, classes: int, steps: int, seed: int, device: torch.device, batch_size: int = 16
) -> torch.nn.Module:
    """A 16-filter MONAI U-Net after ``steps`` Adam steps on ``train`` (in eval mode)."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    network = segmentation_network("unet", classes, 16).to(device)
    images, labels = train[0].astype(np.float32), train[1][:, None].astype(np.int64)

    def batches() -> Any:
        while True:
            index = rng.choice(len(images), batch_size, replace=len(images) < batch_size)
            yield images[index], labels[index]

    # One epoch of exactly ``steps`` steps: the same budget for every training set, so
    # early stopping cannot favour one; the validation pass of ``fit`` is then moot.
    for _ in fit(
        network,
        segmentation_loss("dicece"),
        batches(),
        steps,
        (images[:batch_size], labels[:batch_size]),
        1,
        1,
        1e-3,
        device,
    ):
        pass
    return network


def segmenter_dice(
    train: Arrays,
    test: Arrays,
    classes: int,
    spacing: tuple[float, ...],
    steps: int,
    seed: int,
    device: torch.device,
) -> float:
    """Mean Dice on ``test`` of :func:`train_segmenter` on ``train``."""
    network = train_segmenter(train, classes, steps, seed, device)
    predicted = predict_labels(network, test[0].astype(np.float32), device)
    scores = [
        segmentation_metrics(p, t, spacing, classes)["mean_dice"]
        for p, t in zip(predicted, test[1], strict=True)
    ]
    return float(np.nanmean(scores))


def train_on_synthetic(
    synthetic: Arrays,
    real: Arrays,
    test: Arrays,
    classes: int,
    spacing: tuple[float, ...],
    steps: int = 300,
    seeds: int = 2,
    device: torch.device | None = None,
    on_real: list[float] | None = None,
) -> TrainOnSynthetic:
    """Compare a segmenter trained on ``synthetic`` with one trained on ``real``, on ``test``.

    ``on_real``: the per-seed real Dice of an earlier call with the same real/test pairs,
    steps and seeds (its ``per_seed_real``), to compare several synthetic sets without
    retraining the same real segmenters."""
    device = device or torch.device("cpu")
    on_synthetic = [
        segmenter_dice(synthetic, test, classes, spacing, steps, seed, device)
        for seed in range(seeds)
    ]
    if on_real is None:
        on_real = [
            segmenter_dice(real, test, classes, spacing, steps, seed, device)
            for seed in range(seeds)
        ]
    elif len(on_real) != seeds:
        raise ValueError(f"on_real has {len(on_real)} seeds, expected {seeds}")
    synthetic_dice, real_dice = float(np.mean(on_synthetic)), float(np.mean(on_real))
    return TrainOnSynthetic(
        synthetic_dice,
        real_dice,
        synthetic_dice / real_dice if real_dice > 0 else float("nan"),
        on_synthetic,
        on_real,
        steps,
        len(test[0]),
        len(synthetic[0]),
        len(real[0]),
    )
