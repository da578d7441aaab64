"""A 3D experiment end to end: does a 3D pix2pix's synthetic data help a 3D U-Net?

The bundled MNI152 volume (2 mm) is cut into its eight octants, written as a folder of eight
NIfTI volumes (each at its true place): eight different pieces of anatomy, but one subject,
so this shows what the pipeline measures, not what synthetic data does across patients. The
experiment holds out half the volumes per fold (2 folds: every volume is tested once per seed),
trains a 3D pix2pix per fold on that fold's training volumes only, and compares a 3D U-Net
trained on real patches, real + synthetic patches, and synthetic patches only, at equal
minibatch budgets. The config below is fixed before running; every arm is reported as it
came out.

``python benchmarks/bench_experiment_3d.py [--generator-steps N] [--seeds N] [--write]``
(about 25 minutes on 2 CPU cores with the defaults).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import nibabel as nib
from _report import write_section

from napari_gan_augment.data.sample import load_sample
from napari_gan_augment.evaluation.experiment import ExperimentConfig, run_experiment

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"


def octants(root: Path) -> Path:
    """The sample's eight octants as ``images/`` and ``masks/`` NIfTI volumes."""
    image, mask = load_sample()
    for folder in ("images", "masks"):
        (root / folder).mkdir(parents=True)
    halves = [(slice(0, n // 2), slice(n // 2, n)) for n in image.data.shape]
    for number in range(8):
        parts = [halves[axis][(number >> axis) & 1] for axis in range(3)]
        affine = image.affine.copy()
        for axis, part in enumerate(parts):
            affine[:3, 3] += affine[:3, axis] * part.start
        name = f"octant{number}.nii.gz"
        nib.save(nib.Nifti1Image(image.data[tuple(parts)], affine), root / "images" / name)
        nib.save(nib.Nifti1Image(mask.data[tuple(parts)], affine), root / "masks" / name)
    return root


def config(
    folder: Path, generator_steps: int, seeds: int, epochs: int, patience: int, device: str
) -> ExperimentConfig:
    generator: dict[str, Any] = {
        "family": "pix2pix",
        "spatial_dims": 3,
        "image_size": 32,
        "patches": 256,
        "batch_size": 4,
        "steps": generator_steps,
        "sample_every": generator_steps,
        "checkpoint_every": generator_steps,
        "options": {"base_filters": 16},
        "device": device,
    }
    return ExperimentConfig.from_dict(
        {
            "data": {"source": "folder", "path": str(folder)},
            "spatial_dims": 3,
            "image_size": 32,
            "patches": 64,
            "generator": generator,
            "synthetic_count": 64,
            "arms": ["real", "real+synthetic", "synthetic"],
            "seeds": seeds,
            "folds": 2,
            "epochs": epochs,
            "steps_per_epoch": 8,
            "patience": patience,
            "batch_size": 4,
            "base_filters": 8,
            "device": device,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generator-steps", type=int, default=400)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--patience", type=int, default=8)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    # a GPU run is reported beside the CPU one, not over it
    suffix = "" if args.device == "cpu" else f"-{args.device}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        experiment = config(
            octants(root / "octants"),
            args.generator_steps,
            args.seeds,
            args.epochs,
            args.patience,
            args.device,
        )
        started = time.perf_counter()
        summary = run_experiment(experiment, root / "run")
        minutes = (time.perf_counter() - started) / 60
        plots = root / "run" / "plots"
        shutil.copy(plots / "predictions_3d.png", IMAGES / f"bench_exp3d{suffix}.png")
        shutil.copy(plots / "arms.png", IMAGES / f"bench_exp3d{suffix}_arms.png")
    secondary = summary["secondary"]
    lines = [
        "The 2 mm MNI152 volume cut into 8 octants (8 volumes of one subject); 2 folds of 4 "
        f"held-out volumes; per fold a 3D pix2pix (32³ patches, {args.generator_steps} steps, "
        "16 base filters) trained on that fold's 4 training volumes only; a 3D U-Net (8 base "
        "filters) on 64 real 32³ patches (+ 64 synthetic in real+synthetic; 64 synthetic only "
        f"in synthetic), 8 minibatches of 4 per epoch for every arm, at most {args.epochs} "
        f"epochs (patience {args.patience}), {args.seeds} seeds. "
        "Scores: each test volume whole (sliding window), Dice and HD95 in mm with the 2 mm "
        f"spacing; per seed the mean over the 8 tested volumes. Wall time {minutes:.0f} min.",
        "",
        "| arm | mean Dice ± sd over seeds | HD95 (mm) |",
        "|---|---|---|",
    ]
    for arm, stats in summary["arms"].items():
        hd = secondary.get("hd95_mm", {}).get(arm)
        shown = f"{hd['mean']:.1f}" if hd else "—"
        lines.append(f"| {arm} | {stats['mean']:.3f} ± {stats['sd']:.3f} | {shown} |")
    lines += [""] + [f"- {c['verdict']}" for c in summary["comparisons"].values()]
    capped = summary.get("epoch_cap", {})
    lines += [
        "- epoch cap reached: "
        + ", ".join(f"{arm} {c['hit']}/{c['runs']}" for arm, c in capped.items()),
        "",
        f"![Per-seed Dice of each arm](images/bench_exp3d{suffix}_arms.png)",
        "",
        "![One held-out octant: image, truth, each arm's seed-0 prediction]"
        f"(images/bench_exp3d{suffix}.png)",
    ]
    if args.write:
        write_section(f"experiment-3d{suffix}", "\n".join(lines))
    else:
        print("\n".join(lines))


if __name__ == "__main__":
    main()
