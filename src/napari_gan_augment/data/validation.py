"""Checks on user images and masks. Each failure says what is wrong and how to fix it."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from ..errors import InputError, InputNotice
from .io import as_label_array

#: Binary masks saved by image editors and most tools as 8-bit images.
BINARY_255 = (0, 255)


def check_grayscale(
    image: np.ndarray, name: str, allowed_ndim: tuple[int, ...], rgb: bool | None = None
) -> np.ndarray:
    """Reject RGB, multi-channel, wrong-rank and non-finite images.

    Args:
        image: the array to check.
        name: how to call it in messages (a layer or file name).
        allowed_ndim: the ranks this caller supports (2 for a slice, 3 for a volume/stack).
        rgb: whether the source stores colour samples (a PNG/TIFF reader or a napari layer
            knows); ``None`` guesses from a last axis of 3 or 4. NIfTI is never RGB here, so
            a stack of 3 grayscale slices is not mistaken for colour.
    """
    image = np.asarray(image)
    looks_rgb = image.ndim in (3, 4) and image.shape[-1] in (3, 4)
    looks_rgb = looks_rgb and image.ndim - 1 in allowed_ndim
    if rgb or (rgb is None and looks_rgb):
        raise InputError(
            f"{name} looks like an RGB(A) image (last axis has {image.shape[-1]} channels); "
            "napari-gan-augment trains on grayscale images: convert it to grayscale first "
            "(e.g. skimage.color.rgb2gray)"
        )
    if image.ndim not in allowed_ndim:
        wanted = " or ".join(f"{n}D" for n in allowed_ndim)
        raise InputError(
            f"{name} has {image.ndim} dimensions {image.shape}; supported: {wanted} grayscale "
            "images (a 2D slice, or a 3D volume/stack of slices); pick one channel or time "
            "point of 4D data first"
        )
    if image.size == 0:
        raise InputError(f"{name} is empty (shape {image.shape}); it holds no pixels to learn from")
    if not (np.issubdtype(image.dtype, np.number) or image.dtype == np.bool_):
        raise InputError(f"{name} has non-numeric dtype {image.dtype}")
    if np.issubdtype(image.dtype, np.floating) and not np.all(np.isfinite(image)):
        bad = int(np.count_nonzero(~np.isfinite(image)))
        raise InputError(
            f"{name} contains {bad} NaN or infinite values; replace them (e.g. "
            "numpy.nan_to_num) or crop them away before training"
        )
    return image


def check_labels(mask: np.ndarray, name: str) -> np.ndarray:
    """Integer, non-negative labels; returns them as an integer array."""
    labels = as_label_array(np.asarray(mask), name)
    if labels.size and labels.min() < 0:
        raise InputError(
            f"{name} holds negative labels (min {int(labels.min())}); labels must be 0 for "
            "background and 1, 2, ... for classes"
        )
    return labels


def consecutive_labels(masks: Sequence[np.ndarray], what: str) -> list[np.ndarray]:
    """The masks with labels 0, 1, …, K-1, or a clear error; nothing is silently remapped.

    Binary masks saved as 0/255 (8-bit images) become 0/1 with an :class:`InputNotice`. Any
    other set with gaps (e.g. 0, 3, 7) is refused: it would train as K = max + 1 classes,
    most of them never seen.
    """
    present = sorted(set().union(*(np.unique(m).tolist() for m in masks)) | {0})
    if present == list(BINARY_255):
        warnings.warn(
            f"{what}: masks hold only 0 and 255 (a binary mask saved as an 8-bit image); "
            "reading 255 as label 1",
            InputNotice,
            stacklevel=2,
        )
        return [(m == 255).astype(m.dtype) for m in masks]
    if present[-1] != len(present) - 1:  # sorted, distinct, from 0: consecutive iff this
        first_gap = next(i for i, label in enumerate(present) if label != i)
        shown = ", ".join(str(v) for v in present[:8]) + (" …" if len(present) > 8 else "")
        raise InputError(
            f"{what}: labels {shown} are not consecutive ({present[-1] + 1 - len(present)} "
            f"missing, e.g. {first_gap}); labels must be 0 = background and 1, 2, … K-1 for "
            "the classes: relabel them (e.g. skimage.segmentation.relabel_sequential)"
        )
    return list(masks)


def check_same_shape(image: np.ndarray, mask: np.ndarray, image_name: str, mask_name: str) -> None:
    """Image and mask must cover the same pixels."""
    if image.shape != mask.shape:
        raise InputError(
            f"image {image_name} has shape {image.shape} but mask {mask_name} has shape "
            f"{mask.shape}; they must match pixel for pixel (resample the mask onto the image)"
        )
