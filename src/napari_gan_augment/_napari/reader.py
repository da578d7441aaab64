"""npe2 readers: NIfTI files as Image layers, or Labels layers when the name marks a mask;
a pair folder (``images/`` + ``masks/``) as one stacked Image and one Labels layer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..data.io import (
    NIFTI_SUFFIXES,
    as_label_array,
    file_stem,
    is_mask_filename,
    read_image_file,
    read_nifti,
)
from ..data.pairset import matched_files
from ..errors import InputError

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


def get_pair_folder_reader(
    path: str | list[str],
) -> Callable[[str | list[str]], list[LayerData]] | None:
    """Return a reader for a pair folder (``images/`` + ``masks/``, as ``gan-augment
    generate`` and the demo write them), or ``None`` for anything else."""
    paths = [path] if isinstance(path, str) else list(path)
    if len(paths) != 1 or not all((Path(paths[0]) / sub).is_dir() for sub in ("images", "masks")):
        return None
    return read_pair_folder


def read_pair_folder(path: str | list[str]) -> list[LayerData]:
    """A pair folder as one Image and one Labels layer, the pairs stacked along a first axis
    of their own (so they are browsed by themselves, not by a volume's slice slider)."""
    root = Path(path if isinstance(path, str) else path[0])
    files = matched_files(root)
    images = [read_image_file(image) for image, _ in files]
    masks = [as_label_array(read_image_file(mask).data, str(mask)) for _, mask in files]
    shapes = sorted({str(a.shape) for a in [v.data for v in images] + masks})
    if len(shapes) != 1:
        raise InputError(
            f"{root}: its pairs have different shapes ({', '.join(shapes[:4])}), so they do not "
            "stack; open the files in images/ and masks/ one by one"
        )
    provenance = root / "provenance.json"
    meta = {
        "scale": (1.0, *images[0].spacing),
        "metadata": {
            "source_path": str(root.resolve()),
            "pairs": [image.name for image, _ in files],
            "provenance": json.loads(provenance.read_text()) if provenance.exists() else None,
        },
    }
    return [
        (np.stack([v.data for v in images]), {**meta, "name": f"{root.name} images"}, "image"),
        (np.stack(masks), {**meta, "name": f"{root.name} masks"}, "labels"),
    ]
