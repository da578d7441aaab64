"""Benchmark inputs: real sample slices, upsampled when a size needs larger images.

Throughput does not depend on image content, but the trainer refuses sizes above the source
images (117 px for the 2 mm sample), so 128/256 px runs use the sample upsampled ×2 / ×3.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from skimage.transform import rescale

from napari_gan_augment.config import DataConfig
from napari_gan_augment.data.pairset import PairSet
from napari_gan_augment.data.sources import pairset_from_config


def benchmark_data(size: int, folder: Path) -> DataConfig:
    """A DataConfig whose pairs are at least ``size`` pixels wide."""
    if size <= 64:
        return DataConfig(source="sample", axis=0, min_foreground=0.05)
    pairs = pairset_from_config(DataConfig(source="sample", axis=0, step=2, min_foreground=0.05))
    factor = int(np.ceil(size / 117))
    images = [rescale(i.astype(np.float32), factor, order=1) for i in pairs.images]
    masks = [
        rescale(m, factor, order=0, preserve_range=True, anti_aliasing=False).astype(np.uint8)
        for m in pairs.masks
    ]
    path = folder / f"pairs_{size}.npz"
    PairSet.from_pairs(images, masks, list(pairs.provenance)).save(path)
    return DataConfig(source="pairs", path=str(path))


def lesion_demo_pairs(seed: int = 0, random_share: float | None = None) -> PairSet:
    """Semi-synthetic "healthy → lesion" pairs for the ugan demonstration.

    Real axial slices of the sample; every second one (or, with ``random_share``, a random
    share of them) gets a bright elliptical blob placed in white matter (label 1 marks it), the
    others keep an empty mask (class 0). The lesions are drawn by this function, not real
    pathology: they only show what class transformation does. Classifiers need the random
    assignment: with alternation, a test slice's near-identical neighbours carry the opposite
    label, and a network that learns anatomy instead of lesions scores below chance.
    """
    from skimage.draw import ellipse

    pairs = pairset_from_config(DataConfig(source="sample", axis=0, min_foreground=0.05))
    rng = np.random.default_rng(seed)
    images, masks = [], []
    for index, (slice_image, tissue) in enumerate(zip(pairs.images, pairs.masks, strict=True)):
        lesion = np.zeros(slice_image.shape, np.uint8)
        white = np.argwhere(tissue == 2)
        chosen = index % 2 if random_share is None else rng.uniform() < random_share
        if chosen and len(white):
            row, col = white[rng.integers(len(white))]
            rr, cc = ellipse(
                row,
                col,
                rng.uniform(3, 6),
                rng.uniform(3, 6),
                shape=slice_image.shape,
                rotation=rng.uniform(0, np.pi),
            )
            lesion[rr, cc] = 1
            slice_image = slice_image.copy()
            slice_image[rr, cc] = np.clip(slice_image[rr, cc] * 1.35 + 25, 0, 255)
        images.append(slice_image)
        masks.append(lesion)
    return PairSet.from_pairs(images, masks, list(pairs.provenance), pairs.spacing)
