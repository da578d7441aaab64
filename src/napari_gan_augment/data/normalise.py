"""Intensity normalisation to [-1, 1] (the generators' tanh range) with its inverse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError

# Robust percentiles ignore a few hot or dead voxels (nnU-Net-style clipping uses 0.5/99.5).
DEFAULT_PERCENTILES = (0.5, 99.5)


@dataclass(frozen=True)
class IntensityNormaliser:
    """Maps ``[low, high]`` linearly onto ``[-1, 1]`` and back into the source dtype.

    Values outside ``[low, high]`` are clipped on the way in; the inverse is exact (up to float
    rounding, then rounding to the source integer dtype) for values inside the window.
    """

    low: float
    high: float
    dtype: str

    @classmethod
    def fit(
        cls, images: np.ndarray, percentiles: tuple[float, float] = DEFAULT_PERCENTILES
    ) -> IntensityNormaliser:
        """Choose the window from robust percentiles of the training images."""
        values = np.asarray(images)
        low, high = (float(v) for v in np.percentile(values, percentiles))
        if not high > low:
            low, high = float(values.min()), float(values.max())
        if not high > low:
            raise InputError(
                "the images are constant (every pixel has the same value); a generator "
                "cannot learn anything from them"
            )
        return cls(low, high, str(values.dtype))

    def forward(self, images: np.ndarray) -> np.ndarray:
        """Source intensities → float32 in [-1, 1]."""
        scaled = (np.asarray(images, dtype=np.float64) - self.low) / (self.high - self.low)
        return np.clip(scaled * 2.0 - 1.0, -1.0, 1.0).astype(np.float32)

    def inverse(self, normalised: np.ndarray) -> np.ndarray:
        """[-1, 1] → source intensities in the source dtype (rounded for integer dtypes)."""
        values = (np.clip(np.asarray(normalised, dtype=np.float64), -1, 1) + 1.0) / 2.0
        values = values * (self.high - self.low) + self.low
        dtype = np.dtype(self.dtype)
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            return np.clip(np.rint(values), info.min, info.max).astype(dtype)
        return values.astype(dtype)

    def to_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "dtype": self.dtype}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> IntensityNormaliser:
        return cls(float(raw["low"]), float(raw["high"]), str(raw["dtype"]))
