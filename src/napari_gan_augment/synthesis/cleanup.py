"""Optional clean-up of generated masks: small specks relabelled by their surroundings.

Noise → pair generators decode a mask per pixel (the strongest class channel above 0, see
``data/encoding.py``), so an undertrained model leaves isolated pixels of the wrong class
and pinholes inside structures. Clean-up removes connected components smaller than
``min_size`` pixels of each class and fills holes of that size, giving every such pixel the
nearest remaining class (background where none is near). scikit-image and scipy do the work.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.measure import label
from skimage.morphology import remove_small_holes, remove_small_objects


def clean_mask(mask: np.ndarray, min_size: int) -> np.ndarray:
    """One label mask (2D or 3D) with components and holes under ``min_size`` px (voxels)
    relabelled."""
    if min_size < 1:
        return mask
    kept = mask.copy()
    for value in np.unique(mask):
        if value == 0:
            continue
        region = mask == value
        kept[region & ~remove_small_objects(region, max_size=min_size - 1)] = 0
    foreground = kept > 0
    if not foreground.any():
        return kept
    filled = remove_small_holes(foreground, max_size=min_size - 1)
    # every unlabelled pixel inside a filled hole takes the nearest labelled pixel's class
    _, nearest = ndimage.distance_transform_edt(~foreground, return_indices=True)
    todo = filled & ~foreground
    kept[todo] = kept[tuple(axis[todo] for axis in nearest)]
    return kept


def clean_masks(masks: np.ndarray, min_size: int) -> np.ndarray:
    """:func:`clean_mask` for each mask of a stack ``(N, H, W)`` (a new array)."""
    return np.stack([clean_mask(m, min_size) for m in masks]) if min_size >= 1 else masks


def components_per_class(masks: np.ndarray) -> float:
    """Mean number of connected components (8-connected) per class present in a mask: 1 for
    one solid structure per class; higher means speckle or fragments."""
    counts = []
    for mask in masks:
        for value in np.unique(mask):
            if value:
                counts.append(int(label(mask == value, connectivity=2).max()))
    return float(np.mean(counts)) if counts else 0.0
