"""Mask-guided compositing and the ROI workflow of class transformation (``ugan``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy.ndimage import distance_transform_edt
from skimage.transform import resize

from ..data.encoding import decode_masks
from ..data.validation import check_grayscale
from ..errors import InputError
from ..models.ugan import UGAN
from .generate import LoadedGenerator


def composite_under_mask(
    original: np.ndarray, generated: np.ndarray, mask: np.ndarray, feather_px: float = 0.0
) -> np.ndarray:
    """``original`` outside ``mask`` (bit for bit), ``generated`` inside it.

    Args:
        original: the user's image (never modified; a new array is returned).
        generated: the generator's image, same shape.
        mask: where the object was added (non-zero = inside).
        feather_px: blend over this many pixels *inside* the mask edge (0 = hard edge); the
            blend weight is 0 on and outside the edge, so outside pixels stay untouched.
    """
    if not original.shape == generated.shape == mask.shape:
        raise InputError(
            f"original {original.shape}, generated {generated.shape} and mask {mask.shape} "
            "must have the same shape"
        )
    inside = mask > 0
    weight = inside.astype(np.float64)
    if feather_px > 0:
        weight = np.clip(distance_transform_edt(inside) / feather_px, 0.0, 1.0)
    result = original.copy()
    blended = weight * generated.astype(np.float64) + (1 - weight) * original.astype(np.float64)
    if np.issubdtype(original.dtype, np.integer):
        blended = np.rint(blended)
    result[inside] = blended[inside].astype(original.dtype)
    return result


def check_box(box: Sequence[int], shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """A ``(row0, col0, row1, col1)`` box inside an image of ``shape``."""
    if len(box) != 4:
        raise InputError(f"a region is (row0, col0, row1, col1), got {tuple(box)}")
    row0, col0, row1, col1 = (int(round(v)) for v in box)
    height, width = shape
    if row0 < 0 or col0 < 0 or row1 > height or col1 > width:
        raise InputError(
            f"the region rows {row0}–{row1}, columns {col0}–{col1} extends past the image "
            f"border ({height}×{width}); draw it inside the image"
        )
    if row1 - row0 < 4 or col1 - col0 < 4:
        raise InputError(f"the region {row1 - row0}×{col1 - col0} px is too small to transform")
    return row0, col0, row1, col1


def transform_region(
    generator: LoadedGenerator,
    image: np.ndarray,
    box: Sequence[int] | None = None,
    seed: int = 0,
    feather_px: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Add the trained object class inside ``box`` of a 2D image.

    The region is cropped, resized to the model's size, transformed (stripe noise from
    ``seed``), and the generated image and mask are resized back and pasted at the same
    place: the image changes only under the generated mask.

    Returns:
        A new image (the input's dtype) and a full-size label mask of the added object.
    """
    model = generator.model
    if not isinstance(model, UGAN):
        raise InputError(
            f"the {generator.spec.family!r} model does not transform regions; use a ugan run"
        )
    image = check_grayscale(image, "image", allowed_ndim=(2,))
    size = generator.spec.image_size
    if box is None:
        if image.shape != (size, size):
            raise InputError(
                f"the image is {image.shape[0]}×{image.shape[1]} px but the model was trained "
                f"at {size}×{size}; draw a region (box) to transform, or pass an image of "
                "the training size"
            )
        box = (0, 0, size, size)
    row0, col0, row1, col1 = check_box(box, image.shape)
    region = image[row0:row1, col0:col1]
    normalised = resize(generator.normaliser.forward(region), (size, size), order=1)
    source = torch.from_numpy(normalised.astype(np.float32))[None, None]
    rng = torch.Generator().manual_seed(int(np.random.SeedSequence([seed]).generate_state(1)[0]))
    output = model.transform(model.generator_inputs(source.to(model.device), rng)).cpu()
    channels = generator.spec.image_channels
    small_mask = decode_masks(output[:, channels:])[0]
    mask = resize(small_mask, region.shape, order=0, preserve_range=True, anti_aliasing=False)
    mask = mask.astype(small_mask.dtype)
    drawn = resize(output[0, 0].numpy(), region.shape, order=1)
    generated = generator.normaliser.inverse(drawn)
    result = image.copy()
    result[row0:row1, col0:col1] = composite_under_mask(region, generated, mask, feather_px)
    full_mask = np.zeros(image.shape, mask.dtype)
    full_mask[row0:row1, col0:col1] = mask
    return result, full_mask


def transform_regions(
    generator: LoadedGenerator,
    image: np.ndarray,
    boxes: Sequence[Sequence[int] | None],
    seeds: Sequence[int],
    feather_px: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """One result per seed with every box transformed: ``(len(seeds), H, W)`` images and
    masks. Box ``i`` of seed ``s`` draws with seed ``s * 1000 + i``, so a box's result does
    not depend on how many boxes come after it (the widget and ``gan-augment transform``
    give the same pixels)."""
    images, masks = [], []
    for seed in seeds:
        result, full_mask = image, np.zeros(np.shape(image)[-2:], np.uint8)
        for index, box in enumerate(boxes):
            result, mask = transform_region(generator, result, box, seed * 1000 + index, feather_px)
            full_mask = np.maximum(full_mask, mask)
        images.append(result)
        masks.append(full_mask)
    return np.stack(images), np.stack(masks)
