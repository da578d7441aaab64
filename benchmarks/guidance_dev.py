"""The development pool of the guidance ablation (``benchmarks/guidance_dev.yaml``): the
sample curve's training-pool slices, without its test slices and their guard band, so an
ablation chosen here never looks at the curve's test set.

Run: ``python benchmarks/guidance_dev.py`` → ``runs/dev_pool.npz``; then
``gan-augment evaluate --config benchmarks/guidance_dev.yaml --run-dir runs/guidance-dev``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from napari_gan_augment.data.pairset import PairSet
from napari_gan_augment.evaluation.experiment import ExperimentConfig
from napari_gan_augment.evaluation.experiment.data import (
    held_out_folds,
    load_data,
    training_pool,
)

CURVE = Path(__file__).parent / "low_data_curve.yaml"


def main(out: Path = Path("runs/dev_pool.npz")) -> Path:
    config = ExperimentConfig.load(CURVE)
    data = load_data(config)
    (test,) = held_out_folds(data, config)
    pool = training_pool(data, test, config)
    pairs = data.pairs
    assert isinstance(pairs, PairSet)
    dev = PairSet.from_pairs(
        [pairs.images[i] for i in pool],
        [pairs.masks[i] for i in pool],
        [pairs.provenance[i] for i in pool],
        pairs.spacing,
        rgb=False,
    )
    dev = replace(dev, positions=tuple(pairs.positions[i] for i in pool))
    out.parent.mkdir(parents=True, exist_ok=True)
    dev.save(out)
    print(f"{len(pool)} of {len(pairs)} slices (test {len(test)}, guard band left out) → {out}")
    return out


if __name__ == "__main__":
    main()
