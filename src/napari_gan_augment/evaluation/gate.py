"""Quality gate: keep only generated pairs whose mask a real-trained segmenter agrees with and
that are no near-copy of a real training pair; say how many were dropped and why.

A pair whose image does not show what its mask says teaches a segmenter the wrong thing, and
a near-copy adds nothing but memorised data. The segmenter is trained on the same real
training pairs the generator learned from (never on test images); its agreement with a
synthetic mask is the Dice between that mask and its prediction on the synthetic image.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

import numpy as np
import torch

from ..config import GateSettings
from ..data.normalise import IntensityNormaliser
from ..errors import InputError
from ..synthesis.generate import SyntheticBatch
from ..synthesis.routes import PairRoute, training_pairs
from .metrics import segmentation_metrics
from .networks import predict_labels
from .quality import nearest_distances
from .yardstick import Arrays, train_segmenter


def gate_segmenter(
    real: Arrays, classes: int, settings: GateSettings, device: torch.device, seed: int = 0
) -> torch.nn.Module:
    """The U-Net the gate trusts: trained on the real training pairs only."""
    return train_segmenter(real, classes, settings.segmenter_steps, seed, device)


class PairGate:
    """The gate for one generator: its real-trained segmenter and near-copy distance, and the
    running count of what it let through and why it dropped the rest.

    Args:
        real: the generator's real training pairs, images ``(N, 1, S, S)`` in [-1, 1] and
            labels ``(N, S, S)``.
        segmenter: a :func:`gate_segmenter` for the same ``real``, settings and seed, to
            share one between gates.
    """

    def __init__(
        self,
        real: Arrays,
        classes: int,
        spacing: tuple[float, ...],
        settings: GateSettings,
        device: torch.device,
        seed: int = 0,
        segmenter: torch.nn.Module | None = None,
    ) -> None:
        self.real, self.classes, self.spacing = real, classes, spacing
        self.settings, self.device = settings, device
        self.network = segmenter or gate_segmenter(real, classes, settings, device, seed)
        self.threshold = None
        if settings.near_copy_quantile > 0 and len(real[0]) > 1:
            real_to_real, _ = nearest_distances(real[0], real[0], exclude_self=True)
            self.threshold = float(np.quantile(real_to_real, settings.near_copy_quantile))
        self.counts = {"drawn": 0, "kept": 0, "dropped_low_fidelity": 0, "dropped_near_copy": 0}
        self.fidelities: list[float] = []

    def check(self, synthetic: Arrays) -> np.ndarray:
        """A boolean per pair: does it pass? (Counted in :meth:`record`.)"""
        predicted = predict_labels(self.network, synthetic[0].astype(np.float32), self.device)
        fidelity = np.array(
            [
                segmentation_metrics(p, m, self.spacing, self.classes)["mean_dice"]
                for p, m in zip(predicted, synthetic[1], strict=True)
            ]
        )
        faithful = np.nan_to_num(fidelity, nan=0.0) >= self.settings.min_fidelity
        copies = np.zeros(len(fidelity), bool)
        if self.threshold is not None:
            copies = nearest_distances(synthetic[0], self.real[0])[0] < self.threshold
        keep = faithful & ~copies
        self.fidelities.extend(fidelity.tolist())
        self.counts["drawn"] += len(keep)
        self.counts["kept"] += int(keep.sum())
        self.counts["dropped_low_fidelity"] += int((~faithful).sum())
        self.counts["dropped_near_copy"] += int((faithful & copies).sum())
        return keep

    def record(self) -> dict[str, Any]:
        """What was decided so far, for reports and provenance."""
        return {
            "settings": asdict(self.settings),
            **self.counts,
            "fidelity_median": float(np.nanmedian(self.fidelities))
            if self.fidelities
            else float("nan"),
            "near_copy_threshold": self.threshold,
            "segmenter": f"MONAI UNet, {self.settings.segmenter_steps} steps on "
            f"{len(self.real[0])} real training pairs",
        }

    def stream(
        self, batches: Iterable[SyntheticBatch], count: int, normaliser: IntensityNormaliser
    ) -> Iterator[SyntheticBatch]:
        """The passing pairs of ``batches`` (source intensities), renumbered from 0, until
        ``count`` passed or ``count × oversample`` were drawn (then fewer: see :meth:`record`)."""
        limit, kept = int(np.ceil(count * self.settings.oversample)), 0
        for batch in batches:
            if kept >= count or self.counts["drawn"] >= limit:
                return
            batch_images = normaliser.forward(batch.images)
            keep = self.check((batch_images[:, None], batch.masks.astype(np.int64)))
            index = np.flatnonzero(keep)[: count - kept]
            if len(index):
                yield SyntheticBatch(kept, batch.images[index], batch.masks[index])
                kept += len(index)


def gate_pairs(
    synthetic: Arrays,
    real: Arrays,
    classes: int,
    spacing: tuple[float, ...],
    settings: GateSettings,
    device: torch.device,
    seed: int = 0,
    segmenter: torch.nn.Module | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Which synthetic pairs pass (a boolean per pair) and a record of the decision.

    Args:
        synthetic, real: images ``(N, 1, S, S)`` in [-1, 1] and labels ``(N, S, S)``; ``real``
            are the generator's real training pairs.
        segmenter: see :class:`PairGate`.
    """
    gate = PairGate(real, classes, spacing, settings, device, seed, segmenter)
    return gate.check(synthetic), gate.record()


def gated_batches(
    route: PairRoute,
    count: int,
    settings: GateSettings,
    seed: int = 0,
    batch_size: int = 64,
) -> tuple[Iterator[SyntheticBatch], PairGate]:
    """Up to ``count`` pairs of ``route`` that pass a gate trained on the run's own training
    pairs (read again and checked against its fingerprints), and the gate, whose
    :meth:`PairGate.record` says how many were drawn and why the rest were dropped."""
    generator = route.generator
    if generator.spec.spatial_dims != 2:
        raise InputError(
            "the quality gate judges 2D pairs (a U-Net trained on 2D training pairs); a 3D "
            "run has no gate yet: generate without --gate"
        )
    gate = PairGate(
        training_pairs(generator),
        generator.spec.num_classes,
        generator.spacing,
        settings,
        generator.model.device,
        seed,
    )
    drawn = route.batches(int(np.ceil(count * settings.oversample)), seed, batch_size)
    return gate.stream(drawn, count, generator.normaliser), gate
