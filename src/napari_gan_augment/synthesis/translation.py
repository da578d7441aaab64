"""Translating whole images to the other class with a ``cyclegan`` model."""

from __future__ import annotations

import numpy as np
import torch
from skimage.transform import resize

from ..data.validation import check_grayscale
from ..errors import InputError
from ..models.cyclegan import CycleGAN
from .generate import LoadedGenerator

DIRECTIONS = ("a2b", "b2a")


def translate_images(
    generator: LoadedGenerator, images: np.ndarray, direction: str = "a2b"
) -> np.ndarray:
    """New images of the other class for a 2D image or a stack ``(N, H, W)`` of any size.

    ``"a2b"`` turns images without the object class into images with it; ``"b2a"`` the
    reverse. Each image is resized to the model's size and the result back to its own size.
    """
    model = generator.model
    if not isinstance(model, CycleGAN):
        raise InputError(
            f"the {generator.spec.family!r} model does not translate images; use a cyclegan run"
        )
    if direction not in DIRECTIONS:
        raise InputError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    stack = check_grayscale(images, "image", allowed_ndim=(2, 3))
    single = stack.ndim == 2
    stack = stack[None] if single else stack
    size = generator.spec.image_size
    outputs = []
    for image in stack:
        small = resize(generator.normaliser.forward(image), (size, size), order=1)
        moved = model.translate(torch.from_numpy(small.astype(np.float32))[None, None], direction)
        outputs.append(resize(moved.cpu()[0, 0].numpy(), image.shape, order=1))
    result = generator.normaliser.inverse(np.stack(outputs))
    return result[0] if single else result
