"""Sample grids: generated (or real) pairs tiled into one RGB picture for PNGs and previews."""

from __future__ import annotations

import numpy as np
from skimage.util import montage

# Distinct colours for labels 1, 2, ...; label 0 stays black.
PALETTE = np.array(
    [
        [230, 25, 75],
        [60, 180, 75],
        [255, 225, 25],
        [0, 130, 200],
        [245, 130, 48],
        [145, 30, 180],
        [70, 240, 240],
        [240, 50, 230],
    ],
    dtype=np.uint8,
)


def colour_labels(labels: np.ndarray) -> np.ndarray:
    """Integer labels → RGB uint8 (background black). A palette lookup by label value, not
    ``skimage.color.label2rgb``: that colours labels by rank among those present, so one
    label would change colour from cell to cell."""
    rgb = np.zeros(labels.shape + (3,), np.uint8)
    nonzero = labels > 0
    rgb[nonzero] = PALETTE[(labels[nonzero] - 1) % len(PALETTE)]
    return rgb


def pair_grid(images: np.ndarray, masks: np.ndarray, columns: int = 4, gap: int = 2) -> np.ndarray:
    """Tile pairs as ``[image | mask]`` cells, ``columns`` pairs per row (``skimage``'s
    ``montage``).

    Args:
        images: ``(N, H, W)`` normalised images in [-1, 1].
        masks: ``(N, H, W)`` integer labels.
        columns: pairs per row.
        gap: white pixels between tiles.
    """
    count, height, width = images.shape
    grey = np.clip((images + 1.0) * 127.5, 0, 255).astype(np.uint8)
    cells = np.full((count, height, 2 * width + gap, 3), 255, np.uint8)
    cells[:, :, :width] = grey[..., None]
    cells[:, :, width + gap :] = colour_labels(masks)
    rows = -(-count // columns)
    grid = montage(
        cells, fill=(255, 255, 255), grid_shape=(rows, columns), padding_width=gap, channel_axis=-1
    )
    return grid.astype(np.uint8)
