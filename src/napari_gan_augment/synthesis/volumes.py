"""Whole volumes from a 3D mask → image run: the mask volume goes through the generator
patch by patch (MONAI ``SlidingWindowInferer``, Gaussian-blended overlaps), so a volume of
any size streams through a model trained on small cubes and memory stays that of a few
patches."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from monai.inferers import SlidingWindowInferer

from ..data.encoding import encode_masks
from ..errors import InputError
from .conditional import known_labels, mask_model
from .generate import LoadedGenerator


def synthesize_volume(
    generator: LoadedGenerator,
    mask: np.ndarray,
    overlap: float = 0.5,
    batch_size: int = 4,
    progress: bool = False,
    inferer: Callable[..., torch.Tensor] | None = None,
) -> np.ndarray:
    """The image volume a 3D mask → image run draws for ``mask`` ``(Z, Y, X)``, in the
    training data's intensities; same shape as the mask.

    ``overlap`` is the share of a patch that neighbouring windows share (0 = tiled; more
    overlap blends away seams at the cost of time). A volume smaller than a patch is padded
    with background and cropped back."""
    spec = generator.spec
    if spec.spatial_dims != 3:
        raise InputError(
            f"the {spec.family!r} run is 2D (trained on {spec.image_size}×{spec.image_size} "
            "images); it draws a volume only slice by slice: give the masks as a folder of "
            "2D masks, or train a 3D run (spatial_dims: 3)"
        )
    model = mask_model(generator)
    labels = np.asarray(mask)
    if labels.ndim != 3:
        raise InputError(f"a 3D run draws images for mask volumes (Z, Y, X), got {labels.shape}")
    if not 0 <= overlap < 1:
        raise InputError(f"overlap is a fraction of a patch in [0, 1), got {overlap}")
    labels = known_labels(generator, labels)[None]
    channels = torch.from_numpy(encode_masks(labels, spec.num_classes))
    window = inferer or SlidingWindowInferer(
        roi_size=spec.spatial_shape,
        sw_batch_size=batch_size,
        overlap=overlap,
        mode="gaussian",
        padding_mode="constant",
        cval=-1.0,  # background in the mask channels' encoding
        sw_device=model.device,
        device=torch.device("cpu"),  # the whole volume stays in host memory
        progress=progress,
    )
    with torch.no_grad():
        image = window(channels, model.translate)
    assert isinstance(image, torch.Tensor)  # one output head, so one tensor
    return generator.normaliser.inverse(image[0, 0].numpy())
