"""``gan-augment compare``: the metrics of a prediction against a ground truth."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..errors import GanAugmentError


def _cmd_compare(args: argparse.Namespace) -> int:
    from ..evaluation.comparison import compare_label_files

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


def add_parsers(commands: Any) -> None:
    compare = commands.add_parser(
        "compare", help="Dice, IoU, HD95 (mm)… of a prediction against a ground truth"
    )
    compare.add_argument("prediction", help="label image (NIfTI, TIFF or PNG)")
    compare.add_argument("truth", help="ground-truth label image; its spacing is used")
    compare.add_argument("--json", help="also write every metric to this new JSON file")
    compare.set_defaults(func=_cmd_compare)
