"""Cutting 3D volumes into 2D training slices."""

from __future__ import annotations

import numpy as np

from ..errors import InputError


def select_slices(
    mask: np.ndarray,
    axis: int,
    step: int = 1,
    min_foreground: float = 0.01,
    empty_fraction: float = 0.0,
    seed: int = 0,
) -> list[int]:
    """Indices of the slices to train on.

    Args:
        mask: 3D label volume.
        axis: slicing axis.
        step: consider every ``step``-th slice.
        min_foreground: keep slices whose foreground fraction is at least this.
        empty_fraction: also keep, at random, this share (relative to the kept count) of the
            slices below the threshold, so a generator also learns (near-)empty slices.
        seed: for the random choice of those slices.
    """
    if mask.ndim != 3:
        raise InputError(f"slicing needs a 3D mask volume, got shape {mask.shape}")
    if not -3 <= axis < 3:
        raise InputError(f"slice axis must be 0, 1 or 2, got {axis}")
    axis %= 3
    candidates = np.arange(0, mask.shape[axis], step)
    fractions = (np.moveaxis(mask, axis, 0)[candidates] > 0).mean(axis=(1, 2))
    keep = candidates[fractions >= min_foreground]
    rest = candidates[fractions < min_foreground]
    n_empty = min(len(rest), int(round(empty_fraction * len(keep))))
    if n_empty:
        rng = np.random.default_rng(seed)
        keep = np.concatenate([keep, rng.choice(rest, size=n_empty, replace=False)])
    if len(keep) == 0:
        raise InputError(
            f"no slice along axis {axis} has a foreground fraction >= {min_foreground}; "
            "lower the minimum foreground (min_foreground), or check that the mask is not empty"
        )
    return sorted(int(i) for i in keep)


def neighbour_slices(stack: np.ndarray, indices: list[int], context: int) -> np.ndarray:
    """``(len(indices), 2·context, H, W)``: for each chosen slice of ``stack`` ``(N, H, W)``
    the ``context`` slices before it and after it, nearest first outward
    (``i-1 … i-context, i+1 … i+context``); past either end the end slice repeats, as a
    volume cut at its edge would continue."""
    offsets = [-d for d in range(1, context + 1)] + list(range(1, context + 1))
    picks = np.clip(np.asarray(indices)[:, None] + np.asarray(offsets)[None], 0, len(stack) - 1)
    return np.ascontiguousarray(stack[picks])


def take_slices(volume: np.ndarray, axis: int, indices: list[int]) -> np.ndarray:
    """Stack the chosen slices as ``(N, H, W)``."""
    return np.ascontiguousarray(np.moveaxis(volume, axis % 3, 0)[indices])
