"""Filling a painted region of a 2D image with an ``inpaint`` model."""

from __future__ import annotations

import numpy as np
import torch
from skimage.transform import resize

from ..data.validation import check_grayscale, check_same_shape
from ..errors import InputError
from ..models.inpaint import Inpaint
from .compositing import composite_under_mask
from .generate import LoadedGenerator

MAX_HOLE_FRACTION = 0.9


def context_box(hole: np.ndarray) -> tuple[int, int, int, int]:
    """A square-ish box around the hole with as much context again on each side."""
    rows, cols = np.nonzero(hole)
    height, width = hole.shape
    side = max(int(np.ptp(rows)) + 1, int(np.ptp(cols)) + 1) * 2
    centre_row, centre_col = (rows.min() + rows.max()) // 2, (cols.min() + cols.max()) // 2
    row0 = int(np.clip(centre_row - side // 2, 0, max(0, height - side)))
    col0 = int(np.clip(centre_col - side // 2, 0, max(0, width - side)))
    return row0, col0, min(height, row0 + side), min(width, col0 + side)


def inpaint_region(generator: LoadedGenerator, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """A new image: ``image`` with the pixels under ``hole`` (non-zero) filled in.

    The hole and its surroundings are cropped, resized to the model's size, filled, and
    composited back: pixels outside the hole are the input's, bit for bit.
    """
    model = generator.model
    if not isinstance(model, Inpaint):
        raise InputError(
            f"the {generator.spec.family!r} model does not inpaint; use an inpaint run"
        )
    image = check_grayscale(image, "image", allowed_ndim=(2,))
    hole = np.asarray(hole) > 0
    check_same_shape(image, hole, "image", "hole mask")
    if not hole.any():
        raise InputError("the hole mask is empty: paint the region to fill (any label > 0)")
    if hole.mean() > MAX_HOLE_FRACTION:
        raise InputError(
            f"the hole covers {hole.mean():.0%} of the image; inpainting needs surrounding "
            "tissue to infer from: paint a smaller region"
        )
    row0, col0, row1, col1 = context_box(hole)
    crop, crop_hole = image[row0:row1, col0:col1], hole[row0:row1, col0:col1]
    size = generator.spec.image_size
    small = resize(generator.normaliser.forward(crop), (size, size), order=1)
    small_hole = resize(crop_hole.astype(np.float32), (size, size), order=0) > 0
    filled = (
        model.fill(
            torch.from_numpy(small.astype(np.float32))[None, None],
            torch.from_numpy(small_hole.astype(np.float32))[None, None],
        )
        .cpu()[0, 0]
        .numpy()
    )
    drawn = generator.normaliser.inverse(resize(filled, crop.shape, order=1))
    result = image.copy()
    result[row0:row1, col0:col1] = composite_under_mask(crop, drawn, crop_hole)
    return result
