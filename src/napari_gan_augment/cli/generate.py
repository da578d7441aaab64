"""``gan-augment generate``: synthetic pairs (or images for your masks) written to a new
folder, as a job."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..config import GateSettings, SynthesisConfig
from ..devices import DEVICE_CHOICES
from ..errors import GanAugmentError
from ..precision import PRECISION_CHOICES
from ..synthesis.writing import FORMATS
from ..terminal import progress_bar
from .common import PRECISION_HELP


def _generation_events(
    args: argparse.Namespace, settings: SynthesisConfig, gate: GateSettings | None, session: Any
) -> Any:
    """``generate --count`` as job events: progress after each batch written, then the end."""
    from ..api import generate_to_folder

    bar = progress_bar(args.count, 0, "pairs")

    def progress(done: int) -> None:
        bar.update(done - bar.n)
        session.log({"event": "progress", "done": done, "total": args.count})

    yield {"event": "generating", "count": args.count}
    try:
        written = generate_to_folder(
            args.run_dir,
            args.out,
            settings,
            args.format,
            args.mask_run,
            args.mask_cleanup,
            gate,
            progress,
        )
    finally:
        bar.close()  # ends the bar's line: an error message then starts a line of its own
    yield {"event": "end", "pairs": written}


def _foreign_bundle(args: argparse.Namespace) -> bool:
    """A bundle we did not export: refused, or with --trust-bundle run by MONAI's CLI."""
    from ..bundle.reading import (
        bundle_metadata,
        foreign_message,
        is_bundle,
        is_ours,
        run_foreign_bundle,
    )

    if not is_bundle(args.run_dir) or is_ours(bundle_metadata(args.run_dir)):
        return False
    if not args.trust_bundle:
        raise GanAugmentError(foreign_message(args.run_dir))
    if Path(args.out).exists():
        raise GanAugmentError(f"{args.out} already exists; choose a new output folder")
    overrides = {"num_samples": args.count} if args.count else {}
    if args.masks:
        overrides["dataset_dir"] = args.masks
    run_foreign_bundle(args.run_dir, args.out, **overrides)
    print(f"ran the bundle's inference.json with MONAI into {args.out}")
    return True


def _cmd_generate(args: argparse.Namespace) -> int:
    from ..api import plan_mask_files
    from ..jobs import JobSession
    from ..synthesis.generate import require_checkpoint

    if _foreign_bundle(args):
        return 0
    if args.masks:
        require_checkpoint(args.run_dir)
        # every mask file read and checked before --out is created
        plan = plan_mask_files(args.run_dir, args.masks, args.out, args.device, args.axis)
        session = JobSession(args.out, "synthesis", stop_by="signal")

        def mask_events() -> Any:
            def progress(done: int, total: int) -> None:
                session.log({"event": "progress", "done": done, "total": total})

            yield {"event": "end", "images": plan.write(progress)}

        if session.run(mask_events()) == "stopped":
            print(f"stopped; {args.out} is unfinished")
            return 130
        print(f"wrote the images for the masks in {args.masks} to {args.out}")
        return 0
    if args.count is None:
        raise GanAugmentError("generate needs --count N (or --masks FOLDER for a pix2pix run)")
    settings = SynthesisConfig(
        args.count, args.seed, args.batch_size, args.checkpoint, args.device, args.precision
    )
    gate = None if args.gate is None else GateSettings(min_fidelity=args.gate)
    require_checkpoint(args.run_dir, args.checkpoint)  # refusals before --out is created
    # a job on --out (lock, events.jsonl), so a viewer can follow and stop it
    session = JobSession(args.out, "synthesis", stop_by="signal")
    if session.run(_generation_events(args, settings, gate, session)) == "stopped":
        print(f"stopped; {args.out} is unfinished")
        return 130
    out = Path(args.out)
    provenance = json.loads((out / "provenance.json").read_text())
    where = out if args.format == "npy" else f"{out / 'images'} and {out / 'masks'}"
    print(f"wrote {provenance['count']} pairs to {where}")
    if args.gate is not None:
        record = provenance["gate"]
        print(
            f"quality gate: kept {record['kept']} of {record['drawn']} drawn "
            f"({record['dropped_low_fidelity']} with a mask the real-trained U-Net disagrees "
            f"with, Dice < {args.gate}; {record['dropped_near_copy']} near-copies of "
            "training images)"
        )
    return 0


def add_parsers(commands: Any) -> None:
    generate = commands.add_parser(
        "generate",
        help="write N synthetic pairs to a folder (a pix2pix run draws images for its "
        "deformed training masks, or for --mask-run's masks)",
    )
    generate.add_argument("--run-dir", required=True, help="run directory or checkpoint file")
    generate.add_argument("--count", type=int, help="number of pairs")
    generate.add_argument(
        "--mask-run",
        help="two-stage: a mask-dcgan run draws the masks, --run-dir (pix2pix) the images "
        "(default for pix2pix: its training masks, randomly deformed)",
    )
    generate.add_argument(
        "--masks",
        help="a mask file or a folder of them: images for your masks (pix2pix; a mask volume "
        "gets an image volume with the mask file's affine: a 3D run draws it whole by sliding "
        "window, a 2D run slice by slice along --axis)",
    )
    generate.add_argument(
        "--axis",
        type=int,
        choices=(0, 1, 2),
        help="with --masks and a 2D run: the axis to draw mask volumes along, slice by slice "
        "(2.5D; use the orientation the run trained on)",
    )
    generate.add_argument(
        "--mask-cleanup",
        type=int,
        default=0,
        metavar="PX",
        help="relabel generated mask specks and holes smaller than PX pixels (0 = off)",
    )
    generate.add_argument(
        "--gate",
        type=float,
        nargs="?",
        const=GateSettings.min_fidelity,
        metavar="MIN_DICE",
        help="keep only pairs whose mask a U-Net trained on the run's real training pairs "
        f"agrees with (Dice >= MIN_DICE, default {GateSettings.min_fidelity}) and that are no "
        "near-copy of a training image; draws up to twice --count",
    )
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument(
        "--trust-bundle",
        action="store_true",
        help="--run-dir is a MONAI bundle from elsewhere: run its configs with MONAI (they "
        "execute Python; read them first)",
    )
    generate.add_argument("--out", required=True, help="new output folder")
    generate.add_argument("--format", choices=FORMATS, default="nii.gz")
    generate.add_argument("--checkpoint", default="last.pt", help="file in checkpoints/")
    generate.add_argument("--batch-size", type=int, default=64)
    generate.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    generate.add_argument(
        "--precision", choices=PRECISION_CHOICES, default="auto", help=PRECISION_HELP
    )
    generate.set_defaults(func=_cmd_generate)
