"""Masks painted on a few slices of a volume, filled in between by shape-based interpolation.

Between two painted slices, each class's signed distance map (positive inside) is blended
linearly and its positive part kept (Raya & Udupa 1990, "shape-based interpolation"): a
circle painted on slice 10 and a larger one on slice 20 become a cone, not a blocky stack.
A slice with no label at all counts as unpainted; slices before the first and after the last
painted one stay empty. A shape that does not overlap itself between two painted slices
vanishes midway (its blended distance is negative everywhere): paint more slices where a
structure moves fast. scikit-image and MONAI have no label interpolation between slices,
so it is written here on scipy's exact Euclidean distance transform (with the voxel spacing).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.ndimage import distance_transform_edt

from ..errors import InputError
from .validation import check_labels


def painted_slices(labels: np.ndarray, axis: int) -> np.ndarray:
    """Indices along ``axis`` of the slices that hold any label."""
    others = tuple(a for a in range(labels.ndim) if a != axis)
    return np.flatnonzero(labels.any(axis=others))


def _signed_distance(inside: np.ndarray, spacing: Sequence[float]) -> np.ndarray:
    """Distance to the boundary in mm, positive inside; far negative for an absent class."""
    if not inside.any():
        return np.full(inside.shape, -float(np.hypot(*np.multiply(inside.shape, spacing))))
    return np.asarray(
        distance_transform_edt(inside, sampling=spacing)
        - distance_transform_edt(~inside, sampling=spacing)
    )


def interpolate_painted_slices(
    labels: np.ndarray, axis: int, spacing: Sequence[float] | None = None
) -> np.ndarray:
    """A new label volume: the painted slices as they are, every slice between two painted
    ones filled by shape-based interpolation (see the module docstring).

    Args:
        labels: integer labels ``(Z, Y, X)``, painted on some slices along ``axis``.
        axis: the axis the slices were painted along (0, 1 or 2).
        spacing: voxel size per axis (mm); in-slice distances use it. Default 1.

    Raises:
        InputError: not a 3D label volume, a bad axis, or fewer than two painted slices.
    """
    labels = check_labels(np.asarray(labels), "mask")
    if labels.ndim != 3:
        raise InputError(f"slices are filled in within a 3D mask, got shape {labels.shape}")
    if axis not in (0, 1, 2):
        raise InputError(f"the painted axis must be 0, 1 or 2, got {axis}")
    painted = painted_slices(labels, axis)
    if len(painted) < 2:
        raise InputError(
            f"{len(painted)} slice(s) along axis {axis} hold labels; paint at least two "
            "slices (e.g. the first and last slice of the structure) to fill in between"
        )
    stack = np.moveaxis(labels, axis, 0)
    in_slice = [s for a, s in enumerate(spacing or (1.0,) * 3) if a != axis]
    classes = [int(c) for c in np.unique(stack) if c > 0]
    out = stack.copy()
    for below, above in zip(painted[:-1], painted[1:], strict=True):
        if above - below < 2:
            continue
        ends = [
            np.stack([_signed_distance(stack[k] == c, in_slice) for c in classes])
            for k in (below, above)
        ]
        for k in range(below + 1, above):
            t = (k - below) / (above - below)
            blended = (1 - t) * ends[0] + t * ends[1]
            best = blended.argmax(axis=0)
            out[k] = np.where(blended.max(axis=0) > 0, np.asarray(classes)[best], 0)
    return np.moveaxis(out, 0, axis)
