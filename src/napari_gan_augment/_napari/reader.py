"""npe2 reader: NIfTI files as Image layers, or Labels layers when the name marks a mask."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..data.io import NIFTI_SUFFIXES, as_label_array, file_stem, is_mask_filename, read_nifti

LayerData = tuple[Any, dict[str, Any], str]


def get_nifti_reader(path: str | list[str]) -> Callable[[str | list[str]], list[LayerData]] | None:
    """Return a reader for ``.nii``/``.nii.gz`` paths, or ``None`` for anything else."""
    paths = [path] if isinstance(path, str) else list(path)
    if not paths or not all(str(p).lower().endswith(NIFTI_SUFFIXES) for p in paths):
        return None
    return read_nifti_layers


def read_nifti_layers(path: str | list[str]) -> list[LayerData]:
    """One layer per file: voxel spacing → ``scale``, origin → ``translate``."""
    paths = [path] if isinstance(path, str) else list(path)
    layers: list[LayerData] = []
    for item in paths:
        volume = read_nifti(item)
        meta = {
            "name": file_stem(item),
            "scale": volume.spacing,
            "translate": volume.origin,
            "metadata": {"source_path": str(Path(item).resolve())},
        }
        if is_mask_filename(item):
            layers.append((as_label_array(volume.data, str(item)), meta, "labels"))
        else:
            layers.append((volume.data, meta, "image"))
    return layers
