"""``gan-augment demo``: the best-measured route on the bundled sample, with a report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..devices import DEVICE_CHOICES


def _cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import napari_command, run_demo

    report = run_demo(Path(args.out), steps=args.steps, device=args.device, seed=args.seed)
    print(f"report: {report}")
    print(f"open the pairs in napari: {napari_command(Path(args.out) / 'pairs')}")
    return 0


def add_parsers(commands: Any) -> None:
    demo = commands.add_parser("demo", help="train on the bundled brain sample and report")
    demo.add_argument("--out", default="demo-out", help="new output folder")
    demo.add_argument("--steps", type=int, default=2000, help="generator steps (~0.08 s each)")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    demo.set_defaults(func=_cmd_demo)
