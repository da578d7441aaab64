"""Quality of 3D patch runs on the bundled volume: a 3D pair-wgan (pairs from noise) and a 3D
inpaint run, each trained on the whole 2 mm MNI152 volume, then measured on real patches of
it (``gan-augment quality``'s patch report). Both trained on every patch they are compared
with: the figures show what each run learned, not how it generalises.

``python benchmarks/bench_quality_3d.py [--device cuda] [--write]``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from _report import write_section

from napari_gan_augment.config import TrainConfig
from napari_gan_augment.evaluation.quality import QualityConfig, evaluate_quality
from napari_gan_augment.training import train

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--wgan-steps", type=int, default=2000)
    parser.add_argument("--inpaint-steps", type=int, default=1500)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for family, steps in (("pair-wgan", args.wgan_steps), ("inpaint", args.inpaint_steps)):
            run = Path(tmp) / family
            config = TrainConfig.from_dict(
                {
                    "family": family,
                    "image_size": 32,
                    "spatial_dims": 3,
                    "patches": 256,
                    "steps": steps,
                    "batch_size": 8,
                    "sample_every": steps,
                    "checkpoint_every": steps,
                    "device": args.device,
                }
            )
            started = time.perf_counter()
            assert train(run, config)["status"] == "finished"
            minutes = (time.perf_counter() - started) / 60
            quality = QualityConfig.from_dict(
                {"synthetic_run": str(run), "count": 256, "device": args.device}
            )
            report = evaluate_quality(quality, Path(tmp) / f"{family}-quality")
            shutil.copy(
                Path(tmp) / f"{family}-quality" / "plots" / "patches.png",
                IMAGES / f"bench_quality3d_{family}.png",
            )
            rows.append((family, steps, minutes, report))
            print(family, report, flush=True)
    lines = [
        "Each run trained on the whole bundled 2 mm volume (32³ patches, batch 8, 256 patches "
        "drawn once), then measured on 256 real patches of the same volume: what the run "
        "learned, not how it generalises. FD-AE on each orientation's middle slices.",
        "",
        "| run | steps (min) | FD-AE axis 0 / 1 / 2 | 3D SSIM between patches, synthetic / real "
        "| class fractions, synthetic / real | components per class, synthetic / real "
        "| inside holes |",
        "|---|---|---|---|---|---|---|",
    ]
    for family, steps, minutes, report in rows:
        fd = " / ".join(f"{o['FD-AE']:.3g}" for o in report["orientations"].values())
        diversity = report["diversity"]
        shown = f"{diversity['synthetic']:.3f} / {diversity['real']:.3f}" if diversity else "—"
        masks = report.get("masks")
        fractions = components = "—"
        if masks:
            fractions = " / ".join(
                ", ".join(f"{f:.3f}" for f in masks[side]["class_fractions"])
                for side in ("synthetic", "real")
            )
            components = " / ".join(
                f"{masks[side]['components_per_class']:.1f}" for side in ("synthetic", "real")
            )
        holes = report.get("holes")
        hole_text = f"PSNR {holes['psnr_db']:.1f} dB, SSIM {holes['ssim']:.3f}" if holes else "—"
        lines.append(
            f"| {family} | {steps} ({minutes:.1f}) | {fd} | {shown} | {fractions} | "
            f"{components} | {hole_text} |"
        )
    lines += [
        "",
        "![3D pair-wgan: real and synthetic patches](images/bench_quality3d_pair-wgan.png)",
        "",
        "![3D inpaint: real and filled patches](images/bench_quality3d_inpaint.png)",
    ]
    markdown = "\n".join(lines)
    if args.write:
        write_section("quality-3d", markdown)
    else:
        print(markdown)


if __name__ == "__main__":
    main()
