"""A short real training of each GAN family on the bundled sample, for docs/models.md.

Run: ``python benchmarks/train_families.py`` (about 10 minutes on 2 CPU cores). For each
family it trains on the 67 axial slices of the MNI152 sample at 64 px and copies the last
sample grid to ``docs/images/models/<family>.png``; the settings and timings go to
``docs/models.md`` between markers, so the hand-written text around them stays.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

from _data import lesion_demo_pairs
from _report import machine

from napari_gan_augment.config import DataConfig, TrainConfig
from napari_gan_augment.training import RunDirectory, train

ROOT = Path(__file__).resolve().parents[1]
DATA = DataConfig(source="sample", axis=0, min_foreground=0.05)
# CPU-sized runs: the steps and filters a few minutes allow (papers train far longer).
RUNS = {
    "pair-wgan": {"steps": 1500, "options": {"base_filters": 16}},
    "pix2pix": {"steps": 1500, "options": {"base_filters": 16}, "batch_size": 8},
    "mask-dcgan": {"steps": 1500, "options": {"base_filters": 16}},
    "fastgan": {"steps": 1500, "options": {"base_filters": 8}, "batch_size": 8},
    "inpaint": {"steps": 1000, "options": {"base_filters": 16}, "batch_size": 8},
    # semi-synthetic lesions (benchmarks/_data.py): the sample has no pathology to add
    "cyclegan": {
        "steps": 600,
        "options": {"base_filters": 16},
        "batch_size": 4,
        "lesions": True,
    },
    "ugan": {"steps": 1000, "options": {"base_filters": 16}, "batch_size": 8, "lesions": True},
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", nargs="*", default=list(RUNS))
    args = parser.parse_args()
    images = ROOT / "docs" / "images" / "models"
    images.mkdir(parents=True, exist_ok=True)
    doc = ROOT / "docs" / "models.md"
    for family in args.families:
        settings = RUNS[family]
        config = TrainConfig(
            family=family,
            data=DATA,
            image_size=64,
            steps=settings["steps"],
            batch_size=settings.get("batch_size", 16),
            options=settings["options"],
            sample_every=settings["steps"] // 5,
            device="cpu",
        )
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            pairs = lesion_demo_pairs() if settings.get("lesions") else None
            summary = train(Path(tmp) / family, config, pairs=pairs)
            seconds = time.perf_counter() - started
            run = RunDirectory(Path(tmp) / family)
            shutil.copy(run.latest_sample(), images / f"{family}.png")
            last = [e for e in run.read_events() if e["event"] == "step"][-1]
        losses = ", ".join(f"{k} {v:.3g}" for k, v in last.items() if k.startswith("loss_"))
        block = (
            f"<!-- run:{family} -->\n![{family} samples](images/models/{family}.png)\n\n"
            f"_{summary['step']} steps at 64 px, batch {config.batch_size}, options "
            f"`{json.dumps(settings['options'])}`, {seconds / 60:.1f} min on {machine()}; "
            f"last losses: {losses}._\n<!-- /run:{family} -->"
        )
        text = doc.read_text()
        found = re.search(rf"<!-- run:{family} -->.*?<!-- /run:{family} -->", text, re.S)
        if found is None:
            raise SystemExit(f"docs/models.md has no <!-- run:{family} --> marker")
        doc.write_text(text[: found.start()] + block + text[found.end() :])
        print(block)


if __name__ == "__main__":
    main()
