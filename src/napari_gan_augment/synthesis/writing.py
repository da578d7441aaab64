"""Streaming generated pairs to disk in the folder layout the data layer reads back."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..atomic import atomic_path, write_json
from ..data.completion import marked_incomplete
from ..data.io import NIFTI_SUFFIXES, file_stem, write_nifti, write_raster
from ..errors import InputError
from .generate import LoadedGenerator, SyntheticBatch

#: ``npy``: all pairs as two stacks, ``images.npy`` and ``masks.npy`` (what the viewer loads)
FORMATS = ("nii.gz", "tif", "png", "npy")


def write_pairs(
    batches: Iterable[SyntheticBatch],
    out_dir: str | Path,
    fmt: str = "nii.gz",
    spacing: tuple[float, float] = (1.0, 1.0),
    provenance: dict[str, Any] | Callable[[], dict[str, Any]] | None = None,
) -> int:
    """Write ``out_dir/images/pair_NNNNN.<fmt>`` and ``out_dir/masks/pair_NNNNN_mask.<fmt>``.

    With ``provenance`` (see :meth:`PairRoute.provenance`), ``out_dir/provenance.json``
    records it with the pair count, and each NIfTI header says "synthetic" and the family; a
    function instead of a record is asked again once all pairs are written (for what is only
    known then, such as a quality gate's counts).
    Existing files are never overwritten: the call fails before writing if ``out_dir``
    already holds pairs. Returns the number of pairs written.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    if fmt == "npy":
        return _write_stacks(batches, out_dir, spacing, provenance)
    image_dir, mask_dir = out_dir / "images", out_dir / "masks"
    for folder in (image_dir, mask_dir):
        if folder.exists() and any(folder.iterdir()):
            raise InputError(f"{folder} already holds files; choose a new --out directory")
        folder.mkdir(parents=True, exist_ok=True)
    record = provenance() if callable(provenance) else provenance
    description = (
        f"synthetic {record['family']} seed {record['seed']} (napari-gan-augment)"
        if record
        else None
    )
    written = 0
    with marked_incomplete(out_dir, "generated pairs"):
        for batch in batches:
            for offset, (image, mask) in enumerate(zip(batch.images, batch.masks, strict=True)):
                _write_pair(
                    image_dir,
                    mask_dir,
                    f"pair_{batch.start + offset:05d}",
                    image,
                    mask,
                    fmt,
                    spacing,
                    description,
                )
                written += 1
        if provenance is not None:
            record = provenance() if callable(provenance) else provenance
            write_provenance(out_dir / "provenance.json", record | {"count": written})
    return written


def _write_stacks(
    batches: Iterable[SyntheticBatch],
    out_dir: Path,
    spacing: tuple[float, float],
    provenance: dict[str, Any] | Callable[[], dict[str, Any]] | None,
) -> int:
    """``out_dir/images.npy`` and ``out_dir/masks.npy`` (pairs along a new first axis), each
    written whole or not at all; the provenance adds the spacing and the images' value range
    (a viewer's contrast limits without reading the stack)."""
    stacks = [out_dir / "images.npy", out_dir / "masks.npy"]
    for path in stacks:
        if path.exists():
            raise InputError(f"{path} already exists; choose a new --out directory")
    images, masks = [], []
    with marked_incomplete(out_dir, "generated pairs"):
        for batch in batches:
            images.append(batch.images)
            masks.append(batch.masks)
        if not images:
            raise InputError("no pairs were drawn, so no stacks were written")
        image_stack = np.concatenate(images)
        for path, stack in zip(stacks[::-1], (np.concatenate(masks), image_stack), strict=True):
            with atomic_path(path) as tmp:  # masks first: never images without their masks
                np.save(tmp, stack)
        if provenance is not None:
            record = provenance() if callable(provenance) else provenance
            extra = {
                "count": len(image_stack),
                "spacing": list(spacing),
                "value_range": [float(image_stack.min()), float(image_stack.max())],
            }
            write_provenance(out_dir / "provenance.json", record | extra)
    return len(image_stack)


def _write_pair(
    image_dir: Path,
    mask_dir: Path,
    name: str,
    image: np.ndarray,
    mask: np.ndarray,
    fmt: str,
    spacing: tuple[float, float],
    description: str | None,
) -> None:
    # The mask goes first: a set cut short never holds an image without its mask.
    if fmt == "nii.gz":
        write_nifti(mask_dir / f"{name}_mask.nii.gz", mask, spacing, description=description)
        write_nifti(image_dir / f"{name}.nii.gz", image, spacing, description=description)
        return
    if fmt == "png" and image.dtype not in (np.uint8, np.uint16):
        raise InputError(
            f"PNG holds only 8/16-bit unsigned intensities, these are {image.dtype}; use "
            "--format tif or nii.gz"
        )
    write_raster(mask_dir / f"{name}_mask.{fmt}", mask)
    write_raster(image_dir / f"{name}.{fmt}", image)


def generator_provenance(
    generator: LoadedGenerator, seed: int | None, route: str
) -> dict[str, Any]:
    """What every file a generator made carries: synthetic, by what, from which checkpoint."""
    meta = generator.metadata
    return {
        "synthetic": True,
        "tool": f"napari-gan-augment {__version__}",
        "family": meta["family"],
        "run": meta["run_dir"],
        "checkpoint": meta["checkpoint"],
        "checkpoint_sha256": meta["checkpoint_sha256"],
        "step": meta["step"],
        "precision": meta["precision"],
        "seed": seed,
        "route": route,
    } | ({"bundle": meta["bundle"]} if "bundle" in meta else {})  # read back from a bundle


def write_synthetic_nifti(
    path: str | Path,
    data: np.ndarray,
    spacing: tuple[float, ...],
    origin: tuple[float, ...] | None,
    provenance: dict[str, Any],
    affine: np.ndarray | None = None,
) -> Path:
    """One generated or edited file, marked synthetic in its header, with its provenance in
    ``<name>.provenance.json`` beside it; refuses to replace either. ``affine`` (a source
    NIfTI's, rotations included) wins over spacing and origin."""
    written = Path(path)
    if not written.name.lower().endswith(NIFTI_SUFFIXES):
        written = written.with_name(written.name + ".nii.gz")
    sidecar = written.with_name(f"{file_stem(written)}.provenance.json")
    if sidecar.exists():
        raise InputError(f"{sidecar} already exists; choose a new file name")
    seed = "" if provenance.get("seed") is None else f" seed {provenance['seed']}"
    description = f"synthetic {provenance['family']}{seed} (napari-gan-augment)"
    written = write_nifti(written, data, spacing, origin, description=description, affine=affine)
    write_provenance(sidecar, provenance | {"file": written.name})
    return written


def write_provenance(path: Path, record: dict[str, Any]) -> Path:
    """A sidecar JSON saying what generated the files beside it (written atomically)."""
    return write_json(path, record)
