"""Measures of synthesized volumes against the real volume drawn for the same mask: how
smoothly intensities continue from slice to slice along each axis (what a slice-by-slice
2.5D generator gets wrong), and voxel-wise fidelity. Pure functions of arrays."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from monai.metrics import PSNRMetric, SSIMMetric
from scipy import ndimage

#: voxels around the labelled structures that count as the region the measures look at
REGION_MARGIN = 2


def measured_region(mask: np.ndarray) -> np.ndarray:
    """The labelled structures and a thin margin: where the generator draws anatomy (a
    blank background would make any two volumes look alike)."""
    return ndimage.binary_dilation(mask > 0, iterations=REGION_MARGIN)


def slice_differences(volume: np.ndarray, region: np.ndarray) -> list[float]:
    """Mean absolute intensity step between neighbouring slices along each axis, over the
    neighbour pairs that touch ``region``."""
    steps = []
    for axis in range(volume.ndim):
        step = np.abs(np.diff(volume, axis=axis))
        inside = np.delete(region, -1, axis=axis) | np.delete(region, 0, axis=axis)
        steps.append(float(step[inside].mean()) if inside.any() else float("nan"))
    return steps


def slice_consistency(synthetic: np.ndarray, real: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
    """Inter-slice steps of the synthetic volume against the real one's, per axis.

    A ratio near 1 along every axis: intensities continue from slice to slice as in the real
    volume. A slice-by-slice generator shows a ratio well above 1 along its slicing axis
    (flicker between independently drawn slices) and near 1 in-plane; too smooth shows < 1.
    """
    region = measured_region(mask)
    synthetic_steps = slice_differences(synthetic.astype(np.float64), region)
    real_steps = slice_differences(real.astype(np.float64), region)
    return {
        "synthetic": synthetic_steps,
        "real": real_steps,
        "ratio": [
            s / r if r > 0 else float("nan")
            for s, r in zip(synthetic_steps, real_steps, strict=True)
        ],
    }


def volume_fidelity(synthetic: np.ndarray, real: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """PSNR (dB) and SSIM (3D, MONAI) between a synthetic and the real volume in [-1, 1],
    over the bounding box of the measured region; and the mean absolute intensity error
    inside each label."""
    region = measured_region(mask)
    box = ndimage.find_objects(region.astype(np.int8))[0]
    s = torch.from_numpy(np.clip(synthetic[box], -1, 1).astype(np.float32))[None, None]
    r = torch.from_numpy(np.clip(real[box], -1, 1).astype(np.float32))[None, None]
    result = {
        "psnr_db": float(torch.as_tensor(PSNRMetric(max_val=2.0)(s, r)).mean()),
        "ssim": float(torch.as_tensor(SSIMMetric(spatial_dims=3, data_range=2.0)(s, r)).mean()),
    }
    for label in np.unique(mask):
        inside = mask == label
        result[f"mae_label_{int(label)}"] = float(np.abs(synthetic[inside] - real[inside]).mean())
    return result
