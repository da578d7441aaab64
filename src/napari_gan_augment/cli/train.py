"""``gan-augment train``: a generator trained in a run directory (one job), also under torchrun."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..config import TrainConfig
from ..devices import DEVICE_CHOICES
from ..errors import GanAugmentError
from ..interrupts import stop_once_on_signals
from ..precision import PRECISION_CHOICES
from ..segmentation.guidance import GUIDANCE
from ..terminal import run_training
from .common import PRECISION_HELP


@contextlib.contextmanager
def _rank_run_dir(args: argparse.Namespace, config: TrainConfig | None) -> Iterator[str]:
    """The run directory this process writes: itself, or under torchrun for ranks > 0 a
    scratch folder removed at the end (only rank 0 writes the run). Resuming, a scratch
    folder starts as a copy of the run's config and the checkpoint resumed from, so every
    rank resumes from the same state."""
    import torch.distributed as dist

    from ..devices import resolve_device
    from ..parallel import join, launched_by_torchrun
    from ..training import RunDirectory

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


def add_parsers(commands: Any) -> None:
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
