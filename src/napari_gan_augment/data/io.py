"""Reading and writing NIfTI, TIFF and PNG files, keeping voxel spacing and origin."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np

from ..atomic import atomic_path
from ..errors import InputError

NIFTI_SUFFIXES = (".nii.gz", ".nii")
RASTER_SUFFIXES = (".tif", ".tiff", ".png")
SUPPORTED_SUFFIXES = NIFTI_SUFFIXES + RASTER_SUFFIXES
_MASK_NAME = re.compile(r"[_\-.](seg|segmentation|mask|masks|label|labels)$", re.IGNORECASE)


@dataclass(frozen=True)
class Volume:
    """An array with its physical geometry (spacing and origin in mm, per array axis).

    ``rgb`` is true only for PNG/TIFF files whose last axis holds colour samples; NIfTI
    data is never colour here (a stack of 3 slices stays 3 slices).
    """

    data: np.ndarray
    spacing: tuple[float, ...]
    origin: tuple[float, ...]
    rgb: bool = False
    #: voxel → world (mm) 4×4 matrix: a NIfTI file's own (rotations included), else the
    #: diagonal one of spacing and origin
    affine: np.ndarray = field(default=None, compare=False)  # type: ignore[arg-type]
    #: the volume as its file holds it, where axes of length 1 were dropped (see
    #: :func:`without_singleton_axes`), so outputs can be written in the file's own shape
    file: Volume | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.affine is None:
            object.__setattr__(self, "affine", diagonal_affine(self.spacing, self.origin))


def diagonal_affine(spacing: tuple[float, ...], origin: tuple[float, ...]) -> np.ndarray:
    """The 4×4 voxel → world matrix of axis-aligned voxels (first three axes)."""
    affine = np.eye(4)
    for axis in range(min(len(spacing), 3)):
        affine[axis, axis] = spacing[axis]
        affine[axis, 3] = origin[axis] if axis < len(origin) else 0.0
    return affine


def without_singleton_axes(volume: Volume) -> Volume:
    """Drop axes of length 1 (an ``H×W×1`` NIfTI slice is a 2D image), with their geometry,
    so every reader sees the same array whatever the file's layout."""
    keep = [axis for axis, size in enumerate(volume.data.shape) if size != 1]
    if len(keep) == volume.data.ndim:
        return volume
    # The kept axes' columns of the file's affine first (rotations kept); a dropped axis only
    # ever has index 0, so its column moves no voxel.
    order = [a for a in keep if a < 3] + [a for a in range(3) if a not in keep]
    affine = volume.affine.copy()
    affine[:3, :3] = volume.affine[:3, order]
    return Volume(
        volume.data.reshape([volume.data.shape[a] for a in keep]),
        tuple(volume.spacing[a] for a in keep),
        tuple(volume.origin[a] for a in keep),
        volume.rgb,
        affine,
        volume,
    )


def file_stem(path: str | Path) -> str:
    """File name without its (possibly double, ``.nii.gz``) suffix."""
    name = Path(path).name
    for suffix in SUPPORTED_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


def is_mask_filename(path: str | Path) -> bool:
    """True for names such as ``brain_seg.nii.gz``, ``x_mask.tif`` or ``y-labels.png``."""
    return bool(_MASK_NAME.search(file_stem(path)))


def has_supported_suffix(path: str | Path) -> bool:
    """True when the file is NIfTI, TIFF or PNG by its name."""
    return str(path).lower().endswith(SUPPORTED_SUFFIXES)


def as_label_array(data: np.ndarray, source: str) -> np.ndarray:
    """Integer labels from stored data; integral floats (common in NIfTI) and booleans (a
    thresholded array: False/True = 0/1) are accepted."""
    if np.issubdtype(data.dtype, np.integer):
        return data
    if data.dtype == np.bool_:
        return data.astype(np.uint8)
    if np.issubdtype(data.dtype, np.floating) and np.all(np.isfinite(data)):
        rounded = np.rint(data)
        if np.array_equal(rounded, data):
            if rounded.size and float(np.abs(rounded).max()) >= 2**31:  # beyond int32
                raise InputError(
                    f"{source} holds labels up to {np.abs(rounded).max():g}, far beyond any "
                    "class count; is this an image rather than a mask?"
                )
            return rounded.astype(np.int32)
    raise InputError(
        f"{source} should hold integer labels but holds {data.dtype} values that are not "
        "whole numbers; save the mask with integer labels (0 = background, 1, 2, ... classes)"
    )


def _first_line(exc: BaseException) -> str:
    """A library's error as one line: its first (imageio appends install advice for plugins
    that would not help with a damaged file)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else 'no detail'}"


def read_nifti(path: str | Path) -> Volume:
    """Read a NIfTI file in its stored voxel order, with spacing and origin from its header.

    Raises:
        InputError: the file is missing, truncated or not NIfTI.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"NIfTI file {path} does not exist")
    try:
        image: Any = nib.load(str(path))  # Nifti1/2Image; nibabel's stubs say FileBasedImage
        data = np.asanyarray(image.dataobj)
    except Exception as exc:  # damaged files raise many types (HeaderDataError, zlib.error,
        # OverflowError from a negative size, MemoryError from an absurd one, ...)
        raise InputError(
            f"cannot read {path} as NIfTI ({_first_line(exc)}); the file may be truncated or "
            "corrupt: copy or export it again"
        ) from exc
    ndim = data.ndim
    zooms = tuple(float(z) for z in image.header.get_zooms()[:ndim])
    affine = np.asarray(image.affine, dtype=float)
    columns = np.linalg.norm(affine[:3, : min(ndim, 3)], axis=0)
    if not np.allclose(columns, zooms[:3], rtol=1e-3, atol=1e-4):
        raise InputError(
            f"{path}: the header's voxel spacing {zooms[:3]} disagrees with its affine "
            f"(voxel sizes {tuple(round(float(c), 4) for c in columns)}); the file's geometry "
            "is inconsistent: fix the header (e.g. re-save it with nibabel or 3D Slicer) so "
            "distances in mm are not silently wrong"
        )
    origin = tuple(float(o) for o in affine[: min(ndim, 3), 3]) + (0.0,) * max(0, ndim - 3)
    return Volume(np.asarray(data), zooms, origin, affine=affine)


def write_nifti(
    path: str | Path,
    data: np.ndarray,
    spacing: tuple[float, ...] | None = None,
    origin: tuple[float, ...] | None = None,
    overwrite: bool = False,
    description: str | None = None,
    affine: np.ndarray | None = None,
) -> Path:
    """Write an array as NIfTI with ``affine`` (a source's, so the output opens at the same
    place in any viewer) or else a diagonal affine built from spacing and origin.

    ``description`` goes into the header's ``descrip`` field (at most 80 bytes: e.g.
    "synthetic" and the family, so a generated file says so wherever it is copied).

    The file appears atomically (written beside, then renamed), so a crash never leaves a
    half-written file under the final name.

    Raises:
        InputError: the file exists and ``overwrite`` is false, or the array has > 7 axes.
    """
    path = Path(path)
    if not str(path).lower().endswith(NIFTI_SUFFIXES):
        path = path.with_name(path.name + ".nii.gz")
    if path.exists() and not overwrite:
        raise InputError(f"{path} already exists; choose a new file name")
    data = np.asarray(data)
    if data.dtype == np.bool_:
        data = data.astype(np.uint8)
    ndim = data.ndim
    spacing = tuple(spacing) if spacing is not None else (1.0,) * ndim
    origin = tuple(origin) if origin is not None else (0.0,) * ndim
    if affine is None:
        affine = diagonal_affine(spacing, origin)
    else:
        spacing = tuple(float(s) for s in np.linalg.norm(affine[:3, : min(ndim, 3)], axis=0))
        spacing += (1.0,) * max(0, ndim - 3)
    image = nib.Nifti1Image(data, affine)
    image.header.set_zooms(tuple(spacing[:ndim]))
    if np.issubdtype(data.dtype, np.integer):
        image.header.set_intent("label")
    if description:
        image.header["descrip"] = description.encode()[:80]
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        nib.save(image, str(tmp))
    return path


def read_image_file(path: str | Path) -> Volume:
    """Read a NIfTI, TIFF or PNG file (2D or 3D) with whatever geometry it records.

    Axes of length 1 are dropped (see :func:`without_singleton_axes`)."""
    path = Path(path)
    lower = str(path).lower()
    if lower.endswith(NIFTI_SUFFIXES):
        return without_singleton_axes(read_nifti(path))
    if not path.is_file():
        raise InputError(f"image file {path} does not exist")
    try:
        if lower.endswith((".tif", ".tiff")):
            import tifffile

            data = tifffile.imread(str(path))
        elif lower.endswith(".png"):
            from skimage import io as skio

            data = skio.imread(str(path))
        else:
            raise InputError(
                f"{path.name}: unsupported file type; use one of {', '.join(SUPPORTED_SUFFIXES)}"
            )
    except InputError:
        raise
    except Exception as exc:  # tifffile/imageio raise many types for corrupt files
        raise InputError(
            f"cannot read {path} ({_first_line(exc)}); the file may be truncated, corrupt or "
            "not what its name says: copy or export it again"
        ) from exc
    data = np.asarray(data)
    rgb = data.ndim == 3 and data.shape[-1] in (3, 4)
    return without_singleton_axes(Volume(data, (1.0,) * data.ndim, (0.0,) * data.ndim, rgb))


def write_raster(path: str | Path, data: np.ndarray, overwrite: bool = False) -> Path:
    """Write a 2D array as TIFF (any dtype) or PNG (8/16-bit), atomically."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError(f"{path} already exists; choose a new file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        if str(path).lower().endswith(".png"):
            from skimage import io as skio

            skio.imsave(str(tmp), np.asarray(data), check_contrast=False)
        else:
            import tifffile

            tifffile.imwrite(str(tmp), np.asarray(data))
    return path
