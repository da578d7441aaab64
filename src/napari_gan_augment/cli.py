"""The ``gan-augment`` command line: ``train``, ``generate``, ``evaluate``, ``quality``,
``compare``, ``demo``, ``families``, ``config`` and the editing commands."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from . import __version__
from .config import GateSettings, SynthesisConfig, TrainConfig
from .devices import DEVICE_CHOICES
from .errors import GanAugmentError, user_message
from .interrupts import stop_once_on_signals
from .precision import PRECISION_CHOICES
from .segmentation.guidance import GUIDANCE
from .synthesis.writing import FORMATS

PRECISION_HELP = (
    "auto (default): bf16 autocast where a cached probe measures it faster on this CPU, "
    "else fp32; amp: bf16 autocast where the device has bf16 units, else fp16 with loss "
    "scaling; fp32; bf16; fp16"
)


def _progress_bar(total: int, initial: int, description: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=description, unit="step", dynamic_ncols=True)


def run_training(
    run_dir: str,
    config: TrainConfig | None,
    resume: bool,
    steps: int | None,
    resume_from: str = "last",
) -> dict[str, Any]:
    """Train with a progress bar."""
    from .training import iter_training

    bar = None
    summary: dict[str, Any] = {}
    try:
        for event in iter_training(run_dir, config, resume, steps=steps, resume_from=resume_from):
            kind = event["event"]
            if kind == "start":
                bar = _progress_bar(event["steps"], event["step"], event["family"])
            elif kind == "step" and bar is not None:
                bar.update(event["step"] - bar.n)
                bar.set_postfix(G=f"{event['loss_generator']:.3g}", D=f"{event['loss_critic']:.3g}")
            elif kind == "end":
                summary = event
    finally:  # an error or "stopped" then starts on a line of its own
        if bar is not None:
            bar.close()
    return summary


@contextlib.contextmanager
def _rank_run_dir(args: argparse.Namespace, config: TrainConfig | None) -> Iterator[str]:
    """The run directory this process writes: itself, or under torchrun for ranks > 0 a
    scratch folder removed at the end (only rank 0 writes the run). Resuming, a scratch
    folder starts as a copy of the run's config and the checkpoint resumed from, so every
    rank resumes from the same state."""
    import torch.distributed as dist

    from .devices import resolve_device
    from .parallel import join, launched_by_torchrun
    from .training import RunDirectory

    if not launched_by_torchrun():
        yield args.run_dir
        return
    run = RunDirectory(args.run_dir)
    if config is None:
        config = run.load_config()  # resuming: the device the run trains on
    if join(resolve_device(config.device)) == 0:
        if args.resume:
            dist.barrier()  # the other ranks have copied what they resume from
        yield args.run_dir
        return
    with tempfile.TemporaryDirectory(prefix="gan-augment-rank") as scratch:
        copy = RunDirectory(Path(scratch) / "run")
        if args.resume:
            for folder in (copy.checkpoints, copy.samples):
                folder.mkdir(parents=True)
            shutil.copy2(run.config_path, copy.config_path)
            checkpoint = run.resume_checkpoint(args.resume_from or "last")
            if checkpoint is not None:
                shutil.copy2(checkpoint, copy.checkpoints / checkpoint.name)
            dist.barrier()
        yield str(copy.root)


def _joined_as_helper(device: str) -> bool:
    """Under torchrun, join the process group to share an experiment's networks out (each
    rank trains its own); whether this process is a rank other than 0."""
    from .devices import resolve_device
    from .parallel import join, launched_by_torchrun

    return launched_by_torchrun() and join(resolve_device(device), data_parallel=False) > 0


def _cmd_train(args: argparse.Namespace) -> int:
    config = None
    if args.config:
        config = TrainConfig.load(args.config)
        if args.device:
            config = config.replace(device=args.device)
        if args.precision:
            config = config.replace(precision=args.precision)
        if args.compile:
            config = config.replace(compile=True)
        if args.guidance:
            config = config.replace(guidance=args.guidance)
    elif not args.resume:
        raise GanAugmentError("train needs --config FILE (or --resume on an existing run)")
    if args.resume_from and not args.resume:
        raise GanAugmentError("--resume-from goes with --resume")
    with _rank_run_dir(args, config) as run_dir:
        try:
            with stop_once_on_signals():  # SIGTERM/Ctrl-C stop after saving ``last.pt``
                summary = run_training(
                    run_dir, config, args.resume, args.steps, args.resume_from or "last"
                )
        except KeyboardInterrupt:
            summary = None
    if summary is None:
        print(f"stopped; resume with: gan-augment train --run-dir {args.run_dir} --resume")
        return 130
    print(f"{summary['status']} at step {summary['step']}: checkpoint {summary['checkpoint']}")
    return 0


def _generation_events(
    args: argparse.Namespace, settings: SynthesisConfig, gate: GateSettings | None, session: Any
) -> Any:
    """``generate --count`` as job events: progress after each batch written, then the end."""
    from .api import generate_to_folder

    bar = _progress_bar(args.count, 0, "pairs")

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
    from .bundle.reading import (
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
    from .api import plan_mask_files
    from .jobs import JobSession
    from .synthesis.generate import require_checkpoint

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


def _cmd_export(args: argparse.Namespace) -> int:
    from .bundle import export_bundle

    written = export_bundle(args.run_dir, args.out, args.checkpoint, args.zip, args.evidence)
    print(f"wrote the MONAI bundle {written}")
    print(
        "  check it: python -m monai.bundle verify_net_in_out network_def --meta_file "
        "configs/metadata.json --config_file configs/inference.json (in the bundle)"
    )
    return 0


def _image_and_generator(args: argparse.Namespace) -> tuple[Any, Any]:
    """The ``--image`` file and the generator of ``--run-dir`` (editing commands)."""
    from .data.io import read_image_file
    from .synthesis import load_generator

    return read_image_file(args.image), load_generator(args.run_dir, device=args.device)


def _write_edit(path: str | Path, data: Any, source: Any, generator: Any, route: str, seed=None):
    """A new NIfTI file with the source image's geometry (its whole affine: it opens over the
    source in any viewer), marked synthetic, with a provenance sidecar saying which run made
    it from what."""
    from .synthesis.writing import generator_provenance, write_synthetic_nifti

    record = generator_provenance(generator, seed, route)
    written = write_synthetic_nifti(
        path, data, source.spacing, source.origin, record, affine=source.affine
    )
    print(f"wrote {written}")
    return written


def _cmd_transform(args: argparse.Namespace) -> int:
    from .synthesis import transform_regions

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
    from .synthesis import translate_images

    source, generator = _image_and_generator(args)
    translated = translate_images(generator, source.data, args.direction)
    route = f"{generator.spec.family}: {args.image} translated {args.direction}"
    _write_edit(args.out, translated, source, generator, route)
    return 0


def _cmd_inpaint(args: argparse.Namespace) -> int:
    from .data.io import read_image_file
    from .synthesis import inpaint_region

    source, generator = _image_and_generator(args)
    hole = read_image_file(args.hole)
    route = f"{generator.spec.family}: the hole {args.hole} in {args.image} filled"
    _write_edit(
        args.out, inpaint_region(generator, source.data, hole.data), source, generator, route
    )
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluation.curve import iter_curve
    from .evaluation.experiment import ExperimentConfig, iter_experiment
    from .jobs import JobSession

    config = ExperimentConfig.load(args.config)
    events = (iter_curve if config.real_counts else iter_experiment)(config, args.run_dir)
    if _joined_as_helper(config.device):  # torchrun rank > 0: its share of the work, quietly
        for _ in events:
            pass
        return 0
    session = JobSession(args.run_dir, "experiment")
    bars: list[Any] = []

    def with_progress(events: Any) -> Any:
        for event in events:
            if event["event"] == "arm":
                if not bars or bars[-1].n == bars[-1].total:
                    label = f"{event.get('count', 'all')} real: arms × seeds × folds"
                    bars.append(_progress_bar(event["total"], 0, label))
                bars[-1].update(1)
                bars[-1].set_postfix(arm=event["arm"], seed=event["seed"])
            elif event["event"] == "generator" and event["kind"] == "start":
                print(f"training the generator of fold {event['fold']} on its training pool")
            yield event

    status = session.run(with_progress(events))
    for bar in bars:
        bar.close()
    run_dir = Path(args.run_dir)
    if status == "stopped":
        print(f"stopped; the finished arms are in {run_dir / 'results.csv'}")
        return 130
    if config.real_counts:
        print(f"curve: {run_dir / 'curve.md'} (and plots/curve.png)")
        return 0
    summary = json.loads((run_dir / "summary.json").read_text())
    for comparison in summary["comparisons"].values():
        print(comparison["verdict"])
    print(f"results: {run_dir / 'results.csv'}, {run_dir / 'summary.json'}")
    print(f"report: {run_dir / 'report.html'} (and report.md, plots/)")
    return 0


def _quality_events(config: Any, out: Path) -> Any:
    from .evaluation.quality import evaluate_quality

    yield {"event": "measuring", "run": config.synthetic_run}
    evaluate_quality(config, out)
    yield {"event": "end", "report": str(out / "quality.json")}


def _cmd_quality(args: argparse.Namespace) -> int:
    from .evaluation.quality import QualityConfig
    from .jobs import JobSession

    config = QualityConfig.load(args.config)
    out = Path(args.out)
    print(f"measuring {config.synthetic_run} against the real pairs (this trains small networks)")
    status = JobSession(out, "quality check", stop_by="signal").run(_quality_events(config, out))
    if status == "stopped":
        print("stopped; no report was written")
        return 130
    report = json.loads((out / "quality.json").read_text())
    for volume in report.get("volumes", []):
        ratios = " / ".join(f"{r:.2f}" for r in volume["consistency"]["ratio"])
        print(
            f"{volume['name']}: slice step ratio (axis 0 / 1 / 2) {ratios}, PSNR "
            f"{volume['fidelity']['psnr_db']:.2f} dB, SSIM {volume['fidelity']['ssim']:.3f}"
            f"{' (trained on it)' if volume['trained_on'] else ''}; {out / volume['file']}"
        )
    for name, values in report.get("distances", report.get("orientations", {})).items():
        shown = ", ".join(
            f"{k} {v:.4g}" for k, v in values.items() if not k.endswith(("_sd", "_se"))
        )
        print(f"{name}: {shown}")
    if "holes" in report:
        holes = report["holes"]
        print(f"inside holes: PSNR {holes['psnr_db']:.2f} dB, SSIM {holes['ssim']:.3f}")
    if "memorisation" in report:
        print(f"near-copies: {report['memorisation']['pixel']['near_copy_share']:.1%} of samples")
    print(f"report: {out / 'quality.md'}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from .evaluation.comparison import compare_label_files

    comparison = compare_label_files(args.prediction, args.truth)
    for metric, value in comparison.rows():
        print(f"{metric:16s} {value}")
    if args.json:
        out = Path(args.json)
        if out.exists():
            raise GanAugmentError(f"{out} already exists; choose a new file name")
        out.write_text(json.dumps(comparison.metrics, indent=1))
        print(f"metrics: {out}")
    return 0


def _cmd_families(args: argparse.Namespace) -> int:
    from .models.registry import available_families, get_family

    for name in available_families():
        info = get_family(name)
        print(f"{name:12s} {info.summary} ({info.reference})")
        dims = " and ".join(f"{d}D" for d in info.spatial_dims)
        print(f"{'':12s} {dims}; sizes {info.sizes}; options {dict(info.defaults)}")
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    from .models.registry import get_family

    family = get_family(args.family)
    config = TrainConfig(family=family.name, options=dict(family.defaults))
    print(yaml.safe_dump(config.to_dict(), sort_keys=False), end="")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import napari_command, run_demo

    report = run_demo(Path(args.out), steps=args.steps, device=args.device, seed=args.seed)
    print(f"report: {report}")
    print(f"open the pairs in napari: {napari_command(Path(args.out) / 'pairs')}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gan-augment", description="GAN-based augmentation of biomedical images."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--threads", type=int, help="CPU threads for torch (default: torch's, all cores)"
    )
    parser.add_argument(
        "--nice", type=int, default=0, help="lower this process's CPU priority by N (POSIX)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a generator (a job in a run directory)")
    train.add_argument("--config", help="TrainConfig YAML/JSON (see `gan-augment config`)")
    train.add_argument("--run-dir", required=True, help="run directory (new, or to resume)")
    train.add_argument("--resume", action="store_true", help="continue from checkpoints/last.pt")
    train.add_argument("--steps", type=int, help="with --resume: new total number of steps")
    train.add_argument(
        "--resume-from",
        metavar="CHECKPOINT",
        help="with --resume: last (default), best or step_NNNNNN (e.g. after a divergence)",
    )
    train.add_argument("--device", choices=DEVICE_CHOICES, help="override the config's device")
    numerics = train.add_mutually_exclusive_group()
    numerics.add_argument("--precision", choices=PRECISION_CHOICES, help=PRECISION_HELP)
    numerics.add_argument(
        "--amp",
        action="store_const",
        const="amp",
        dest="precision",
        help="mixed precision: the same as --precision amp",
    )
    train.add_argument(
        "--compile",
        action="store_true",
        default=None,
        help="torch.compile the networks (slower first steps; see docs/benchmarks.md)",
    )
    train.add_argument(
        "--guidance",
        choices=GUIDANCE,
        help="segmentation: a segmenter trained beside a pix2pix generator steers it by its "
        "validation loss (GenSeg; docs/evaluation.md); none: adversarial training alone",
    )
    train.set_defaults(func=_cmd_train)

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

    evaluate = commands.add_parser(
        "evaluate", help="segmentation/classification experiment: arms × seeds, statistics, report"
    )
    evaluate.add_argument("--config", required=True, help="ExperimentConfig YAML")
    evaluate.add_argument("--run-dir", required=True, help="new directory for the results")
    evaluate.set_defaults(func=_cmd_evaluate)

    quality = commands.add_parser(
        "quality",
        help="FD/KID on in-domain features, diversity, mask fidelity, privacy audit; for "
        "volume runs (3D, or 2D with slice_axis) slice consistency and fidelity per volume",
    )
    quality.add_argument(
        "--config", required=True, help="QualityConfig YAML (synthetic_run, data…)"
    )
    quality.add_argument("--out", required=True, help="new folder for quality.json/.md and plots")
    quality.set_defaults(func=_cmd_quality)

    compare = commands.add_parser(
        "compare", help="Dice, IoU, HD95 (mm)… of a prediction against a ground truth"
    )
    compare.add_argument("prediction", help="label image (NIfTI, TIFF or PNG)")
    compare.add_argument("truth", help="ground-truth label image; its spacing is used")
    compare.add_argument("--json", help="also write every metric to this new JSON file")
    compare.set_defaults(func=_cmd_compare)

    demo = commands.add_parser("demo", help="train on the bundled brain sample and report")
    demo.add_argument("--out", default="demo-out", help="new output folder")
    demo.add_argument("--steps", type=int, default=2000, help="generator steps (~0.08 s each)")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    demo.set_defaults(func=_cmd_demo)

    export = commands.add_parser(
        "export", help="a run as a MONAI bundle (MONAI's verify, ckpt_export and run work on it)"
    )
    export.add_argument("--run-dir", required=True, help="training run directory")
    export.add_argument("--out", required=True, help="new bundle folder (with --zip: NAME.zip)")
    export.add_argument("--zip", action="store_true", help="write one zip instead of a folder")
    export.add_argument("--checkpoint", default="last.pt", help="file in checkpoints/")
    export.add_argument(
        "--evidence",
        nargs="*",
        default=[],
        metavar="FOLDER",
        help="experiment or quality-check folders that measured this run (eval_metrics)",
    )
    export.set_defaults(func=_cmd_export)

    families = commands.add_parser("families", help="list the GAN families")
    families.set_defaults(func=_cmd_families)

    config = commands.add_parser("config", help="print a default TrainConfig as YAML")
    config.add_argument("--family", default=TrainConfig.family, help="default: %(default)s")
    config.set_defaults(func=_cmd_config)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gan-augment``; user errors print one clear line and exit 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    if args.nice > 0 and hasattr(os, "nice"):
        os.nice(args.nice)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)  # this process is the job: process-wide is right
    try:
        return int(args.func(args))
    except Exception as exc:
        message = user_message(exc)
        if message is None:  # a bug: its traceback is the report
            raise
        print(f"gan-augment: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
