"""The bundled sample: a 2 mm MNI ICBM152 2009a T1 with grey/white-matter labels.

See ``sample_data/NOTICE.txt`` for its copyright notice and ``scripts/make_sample_data.py``
for how it was derived from the template that nilearn ships.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .io import Volume, read_nifti

SAMPLE_IMAGE = "mni152_t1_2mm.nii.gz"
SAMPLE_MASK = "mni152_tissue_2mm_seg.nii.gz"
SAMPLE_CLASSES = {0: "background", 1: "grey matter", 2: "white matter"}


def sample_path(name: str) -> Path:
    """Path of a bundled sample file."""
    return Path(str(resources.files("napari_gan_augment") / "sample_data" / name))


def load_sample() -> tuple[Volume, Volume]:
    """The sample T1 volume and its tissue label volume, axes (z, y, x), 2 mm voxels."""
    return read_nifti(sample_path(SAMPLE_IMAGE)), read_nifti(sample_path(SAMPLE_MASK))
