"""Images for given masks, from a mask → image generator (e.g. ``pix2pix``)."""

from __future__ import annotations

import numpy as np
import torch
from skimage.transform import resize

from ..data.encoding import encode_masks
from ..data.validation import check_labels
from ..errors import InputError
from ..models.base import MaskToImageModel
from .generate import LoadedGenerator


def check_mask_model(generator: LoadedGenerator) -> None:
    if generator.model.conditioning != "mask":
        raise InputError(
            f"the {generator.spec.family!r} model draws pairs from noise and takes no masks; "
            "use a mask → image family such as pix2pix"
        )


def images_for_masks(
    generator: LoadedGenerator, masks: np.ndarray, batch_size: int = 16
) -> np.ndarray:
    """Images (source dtype) for ``(N, H, W)`` or ``(H, W)`` integer masks of any size.

    Masks are resized (nearest) to the model's size, translated, and the images resized back
    (linear) to each mask's size.

    Raises:
        InputError: the model is not mask-conditioned, or a mask holds labels the model was
            not trained on.
    """
    check_mask_model(generator)
    labels = check_labels(np.asarray(masks), "mask")
    single = labels.ndim == 2
    if single:
        labels = labels[None]
    if labels.ndim != 3:
        raise InputError(f"masks must be 2D or a stack of 2D masks, got shape {labels.shape}")
    classes = generator.spec.num_classes
    if labels.size and labels.max() >= classes:
        raise InputError(
            f"the mask holds label {int(labels.max())} but the model was trained on labels "
            f"0–{classes - 1}; paint only those labels or train on data with more classes"
        )
    size = generator.spec.image_size
    height, width = labels.shape[1:]
    small = np.stack(
        [resize(m, (size, size), order=0, preserve_range=True, anti_aliasing=False) for m in labels]
    ).astype(np.int64)
    model = generator.model
    assert isinstance(model, MaskToImageModel)
    outputs: list[np.ndarray] = []
    for start in range(0, len(small), batch_size):
        channels = torch.from_numpy(encode_masks(small[start : start + batch_size], classes))
        images = model.translate(channels).cpu().numpy()[:, 0]
        outputs.extend(resize(i, (height, width), order=1) for i in images)
    result = generator.normaliser.inverse(np.stack(outputs))
    return result[0] if single else result
