"""Data layer: file I/O, image–mask pair sets, volume slicing and intensity normalisation."""

from __future__ import annotations

from .io import Volume, is_mask_filename, read_image_file, read_nifti, write_nifti
from .normalise import IntensityNormaliser
from .pairset import PairSet

__all__ = [
    "IntensityNormaliser",
    "PairSet",
    "Volume",
    "is_mask_filename",
    "read_image_file",
    "read_nifti",
    "write_nifti",
]
