"""``gan-augment quality``: generative quality of a run, as a job."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _quality_events(config: Any, out: Path) -> Any:
    from ..evaluation.quality import evaluate_quality

    yield {"event": "measuring", "run": config.synthetic_run}
    evaluate_quality(config, out)
    yield {"event": "end", "report": str(out / "quality.json")}


def _cmd_quality(args: argparse.Namespace) -> int:
    from ..evaluation.quality import QualityConfig
    from ..jobs import JobSession

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


def add_parsers(commands: Any) -> None:
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
