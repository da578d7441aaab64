"""Checks on user images and masks. Each failure says what is wrong and how to fix it."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .io import as_label_array


def check_grayscale(image: np.ndarray, name: str, allowed_ndim: tuple[int, ...]) -> np.ndarray:
    """Reject RGB, multi-channel, wrong-rank and non-finite images.

    Args:
        image: the array to check.
        name: how to call it in messages (a layer or file name).
        allowed_ndim: the ranks this caller supports (2 for a slice, 3 for a volume/stack).
    """
    image = np.asarray(image)
    if image.ndim in (3, 4) and image.shape[-1] in (3, 4) and image.ndim - 1 in allowed_ndim:
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


def check_same_shape(image: np.ndarray, mask: np.ndarray, image_name: str, mask_name: str) -> None:
    """Image and mask must cover the same pixels."""
    if image.shape != mask.shape:
        raise InputError(
            f"image {image_name} has shape {image.shape} but mask {mask_name} has shape "
            f"{mask.shape}; they must match pixel for pixel (resample the mask onto the image)"
        )
