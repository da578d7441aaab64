"""The ``gan-augment`` command line: ``train``, ``generate``, ``evaluate``, ``quality``,
``compare``, ``demo``, ``families``, ``config``, ``export`` and the editing commands, one
module per command (each adds its parsers and runs its command)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import user_message
from . import compare, demo, edit, evaluate, export, generate, info, quality, train

#: in the order ``gan-augment --help`` lists them
COMMANDS = (train, generate, edit, evaluate, quality, compare, demo, export, info)


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
    for command in COMMANDS:
        command.add_parsers(commands)
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
