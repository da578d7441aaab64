"""``torchrun … gan-augment evaluate``: 2 CPU processes share an experiment's fold
generators and networks out and write the results one process writes."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
import yaml

from napari_gan_augment.evaluation.experiment import run_experiment

from .test_experiment import _config


def _rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / "results.csv") as handle:
        return list(csv.DictReader(handle))


def test_two_processes_share_an_experiment_and_write_the_results_of_one(tmp_path: Path):
    generator = {"family": "pix2pix", "image_size": 32, "steps": 2, "batch_size": 4,
                 "options": {"base_filters": 4}}  # fmt: skip
    config = _config(None, synthetic_run=None, generator=generator, arms=("real", "synthetic"),
                     folds=2, train_limit=8, epochs=2, precision="fp32")  # fmt: skip
    (tmp_path / "experiment.yaml").write_text(
        yaml.safe_dump(json.loads(json.dumps(asdict(config))))
    )
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         "-m", "napari_gan_augment.cli", "evaluate", "--config", str(tmp_path / "experiment.yaml"),
         "--run-dir", str(tmp_path / "two")],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    run_experiment(config, tmp_path / "one")

    one, two = _rows(tmp_path / "one"), _rows(tmp_path / "two")
    assert len(one) == len(two) > 0
    assert {(r["seed"], r["fold"]) for r in two} == {(s, f) for s in "01" for f in "01"}
    for a, b in zip(one, two, strict=True):  # the same networks in the same order
        assert (a["arm"], a["seed"], a["fold"], a["image"]) == (
            b["arm"],
            b["seed"],
            b["fold"],
            b["image"],
        )
        assert float(b["mean_dice"]) == pytest.approx(float(a["mean_dice"]), abs=0.02)
    for fold in (0, 1):  # each fold's generator was trained once (by rank 0 or rank 1)
        assert (
            tmp_path / "two" / "generators" / f"fold{fold}" / "checkpoints" / "last.pt"
        ).is_file()
    models = sorted(p.name for p in (tmp_path / "two" / "models").rglob("*.pt"))
    assert len(models) == 8  # 2 arms × 2 seeds × 2 folds, whichever rank trained them
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert set(summary["arms"]) == {"real", "synthetic"}
    assert (tmp_path / "two" / "report.md").is_file()
    assert "stopped" not in done.stdout
