from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from napari_gan_augment.config import DataConfig
from napari_gan_augment.errors import InputError
from napari_gan_augment.evaluation.experiment import ExperimentConfig, run_experiment
from napari_gan_augment.training import train

from ..conftest import tiny_config

DATA = DataConfig(source="sample", axis=0, step=3, min_foreground=0.05)


def _config(trained_run: Path, **changes) -> ExperimentConfig:
    values = dict(
        data=DATA,
        synthetic_run=str(trained_run),
        synthetic_count=8,
        arms=("real", "real+synthetic", "synthetic"),
        seeds=2,
        image_size=32,
        epochs=2,
        batch_size=4,
        base_filters=4,
        device="cpu",
    )
    values.update(changes)
    return ExperimentConfig(**values)


def test_small_experiment_writes_paired_results_and_reproduces(trained_run, tmp_path):
    config = _config(trained_run)
    summary = run_experiment(config, tmp_path / "a")
    with open(tmp_path / "a" / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    tests = {r["image"] for r in rows}
    assert len(rows) == 3 * 2 * len(tests) and len(tests) >= 3
    assert {r["arm"] for r in rows} == {"real", "real+synthetic", "synthetic"}
    assert all(0 <= float(r["mean_dice"]) <= 1 for r in rows)
    assert set(summary["arms"]) == {"real", "real+synthetic", "synthetic"}
    verdict = summary["comparisons"]["real+synthetic vs real"]["verdict"]
    assert verdict.startswith("real+synthetic vs real:") and "n = 2" in verdict
    again = run_experiment(config, tmp_path / "b")
    assert again == summary  # same config and seeds → same numbers on CPU


def test_bad_experiment_configs(trained_run, tmp_path):
    with pytest.raises(InputError, match="need synthetic_run"):
        ExperimentConfig(arms=("real", "synthetic"))
    with pytest.raises(InputError, match="seeds must be at least 1"):
        ExperimentConfig(seeds=0)
    run_dir = tmp_path / "other"
    options = {"base_filters": 4, "critic_steps": 1}
    import numpy as np

    from napari_gan_augment.data.pairset import PairSet

    image = np.random.default_rng(0).integers(0, 255, (40, 40)).astype(np.uint8)
    mask = np.zeros((40, 40), np.uint8)
    mask[5:20, 5:20] = 1
    train(
        run_dir,
        tiny_config(options=options, steps=2),
        pairs=PairSet.from_pairs([image] * 4, [mask] * 4, list("abcd")),
    )
    with pytest.raises(InputError, match="draws 2 classes but the real data has 3"):
        run_experiment(_config(run_dir), tmp_path / "x")


def test_cli_evaluate(trained_run, tmp_path, capsys):
    import yaml

    from napari_gan_augment.cli import main

    config = {
        "data": {"source": "sample", "axis": 0, "step": 3, "min_foreground": 0.05},
        "synthetic_run": str(trained_run),
        "synthetic_count": 4,
        "seeds": 2,
        "image_size": 32,
        "epochs": 1,
        "batch_size": 4,
        "base_filters": 4,
        "device": "cpu",
    }
    (tmp_path / "exp.yaml").write_text(yaml.safe_dump(config))
    code = main(
        ["evaluate", "--config", str(tmp_path / "exp.yaml"), "--run-dir", str(tmp_path / "exp")]
    )
    assert code == 0
    assert "real+synthetic vs real:" in capsys.readouterr().out
    assert json.loads((tmp_path / "exp" / "summary.json").read_text())["arms"]["real"]["n"] == 2
    (tmp_path / "bad.yaml").write_text("seeds: 0\n")
    assert (
        main(
            ["evaluate", "--config", str(tmp_path / "bad.yaml"), "--run-dir", str(tmp_path / "bad")]
        )
        == 2
    )


def test_augmented_arms_are_named_and_compared(trained_run, tmp_path):
    config = _config(trained_run, arms=("real",), augment=(False, True), epochs=1)
    summary = run_experiment(config, tmp_path / "aug")
    assert set(summary["arms"]) == {"real", "real+aug"}
    assert summary["comparisons"]["real+aug vs real"]["n"] == 2
