"""Comparing two label images: the metrics, a short summary first, and an FP/FN error map.

One implementation behind the Compare widget, ``gan-augment compare`` and
``api.compare_labels``, so all three give the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.io import read_image_file
from .metrics import segmentation_metrics

FALSE_POSITIVE, FALSE_NEGATIVE = 1, 2
#: error-map colours chosen apart from napari's first label colours (tissue classes 1, 2)
ERROR_COLOURS = {FALSE_POSITIVE: "magenta", FALSE_NEGATIVE: "yellow"}
SUMMARY_KEYS = ("mean_dice", "mean_iou", "accuracy")


def error_map(prediction: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """1 where the prediction labels a pixel differently and the truth says background (FP),
    2 where the truth has an object the prediction misses or mislabels (FN), 0 elsewhere."""
    errors = np.zeros(truth.shape, np.uint8)
    wrong = prediction != truth
    errors[wrong & (truth == 0)] = FALSE_POSITIVE
    errors[wrong & (truth > 0)] = FALSE_NEGATIVE
    return errors


@dataclass(frozen=True)
class Comparison:
    metrics: dict[str, float]
    errors: np.ndarray

    def rows(self) -> list[tuple[str, str]]:
        """``(metric, value)`` rows: the summary first, then per class; counts as integers."""
        order = [k for k in SUMMARY_KEYS if k in self.metrics]
        order += sorted(
            (k for k in self.metrics if k not in SUMMARY_KEYS),
            key=lambda k: (int(k.rsplit("_", 1)[1]), k),
        )
        return [(key, format_value(key, self.metrics[key])) for key in order]


def format_value(key: str, value: float) -> str:
    if key.startswith(("fp_", "fn_")):
        return f"{int(value):,}"
    return "n/a (empty)" if np.isnan(value) else f"{value:.4f}"


def compare_labels(
    prediction: np.ndarray, truth: np.ndarray, spacing: Sequence[float] | None = None
) -> Comparison:
    """Metrics of ``prediction`` against ``truth`` (same shape; ``spacing`` in mm per axis)."""
    metrics = segmentation_metrics(prediction, truth, spacing)
    return Comparison(metrics, error_map(np.asarray(prediction), np.asarray(truth)))


def compare_label_files(prediction: str | Path, truth: str | Path) -> Comparison:
    """:func:`compare_labels` on two files (NIfTI, TIFF, PNG); the spacing is the truth's."""
    truth_volume = read_image_file(truth)
    return compare_labels(read_image_file(prediction).data, truth_volume.data, truth_volume.spacing)
