"""Test splits that cannot flatter a model (LITERATURE §9, "Splits").

Slices of one volume are correlated within millimetres, so a test slice beside a training
slice rewards memorisation. ``split: block`` (the default) therefore holds out:

- whole volumes (or whole independent images) when the data has several;
- within a single volume, contiguous blocks of slices, and leaves out of every training pool
  the slices within ``guard_mm`` of a test slice (the guard band: neither trained nor tested).

``split: random`` (test items drawn at random, no guard) is kept for comparison with older
results. Every split is fixed (seed 0), so every arm and seed sees the same test items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

SPLITS = ("block", "random")


@dataclass(frozen=True)
class Layout:
    """Where each item lies: its volume (or image) and its position along the slicing axis in
    mm (``nan`` for an independent image or a whole volume)."""

    groups: tuple[str, ...]
    positions_mm: np.ndarray

    @classmethod
    def independent(cls, names: list[str]) -> Layout:
        return cls(tuple(names), np.full(len(names), np.nan))

    @property
    def single_volume(self) -> bool:
        return len(set(self.groups)) == 1 and bool(np.isfinite(self.positions_mm).all())


def split_folds(
    layout: Layout, split: str, folds: int, test_fraction: float, test_blocks: int
) -> list[np.ndarray]:
    """The sorted test indices of each fold."""
    count = len(layout.groups)
    if split == "random":
        order = np.random.default_rng(0).permutation(count)
        if folds == 1:
            return [np.sort(order[: max(1, int(round(test_fraction * count)))])]
        return [np.sort(part) for part in np.array_split(order, folds)]
    if layout.single_volume:
        return _blocks_of_one_volume(layout, folds, test_fraction, test_blocks)
    return _whole_groups(layout, folds, test_fraction)


def _blocks_of_one_volume(
    layout: Layout, folds: int, test_fraction: float, test_blocks: int
) -> list[np.ndarray]:
    order = np.argsort(layout.positions_mm, kind="stable")
    count = len(order)
    if folds > 1:  # each fold one contiguous block
        return [np.sort(part) for part in np.array_split(order, folds)]
    held = max(1, int(round(test_fraction * count)))
    blocks = max(1, min(test_blocks, held))
    sizes = [len(b) for b in np.array_split(np.arange(held), blocks)]
    chosen: list[np.ndarray] = []
    for number, size in enumerate(sizes):  # blocks centred at evenly spaced quantiles
        centre = int(round((number + 0.5) / blocks * count))
        start = min(max(0, centre - size // 2), count - size)
        chosen.append(order[start : start + size])
    return [np.sort(np.unique(np.concatenate(chosen)))]


def _whole_groups(layout: Layout, folds: int, test_fraction: float) -> list[np.ndarray]:
    names = list(dict.fromkeys(layout.groups))
    members = {name: np.flatnonzero(np.asarray(layout.groups) == name) for name in names}
    order = [names[i] for i in np.random.default_rng(0).permutation(len(names))]
    if folds > 1:
        parts = np.array_split(np.arange(len(order)), folds)
        # more folds than volumes leave empty folds: refused as too few by the caller
        empty = np.empty(0, np.int64)
        return [
            np.sort(np.concatenate([empty, *(members[order[i]] for i in part)])) for part in parts
        ]
    wanted = max(1, int(round(test_fraction * len(layout.groups))))
    test: list[np.ndarray] = []
    # at least one group stays for training (a single one is all test: refused as too few)
    for name in order[:-1] if len(order) > 1 else order:
        if sum(len(t) for t in test) >= wanted:
            break
        test.append(members[name])
    return [np.sort(np.concatenate(test))]


def guard_band(layout: Layout, test: np.ndarray, guard_mm: float) -> np.ndarray:
    """Items outside ``test`` in a test item's volume within ``guard_mm`` of it."""
    groups = np.asarray(layout.groups)
    near = np.zeros(len(groups), bool)
    for index in test:
        same = groups == groups[index]
        distance = np.abs(layout.positions_mm - layout.positions_mm[index])
        near |= same & (distance <= guard_mm)
    near[test] = False
    return np.flatnonzero(near)


def describe_split(
    layout: Layout, names: list[str], split: str, guard_mm: float, folds: list[np.ndarray]
) -> dict[str, Any]:
    """What results record of a split: its kind, guard, and each fold's test items."""
    record: dict[str, Any] = {"kind": split, "guard_mm": guard_mm if split == "block" else 0.0}
    record["unit"] = "blocks of one volume" if layout.single_volume else "whole volumes/images"
    if split == "random":
        record["unit"] = "random items"
    record["folds"] = [
        {
            "test": [names[i] for i in test],
            "guard_band": len(guard_band(layout, test, guard_mm)) if split == "block" else 0,
        }
        for test in folds
    ]
    return record
