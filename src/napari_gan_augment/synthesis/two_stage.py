"""Two-stage synthesis: masks from a mask generator, then images for them from pix2pix."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import InputError
from .conditional import check_mask_model, images_for_masks
from .generate import LoadedGenerator, SyntheticBatch, iter_synthesis


def iter_two_stage(
    mask_generator: LoadedGenerator,
    image_generator: LoadedGenerator,
    count: int,
    seed: int = 0,
    batch_size: int = 64,
) -> Iterator[SyntheticBatch]:
    """``count`` pairs: masks from ``mask_generator``, images from ``image_generator``.

    Either stage can be swapped: a pair generator's masks work as stage 1, and
    :func:`images_for_masks` takes the user's own painted masks instead.
    """
    check_mask_model(image_generator)
    if mask_generator.spec.num_classes > image_generator.spec.num_classes:
        raise InputError(
            f"the mask model draws {mask_generator.spec.num_classes} labels but the image "
            f"model knows only {image_generator.spec.num_classes}; train both on the same data"
        )
    for batch in iter_synthesis(mask_generator, count, seed, batch_size):
        images = images_for_masks(image_generator, batch.masks)
        yield SyntheticBatch(batch.start, images, batch.masks)
