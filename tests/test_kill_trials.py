"""SIGKILL at random moments, reduced for CI (the full loop: benchmarks/bench_kill_trials.py)."""

from __future__ import annotations

import random
from pathlib import Path

from napari_gan_augment.evaluation.experiment import ExperimentConfig
from tests.conftest import tiny_config
from tests.evaluation.test_experiment import DATA
from tests.faults import kill_experiment, kill_training


def test_training_killed_at_random_moments_and_mid_checkpoint_loses_nothing(tmp_path: Path):
    rng = random.Random(1)
    config = tiny_config(steps=100_000, sample_every=2, checkpoint_every=2)
    plan = [(True, False), (False, False), (False, True), (False, True)]  # (in startup, aim)
    trials = [
        kill_training(tmp_path / str(n), config, rng.uniform(0, 3), aim, in_startup=startup)
        for n, (startup, aim) in enumerate(plan)
    ]
    print(trials)
    assert sum(trial["last_step"] > 0 for trial in trials) >= 2


def test_an_experiment_killed_at_random_moments_leaves_only_whole_files(
    trained_run: Path, tmp_path: Path
):
    rng = random.Random(2)
    config = ExperimentConfig(
        data=DATA, synthetic_run=str(trained_run), synthetic_count=8,
        arms=("real", "real+synthetic"), seeds=20, image_size=32, epochs=2, base_filters=4,
        device="cpu",
    )  # fmt: skip
    trials = [
        kill_experiment(tmp_path / str(n), config, rng.uniform(0, 3), after_first_arm=n > 0)
        for n in range(2)
    ]
    print(trials)
    assert trials[1]["arms_done"] > 0 and not trials[1]["finished"]
