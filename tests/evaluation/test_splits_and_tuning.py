"""Blocked test splits, the tuned augmentation grid, and verdicts against real+aug."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from napari_gan_augment.config import DataConfig
from napari_gan_augment.errors import InputError
from napari_gan_augment.evaluation.augmentation import (
    LEVELS,
    augment_batch,
    level_settings,
    standard_augmentation,
)
from napari_gan_augment.evaluation.experiment import ExperimentConfig, run_experiment
from napari_gan_augment.evaluation.experiment.config import Arm
from napari_gan_augment.evaluation.experiment.splits import (
    Layout,
    guard_band,
    split_folds,
)


def _one_volume(count: int, spacing: float = 2.0) -> Layout:
    return Layout(("brain",) * count, np.arange(count) * spacing)


def test_a_blocked_split_holds_out_contiguous_blocks_with_a_guard_band():
    layout = _one_volume(40)
    (test,) = split_folds(layout, "block", 1, 0.2, 2)
    assert len(test) == 8
    runs = np.split(test, np.flatnonzero(np.diff(test) > 1) + 1)
    assert len(runs) == 2 and all(np.all(np.diff(r) == 1) for r in runs)  # two blocks
    guard = guard_band(layout, test, guard_mm=4.0)  # 2 slices at 2 mm on each side
    assert len(guard) == 8 and not set(guard) & set(test)
    pool = np.setdiff1d(np.arange(40), np.concatenate([test, guard]))
    gaps = np.abs(layout.positions_mm[pool][:, None] - layout.positions_mm[test][None])
    assert gaps.min() > 4.0  # no training slice within the guard of a test slice
    folds = split_folds(layout, "block", 4, 0.2, 2)
    assert [len(f) for f in folds] == [10] * 4 and all(np.all(np.diff(f) == 1) for f in folds)


def test_several_volumes_are_held_out_whole_and_random_stays_an_option():
    layout = Layout(("a",) * 5 + ("b",) * 5 + ("c",) * 5, np.tile(np.arange(5.0), 3))
    (test,) = split_folds(layout, "block", 1, 0.2, 2)
    held = {layout.groups[i] for i in test}
    assert len(held) == 1 and len(test) == 5  # one whole volume, nothing of the others
    assert len(guard_band(layout, test, 100.0)) == 0  # nothing else of its volume remains
    (random,) = split_folds(layout, "random", 1, 0.2, 2)
    assert len(random) == 3 and len({layout.groups[i] for i in random}) >= 1


def test_the_tuning_grid_grows_in_strength_and_none_leaves_samples_alone():
    assert LEVELS["none"] is None and level_settings("none", True) is None
    light, strong = level_settings("light", True), level_settings("strong", True)
    assert light is not None and strong is not None and light.flip and strong.flip
    assert strong.rotate_degrees > light.rotate_degrees and strong.noise_std > light.noise_std
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (64, 1, 32, 32)).astype(np.float32)
    labels = (images[:, 0] > 0).astype(np.int64)
    moved, _ = augment_batch(standard_augmentation(32, 0, light), images, labels)
    changed = [not np.allclose(a, b) for a, b in zip(moved, images, strict=True)]
    # nnU-Net's probabilities: most samples changed by some transform, not every one
    assert 0.2 < np.mean(changed) < 1.0


def test_arms_written_with_aug_and_duplicates():
    assert Arm.parse("real+aug").augment_choices((False,)) == (True,)
    assert Arm.parse("real+synthetic@guided+aug").run == "guided"
    with pytest.raises(InputError, match="would run twice"):
        ExperimentConfig(arms=("real", "real+aug"), augment=(False, True))
    with pytest.raises(InputError, match="augmentation_levels must be names"):
        ExperimentConfig(arms=("real",), augmentation_levels=("off",))
    with pytest.raises(InputError, match=r"cannot take it; use one of \['pix2pix'\]"):
        ExperimentConfig(
            arms=("real", "real+synthetic@g"),
            generators={"g": {"family": "fastgan", "guidance": "segmentation"}},
        )


def test_a_tuned_blocked_experiment_records_its_split_choice_and_strongest_comparisons(tmp_path):
    config = ExperimentConfig(
        data=DataConfig(source="sample", axis=0, step=2, min_foreground=0.05),
        generator={
            "family": "pix2pix",
            "image_size": 32,
            "steps": 2,
            "batch_size": 4,
            "options": {"base_filters": 4},
        },
        arms=("real", "real+aug", "real+synthetic+aug"),
        augmentation_levels=("none", "light"),
        tuning_seeds=1,
        train_limit=6,
        guard_mm=4.0,
        synthetic_count=4,
        seeds=2,
        image_size=32,
        epochs=2,
        batch_size=4,
        base_filters=4,
        device="cpu",
    )
    summary = run_experiment(config, tmp_path / "exp")
    split = summary["split"]
    assert split["kind"] == "block" and split["guard_mm"] == 4.0
    assert split["folds"][0]["guard_band"] > 0
    tuning = summary["augmentation_tuning"]["fold0"]
    assert tuning["chosen"] in ("none", "light") and set(tuning["validation_loss"]) == {
        "none",
        "light",
    }
    assert tuning["chosen"] == min(tuning["validation_loss"], key=tuning["validation_loss"].get)
    keys = list(summary["comparisons"])
    assert keys.index("real+synthetic+aug vs real+aug") < keys.index("real+synthetic+aug vs real")
    with open(tmp_path / "exp" / "results.csv") as handle:
        arms = {row["arm"] for row in csv.DictReader(handle)}
    assert arms == {"real", "real+aug", "real+synthetic+aug"}  # tuning networks are not scored
