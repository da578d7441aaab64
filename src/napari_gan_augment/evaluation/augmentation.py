"""Standard augmentation for the segmentation arms, from MONAI transforms.

After Neff et al. (2018): intensity shift and scale (σ 0.05), translation (10 px at 256 px,
scaled to the training size) and elastic deformation; plus optional left–right flips. Images
are in [-1, 1], so a shift of 0.1 is 0.05 of the intensity range. Every transform applies to
each sample (``prob=1``; MONAI's default of 0.1 would leave most samples untouched); flips
have probability 0.5. Labels move with nearest interpolation and zero padding. Every
parameter can be changed with :class:`AugmentationSettings` (``augmentation:`` in an
experiment config).

On 3D patches the same transforms run in 3D (``Rand3DElasticd`` for the deformation, its
strength calibrated to the same displacement in voxels); flips stay 2D, because which axis of
a volume is left–right depends on its orientation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from monai.transforms import (
    Compose,
    Rand2DElasticd,
    Rand3DElasticd,
    RandAffined,
    RandFlipd,
    RandScaleIntensityd,
    RandShiftIntensityd,
)

from ..config import SETTINGS, parse_settings
from ..data.elastic import elastic_3d_strength
from ..errors import InputError

NO_FLIPS_IN_3D = (
    "flip is for 2D images: which axis of a volume is left–right depends on its orientation; "
    "set augmentation flip: false for a 3D experiment"
)


@dataclass(frozen=True)
class AugmentationSettings:
    """Strengths; 0 (or false) switches a transform off. Sizes are in pixels at 256 px."""

    __pydantic_config__ = SETTINGS

    intensity_shift: float = 0.1
    intensity_scale: float = 0.05
    translate_px: float = 10.0
    elastic_px: float = 10.0
    flip: bool = False

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> AugmentationSettings:
        return parse_settings(cls, raw, "augmentation")


def standard_augmentation(
    image_size: int, seed: int, settings: AugmentationSettings | None = None, spatial_dims: int = 2
) -> Compose:
    """The augmentation pipeline for ``{"image": (1, S, S), "label": (1, S, S)}`` samples
    (``(1, S, S, S)`` with ``spatial_dims=3``)."""
    s = settings or AugmentationSettings()
    if s.flip and spatial_dims == 3:
        raise InputError(NO_FLIPS_IN_3D)
    scale = image_size / 256
    keys, modes = ("image", "label"), ("bilinear", "nearest")
    steps: list[Any] = []
    if s.intensity_shift:
        steps.append(RandShiftIntensityd(keys="image", offsets=s.intensity_shift, prob=1.0))
    if s.intensity_scale:
        steps.append(RandScaleIntensityd(keys="image", factors=s.intensity_scale, prob=1.0))
    if s.flip:
        # left–right only, as Neff et al. for Cityscapes: up–down flips make implausible anatomy
        steps.append(RandFlipd(keys=keys, prob=0.5, spatial_axis=1))
    if s.translate_px:
        shift = s.translate_px * scale
        steps.append(
            RandAffined(
                keys=keys,
                translate_range=(shift,) * spatial_dims,
                prob=1.0,
                mode=modes,
                padding_mode="zeros",
            )
        )
    if s.elastic_px and spatial_dims == 3:
        steps.append(_elastic_3d(image_size, s.elastic_px * scale, modes))
    elif s.elastic_px:
        steps.append(
            Rand2DElasticd(
                keys=keys,
                spacing=(image_size / 4,) * 2,
                magnitude_range=(0.0, s.elastic_px * scale),
                prob=1.0,
                mode=modes,
                padding_mode="zeros",
            )
        )
    transform = Compose(steps)
    transform.set_random_state(seed)
    return transform


def _elastic_3d(image_size: int, displacement: float, modes: tuple[str, str]) -> Rand3DElasticd:
    """A 3D deformation whose largest draw moves voxels by about ``displacement``."""
    sigma_range, magnitude_range = elastic_3d_strength(image_size, displacement)
    return Rand3DElasticd(
        keys=("image", "label"),
        sigma_range=sigma_range,
        magnitude_range=magnitude_range,
        prob=1.0,
        mode=modes,
        padding_mode="zeros",
    )


def augment_batch(
    transform: Compose, images: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``transform`` to each sample of ``(N, 1, S, S)`` images and ``(N, S, S)`` labels
    (or ``(N, 1, S, S, S)`` and ``(N, S, S, S)``)."""
    out_images, out_labels = [], []
    for image, label in zip(images, labels, strict=True):
        sample = transform({"image": image, "label": label[None].astype(np.float32)})
        out_images.append(np.asarray(sample["image"], dtype=np.float32))
        out_labels.append(np.rint(np.asarray(sample["label"])[0]).astype(np.int64))
    return np.stack(out_images), np.stack(out_labels)
