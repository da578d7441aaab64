"""Generative quality of the experiment's pair-wgan, for docs/evaluation.md.

Run after ``experiment_sample.py`` (it reuses ``benchmarks/out/gan``):
``python benchmarks/quality_sample.py`` (a few minutes on 2 CPU cores). Writes the quality
report's numbers and pictures between the ``quality:sample`` markers — whatever they are.
"""

from __future__ import annotations

import shutil
import time

from _report import machine
from experiment_sample import DATA, OUT, ROOT, replace_block

from napari_gan_augment.evaluation.quality import QualityConfig, evaluate_quality


def main() -> None:
    gan_run = OUT / "gan"
    if not (gan_run / "checkpoints" / "last.pt").exists():
        raise SystemExit("run benchmarks/experiment_sample.py first (it trains the generator)")
    out = OUT / "quality"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    evaluate_quality(
        QualityConfig(data=DATA, synthetic_run=str(gan_run), count=2000, device="cpu"), out
    )
    minutes = (time.perf_counter() - started) / 60
    images = ROOT / "docs" / "images" / "evaluation"
    images.mkdir(parents=True, exist_ok=True)
    for name in ("closest_pairs.png", "nearest_distances.png"):
        shutil.copy(out / "plots" / name, images / name)
    text = (out / "quality.md").read_text()
    body = text.split("\n", 2)[2]  # drop the title
    body = body.replace("](plots/", "](images/evaluation/")
    body = "\n".join(line for line in body.splitlines() if not line.startswith("Settings:"))
    body += f"\n\n{minutes:.1f} min on {machine()}; `count: 2000`, other settings default."
    replace_block(ROOT / "docs" / "evaluation.md", "quality:sample", body)
    print(body)


if __name__ == "__main__":
    main()
