"""Images for the user's own mask files, from a mask → image run.

Two steps, so that a command line or a job refuses bad input *before* it creates its output
folder: :func:`plan_mask_files` reads and checks every file (naming the one at fault), and
:meth:`MaskFilesPlan.write` draws and writes. Each image is written in its mask file's shape
and geometry (an ``H×W×1`` mask gets an ``H×W×1`` image with the same affine).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..data.completion import marked_incomplete
from ..data.io import Volume, file_stem, has_supported_suffix, read_image_file, write_nifti
from ..errors import InputError
from .conditional import images_for_masks, known_labels
from .generate import LoadedGenerator, load_generator
from .routes import PairRoute
from .volumes import check_volume_request, synthesize_volume
from .writing import write_provenance


@dataclass(frozen=True)
class MaskFilesPlan:
    """Checked mask files and where their images go; nothing is written yet."""

    generator: LoadedGenerator
    paths: tuple[Path, ...]
    masks: tuple[Volume, ...]
    out_dir: Path
    axis: int | None
    record: dict[str, Any]

    def write(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Draw and write ``<stem>_synthetic.nii.gz`` per mask file and ``provenance.json``;
        ``progress(done, total)`` after each file. Returns the number of images."""
        total = len(self.paths)
        with marked_incomplete(self.out_dir, self.record["route"]):
            for done, (path, mask) in enumerate(zip(self.paths, self.masks, strict=True)):
                if progress is not None:
                    progress(done, total)
                if mask.data.ndim == 3 or self.generator.spec.spatial_dims == 3:
                    image = synthesize_volume(self.generator, mask.data, self.axis)
                else:
                    image = images_for_masks(self.generator, mask.data)
                as_file = mask.file or mask  # the file's own shape and affine
                write_nifti(
                    self.out_dir / f"{file_stem(path)}_synthetic.nii.gz",
                    image.reshape(as_file.data.shape),
                    description=f"synthetic {self.generator.spec.family} (napari-gan-augment)",
                    affine=as_file.affine,
                )
            write_provenance(self.out_dir / "provenance.json", self.record)
        if progress is not None:
            progress(total, total)
        return total


def plan_mask_files(
    run_dir: str | Path,
    masks_dir: str | Path,
    out_dir: str | Path,
    device: str = "auto",
    axis: int | None = None,
) -> MaskFilesPlan:
    """Read and check a mask file or a folder of them for ``run_dir``'s generator.

    Raises:
        InputError: no such file or folder, no mask files, ``out_dir`` already holds
            synthesized images, a file that cannot be read or holds labels the model cannot
            take (non-integer values, unknown labels: the message names the file), or a
            volume the run cannot draw as asked.
    """
    generator = load_generator(run_dir, device=device)
    source = Path(masks_dir)
    if source.is_file():
        paths = [source]
    elif source.is_dir():
        paths = sorted(p for p in source.iterdir() if has_supported_suffix(p))
    else:
        raise InputError(f"{masks_dir} does not exist; give a mask file or a folder of them")
    if not paths:
        raise InputError(f"{masks_dir} holds no mask files")
    out = Path(out_dir)
    if any(out.glob("*_synthetic.nii.gz")) or (out / "provenance.json").exists():
        raise InputError(f"{out} already holds synthesized images; choose a new folder")
    masks = []
    for path in paths:  # every file read and checked before one is written
        mask = read_image_file(path)
        try:
            known_labels(generator, mask.data)
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from exc
        masks.append(mask)
    if any(mask.data.ndim == 3 for mask in masks) or generator.spec.spatial_dims == 3:
        check_volume_request(generator, axis)
    how = "whole, by sliding window" if generator.spec.spatial_dims == 3 else f"along axis {axis}"
    record = PairRoute(generator, None).provenance(seed=0) | {
        "route": f"{generator.spec.family}: images drawn for the masks in {masks_dir}",
        "volumes": f"drawn {how}",
        "count": len(paths),
    }
    return MaskFilesPlan(generator, tuple(paths), tuple(masks), out, axis, record)
