"""SIGKILL trials: kill a real ``gan-augment`` job at a random moment, then check that
nothing was lost and nothing torn is left for a reader.

Shared by the reduced CI test (``tests/test_kill_trials.py``) and the full benchmark
(``benchmarks/bench_kill_trials.py``). A kill counts as *inside a checkpoint write* when it
left that write's hidden ``.part`` file behind — the proof it landed mid-write.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from napari_gan_augment.config import TrainConfig
from napari_gan_augment.evaluation.experiment import ExperimentConfig
from napari_gan_augment.training import RunDirectory, train
from napari_gan_augment.training.checkpoint import load_checkpoint
from napari_gan_augment.training.run_lock import holder
from napari_gan_augment.training.trainer import _all_finite


def _start(arguments: list[str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "napari_gan_augment.cli", *arguments]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_until(condition: Any, timeout: float, poll: float = 0.0005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(poll)
    return False


def _checkpoint_write_in_flight(checkpoints: Path) -> bool:
    try:
        return any(entry.name.endswith(".part") for entry in os.scandir(checkpoints))
    except FileNotFoundError:
        return False


def _first_step_logged(run: RunDirectory) -> bool:
    return run.metrics_path.exists() and any(e["event"] == "step" for e in run.read_events())


def kill_training(
    root: Path,
    config: TrainConfig,
    delay: float,
    aim_at_write: bool,
    in_startup: bool = False,
    stop_signal: int = signal.SIGKILL,
) -> dict[str, Any]:
    """Start ``gan-augment train`` and send ``stop_signal`` ``delay`` s after its first
    logged step (after its start when ``in_startup``; aiming at a write, at the first
    checkpoint write after that). Then check that every checkpoint loads and is finite, the
    log reads, the lock is free, and ``--resume`` finishes the run (or, killed before the
    run was set up, that a new run starts in the folder). SIGTERM must end as "stopped"."""
    root.mkdir(parents=True, exist_ok=True)
    config_path, run_dir = root / "config.yaml", root / "run"
    config.save(config_path)
    process = _start(["train", "--config", str(config_path), "--run-dir", str(run_dir)])
    run = RunDirectory(run_dir)
    if not in_startup:
        assert _wait_until(lambda: _first_step_logged(run), 300, poll=0.05), "no step logged"
    time.sleep(delay)
    if aim_at_write:
        _wait_until(lambda: _checkpoint_write_in_flight(run_dir / "checkpoints"), 60)
    process.send_signal(stop_signal)
    code = process.wait()
    if stop_signal == signal.SIGTERM and code != -signal.SIGTERM:  # -15: before any handler
        assert code == 130, f"SIGTERM ended train with exit code {code}"
        assert json.loads(RunDirectory(run_dir).summary_path.read_text())["status"] == "stopped"
    in_write = _checkpoint_write_in_flight(run.checkpoints)
    saved = sorted(run.checkpoints.glob("*.pt")) if run.checkpoints.is_dir() else []
    for path in saved:
        assert _all_finite(load_checkpoint(path)["state"]), f"{path} holds non-finite values"
    last = load_checkpoint(run.last_checkpoint)["step"] if run.last_checkpoint.exists() else 0
    logged = [e["step"] for e in run.read_events() if e["event"] == "step"]
    assert last <= max(logged, default=0), "a checkpoint is ahead of the log"
    assert holder(run_dir) is None, "the lock outlived its job"
    if (run_dir / "config.yaml").exists():
        summary = train(run_dir, resume=True, steps=last + 2)
    else:  # killed before the run was set up: the folder must take a new run
        summary = train(run_dir, config.replace(steps=2))
    assert summary["status"] == "finished" and summary["step"] == last + 2
    assert not _checkpoint_write_in_flight(run.checkpoints), "a stale .part file was kept"
    return {"signal": signal.Signals(stop_signal).name, "delay_s": round(delay, 3),
            "in_startup": in_startup, "in_write": in_write, "exit_code": code,
            "last_step": last, "resumed_to": summary["step"]}  # fmt: skip


def _arms_in_results(results: Path) -> bool:
    try:
        return len(results.read_text().splitlines()) > 1  # a header and a row
    except FileNotFoundError:
        return False


def kill_experiment(
    root: Path, config: ExperimentConfig, delay: float, after_first_arm: bool = False
) -> dict[str, Any]:
    """Start ``gan-augment evaluate``, SIGKILL it after ``delay`` s (counted from the first
    arm's rows when ``after_first_arm``: a shared machine's speed must not decide whether a
    kill lands mid-experiment), then check that every
    file it left reads whole: results.csv has only complete arms, a summary only if all
    arms ran, every JSON/NPZ/checkpoint loads; the lock is free and the folder is refused
    for a new experiment with a clear error instead of being mixed into."""
    root.mkdir(parents=True, exist_ok=True)
    config_path, run_dir = root / "experiment.yaml", root / "exp"
    config_path.write_text(json.dumps(asdict(config)))
    process = _start(["evaluate", "--config", str(config_path), "--run-dir", str(run_dir)])
    if after_first_arm:
        assert _wait_until(lambda: _arms_in_results(run_dir / "results.csv"), 600, poll=0.05)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    arms_done = 0
    results = run_dir / "results.csv"
    if results.exists():
        with open(results, newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert all(None not in row.values() and "" not in row.values() for row in rows)
        per_arm: dict[tuple[str, str, str], int] = {}
        for row in rows:
            key = (row["arm"], row["seed"], row["fold"])
            per_arm[key] = per_arm.get(key, 0) + 1
        assert len(set(per_arm.values())) <= 1, f"an arm with missing rows: {per_arm}"
        arms_done = len(per_arm)
    finished = (run_dir / "summary.json").exists()
    total = config.seeds * len(config.arms) * len(config.augment)
    assert not finished or arms_done == total, "a summary for an unfinished experiment"
    for path in run_dir.rglob("*") if run_dir.exists() else []:
        if path.name.startswith("."):
            continue  # a hidden write the kill cut short: never read
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".npz":
            with np.load(path) as archive:
                list(archive.values())
        elif path.suffix == ".pt":
            load_checkpoint(path)
    assert holder(run_dir) is None, "the lock outlived its job"
    if run_dir.exists() and (run_dir / "experiment.json").exists():
        again = subprocess.run(
            [sys.executable, "-m", "napari_gan_augment.cli", "evaluate", "--config",
             str(config_path), "--run-dir", str(run_dir)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert again.returncode == 2 and "already holds an experiment" in again.stderr
    return {"delay_s": round(delay, 3), "arms_done": arms_done, "finished": finished}
