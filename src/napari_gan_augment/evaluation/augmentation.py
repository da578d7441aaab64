"""Standard augmentation for the segmentation arms, from MONAI transforms.

After Neff et al. (2018): intensity shift and scale (σ 0.05), translation (10 px at 256 px,
scaled to the training size) and elastic deformation; images are in [-1, 1], so a shift of
0.1 is 0.05 of the intensity range. Every transform applies to each sample (``prob=1``;
MONAI's default of 0.1 would leave most samples untouched). Labels move with nearest
interpolation and zero padding.
"""

from __future__ import annotations

import numpy as np
from monai.transforms import (
    Compose,
    Rand2DElasticd,
    RandAffined,
    RandScaleIntensityd,
    RandShiftIntensityd,
)


def standard_augmentation(image_size: int, seed: int) -> Compose:
    """The augmentation pipeline for ``{"image": (1, S, S), "label": (1, S, S)}`` samples."""
    shift = 10 * image_size / 256
    transform = Compose(
        [
            RandShiftIntensityd(keys="image", offsets=0.1, prob=1.0),
            RandScaleIntensityd(keys="image", factors=0.05, prob=1.0),
            RandAffined(
                keys=("image", "label"),
                translate_range=(shift, shift),
                prob=1.0,
                mode=("bilinear", "nearest"),
                padding_mode="zeros",
            ),
            Rand2DElasticd(
                keys=("image", "label"),
                spacing=(image_size / 4,) * 2,
                magnitude_range=(0.0, 10 * image_size / 256),
                prob=1.0,
                mode=("bilinear", "nearest"),
                padding_mode="zeros",
            ),
        ]
    )
    transform.set_random_state(seed)
    return transform


def augment_batch(
    transform: Compose, images: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``transform`` to each sample of ``(N, 1, S, S)`` images and ``(N, S, S)`` labels."""
    out_images, out_labels = [], []
    for image, label in zip(images, labels, strict=True):
        sample = transform({"image": image, "label": label[None].astype(np.float32)})
        out_images.append(np.asarray(sample["image"], dtype=np.float32))
        out_labels.append(np.rint(np.asarray(sample["label"])[0]).astype(np.int64))
    return np.stack(out_images), np.stack(out_labels)
