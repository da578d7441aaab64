"""Standard augmentation for the segmentation arms, from MONAI transforms.

The default follows Neff et al. (2018): intensity shift and scale (σ 0.05), translation
(10 px at 256 px, scaled to the training size) and elastic deformation; plus optional
left–right flips. Images are in [-1, 1], so a shift of 0.1 is 0.05 of the intensity range.
With ``probabilities: always`` every transform applies to each sample (flips with 0.5).

A tuned baseline is what a reviewer expects (LITERATURE §9): ``LEVELS`` are a none / light /
medium / strong grid of nnU-Net's transforms (rotation and scaling, Gaussian noise, blur,
brightness, contrast, gamma, mirroring) with nnU-Net's per-transform probabilities
(``probabilities: nnunet``, Isensee et al. 2021); an experiment with ``augmentation_levels``
chooses one per fold on the validation split of the training pool. Labels move with nearest
interpolation and zero padding. Every parameter can be changed with
:class:`AugmentationSettings` (``augmentation:`` in an experiment config).

On 3D patches the same transforms run in 3D (``Rand3DElasticd`` for the deformation, its
strength calibrated to the same displacement in voxels); flips stay 2D, because which axis of
a volume is left–right depends on its orientation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from monai.transforms import (
    Compose,
    Rand2DElasticd,
    Rand3DElasticd,
    RandAdjustContrastd,
    RandAffined,
    RandFlipd,
    RandGaussianNoised,
    RandGaussianSmoothd,
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


#: nnU-Net's probability of each transform (Isensee et al. 2021, their default 2D/3D
#: augmentation); elastic deformation, off in nnU-Net, gets its spatial probability
NNUNET_PROBABILITIES = {
    "spatial": 0.2,
    "noise": 0.1,
    "blur": 0.2,
    "brightness": 0.15,
    "contrast": 0.15,
    "gamma": 0.15,
    "flip": 0.5,
}
PROBABILITIES = ("always", "nnunet")


@dataclass(frozen=True)
class AugmentationSettings:
    """Strengths; 0 (or false) switches a transform off. Shifts and elastic displacements are
    in pixels at 256 px (scaled to the training size); ``blur_sigma`` is in training pixels;
    intensities are on the [-1, 1] scale.

    ``probabilities``: ``always`` (every transform on every sample, flips 0.5) or ``nnunet``
    (``NNUNET_PROBABILITIES``)."""

    __pydantic_config__ = SETTINGS

    intensity_shift: float = 0.1
    intensity_scale: float = 0.05
    translate_px: float = 10.0
    elastic_px: float = 10.0
    flip: bool = False
    rotate_degrees: float = 0.0
    scale: float = 0.0
    noise_std: float = 0.0
    blur_sigma: float = 0.0
    gamma: float = 0.0
    probabilities: str = "always"

    def __post_init__(self) -> None:
        if self.probabilities not in PROBABILITIES:
            raise InputError(
                f"augmentation probabilities must be one of {PROBABILITIES}, got "
                f"{self.probabilities!r}"
            )

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> AugmentationSettings:
        return parse_settings(cls, raw, "augmentation")

    def probability(self, transform: str) -> float:
        if self.probabilities == "nnunet":
            return NNUNET_PROBABILITIES[transform]
        return 0.5 if transform == "flip" else 1.0


def _level(**strengths: float) -> AugmentationSettings:
    return AugmentationSettings(probabilities="nnunet", **strengths)  # type: ignore[arg-type]


#: The grid a tuned baseline chooses from; ``none`` = no augmentation. nnU-Net's own ranges
#: (rotation ±180° in 2D, scaling 0.7–1.4, gamma 0.7–1.5) lie between medium and strong.
LEVELS: dict[str, AugmentationSettings | None] = {
    "none": None,
    "light": _level(
        rotate_degrees=10,
        scale=0.1,
        translate_px=8,
        elastic_px=0,
        intensity_shift=0.1,
        intensity_scale=0.1,
        noise_std=0.03,
        blur_sigma=0.5,
        gamma=0.15,
    ),
    "medium": _level(
        rotate_degrees=20,
        scale=0.2,
        translate_px=16,
        elastic_px=0,
        intensity_shift=0.2,
        intensity_scale=0.2,
        noise_std=0.06,
        blur_sigma=0.75,
        gamma=0.3,
    ),
    "strong": _level(
        rotate_degrees=45,
        scale=0.3,
        translate_px=24,
        elastic_px=10,
        intensity_shift=0.3,
        intensity_scale=0.3,
        noise_std=0.1,
        blur_sigma=1.0,
        gamma=0.5,
    ),
}


def level_settings(name: str, flip: bool) -> AugmentationSettings | None:
    """A grid level, mirroring or not as the experiment's ``augmentation.flip`` says (whether
    left–right is a symmetry of the data is the user's knowledge, not the grid's)."""
    level = LEVELS[name]
    return None if level is None else replace(level, flip=flip)


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
    p = s.probability
    steps: list[Any] = []
    if s.intensity_shift:
        steps.append(
            RandShiftIntensityd(keys="image", offsets=s.intensity_shift, prob=p("brightness"))
        )
    if s.intensity_scale:
        steps.append(
            RandScaleIntensityd(keys="image", factors=s.intensity_scale, prob=p("contrast"))
        )
    if s.gamma:
        steps.append(
            RandAdjustContrastd(keys="image", gamma=(1 - s.gamma, 1 + s.gamma), prob=p("gamma"))
        )
    if s.noise_std:
        steps.append(RandGaussianNoised(keys="image", std=s.noise_std, prob=p("noise")))
    if s.blur_sigma:
        sigma = (0.5 * s.blur_sigma, s.blur_sigma)
        steps.append(
            RandGaussianSmoothd(
                keys="image", sigma_x=sigma, sigma_y=sigma, sigma_z=sigma, prob=p("blur")
            )
        )
    if s.flip:
        # left–right only, as Neff et al. for Cityscapes: up–down flips make implausible anatomy
        steps.append(RandFlipd(keys=keys, prob=p("flip"), spatial_axis=1))
    if s.translate_px or s.rotate_degrees or s.scale:
        shift = s.translate_px * scale
        angle = float(np.deg2rad(s.rotate_degrees))
        steps.append(
            RandAffined(
                keys=keys,
                translate_range=(shift,) * spatial_dims,
                rotate_range=(angle,) * (1 if spatial_dims == 2 else 3),
                scale_range=(s.scale,) * spatial_dims,
                prob=p("spatial"),
                mode=modes,
                padding_mode="zeros",
            )
        )
    if s.elastic_px and spatial_dims == 3:
        steps.append(_elastic_3d(image_size, s.elastic_px * scale, modes, p("spatial")))
    elif s.elastic_px:
        steps.append(
            Rand2DElasticd(
                keys=keys,
                spacing=(image_size / 4,) * 2,
                magnitude_range=(0.0, s.elastic_px * scale),
                prob=p("spatial"),
                mode=modes,
                padding_mode="zeros",
            )
        )
    transform = Compose(steps)
    transform.set_random_state(seed)
    return transform


def _elastic_3d(
    image_size: int, displacement: float, modes: tuple[str, str], prob: float
) -> Rand3DElasticd:
    """A 3D deformation whose largest draw moves voxels by about ``displacement``."""
    sigma_range, magnitude_range = elastic_3d_strength(image_size, displacement)
    return Rand3DElasticd(
        keys=("image", "label"),
        sigma_range=sigma_range,
        magnitude_range=magnitude_range,
        prob=prob,
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
