"""Whole volumes from a mask → image run.

A 3D run draws the mask volume patch by patch (MONAI ``SlidingWindowInferer``,
Gaussian-blended overlaps), so a volume of any size streams through a model trained on small
cubes and memory stays that of a few patches. A 2D run draws it slice by slice along an axis
the caller names (2.5D): nothing guesses which orientation the model learned.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from monai.inferers import SlidingWindowInferer

from ..data.encoding import encode_masks
from ..data.slicing import neighbour_slices
from ..errors import InputError
from ..memory import refuse_volume_too_large
from .conditional import images_for_masks, known_labels, mask_model
from .generate import LoadedGenerator


def synthesize_volume(
    generator: LoadedGenerator,
    mask: np.ndarray,
    axis: int | None = None,
    overlap: float = 0.5,
    batch_size: int = 4,
    progress: bool = False,
    inferer: Callable[..., torch.Tensor] | None = None,
) -> np.ndarray:
    """The image volume a mask → image run draws for ``mask`` ``(Z, Y, X)``, in the training
    data's intensities; same shape as the mask.

    A 3D run draws it whole (``overlap``: the share of a patch that neighbouring windows share;
    0 = tiled, more blends away seams at the cost of time; a volume smaller than a patch is
    padded with background and cropped back). A 2D run needs ``axis``: it draws each slice
    along that axis on its own (2.5D)."""
    labels = np.asarray(mask)
    if labels.ndim != 3:
        raise InputError(f"a volume is drawn for a 3D mask (Z, Y, X), got shape {labels.shape}")
    check_volume_request(generator, axis)
    if axis is not None:
        stack = np.moveaxis(labels, axis, 0)
        context = generator.spec.context_slices
        neighbours = neighbour_slices(stack, list(range(len(stack))), context) if context else None
        return np.moveaxis(images_for_masks(generator, stack, context=neighbours), 0, axis)
    spec = generator.spec
    model = mask_model(generator)
    if not 0 <= overlap < 1:
        raise InputError(f"overlap is a fraction of a patch in [0, 1), got {overlap}")
    refuse_volume_too_large(labels.shape, spec.num_classes - 1)
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


def check_volume_request(generator: LoadedGenerator, axis: int | None) -> None:
    """Refuse, before anything is drawn or written, a volume the run cannot draw as asked:
    a run that takes no masks, a 2D run without a slice axis, a 3D run with one."""
    spec = generator.spec
    mask_model(generator)
    if spec.spatial_dims == 3 and axis is not None:
        raise InputError(
            f"the {spec.family!r} run is 3D and draws the volume whole; leave out the slice axis"
        )
    if spec.spatial_dims == 2 and axis is None:
        trained = generator.metadata.get("slice_axis")
        hint = f" (it trained on slices along axis {trained})" if trained is not None else ""
        raise InputError(
            f"the {spec.family!r} run is 2D ({spec.image_size}×{spec.image_size} images) and "
            f"draws a volume slice by slice: name the slice axis (0, 1 or 2){hint}, or train "
            "a 3D run (spatial_dims: 3)"
        )
    if axis is not None and axis not in (0, 1, 2):
        raise InputError(f"slice axis must be 0, 1 or 2, got {axis}")
