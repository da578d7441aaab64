"""A classification experiment with a ugan run, for docs/evaluation.md.

Run: ``python benchmarks/classification_sample.py`` (about 10 minutes on 2 CPU cores). The
sample has no pathology, so this uses the semi-synthetic lesions of ``_data.py`` (bright
ellipses drawn into a random half of the real slices): a ugan learns to add them (1,000 steps,
trained by the experiment on the training images of its split only), then
DenseNet121 classifiers (lesion / no lesion) are trained on real images vs real + 64
ugan-transformed object-free training images over 5 seeds. Writes the table and verdict
between the ``classification:sample`` markers — whatever they are.
"""

from __future__ import annotations

import shutil
import time

from _data import lesion_demo_pairs
from _report import machine
from experiment_sample import OUT, ROOT, replace_block

from napari_gan_augment.config import DataConfig
from napari_gan_augment.evaluation.experiment import ExperimentConfig, run_experiment
from napari_gan_augment.evaluation.report import secondary_lines, summary_table

UGAN_STEPS = 1000


def main() -> None:
    started = time.perf_counter()
    folder = OUT / "classification"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    pairs = lesion_demo_pairs(random_share=0.5)
    data = DataConfig(source="pairs", path=str(pairs.save(folder / "lesions.npz")))
    config = ExperimentConfig(
        data=data,
        task="classification",
        # trained by the experiment on each split's training images only (never its test set)
        generator={
            "family": "ugan",
            "image_size": 64,
            "steps": UGAN_STEPS,
            "batch_size": 8,
            "options": {"base_filters": 16},
        },
        synthetic_count=64,
        arms=("real", "real+synthetic"),
        seeds=5,
        image_size=64,
        epochs=60,
        patience=10,
        learning_rate=1e-3,
        steps_per_epoch=6,
        batch_size=8,
        device="cpu",
    )
    summary = run_experiment(config, folder / "experiment")
    minutes = (time.perf_counter() - started) / 60
    body = "\n".join(
        [
            f"Data: {len(pairs)} axial slices of the sample, a random half with a drawn "
            f"lesion; 20 % held out. ugan: {UGAN_STEPS} steps. DenseNet121 from scratch, "
            "Adam 1e-3, batch 8, 6 minibatches per epoch for both arms, early stopping "
            "(patience 10). "
            f"{minutes:.0f} min on {machine()}.",
            "",
            "Accuracy over the test images, per seed:",
            "",
            *summary_table(summary),
            "",
            *secondary_lines(summary),
            "",
            *[f"- **{c['verdict']}**" for c in summary["comparisons"].values()],
        ]
    )
    replace_block(ROOT / "docs" / "evaluation.md", "classification:sample", body)
    print(body)


if __name__ == "__main__":
    main()
