"""torchrun with 2 CPU processes (gloo) trains as one process does with the same global
batch and seed: the same logged losses at every step; only rank 0 writes the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from napari_gan_augment.training import RunDirectory, train
from tests.conftest import tiny_config


def _losses(run_dir: Path) -> list[dict[str, float]]:
    events = RunDirectory(run_dir).read_events()
    return [{k: v for k, v in e.items() if k.startswith(("loss", "wasser", "gradient"))}
            for e in events if e["event"] == "step"]  # fmt: skip


def _torchrun(
    config_path: Path | None, run_dir: Path, processes: int, *more: str
) -> subprocess.CompletedProcess:
    source = ["--config", str(config_path)] if config_path else []
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc_per_node={processes}", "-m", "napari_gan_augment.cli", "train",
               *source, "--run-dir", str(run_dir), *more]  # fmt: skip
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.parametrize("family", ["pair-wgan", "ugan"])
def test_two_processes_give_the_losses_and_weights_of_one(family: str, tmp_path: Path):
    # pair-wgan: latents, gradient penalty, batch norm in the generator; ugan: two-class
    # batches, stripe noise, a U-Net with batch norm
    options = {"base_filters": 4, "critic_steps": 2}
    changes = {"family": family, "steps": 4, "batch_size": 4, "options": options,
               "sample_every": 2, "checkpoint_every": 4, "precision": "fp32"}  # fmt: skip
    if family == "ugan":
        from napari_gan_augment.config import DataConfig

        changes["data"] = DataConfig(source="sample", axis=0, step=4, empty_fraction=0.5)
    config = tiny_config(**changes)
    config.save(tmp_path / "config.yaml")
    assert train(tmp_path / "one", config)["status"] == "finished"
    done = _torchrun(tmp_path / "config.yaml", tmp_path / "two", 2)
    assert done.returncode == 0, done.stderr[-3000:]

    one, two = _losses(tmp_path / "one"), _losses(tmp_path / "two")
    assert len(one) == len(two) == 4
    for a, b in zip(one, two, strict=True):
        assert a.keys() == b.keys()
        for name in a:
            assert b[name] == pytest.approx(a[name], rel=1e-3, abs=1e-4), name
    # (weights are not compared: a bias before batch norm has a zero gradient up to float
    # noise, which Adam scales to full-size steps of random sign)
    summary = json.loads((tmp_path / "two/summary.json").read_text())
    assert summary["status"] == "finished"
    # rank 1 wrote nothing beside rank 0's run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml", "one", "two"]


def test_an_fp16_run_resumed_on_two_processes_continues_as_one_process_does(tmp_path: Path):
    """Resuming under torchrun: every rank starts from the run's checkpoint (its loss scales
    included); fp16 overflow skips are decided on averaged gradients, so ranks agree."""
    config = tiny_config(steps=4, precision="fp16", checkpoint_every=2)
    config.save(tmp_path / "config.yaml")
    assert train(tmp_path / "one", config)["status"] == "finished"
    assert train(tmp_path / "one", resume=True, steps=6)["step"] == 6
    done = _torchrun(tmp_path / "config.yaml", tmp_path / "two", 2)
    assert done.returncode == 0, done.stderr[-3000:]
    done = _torchrun(None, tmp_path / "two", 2, "--resume", "--steps", "6")
    assert done.returncode == 0, done.stderr[-3000:]
    one, two = _losses(tmp_path / "one"), _losses(tmp_path / "two")
    assert len(one) == len(two) == 6
    for a, b in zip(one, two, strict=True):
        for name in a:
            assert b[name] == pytest.approx(a[name], rel=1e-2, abs=1e-2), name  # fp16: ~3 digits
    summary = json.loads((tmp_path / "two/summary.json").read_text())
    assert summary["status"] == "finished" and summary["step"] == 6


def test_a_batch_that_does_not_split_is_refused(tmp_path: Path):
    tiny_config(batch_size=3).save(tmp_path / "config.yaml")
    done = _torchrun(tmp_path / "config.yaml", tmp_path / "run", 2)
    assert done.returncode != 0
    assert "cannot be split evenly over 2 processes" in done.stderr + done.stdout
