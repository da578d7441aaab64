"""Quality gate: keep only generated pairs whose mask a real-trained segmenter agrees with and
that are no near-copy of a real training pair; say how many were dropped and why.

A pair whose image does not show what its mask says teaches a segmenter the wrong thing, and
a near-copy adds nothing but memorised data. The segmenter is trained on the same real
training pairs the generator learned from (never on test images); its agreement with a
synthetic mask is the Dice between that mask and its prediction on the synthetic image.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from ..config import settings_from_dict
from ..errors import InputError
from .metrics import segmentation_metrics
from .networks import predict_labels
from .quality import nearest_distances
from .yardstick import Arrays, train_segmenter


@dataclass(frozen=True)
class GateSettings:
    """Attributes:
    min_fidelity: keep pairs whose mask has at least this mean Dice with the segmenter's
        prediction on their image.
    near_copy_quantile: drop pairs closer (RMS pixels) to a real image than this quantile of
        real-to-real nearest distances; 0 keeps near-copies.
    segmenter_steps: Adam steps of the real-trained U-Net.
    oversample: draw this many times the wanted count, so enough pass.
    """

    min_fidelity: float = 0.5
    near_copy_quantile: float = 0.05
    segmenter_steps: int = 300
    oversample: float = 2.0

    def __post_init__(self) -> None:
        if not 0 <= self.min_fidelity <= 1 or not 0 <= self.near_copy_quantile < 1:
            raise InputError("min_fidelity must be in [0, 1] and near_copy_quantile in [0, 1)")
        if self.oversample < 1 or self.segmenter_steps < 1:
            raise InputError("oversample must be >= 1 and segmenter_steps >= 1")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> GateSettings:
        return settings_from_dict(cls, raw, "gate")


def gate_segmenter(
    real: Arrays, classes: int, settings: GateSettings, device: torch.device, seed: int = 0
) -> torch.nn.Module:
    """The U-Net the gate trusts: trained on the real training pairs only."""
    return train_segmenter(real, classes, settings.segmenter_steps, seed, device)


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
        segmenter: the real-trained segmenter of an earlier call with the same ``real``,
            settings and seed (:func:`gate_segmenter`), to gate several sets with one.
    """
    network = segmenter or gate_segmenter(real, classes, settings, device, seed)
    predicted = predict_labels(network, synthetic[0].astype(np.float32), device)
    fidelity = np.array(
        [
            segmentation_metrics(p, m, spacing, classes)["mean_dice"]
            for p, m in zip(predicted, synthetic[1], strict=True)
        ]
    )
    faithful = np.nan_to_num(fidelity, nan=0.0) >= settings.min_fidelity
    copies = np.zeros(len(fidelity), bool)
    threshold = None
    if settings.near_copy_quantile > 0 and len(real[0]) > 1:
        to_real, _ = nearest_distances(synthetic[0], real[0])
        real_to_real, _ = nearest_distances(real[0], real[0], exclude_self=True)
        threshold = float(np.quantile(real_to_real, settings.near_copy_quantile))
        copies = to_real < threshold
    keep = faithful & ~copies
    record = {
        "settings": asdict(settings),
        "drawn": len(keep),
        "kept": int(keep.sum()),
        "dropped_low_fidelity": int((~faithful).sum()),
        "dropped_near_copy": int((faithful & copies).sum()),
        "fidelity_median": float(np.nanmedian(fidelity)) if len(fidelity) else float("nan"),
        "near_copy_threshold": threshold,
        "segmenter": f"MONAI UNet, {settings.segmenter_steps} steps on {len(real[0])} real "
        "training pairs",
    }
    return keep, record
