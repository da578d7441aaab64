"""Summaries of one arm and paired comparisons of two arms (paired by seed or image)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..errors import InputError

#: Below this many paired values no interval or test is worded as evidence: with n pairs the
#: smallest two-sided Wilcoxon p is 2 / 2**n (0.5 at n = 2, 0.0625 at n = 5).
MIN_PAIRS_FOR_TEST = 5


def smallest_wilcoxon_p(n: int) -> float:
    """The smallest two-sided exact Wilcoxon signed-rank p-value reachable with ``n`` pairs."""
    return float(2.0 / 2**n)


@dataclass(frozen=True)
class Summary:
    """Mean ± sd, median and bootstrap 95 % CI of the mean, over ``n`` finite values."""

    n: int
    skipped: int
    mean: float
    sd: float
    median: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class PairedComparison:
    """``b − a`` over paired values, with tests and an effect size."""

    n: int
    mean_difference: float
    ci_low: float
    ci_high: float
    wilcoxon_p: float
    t_test_p: float
    cohens_d: float
    verdict: str


def bootstrap_ci(
    values: np.ndarray, seed: int = 0, resamples: int = 10_000, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean (``scipy.stats.bootstrap``, a fixed seed); one
    value, or values all alike, give the degenerate interval at that value."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2 or np.ptp(values) == 0:
        return float(values.mean()), float(values.mean())
    result = stats.bootstrap(
        (values,),
        np.mean,
        n_resamples=resamples,
        confidence_level=level,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def summarise(values: Sequence[float], seed: int = 0) -> Summary:
    """Summary of one arm's values; NaN (undefined, e.g. HD of an empty mask) are skipped."""
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    if len(finite) == 0:
        raise InputError("no finite values to summarise")
    low, high = bootstrap_ci(finite, seed)
    sd = float(finite.std(ddof=1)) if len(finite) > 1 else 0.0
    return Summary(
        len(finite),
        len(array) - len(finite),
        float(finite.mean()),
        sd,
        float(np.median(finite)),
        low,
        high,
    )


def compare_paired(
    a: Sequence[float],
    b: Sequence[float],
    metric: str = "Dice",
    names: tuple[str, str] = ("A", "B"),
    points: float = 100.0,
    seed: int = 0,
) -> PairedComparison:
    """Paired comparison of arm ``b`` against arm ``a`` (same seeds/images in the same order).

    Args:
        a, b: paired values; pairs with a NaN on either side are dropped.
        metric: its name in the verdict.
        names: the arms' names in the verdict.
        points: scale of differences in the verdict (100 → "Dice points").
        seed: for the bootstrap.
    """
    first, second = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if first.shape != second.shape:
        raise InputError(
            f"paired arms need as many values each, got {len(first)} and {len(second)}"
        )
    keep = np.isfinite(first) & np.isfinite(second)
    diff = second[keep] - first[keep]
    if len(diff) < 2:
        raise InputError(
            f"a paired comparison needs at least 2 complete pairs, got {len(diff)}; run more seeds"
        )
    low, high = bootstrap_ci(diff, seed)
    sd = diff.std(ddof=1)
    if np.all(diff == 0):
        wilcoxon_p, t_p = 1.0, 1.0
    else:
        wilcoxon_p = float(stats.wilcoxon(second[keep], first[keep]).pvalue)
        t_p = float(stats.ttest_rel(second[keep], first[keep]).pvalue) if sd > 0 else 0.0
    if sd > 0:
        effect = float(diff.mean() / sd)
    else:  # every difference equal: no spread to scale by (all zero: no effect at all)
        effect = float(np.sign(diff.mean())) * math.inf if diff.mean() else 0.0
    if len(diff) < MIN_PAIRS_FOR_TEST:
        verdict = (
            f"{names[1]} vs {names[0]}: {diff.mean() * points:+.1f} {metric} points over "
            f"n = {len(diff)} — too few for a test or an interval (the smallest p a "
            f"two-sided Wilcoxon test can reach with n = {len(diff)} is "
            f"{smallest_wilcoxon_p(len(diff)):.2g}); run at least 6 seeds"
        )
    else:
        verdict = (
            f"{names[1]} vs {names[0]}: {diff.mean() * points:+.1f} {metric} points, 95% CI "
            f"[{low * points:.1f}, {high * points:.1f}], p = {wilcoxon_p:.2g} (Wilcoxon, n = "
            f"{len(diff)})"
        )
    return PairedComparison(
        len(diff), float(diff.mean()), low, high, wilcoxon_p, t_p, effect, verdict
    )
