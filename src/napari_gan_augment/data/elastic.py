"""Strengths for MONAI's 3D elastic deformation, given as a displacement in voxels.

``Rand3DElastic`` draws uniform(-1, 1) offsets per voxel, smooths them with a Gaussian of
``sigma`` and multiplies by ``magnitude``; smoothing shrinks their sd to
``sqrt(1/3) (4 pi sigma^2)^(-3/4)``, so the magnitude that moves voxels by a given distance
is far larger than it. MONAI has no helper for this: it is derived here once, and measured in
tests (a coordinate ramp deformed and read back).
"""

from __future__ import annotations

import math


def elastic_3d_strength(
    size: int, displacement: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """``sigma_range`` and ``magnitude_range`` for ``Rand3DElastic(d)`` on ``size``³ patches
    whose largest draw moves voxels by about ``displacement`` (2 sd of the smoothed field),
    bending on the scale of an eighth of the patch."""
    sigma = size / 8
    smoothed_sd = math.sqrt(1 / 3) * (4 * math.pi * sigma**2) ** -0.75
    return (sigma, sigma), (0.0, displacement / (2 * smoothed_sd))
