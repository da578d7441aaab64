"""Building a :class:`PairSet` from a :class:`DataConfig` (what a training job is told)."""

from __future__ import annotations

from ..config import DataConfig
from ..errors import InputError
from .io import read_image_file
from .pairset import PairSet, SliceSettings
from .sample import SAMPLE_IMAGE, load_sample


def pairset_from_config(data: DataConfig, seed: int = 0) -> PairSet:
    """Load the training pairs a config names."""
    slicing = SliceSettings(data.axis, data.step, data.min_foreground, data.empty_fraction, seed)
    if data.source == "sample":
        image, mask = load_sample()
        return PairSet.from_volume(image.data, mask.data, image.spacing, SAMPLE_IMAGE, slicing)
    if data.source == "folder":
        return PairSet.from_folder(str(data.path))
    if data.source == "pairs":
        return PairSet.load(str(data.path))
    if data.source == "volume":
        image = read_image_file(str(data.path))
        mask = read_image_file(str(data.mask_path))
        return PairSet.from_arrays(
            image.data,
            mask.data,
            image.spacing,
            str(data.path),
            str(data.mask_path),
            slicing,
            rgb=image.rgb,
        )
    raise InputError(f"unknown data source {data.source!r}")
