"""A small, real segmentation experiment on the bundled sample, for docs/evaluation.md.

Run: ``python benchmarks/experiment_sample.py`` (about 6 minutes on 2 CPU cores). Trains the
demo-sized pair-wgan (800 steps), then compares real / real + 64 synthetic / synthetic-only
U-Nets over 5 seeds on a fixed held-out test set, and writes the verdicts and per-arm
summaries between markers in docs/evaluation.md — favourable or not.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from pathlib import Path

from _report import machine

from napari_gan_augment.config import DataConfig, TrainConfig
from napari_gan_augment.evaluation.experiment import ExperimentConfig, run_experiment
from napari_gan_augment.training import train

ROOT = Path(__file__).resolve().parents[1]
DATA = DataConfig(source="sample", axis=0, min_foreground=0.05)


def main() -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        gan_run = Path(tmp) / "gan"
        train(gan_run, TrainConfig(data=DATA, image_size=64, steps=800, device="cpu"))
        config = ExperimentConfig(
            data=DATA,
            synthetic_run=str(gan_run),
            synthetic_count=64,
            arms=("real", "real+synthetic", "synthetic"),
            seeds=5,
            image_size=64,
            epochs=40,
            batch_size=8,
            patience=5,
            device="cpu",
        )
        summary = run_experiment(config, Path(tmp) / "experiment")
    minutes = (time.perf_counter() - started) / 60
    shown = {k: v for k, v in vars(config).items() if k not in ("data", "synthetic_run")}
    lines = [
        f"Settings: `{json.dumps(shown)}`, "
        f"data: 67 axial slices of the sample (grey/white matter), 20 % held out for testing; "
        f"synthetic pairs from an 800-step pair-wgan. {minutes:.1f} min on {machine()}.",
        "",
        "| arm | seeds | mean Dice (mean over test images, per seed) | sd | 95 % CI |",
        "|---|---|---|---|---|",
    ]
    for arm, s in summary["arms"].items():
        lines.append(
            f"| {arm} | {s['n']} | {s['mean']:.3f} | {s['sd']:.3f} | "
            f"[{s['ci_low']:.3f}, {s['ci_high']:.3f}] |"
        )
    lines += ["", *[f"- {c['verdict']}" for c in summary["comparisons"].values()]]
    block = "<!-- experiment:sample -->\n" + "\n".join(lines) + "\n<!-- /experiment:sample -->"
    doc = ROOT / "docs" / "evaluation.md"
    text = doc.read_text()
    found = re.search(r"<!-- experiment:sample -->.*?<!-- /experiment:sample -->", text, re.S)
    if found is None:
        raise SystemExit("docs/evaluation.md has no <!-- experiment:sample --> marker")
    doc.write_text(text[: found.start()] + block + text[found.end() :])
    print(block)


if __name__ == "__main__":
    main()
