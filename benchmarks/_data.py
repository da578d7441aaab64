"""Benchmark inputs: real sample slices, upsampled when a size needs larger images.

Throughput does not depend on image content, but the trainer refuses sizes above the source
images (117 px for the 2 mm sample), so 128/256 px runs use the sample upsampled ×2 / ×3.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from skimage.transform import rescale

from napari_gan_augment.config import DataConfig
from napari_gan_augment.data.pairset import PairSet, SliceSettings
from napari_gan_augment.data.sample import load_sample


def benchmark_data(size: int, folder: Path) -> DataConfig:
    """A DataConfig whose pairs are at least ``size`` pixels wide."""
    if size <= 64:
        return DataConfig(source="sample", axis=0, min_foreground=0.05)
    image, mask = load_sample()
    pairs = PairSet.from_volume(
        image.data,
        mask.data,
        image.spacing,
        "sample",
        SliceSettings(axis=0, step=2, min_foreground=0.05),
    )
    factor = int(np.ceil(size / 117))
    images = [rescale(i.astype(np.float32), factor, order=1) for i in pairs.images]
    masks = [
        rescale(m, factor, order=0, preserve_range=True, anti_aliasing=False).astype(np.uint8)
        for m in pairs.masks
    ]
    path = folder / f"pairs_{size}.npz"
    PairSet.from_pairs(images, masks, list(pairs.provenance)).save(path)
    return DataConfig(source="pairs", path=str(path))
