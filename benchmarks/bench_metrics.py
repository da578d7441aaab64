"""The cost of the project's segmentation metrics on a full 1 mm brain volume.

Run: ``python benchmarks/bench_metrics.py`` (about a minute on 2 cores).

A 197×233×189 pair (the MNI ICBM152 1 mm grid): the bundled tissue mask resampled to it
(nearest) as the truth, and a prediction with realistic boundary errors (grey matter grown by
one voxel, white matter shrunk by one). ``segmentation_metrics`` (input checks, Dice, IoU,
HD, HD95, ASD in mm, sensitivity, specificity, FP, FN per class) against MONAI's five metric
classes run directly on the same labels (one-hot conversion included), best of 3, interleaved.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from _report import write_section
from monai.metrics import DiceMetric, HausdorffDistanceMetric, MeanIoU, SurfaceDistanceMetric
from scipy import ndimage
from skimage.transform import resize

from napari_gan_augment.data.sample import load_sample
from napari_gan_augment.evaluation.metrics import segmentation_metrics

SHAPE = (197, 233, 189)


def volume_pair() -> tuple[np.ndarray, np.ndarray]:
    _, mask = load_sample()
    truth = resize(mask.data, SHAPE, order=0, preserve_range=True, anti_aliasing=False)
    truth = truth.astype(np.uint8)
    prediction = truth.copy()
    prediction[ndimage.binary_dilation(truth == 1) & (truth == 0)] = 1
    prediction[(truth == 2) & ~ndimage.binary_erosion(truth == 2)] = 1
    return prediction, truth


def monai_directly(prediction: np.ndarray, truth: np.ndarray) -> None:
    def one_hot(labels: np.ndarray) -> torch.Tensor:
        tensor = torch.from_numpy(labels.astype(np.int64))
        return torch.nn.functional.one_hot(tensor, 3).movedim(-1, 0)[None].float()

    pred, gold = one_hot(prediction), one_hot(truth)
    for metric in (
        DiceMetric(include_background=False, reduction="none"),
        MeanIoU(include_background=False, reduction="none"),
        HausdorffDistanceMetric(include_background=False, reduction="none"),
        HausdorffDistanceMetric(include_background=False, percentile=95, reduction="none"),
        SurfaceDistanceMetric(include_background=False, symmetric=True, reduction="none"),
    ):
        metric(pred, gold)


def seconds(run, *args) -> float:
    start = time.perf_counter()
    run(*args)
    return time.perf_counter() - start


def main() -> None:
    prediction, truth = volume_pair()
    ours, direct = [], []
    for _ in range(3):  # interleaved, so drifting CPU speed hits both alike
        ours.append(seconds(segmentation_metrics, prediction, truth, (1.0, 1.0, 1.0)))
        direct.append(seconds(monai_directly, prediction, truth))
    scores = segmentation_metrics(prediction, truth, (1.0, 1.0, 1.0))
    write_section(
        "metrics",
        "\n".join(
            [
                "## Metrics on a 197×233×189 volume (1 mm, 2 tissue classes)",
                "",
                "| computation | seconds (best of 3) |",
                "|---|---|",
                f"| `segmentation_metrics` (checks + 10 metrics per class) | {min(ours):.2f} |",
                f"| MONAI's Dice, IoU, HD, HD95, ASD classes directly | {min(direct):.2f} |",
                "",
                f"Ratio: {min(ours) / min(direct):.2f}× the direct MONAI calls. The pair: "
                f"mean Dice {scores['mean_dice']:.3f}, HD95 {scores['hd95_mm_1']:.1f} / "
                f"{scores['hd95_mm_2']:.1f} mm (grey / white matter).",
            ]
        ),
    )


if __name__ == "__main__":
    main()
