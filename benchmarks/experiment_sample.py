"""The full segmentation experiment on the bundled sample, for docs/evaluation.md.

Run: ``python benchmarks/experiment_sample.py [--seeds 10]`` (about 20 minutes on 2 CPU
cores). Trains a pair-wgan for 2,000 steps on the training pool only (the experiment's
``generator:`` section; the test slices are never shown to it), then compares, over
repeated seeds on
one fixed held-out test set: real; real + 64 fixed synthetic pairs; Neff et al.'s on-the-fly
mixing 8-8 and 0-16 (standard augmentation left out to keep the run near 20 CPU minutes;
``augment: [false, true]`` adds it to every arm). Every arm runs the same
number of minibatches per epoch (``steps_per_epoch``) so arms differ only in what they see.
Writes the report's table, verdicts and plots into docs/evaluation.md and docs/images/ —
favourable or not — and keeps both run directories under ``benchmarks/out/`` for
``quality_sample.py``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import time
from pathlib import Path

from _report import machine

from napari_gan_augment.config import DataConfig, TrainConfig
from napari_gan_augment.evaluation.experiment import ExperimentConfig, run_experiment
from napari_gan_augment.evaluation.report import secondary_lines, summary_table
from napari_gan_augment.training import train

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
DATA = DataConfig(source="sample", axis=0, min_foreground=0.05)
GAN_STEPS = 2000


def replace_block(doc: Path, key: str, body: str) -> None:
    text = doc.read_text()
    found = re.search(rf"<!-- {key} -->.*?<!-- /{key} -->", text, re.S)
    if found is None:
        raise SystemExit(f"{doc} has no <!-- {key} --> marker")
    block = f"<!-- {key} -->\n{body.strip()}\n<!-- /{key} -->"
    doc.write_text(text[: found.start()] + block + text[found.end() :])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    started = time.perf_counter()
    gan_run, experiment = OUT / "gan", OUT / "experiment"
    if not (gan_run / "checkpoints" / "last.pt").exists():
        shutil.rmtree(gan_run, ignore_errors=True)
        train(gan_run, TrainConfig(data=DATA, image_size=64, steps=GAN_STEPS, device="cpu"))
    shutil.rmtree(experiment, ignore_errors=True)
    config = ExperimentConfig(
        data=DATA,
        generator={"family": "pair-wgan", "image_size": 64, "steps": GAN_STEPS},
        synthetic_count=64,
        arms=("real", "real+synthetic", "mix:8-8", "mix:0-16"),
        augment=(False,),
        seeds=args.seeds,
        image_size=64,
        epochs=100,
        steps_per_epoch=6,
        batch_size=16,
        patience=5,
        device="cpu",
    )
    summary = run_experiment(config, experiment)
    minutes = (time.perf_counter() - started) / 60
    images = ROOT / "docs" / "images" / "evaluation"
    images.mkdir(parents=True, exist_ok=True)
    for name in ("arms.png", "curves.png", "predictions.png"):
        shutil.copy(experiment / "plots" / name, images / name)
    body = "\n".join(
        [
            f"Data: 67 axial slices of the sample (grey/white matter), 20 % held out for "
            f"testing (the same test set for every arm and seed); synthetic pairs from an "
            f"{GAN_STEPS}-step pair-wgan trained on the other slices only; U-Net (16 base "
            f"filters, DiceCE, Adam 1e-4, batch 16, "
            f"6 minibatches per epoch for every arm, early stopping with patience 5). "
            f"{minutes:.0f} min on {machine()}.",
            "",
            "Mean Dice over the test images, per seed:",
            "",
            *summary_table(summary),
            "",
            *secondary_lines(summary),
            "",
            *[f"- **{c['verdict']}**" for c in summary["comparisons"].values()],
            "",
            "![Per-seed Dice, IoU and HD95 of each arm](images/evaluation/arms.png)",
            "",
            "![Validation loss per epoch](images/evaluation/curves.png)",
            "",
            "![Test images, truth and each arm's seed-0 prediction]"
            "(images/evaluation/predictions.png)",
        ]
    )
    replace_block(ROOT / "docs" / "evaluation.md", "experiment:sample", body)
    print(body)


if __name__ == "__main__":
    main()
