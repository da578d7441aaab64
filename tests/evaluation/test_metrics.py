"""Metrics against independent references (scipy distance transforms, hand-computed cases)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.ndimage import binary_erosion, distance_transform_edt
from scipy.stats import ttest_rel, wilcoxon

from napari_gan_augment.errors import InputError
from napari_gan_augment.evaluation import compare_paired, segmentation_metrics, summarise


def _surface(mask: np.ndarray) -> np.ndarray:
    return mask & ~binary_erosion(mask, border_value=0)


def _reference_distances(pred: np.ndarray, truth: np.ndarray, spacing) -> np.ndarray:
    """All surface-to-surface distances both ways, via scipy's exact EDT."""
    to_truth = distance_transform_edt(~_surface(truth), sampling=spacing)[_surface(pred)]
    to_pred = distance_transform_edt(~_surface(pred), sampling=spacing)[_surface(truth)]
    return np.concatenate([to_truth, to_pred])


def test_hand_computed_square_case() -> None:
    truth = np.zeros((10, 10), np.uint8)
    truth[2:6, 2:6] = 1  # 16 px
    pred = np.zeros_like(truth)
    pred[2:6, 2:8] = 1  # 24 px, 16 overlap
    m = segmentation_metrics(pred, truth)
    assert m["dice_1"] == pytest.approx(2 * 16 / 40)
    assert m["iou_1"] == pytest.approx(16 / 24)
    assert (m["fp_1"], m["fn_1"]) == (8, 0)
    assert m["sensitivity_1"] == 1.0 and m["specificity_1"] == pytest.approx(76 / 84)
    assert m["accuracy"] == pytest.approx(92 / 100)


@pytest.mark.parametrize("spacing", [(1.0, 1.0), (0.5, 2.0), (3.0, 0.7)])
def test_hausdorff_and_surface_distance_match_scipy_with_anisotropic_spacing(spacing) -> None:
    yy, xx = np.mgrid[:40, :40]
    truth = ((yy - 20) ** 2 + (xx - 18) ** 2 < 120).astype(np.uint8)
    pred = ((yy - 17) ** 2 / 1.4 + (xx - 22) ** 2 < 100).astype(np.uint8)
    m = segmentation_metrics(pred, truth, spacing)
    reference = _reference_distances(pred > 0, truth > 0, spacing)
    assert m["hd_mm_1"] == pytest.approx(reference.max(), rel=1e-5)
    to_truth = distance_transform_edt(~_surface(truth > 0), sampling=spacing)[_surface(pred > 0)]
    to_pred = distance_transform_edt(~_surface(pred > 0), sampling=spacing)[_surface(truth > 0)]
    hd95 = max(np.percentile(to_truth, 95), np.percentile(to_pred, 95))
    assert m["hd95_mm_1"] == pytest.approx(hd95, rel=1e-5)
    assert m["asd_mm_1"] == pytest.approx(reference.mean(), rel=1e-5)


def test_multiclass_and_3d() -> None:
    truth = np.zeros((6, 12, 12), np.uint8)
    truth[1:5, 2:6, 2:6], truth[1:5, 7:11, 7:11] = 1, 2
    pred = truth.copy()
    pred[1:5, 7:11, 7:9] = 0
    m = segmentation_metrics(pred, truth, (2.0, 1.0, 1.0))
    assert m["dice_1"] == 1.0 and m["hd95_mm_1"] == 0.0
    assert m["dice_2"] == pytest.approx(2 * 32 / (32 + 64))
    assert m["mean_dice"] == pytest.approx((1 + m["dice_2"]) / 2)


def test_empty_masks_are_defined() -> None:
    empty = np.zeros((8, 8), np.uint8)
    full = empty.copy()
    full[2:5, 2:5] = 1
    both = segmentation_metrics(empty, empty, num_classes=2)
    assert both["dice_1"] == 1.0 and both["hd95_mm_1"] == 0.0
    assert np.isnan(both["sensitivity_1"])
    missed = segmentation_metrics(empty, full)
    assert missed["dice_1"] == 0.0 and np.isnan(missed["hd95_mm_1"])
    assert missed["fn_1"] == 9 and missed["sensitivity_1"] == 0.0


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="must match"):
        segmentation_metrics(np.zeros((4, 4), int), np.zeros((4, 5), int))
    with pytest.raises(InputError, match="spacing"):
        segmentation_metrics(np.zeros((4, 4), int), np.zeros((4, 4), int), (1.0, 1.0, 1.0))


@settings(max_examples=30, deadline=None)
@given(
    arrays(np.uint8, (12, 12), elements=st.integers(0, 2)),
    arrays(np.uint8, (12, 12), elements=st.integers(0, 2)),
)
def test_metric_invariants(pred: np.ndarray, truth: np.ndarray) -> None:
    m = segmentation_metrics(pred, truth, num_classes=3)
    swapped = segmentation_metrics(truth, pred, num_classes=3)
    for c in (1, 2):
        assert 0 <= m[f"dice_{c}"] <= 1 and 0 <= m[f"iou_{c}"] <= m[f"dice_{c}"] + 1e-9
        assert m[f"dice_{c}"] == pytest.approx(swapped[f"dice_{c}"])  # symmetric
        assert m[f"fp_{c}"] == swapped[f"fn_{c}"]
    assert segmentation_metrics(truth, truth, num_classes=3)["mean_dice"] == 1.0


def test_paired_statistics_match_scipy() -> None:
    a = np.array([0.80, 0.82, 0.78, 0.85, 0.79, 0.81, 0.83, 0.80, 0.77, 0.84])
    b = a + np.array([0.02, 0.01, 0.03, 0.00, 0.02, 0.025, 0.015, 0.01, 0.03, 0.005])
    result = compare_paired(a, b, names=("real", "real+synthetic"))
    assert result.wilcoxon_p == pytest.approx(wilcoxon(b, a).pvalue)
    assert result.t_test_p == pytest.approx(ttest_rel(b, a).pvalue)
    assert result.mean_difference == pytest.approx(np.mean(b - a))
    assert result.ci_low < result.mean_difference < result.ci_high
    assert result.verdict.startswith("real+synthetic vs real: +1.7 Dice points, 95% CI [")
    assert "n = 10" in result.verdict


def test_few_seeds_give_no_interval_or_test_language() -> None:
    few = compare_paired([0.70, 0.72], [0.75, 0.76], names=("real", "real+synthetic"))
    assert "CI" not in few.verdict and "p =" not in few.verdict
    assert "too few" in few.verdict and "0.5" in few.verdict  # 2 / 2**2
    five = compare_paired([0.7, 0.72, 0.71, 0.69, 0.73], [0.75, 0.76, 0.74, 0.72, 0.77])
    assert "95% CI" in five.verdict and "p = 0.062" in five.verdict


def test_summary_skips_nan_and_reports_it() -> None:
    summary = summarise([1.0, 2.0, np.nan, 3.0])
    assert (summary.n, summary.skipped, summary.mean, summary.median) == (3, 1, 2.0, 2.0)
    assert summary.sd == pytest.approx(1.0)
    with pytest.raises(InputError, match="at least 2"):
        compare_paired([1.0], [2.0])


def test_bootstrap_ci_brackets_the_mean_narrows_with_n_and_is_seeded():
    from napari_gan_augment.evaluation.statistics import bootstrap_ci

    rng = np.random.default_rng(0)
    small, large = rng.normal(0.8, 0.05, 10), rng.normal(0.8, 0.05, 400)
    low, high = bootstrap_ci(small)
    assert low < small.mean() < high
    assert bootstrap_ci(small) == (low, high)  # same seed, same interval
    wide, narrow = high - low, np.subtract(*bootstrap_ci(large)[::-1])
    assert narrow < wide / 3  # ~ 1/sqrt(n): 40x the data, about 6x narrower
    assert bootstrap_ci(np.array([0.7])) == (0.7, 0.7)  # nothing to resample
