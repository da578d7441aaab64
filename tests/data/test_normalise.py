from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from napari_gan_augment.data.normalise import IntensityNormaliser
from napari_gan_augment.errors import InputError


@settings(max_examples=50, deadline=None)
@given(arrays(np.uint16, st.integers(20, 200), elements=st.integers(0, 4095)))
def test_integer_inverse_is_exact_inside_window(values: np.ndarray) -> None:
    if values.min() == values.max():
        return
    norm = IntensityNormaliser.fit(values, percentiles=(0, 100))
    forward = norm.forward(values)
    assert forward.min() >= -1 and forward.max() <= 1
    back = norm.inverse(forward)
    assert back.dtype == np.uint16
    np.testing.assert_array_equal(back, values)


def test_float_inverse_close_and_clipped_outside_window() -> None:
    values = np.linspace(-50, 150, 1001).astype(np.float32)
    norm = IntensityNormaliser(0.0, 100.0, "float32")
    back = norm.inverse(norm.forward(values))
    inside = (values >= 0) & (values <= 100)
    np.testing.assert_allclose(back[inside], values[inside], atol=1e-4)
    assert back[~inside].min() >= 0 and back[~inside].max() <= 100


def test_robust_window_ignores_outliers() -> None:
    values = np.concatenate([np.linspace(0, 100, 10_000), [1e6]])
    assert IntensityNormaliser.fit(values).high < 200


def test_constant_image_rejected() -> None:
    with pytest.raises(InputError, match="constant"):
        IntensityNormaliser.fit(np.full((10, 10), 7.0))


def test_round_trips_through_dict() -> None:
    norm = IntensityNormaliser(1.5, 9.0, "int16")
    assert IntensityNormaliser.from_dict(norm.to_dict()) == norm
