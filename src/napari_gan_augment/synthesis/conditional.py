"""Images for given masks, from a mask → image generator (e.g. ``pix2pix``)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from skimage.transform import resize

from ..data.encoding import encode_mask_stack, encode_masks, label_dtype
from ..data.pairset import square_labels, square_padding
from ..data.validation import BINARY_255, check_labels, consecutive_labels
from ..errors import InputError
from ..models.base import MaskToImageModel
from .generate import LoadedGenerator, SyntheticBatch
from .mask_sources import MaskSource


def mask_model(generator: LoadedGenerator) -> MaskToImageModel:
    """The generator's model if it draws images for masks, else a clear error."""
    if not isinstance(generator.model, MaskToImageModel):
        raise InputError(
            f"the {generator.spec.family!r} model draws pairs from noise and takes no masks; "
            "use a mask → image family such as pix2pix"
        )
    return generator.model


def checked_masks(generator: LoadedGenerator, masks: np.ndarray) -> np.ndarray:
    """``(N, H, W)`` labels the model knows; 0/255 masks for a binary model become 0/1."""
    labels = np.asarray(masks)
    labels = labels[None] if labels.ndim == 2 else labels
    if labels.ndim != 3:
        raise InputError(f"masks must be 2D or a stack of 2D masks, got shape {labels.shape}")
    return known_labels(generator, labels)


def known_labels(generator: LoadedGenerator, masks: np.ndarray) -> np.ndarray:
    """Integer labels (any shape) the model was trained on; 0/255 for a binary model → 0/1."""
    labels = check_labels(np.asarray(masks), "mask")
    classes = generator.spec.num_classes
    present = set(np.unique(labels).tolist())
    if classes == 2 and 255 in present and present <= set(BINARY_255):
        labels = consecutive_labels([labels], "mask")[0]
    if labels.size and labels.max() >= classes:
        raise InputError(
            f"the mask holds label {int(labels.max())} but the model was trained on labels "
            f"0–{classes - 1}; paint only those labels or train on data with more classes"
        )
    return labels


def images_for_masks(
    generator: LoadedGenerator,
    masks: np.ndarray,
    batch_size: int = 16,
    context: np.ndarray | None = None,
) -> np.ndarray:
    """Images (source dtype) for ``(N, H, W)`` or ``(H, W)`` integer masks of any size.

    Each mask is centre-padded to a square and resized (nearest) to the model's size, as the
    training pairs were; the image is resized back to the square and the padding cropped,
    so a non-square mask is never stretched. A run trained with neighbouring slices takes
    them as ``context`` ``(N, 2·c, H, W)`` (see :func:`~..data.slicing.neighbour_slices`).

    Raises:
        InputError: the model is not mask-conditioned, a mask holds labels the model was
            not trained on, or a run trained with neighbouring slices got none.
    """
    model = mask_model(generator)
    spec = generator.spec
    single = np.asarray(masks).ndim == 2
    labels = checked_masks(generator, masks)
    if spec.context_slices and context is None:
        raise InputError(
            f"the {spec.family!r} run draws each slice with its {spec.context_slices} "
            "neighbouring mask slices on each side: give it a mask volume and a slice axis "
            "(it draws the volume slice by slice), not single 2D masks"
        )
    size, classes = spec.image_size, spec.num_classes
    height, width = labels.shape[1:]
    pad = square_padding(height, width)
    side = max(height, width)
    small = np.stack([square_labels(m, size) for m in labels])
    channels = encode_masks(small, classes)
    if spec.context_slices:
        neighbours = known_labels(generator, np.asarray(context)).reshape(
            len(labels), -1, height, width
        )
        stacked = np.stack([[square_labels(m, size) for m in stack] for stack in neighbours])
        channels = np.concatenate([channels, encode_mask_stack(stacked, classes)], axis=1)
    outputs: list[np.ndarray] = []
    (top, _), (left, _) = pad
    for start in range(0, len(channels), batch_size):
        batch = torch.from_numpy(channels[start : start + batch_size])
        for image in model.translate(batch).cpu().numpy()[:, 0]:
            square = resize(image, (side, side), order=1)
            outputs.append(square[top : top + height, left : left + width])
    result = generator.normaliser.inverse(np.stack(outputs))
    return result[0] if single else result


def iter_conditional_pairs(
    generator: LoadedGenerator,
    source: MaskSource,
    count: int,
    seed: int = 0,
    batch_size: int = 64,
) -> Iterator[SyntheticBatch]:
    """``count`` pairs: masks from ``source``, images for them from ``generator``."""
    mask_model(generator)
    if count < 1:
        raise InputError(f"count must be a positive number of pairs, got {count}")
    draw = images_for_patches if generator.spec.spatial_dims == 3 else images_for_masks
    for start in range(0, count, batch_size):
        masks = source.masks(start, min(batch_size, count - start), seed)
        labels = masks.astype(label_dtype(generator.spec.num_classes))
        yield SyntheticBatch(start, draw(generator, masks), labels)


def images_for_patches(generator: LoadedGenerator, masks: np.ndarray) -> np.ndarray:
    """Images (source dtype) for ``(N, *patch)`` masks of exactly the 3D run's patch shape,
    drawn in one pass (a whole volume goes through ``synthesize_volume``'s sliding window)."""
    spec = generator.spec
    labels = known_labels(generator, masks)
    if labels.shape[1:] != tuple(spec.spatial_shape):
        raise InputError(
            f"the 3D {spec.family!r} run draws {spec.image_size}³ patches, not masks of shape "
            f"{labels.shape[1:]}; draw a whole volume with synthesize_volume (or gan-augment "
            "generate --masks)"
        )
    channels = torch.from_numpy(encode_masks(labels, spec.num_classes))
    with torch.no_grad():
        images = mask_model(generator).translate(channels).cpu().numpy()[:, 0]
    return generator.normaliser.inverse(images)
