"""``gan-augment export``: a run as a MONAI bundle."""

from __future__ import annotations

import argparse
from typing import Any


def _cmd_export(args: argparse.Namespace) -> int:
    from ..bundle import export_bundle

    written = export_bundle(args.run_dir, args.out, args.checkpoint, args.zip, args.evidence)
    print(f"wrote the MONAI bundle {written}")
    print(
        "  check it: python -m monai.bundle verify_net_in_out network_def --meta_file "
        "configs/metadata.json --config_file configs/inference.json (in the bundle)"
    )
    return 0


def add_parsers(commands: Any) -> None:
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
