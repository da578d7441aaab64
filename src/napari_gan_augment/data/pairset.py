"""``PairSet``: the image–mask pairs a generator learns from, with spacing and provenance."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from skimage.transform import resize

from ..atomic import save_npz
from ..errors import InputError
from .completion import refuse_incomplete
from .io import (
    SUPPORTED_SUFFIXES,
    file_stem,
    has_supported_suffix,
    is_mask_filename,
    read_image_file,
)
from .normalise import IntensityNormaliser
from .slicing import neighbour_slices, select_slices, take_slices
from .validation import check_grayscale, check_labels, check_same_shape, consecutive_labels


@dataclass(frozen=True)
class SliceSettings:
    """How a 3D volume becomes 2D pairs (see :func:`select_slices`)."""

    axis: int = 2
    step: int = 1
    min_foreground: float = 0.01
    empty_fraction: float = 0.0
    seed: int = 0
    context: int = 0


@dataclass(frozen=True)
class PairSet:
    """2D grayscale images with integer masks of the same shape.

    Attributes:
        images: one 2D array per pair, in the source's intensities and dtype.
        masks: one 2D integer label array per pair (0 = background).
        spacing: pixel spacing (mm) of the 2D pairs, used for metadata and metrics.
        provenance: where each pair came from (file, layer and slice).
        num_classes: number of labels including background (at least 2).
        context: for slices of a volume taken with context, each slice's neighbouring mask
            slices ``(2·context, H, W)`` (see :func:`neighbour_slices`); else empty.
        positions: for slices of volumes, each pair's volume and position along the slicing
            axis in mm (what a blocked test split keeps apart); empty: independent images.
    """

    images: tuple[np.ndarray, ...]
    masks: tuple[np.ndarray, ...]
    spacing: tuple[float, float]
    provenance: tuple[str, ...]
    num_classes: int
    context: tuple[np.ndarray, ...] = ()
    positions: tuple[tuple[str, float], ...] = ()

    @classmethod
    def from_pairs(
        cls,
        images: Sequence[np.ndarray],
        masks: Sequence[np.ndarray],
        provenance: Sequence[str],
        spacing: Sequence[float] = (1.0, 1.0),
        rgb: bool | None = None,
    ) -> PairSet:
        """Validate and bundle 2D pairs. Raises :class:`InputError` on unusable input.

        ``rgb`` is whether the source stores colour (see :func:`check_grayscale`). Masks
        saved as 0/255 become 0/1 (with a notice); other non-consecutive labels are refused.
        """
        if len(images) == 0:
            raise InputError("no image–mask pairs were given; add at least one annotated image")
        if not len(images) == len(masks) == len(provenance):
            raise InputError(
                f"got {len(images)} images, {len(masks)} masks, {len(provenance)} names"
            )
        checked_images, checked_masks = [], []
        for image, mask, name in zip(images, masks, provenance, strict=True):
            image = check_grayscale(image, f"image {name}", allowed_ndim=(2,), rgb=rgb)
            labels = check_labels(mask, f"mask {name}")
            check_same_shape(image, labels, name, name)
            checked_images.append(image)
            checked_masks.append(labels)
        checked_masks = consecutive_labels(checked_masks, f"the {len(checked_masks)} masks")
        max_label = max(int(m.max()) for m in checked_masks)
        if max_label == 0:
            raise InputError(
                f"all {len(checked_masks)} masks are empty (only background 0); paint at least "
                "one object in a mask, or check that the right Labels layer/folder was chosen"
            )
        dtypes = {str(i.dtype) for i in checked_images}
        if len(dtypes) > 1:
            raise InputError(f"images have mixed dtypes {sorted(dtypes)}; convert them to one")
        return cls(
            tuple(checked_images),
            tuple(checked_masks),
            (float(spacing[-2]), float(spacing[-1])),
            tuple(provenance),
            max(2, max_label + 1),
        )

    @classmethod
    def from_arrays(
        cls,
        image: np.ndarray,
        mask: np.ndarray,
        spacing: Sequence[float] | None = None,
        name: str = "image",
        mask_name: str = "mask",
        slicing: SliceSettings | None = None,
        rgb: bool | None = None,
    ) -> PairSet:
        """From one image and one mask (e.g. napari layers): 2D → one pair, 3D → slices."""
        image = check_grayscale(image, f"image {name}", allowed_ndim=(2, 3), rgb=rgb)
        labels = check_labels(mask, f"mask {mask_name}")
        check_same_shape(image, labels, name, mask_name)
        spacing = tuple(spacing) if spacing is not None else (1.0,) * image.ndim
        if image.ndim == 2:
            return cls.from_pairs([image], [labels], [name], spacing, rgb=False)
        return cls.from_volume(image, labels, spacing, name, slicing or SliceSettings())

    @classmethod
    def from_volume(
        cls,
        image: np.ndarray,
        mask: np.ndarray,
        spacing: Sequence[float],
        name: str,
        slicing: SliceSettings,
    ) -> PairSet:
        """Slice a 3D image and its label volume into 2D pairs."""
        image = check_grayscale(image, f"volume {name}", allowed_ndim=(3,))
        labels = check_labels(mask, f"mask of {name}")
        check_same_shape(image, labels, name, f"mask of {name}")
        if not labels.any():
            raise InputError(f"the mask of {name} is empty (all background); nothing to learn")
        indices = select_slices(
            labels,
            slicing.axis,
            slicing.step,
            slicing.min_foreground,
            slicing.empty_fraction,
            slicing.seed,
        )
        axis = slicing.axis % 3
        in_plane = [float(s) for i, s in enumerate(spacing) if i != axis]
        labels = consecutive_labels([labels], f"mask of {name}")[0]  # neighbours alike
        pairs = cls.from_pairs(
            list(take_slices(image, axis, indices)),
            list(take_slices(labels, axis, indices)),
            [f"{name}[axis {axis}, slice {i}]" for i in indices],
            in_plane,
            rgb=False,
        )
        pairs = replace(pairs, positions=tuple((name, float(i * spacing[axis])) for i in indices))
        if not slicing.context:
            return pairs
        stack = np.moveaxis(labels, axis, 0)
        context = neighbour_slices(stack, indices, slicing.context)
        classes = max(pairs.num_classes, int(context.max()) + 1)
        return replace(pairs, context=tuple(context), num_classes=classes)

    @classmethod
    def from_folder(cls, root: str | Path) -> PairSet:
        """Pairs from ``root/images`` and ``root/masks`` matched by file stem.

        A mask may carry a ``_mask``/``_seg``/``_label(s)`` suffix (``a.tif`` ↔ ``a_mask.tif``).
        2D files give one pair each; 3D NIfTI files are sliced along their last axis.
        """
        images: list[np.ndarray] = []
        masks: list[np.ndarray] = []
        names: list[str] = []
        positions: list[tuple[str, float]] = []
        spacing: tuple[float, ...] = (1.0, 1.0)
        for path, mask_path in matched_files(root):
            image = read_image_file(path)
            mask = read_image_file(mask_path)
            if image.data.ndim == 3 and not image.rgb:
                sub = cls.from_volume(
                    image.data, mask.data, image.spacing, path.name, SliceSettings(axis=2)
                )
                images += sub.images
                masks += sub.masks
                names += sub.provenance
                positions += sub.positions
                spacing = sub.spacing
            else:
                if image.rgb:
                    check_grayscale(image.data, f"image {path.name}", (2,), rgb=True)
                images.append(image.data)
                masks.append(mask.data)
                names.append(path.name)
                positions.append((path.name, 0.0))
                spacing = image.spacing[-2:]
        pairs = cls.from_pairs(images, masks, names, spacing, rgb=False)
        return replace(pairs, positions=tuple(positions))

    def __len__(self) -> int:
        return len(self.images)

    def fingerprints(self) -> list[str]:
        """A content hash per pair (image dtype, shape and values; labels as int64): the same
        slice read from the same file again gives the same hash, wherever it is stored."""
        return [fingerprint(i, m) for i, m in zip(self.images, self.masks, strict=True)]

    def fit_normaliser(self) -> IntensityNormaliser:
        """Robust intensity window over all images."""
        return IntensityNormaliser.fit(np.concatenate([i.ravel() for i in self.images]))

    def check_training_size(self, size: int) -> None:
        """Refuse to upsample: the generator would learn interpolation artefacts."""
        largest = max(max(i.shape) for i in self.images)
        if size > largest:
            raise InputError(
                f"training size {size} px is larger than the source images (largest side "
                f"{largest} px); choose an image_size of at most {largest}, e.g. "
                f"{1 << (largest.bit_length() - 1)}"
            )

    def training_spacing(self, size: int) -> tuple[float, ...]:
        """Pairs are padded to a square and resized: a generated pixel covers this much."""
        largest = max(max(i.shape) for i in self.images)
        return tuple(s * largest / size for s in self.spacing)

    def training_arrays(
        self, size: int, normaliser: IntensityNormaliser
    ) -> tuple[np.ndarray, np.ndarray]:
        """Square arrays: normalised images ``(N, 1, S, S)`` and labels ``(N, S, S)``.

        Each pair is padded to a square (image with its minimum, mask with background) and
        resized: anti-aliased linear interpolation for images, nearest neighbour for labels.
        """
        self.check_training_size(size)
        out_images = np.empty((len(self), 1, size, size), np.float32)
        for i, (image, mask) in enumerate(zip(self.images, self.masks, strict=True)):
            square_image, _ = pad_to_square(normaliser.forward(image), mask)
            out_images[i, 0] = resize(square_image, (size, size), order=1, anti_aliasing=True)
        return out_images, np.stack([square_labels(m, size) for m in self.masks])

    def training_context(self, size: int) -> np.ndarray | None:
        """The neighbouring mask slices as :meth:`training_arrays` makes the masks,
        ``(N, 2·context, S, S)``; ``None`` without context."""
        if not self.context:
            return None
        return np.stack([[square_labels(m, size) for m in stack] for stack in self.context])

    def save(self, path: str | Path) -> Path:
        """Write to a compressed ``.npz`` (how the viewer hands its layers to a training job)."""
        path = Path(path)
        arrays: dict[str, Any] = {f"image_{i:05d}": a for i, a in enumerate(self.images)}
        arrays |= {f"mask_{i:05d}": m for i, m in enumerate(self.masks)}
        arrays["spacing"] = np.asarray(self.spacing)
        arrays["provenance"] = np.asarray(self.provenance, dtype=str)
        if self.positions:
            arrays["position_volumes"] = np.asarray([v for v, _ in self.positions], dtype=str)
            arrays["position_mm"] = np.asarray([p for _, p in self.positions], dtype=float)
        return save_npz(path, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> PairSet:
        """Read a file written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"pair file {path} does not exist")
        with np.load(path, allow_pickle=False) as data:
            provenance = [str(p) for p in data["provenance"]]
            images = [data[f"image_{i:05d}"] for i in range(len(provenance))]
            masks = [data[f"mask_{i:05d}"] for i in range(len(provenance))]
            spacing = tuple(float(s) for s in data["spacing"])
            positions = (
                tuple(
                    (str(v), float(p))
                    for v, p in zip(data["position_volumes"], data["position_mm"], strict=True)
                )
                if "position_volumes" in data
                else ()
            )
        return replace(cls.from_pairs(images, masks, provenance, spacing), positions=positions)


def fingerprint(image: np.ndarray, mask: np.ndarray) -> str:
    """SHA-256 of an image (dtype, shape, values) and its labels as int64."""
    digest = hashlib.sha256(f"{image.dtype}{image.shape}".encode())
    digest.update(np.ascontiguousarray(image).tobytes())
    digest.update(np.ascontiguousarray(mask, dtype=np.int64).tobytes())
    return digest.hexdigest()


def square_padding(height: int, width: int) -> list[tuple[int, int]]:
    """``np.pad`` widths that centre an ``height × width`` array in a square."""
    side = max(height, width)
    return [
        ((side - height) // 2, side - height - (side - height) // 2),
        ((side - width) // 2, side - width - (side - width) // 2),
    ]


def square_labels(mask: np.ndarray, size: int) -> np.ndarray:
    """A label image centre-padded with background to a square and resized (nearest) to
    ``size`` × ``size``."""
    square = np.pad(mask, square_padding(*mask.shape))
    return resize(square, (size, size), order=0, preserve_range=True, anti_aliasing=False).astype(
        np.int32
    )


def pad_to_square(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre-pad to a square: the image with its minimum (background), the mask with 0."""
    pad = square_padding(*image.shape)
    return (
        np.pad(image, pad, constant_values=float(image.min())),
        np.pad(mask, pad, constant_values=0),
    )


def matched_files(root: str | Path) -> list[tuple[Path, Path]]:
    """The (image, mask) files of a pair folder: ``root/images`` and ``root/masks`` matched
    by stem; a mask may carry a ``_mask``/``_seg``/``_label(s)`` suffix."""
    root = Path(root)
    refuse_incomplete(root)
    image_dir, mask_dir = root / "images", root / "masks"
    for folder in (image_dir, mask_dir):
        if not folder.is_dir():
            raise InputError(
                f"{folder} does not exist; a pair folder holds images/ and masks/ with "
                "files matched by name"
            )
    masks_by_stem = {}
    for path in sorted(mask_dir.iterdir()):
        if has_supported_suffix(path):
            stem = file_stem(path)
            if is_mask_filename(path):
                stem = stem.rsplit("_", 1)[0] if "_" in stem else stem.rsplit("-", 1)[0]
            masks_by_stem[stem] = path
    image_paths = [p for p in sorted(image_dir.iterdir()) if has_supported_suffix(p)]
    if not image_paths:
        raise InputError(f"{image_dir} holds no {', '.join(SUPPORTED_SUFFIXES)} files")
    unmatched = [p.name for p in image_paths if file_stem(p) not in masks_by_stem]
    if unmatched:
        raise InputError(
            f"no mask in {mask_dir} for {', '.join(unmatched[:5])}"
            f"{' …' if len(unmatched) > 5 else ''}; name each mask like its image "
            "(optionally with a _mask suffix)"
        )
    return [(path, masks_by_stem[file_stem(path)]) for path in image_paths]
