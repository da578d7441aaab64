"""Arrays of any shape, dtype and content into the PairSet builders and the metrics: a
result that keeps its promises, or one line saying what is wrong — never another exception."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from napari_gan_augment.data.pairset import PairSet, SliceSettings
from napari_gan_augment.errors import InputError
from napari_gan_augment.evaluation import compare_paired, segmentation_metrics, summarise

IMAGE_TYPES = st.sampled_from([np.uint8, np.uint16, np.int16, np.float32, np.float64, np.bool_])
LABEL_TYPES = st.sampled_from([np.uint8, np.uint16, np.int32, np.int64, np.float32, np.bool_])
SHAPES = array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=9)


def _one_line(exc: InputError) -> None:
    assert str(exc) and "\n" not in str(exc)


@st.composite
def image_and_mask(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    shape = draw(SHAPES)
    image = draw(arrays(draw(IMAGE_TYPES), shape))
    # usually the same shape (so the checks go deep), sometimes not
    mask_shape = shape if draw(st.integers(0, 4)) else draw(SHAPES)
    dtype = np.dtype(draw(LABEL_TYPES))
    values = [0, 1, 2, 3, 255] + ([-1] if dtype.kind in "if" else [])
    labels = st.sampled_from(values) if dtype.kind != "b" and draw(st.booleans()) else None
    mask = draw(arrays(dtype, mask_shape, elements=labels))
    return image, mask


@given(image_and_mask(), st.integers(0, 2), st.floats(0, 1))
def test_pairset_from_arrays(case, axis: int, min_foreground: float) -> None:
    image, mask = case
    try:
        pairs = PairSet.from_arrays(
            image, mask, slicing=SliceSettings(axis=axis, min_foreground=min_foreground)
        )
    except InputError as exc:
        _one_line(exc)
        return
    assert len(pairs) >= 1
    for pair_image, pair_mask in zip(pairs.images, pairs.masks, strict=True):
        assert pair_image.shape == pair_mask.shape and pair_image.ndim == 2
        assert np.issubdtype(pair_mask.dtype, np.integer) and pair_mask.min() >= 0
        assert pair_mask.max() < pairs.num_classes
        if np.issubdtype(pair_image.dtype, np.floating):
            assert np.isfinite(pair_image).all()


@given(st.lists(image_and_mask(), min_size=1, max_size=3))
def test_pairset_from_pairs(cases) -> None:
    images, masks = [c[0] for c in cases], [c[1] for c in cases]
    try:
        pairs = PairSet.from_pairs(images, masks, [f"p{i}" for i in range(len(cases))])
    except InputError as exc:
        _one_line(exc)
        return
    assert len(pairs) == len(cases)


@st.composite
def label_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, tuple[float, ...]]:
    shape = draw(array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=8))
    other = shape if draw(st.integers(0, 5)) else draw(array_shapes(min_dims=2, max_dims=3))
    dtype = np.dtype(draw(LABEL_TYPES))
    elements = st.integers(0, 1 if dtype.kind == "b" else 3)
    if dtype.kind in "iu" and dtype.itemsize >= 4 and draw(st.integers(0, 9)) == 0:
        elements = elements | st.just(10**6)  # an intensity or instance image by mistake
    prediction = draw(arrays(dtype, shape, elements=elements))
    truth = draw(arrays(np.int64, other, elements=elements))
    spacing = tuple(draw(st.floats(0.1, 5)) for _ in shape)
    return prediction, truth, spacing


@given(label_pairs())
def test_segmentation_metrics(case) -> None:
    prediction, truth, spacing = case
    try:
        metrics = segmentation_metrics(prediction, truth, spacing)
    except InputError as exc:
        _one_line(exc)
        return
    for name, value in metrics.items():
        if name.startswith(("dice", "iou", "mean_", "accuracy", "sensitivity", "specificity")):
            assert math.isnan(value) or 0 <= value <= 1, (name, value)
        else:
            assert math.isnan(value) or value >= 0, (name, value)
    assert 0 <= metrics["accuracy"] <= 1


SCORES = st.lists(st.floats(-2, 2) | st.just(math.nan), max_size=12)


@given(SCORES, st.integers(0, 10))
def test_summaries(values, seed: int) -> None:
    try:
        summary = summarise(values, seed)
    except InputError as exc:
        _one_line(exc)
        return
    finite = [v for v in values if not math.isnan(v)]
    if finite:
        assert min(finite) - 1e-9 <= summary.mean <= max(finite) + 1e-9


@given(SCORES, SCORES)
def test_paired_comparisons(first, second) -> None:
    try:
        result = compare_paired(first, second, "Dice", ("A", "B"))
    except InputError as exc:
        _one_line(exc)
        return
    assert result.n <= min(len(first), len(second)) and result.verdict
    for p in (result.wilcoxon_p, result.t_test_p):
        assert math.isnan(p) or 0 <= p <= 1
    if result.n and not math.isnan(result.ci_low):
        assert result.ci_low <= result.mean_difference + 1e-9 <= result.ci_high + 2e-9
