"""Per-seed scores and the paired comparisons: every synthetic arm against the strongest
baseline first (``real+aug``, tuned where the experiment tunes it), then against ``real``;
every other arm against ``real``."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import numpy as np

from ..statistics import compare_paired, summarise
from .config import PRIMARY, SECONDARY, Arm, ExperimentConfig

#: the baseline a synthetic arm must beat: the augmentation users already have
STRONGEST_BASELINE = "real+aug"


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
    """Per-arm summaries of every per-seed metric and the paired comparisons on the primary
    metric: a synthetic arm against ``real+aug`` first (when it ran), then against ``real``
    (or the first arm); any other arm against ``real``."""
    scores = per_seed_scores(rows, config.task)
    primary = PRIMARY[config.task]
    per_arm = scores[primary]
    reference = "real" if "real" in per_arm else next(iter(per_arm))
    summary: dict[str, Any] = {
        "task": config.task,
        "metric": f"{primary} per seed (mean over test "
        + ("volumes)" if config.spatial_dims == 3 else "images)"),
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
        baselines = [reference]
        if Arm.parse(arm).synthetic and STRONGEST_BASELINE in per_arm:
            baselines = [STRONGEST_BASELINE, reference]
        for baseline in baselines:
            base = per_arm[baseline]
            if arm != baseline and len(values) >= 2 and len(values) == len(base):
                summary["comparisons"][f"{arm} vs {baseline}"] = asdict(
                    compare_paired(base, values, metric=label, names=(baseline, arm))
                )
    if primary == "mean_dice" and {"real", "synthetic"} <= set(per_arm):
        real, synthetic = float(np.mean(per_arm["real"])), float(np.mean(per_arm["synthetic"]))
        summary["train_on_synthetic"] = {
            "real": real,
            "synthetic": synthetic,
            "ratio": synthetic / real if real > 0 else math.nan,
        }
    return summary
