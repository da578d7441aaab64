"""Filling a painted region of a 2D image, or of a volume with a 3D run, with an ``inpaint``
model."""

from __future__ import annotations

import numpy as np
import torch
from skimage.transform import resize

from ..data.pairset import pad_to_square
from ..data.validation import check_grayscale, check_same_shape
from ..errors import InputError
from ..models.inpaint import Inpaint
from .compositing import composite_under_mask
from .generate import LoadedGenerator

MAX_HOLE_FRACTION = 0.9


def context_box(hole: np.ndarray, model_size: int) -> tuple[int, int, int, int]:
    """A box around the hole with context, clipped to the image.

    Its side is twice the hole's extent but at least the image's larger side up to four model
    sizes: a model trained on whole slices sees a whole slice again (the same scale as in
    training), while a small hole in a large image gets a local window.
    """
    rows, cols = np.nonzero(hole)
    height, width = hole.shape
    extent = max(int(np.ptp(rows)) + 1, int(np.ptp(cols)) + 1)
    side = max(2 * extent, min(max(height, width), 4 * model_size))
    centre_row, centre_col = (rows.min() + rows.max()) // 2, (cols.min() + cols.max()) // 2
    row0 = int(np.clip(centre_row - side // 2, 0, max(0, height - side)))
    col0 = int(np.clip(centre_col - side // 2, 0, max(0, width - side)))
    return row0, col0, min(height, row0 + side), min(width, col0 + side)


def inpaint_region(generator: LoadedGenerator, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """A new image: ``image`` with the pixels under ``hole`` (non-zero) filled in.

    The hole and its surroundings are cropped, resized to the model's size, filled, and
    composited back: pixels outside the hole are the input's, bit for bit. A 3D run fills a
    hole in a volume ``(Z, Y, X)`` from the patch around it (never resized: its voxels are
    the source's).
    """
    model = generator.model
    if not isinstance(model, Inpaint):
        raise InputError(
            f"the {generator.spec.family!r} model does not inpaint; use an inpaint run"
        )
    dims = generator.spec.spatial_dims
    image = check_grayscale(image, "volume" if dims == 3 else "image", allowed_ndim=(dims,))
    hole = np.asarray(hole) > 0
    check_same_shape(image, hole, "image", "hole mask")
    if not hole.any():
        raise InputError("the hole mask is empty: paint the region to fill (any label > 0)")
    if hole.mean() > MAX_HOLE_FRACTION:
        raise InputError(
            f"the hole covers {hole.mean():.0%} of the image; inpainting needs surrounding "
            "tissue to infer from: paint a smaller region"
        )
    if dims == 3:
        return _inpaint_volume(generator, model, image, hole)
    size = generator.spec.image_size
    row0, col0, row1, col1 = context_box(hole, size)
    crop, crop_hole = image[row0:row1, col0:col1], hole[row0:row1, col0:col1]
    # pad to a square as in training (image with its minimum, hole with "known")
    square_image, square_hole = pad_to_square(generator.normaliser.forward(crop), crop_hole)
    small = resize(square_image, (size, size), order=1)
    small_hole = resize(square_hole.astype(np.float32), (size, size), order=0) > 0
    filled = model.fill(
        torch.from_numpy(small.astype(np.float32))[None, None],
        torch.from_numpy(small_hole.astype(np.float32))[None, None],
    )
    side = square_image.shape[0]
    top, left = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
    unpadded = resize(filled.cpu()[0, 0].numpy(), (side, side), order=1)
    drawn = generator.normaliser.inverse(
        unpadded[top : top + crop.shape[0], left : left + crop.shape[1]]
    )
    result = image.copy()
    result[row0:row1, col0:col1] = composite_under_mask(crop, drawn, crop_hole)
    return result


def known_margin(side: int, spatial_dims: int) -> int:
    """Voxels of known tissue a 3D run needs between a hole and its patch's faces (a 2D run
    crops its own context around the hole: none)."""
    return max(1, side // 8) if spatial_dims == 3 else 0


def _inpaint_volume(
    generator: LoadedGenerator, model: Inpaint, volume: np.ndarray, hole: np.ndarray
) -> np.ndarray:
    """The hole filled from the run's patch centred on it; voxels outside it unchanged."""
    side = generator.spec.image_size
    if min(volume.shape) < side:
        raise InputError(
            f"the volume ({'×'.join(map(str, volume.shape))}) is smaller than the run's "
            f"{side}³ patch; use a run trained at a smaller image_size"
        )
    lows, highs = np.min(np.nonzero(hole), axis=1), np.max(np.nonzero(hole), axis=1)
    reach = side - 2 * known_margin(side, 3)  # some known tissue on every side of the hole
    if np.any(highs - lows + 1 > reach):
        raise InputError(
            f"the hole spans {'×'.join(str(int(e)) for e in highs - lows + 1)} voxels; this "
            f"{side}³ run fills holes up to {reach} voxels per axis with tissue around them: "
            "paint a smaller region, or train at a larger patch"
        )
    starts = np.clip((lows + highs) // 2 - side // 2, 0, np.asarray(volume.shape) - side)
    box = tuple(slice(int(a), int(a) + side) for a in starts)
    crop, crop_hole = volume[box], hole[box]
    filled = model.fill(
        torch.from_numpy(generator.normaliser.forward(crop).astype(np.float32))[None, None],
        torch.from_numpy(crop_hole.astype(np.float32))[None, None],
    )
    drawn = generator.normaliser.inverse(filled.cpu()[0, 0].numpy())
    result = volume.copy()
    result[box] = composite_under_mask(crop, drawn, crop_hole)
    return result
