"""Per-image segmentation metrics, computed with MONAI and the image spacing.

Empty masks, defined (and documented in docs/evaluation.md):
- truth and prediction both empty for a class: Dice = IoU = 1, distances = 0 (full agreement);
- exactly one of them empty: Dice = IoU = 0, distances NaN (undefined), so means over images
  must skip NaN and report how many were skipped;
- sensitivity is NaN when the truth has no pixel of the class, specificity when it covers all.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import torch
from monai.metrics import DiceMetric, HausdorffDistanceMetric, MeanIoU, SurfaceDistanceMetric

from ..data.validation import check_labels, check_same_shape
from ..errors import InputError

MAX_CLASSES = 256


def _one_hot(labels: np.ndarray, num_classes: int) -> torch.Tensor:
    """``(1, C, *spatial)`` float one-hot, as MONAI's metrics take it."""
    tensor = torch.from_numpy(labels.astype(np.int64))
    return torch.nn.functional.one_hot(tensor, num_classes).movedim(-1, 0)[None].float()


def _distance(
    metric: object,
    pred: torch.Tensor,
    truth: torch.Tensor,
    spacing: Sequence[float],
    both_empty: np.ndarray,
) -> np.ndarray:
    with warnings.catch_warnings():  # MONAI warns on empty masks; we define them below
        warnings.simplefilter("ignore")
        values = metric(pred, truth, spacing=list(spacing)).numpy()[0]  # type: ignore[operator]
    values = np.where(np.isfinite(values), values, np.nan)
    return np.where(both_empty, 0.0, values)


def segmentation_metrics(
    prediction: np.ndarray,
    truth: np.ndarray,
    spacing: Sequence[float] | None = None,
    num_classes: int | None = None,
) -> dict[str, float]:
    """Dice, IoU, pixel accuracy, HD, HD95, ASD (mm), sensitivity, specificity, FP and FN.

    Args:
        prediction: integer labels (2D or 3D).
        truth: integer labels of the same shape.
        spacing: pixel/voxel size per axis (mm); 1 per axis when omitted.
        num_classes: labels including background (default: the largest label seen + 1).

    Returns:
        ``{"dice_1": …, "hd95_mm_1": …, …, "mean_dice": …, "mean_iou": …, "accuracy": …}``
        with one entry per foreground class ``c`` and metric.
    """
    prediction = check_labels(prediction, "prediction")
    truth = check_labels(truth, "ground truth")
    check_same_shape(prediction, truth, "prediction", "ground truth")
    if prediction.ndim not in (2, 3):
        raise InputError(f"metrics take 2D or 3D label images, got {prediction.ndim}D")
    spacing = tuple(spacing) if spacing is not None else (1.0,) * prediction.ndim
    if len(spacing) != prediction.ndim:
        raise InputError(f"spacing {spacing} does not match a {prediction.ndim}D image")
    classes = num_classes or int(max(prediction.max(), truth.max(), 1)) + 1
    if classes > MAX_CLASSES:  # one-hot tensors grow with classes × pixels
        raise InputError(
            f"labels go up to {classes - 1}; metrics are computed per class for up to "
            f"{MAX_CLASSES - 1} classes: are these label images (not intensities or instances)?"
        )
    pred, gold = _one_hot(prediction, classes), _one_hot(truth, classes)
    pred_any = pred[0, 1:].flatten(1).any(1).numpy()
    gold_any = gold[0, 1:].flatten(1).any(1).numpy()
    both_empty = ~pred_any & ~gold_any
    dice = DiceMetric(include_background=False, reduction="none", ignore_empty=False)
    iou = MeanIoU(include_background=False, reduction="none", ignore_empty=False)
    scores = {
        "dice": np.asarray(dice(pred, gold))[0],
        "iou": np.asarray(iou(pred, gold))[0],
        "hd_mm": _distance(
            HausdorffDistanceMetric(include_background=False, reduction="none"),
            pred,
            gold,
            spacing,
            both_empty,
        ),
        "hd95_mm": _distance(
            HausdorffDistanceMetric(include_background=False, percentile=95, reduction="none"),
            pred,
            gold,
            spacing,
            both_empty,
        ),
        "asd_mm": _distance(
            SurfaceDistanceMetric(include_background=False, symmetric=True, reduction="none"),
            pred,
            gold,
            spacing,
            both_empty,
        ),
    }
    result: dict[str, float] = {}
    for index, label in enumerate(range(1, classes)):
        # counted here, not with MONAI's get_confusion_matrix: it returns float32 counts, which
        # stop being exact above 2**24 voxels, and a whole CT volume has several times that
        p, t = prediction == label, truth == label
        tp, fp = int(np.sum(p & t)), int(np.sum(p & ~t))
        fn, tn = int(np.sum(~p & t)), int(np.sum(~p & ~t))
        for name, values in scores.items():
            result[f"{name}_{label}"] = float(values[index])
        result[f"sensitivity_{label}"] = tp / (tp + fn) if tp + fn else float("nan")
        result[f"specificity_{label}"] = tn / (tn + fp) if tn + fp else float("nan")
        result[f"fp_{label}"] = float(fp)
        result[f"fn_{label}"] = float(fn)
    result["mean_dice"] = float(np.mean(scores["dice"]))
    result["mean_iou"] = float(np.mean(scores["iou"]))
    result["accuracy"] = float(np.mean(prediction == truth))
    return result
