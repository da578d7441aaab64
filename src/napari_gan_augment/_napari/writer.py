"""npe2 writers: Image and Labels layers to NIfTI, keeping
scale (spacing) and translate (origin)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data.io import write_nifti


def _write(path: str, data: Any, meta: dict[str, Any]) -> list[str]:
    ndim = np.ndim(data)
    spacing = tuple(meta.get("scale", (1.0,) * ndim))
    origin = tuple(meta.get("translate", (0.0,) * ndim))
    # The user picked this path in napari's save dialog, which already confirmed overwriting.
    written = write_nifti(path, np.asarray(data), spacing, origin, overwrite=True)
    return [str(written)]


def write_image_nifti(path: str, data: Any, meta: dict[str, Any]) -> list[str]:
    """Save an Image layer."""
    return _write(path, data, meta)


def write_labels_nifti(path: str, data: Any, meta: dict[str, Any]) -> list[str]:
    """Save a Labels layer (integer labels, NIfTI intent 'label')."""
    return _write(path, np.asarray(data), meta)
