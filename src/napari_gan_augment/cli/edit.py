"""The editing commands: ``transform`` (ugan), ``translate`` (cyclegan), ``inpaint``; each
writes a new NIfTI file with the source's geometry and a provenance sidecar."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..devices import DEVICE_CHOICES


def _image_and_generator(args: argparse.Namespace) -> tuple[Any, Any]:
    """The ``--image`` file and the generator of ``--run-dir`` (editing commands)."""
    from ..data.io import read_image_file
    from ..synthesis import load_generator

    return read_image_file(args.image), load_generator(args.run_dir, device=args.device)


def _write_edit(path: str | Path, data: Any, source: Any, generator: Any, route: str, seed=None):
    """A new NIfTI file with the source image's geometry (its whole affine: it opens over the
    source in any viewer), marked synthetic, with a provenance sidecar saying which run made
    it from what."""
    from ..synthesis.writing import generator_provenance, write_synthetic_nifti

    record = generator_provenance(generator, seed, route)
    written = write_synthetic_nifti(
        path, data, source.spacing, source.origin, record, affine=source.affine
    )
    print(f"wrote {written}")
    return written


def _cmd_transform(args: argparse.Namespace) -> int:
    from ..synthesis import transform_regions

    source, generator = _image_and_generator(args)
    boxes = args.box or [None]
    seeds = list(range(args.seed, args.seed + args.samples))
    images, masks = transform_regions(generator, source.data, boxes, seeds, args.feather)
    out = Path(args.out)
    shown = ", ".join(str(tuple(b)) if b else "(whole image)" for b in boxes)
    route = f"{generator.spec.family}: {'box' if len(boxes) == 1 else 'boxes'} {shown} of "
    route += f"{args.image} transformed (feather {args.feather} px; box i of seed s draws "
    route += "with seed s × 1000 + i)"
    for seed, image, mask in zip(seeds, images, masks, strict=True):
        stem = out.name.removesuffix(".nii.gz") + (f"_seed{seed}" if args.samples > 1 else "")
        _write_edit(out.with_name(f"{stem}.nii.gz"), image, source, generator, route, seed)
        _write_edit(out.with_name(f"{stem}_mask.nii.gz"), mask, source, generator, route, seed)
    return 0


def _cmd_translate(args: argparse.Namespace) -> int:
    from ..synthesis import translate_images

    source, generator = _image_and_generator(args)
    translated = translate_images(generator, source.data, args.direction)
    route = f"{generator.spec.family}: {args.image} translated {args.direction}"
    _write_edit(args.out, translated, source, generator, route)
    return 0


def _cmd_inpaint(args: argparse.Namespace) -> int:
    from ..data.io import read_image_file
    from ..synthesis import inpaint_region

    source, generator = _image_and_generator(args)
    hole = read_image_file(args.hole)
    route = f"{generator.spec.family}: the hole {args.hole} in {args.image} filled"
    _write_edit(
        args.out, inpaint_region(generator, source.data, hole.data), source, generator, route
    )
    return 0


def add_parsers(commands: Any) -> None:
    transform = commands.add_parser(
        "transform", help="add a ugan model's object inside a region of a 2D image"
    )
    transform.add_argument("--run-dir", required=True, help="a ugan run directory")
    transform.add_argument("--image", required=True, help="2D NIfTI/TIFF/PNG image")
    transform.add_argument(
        "--box",
        type=int,
        nargs=4,
        action="append",
        metavar=("ROW0", "COL0", "ROW1", "COL1"),
        help="region to transform; repeat for several (default: the whole image, if it has "
        "the training size)",
    )
    transform.add_argument("--seed", type=int, default=0)
    transform.add_argument("--samples", type=int, default=1, help="one output per seed")
    transform.add_argument("--feather", type=float, default=0.0, help="inner edge blend, px")
    transform.add_argument("--out", required=True, help="new .nii.gz (a _mask file is added)")
    transform.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    transform.set_defaults(func=_cmd_transform)

    translate = commands.add_parser(
        "translate", help="turn an image into the other class with a cyclegan run"
    )
    translate.add_argument("--run-dir", required=True, help="a cyclegan run directory")
    translate.add_argument("--image", required=True, help="2D image or 3D stack of slices")
    translate.add_argument(
        "--direction",
        choices=("a2b", "b2a"),
        default="a2b",
        help="a2b: add the object class; b2a: remove it",
    )
    translate.add_argument("--out", required=True, help="new .nii.gz file")
    translate.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    translate.set_defaults(func=_cmd_translate)

    inpaint = commands.add_parser(
        "inpaint", help="fill a region of a 2D image, or of a volume with a 3D run (inpaint run)"
    )
    inpaint.add_argument("--run-dir", required=True, help="an inpaint run directory")
    inpaint.add_argument(
        "--image", required=True, help="2D NIfTI/TIFF/PNG image (a NIfTI volume for a 3D run)"
    )
    inpaint.add_argument("--hole", required=True, help="mask file of the region (non-zero)")
    inpaint.add_argument("--out", required=True, help="new .nii.gz file")
    inpaint.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    inpaint.set_defaults(func=_cmd_inpaint)
