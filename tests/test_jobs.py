"""Experiments and quality checks as child-process jobs: one protocol with training."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from napari_gan_augment.config import DataConfig
from napari_gan_augment.errors import InputError
from napari_gan_augment.evaluation.experiment import ExperimentConfig
from napari_gan_augment.evaluation.quality import QualityConfig
from napari_gan_augment.jobs import (
    attach,
    follow_events,
    start_experiment_job,
    start_quality_job,
    wait_for,
)

DATA = DataConfig(source="sample", axis=1, step=4, min_foreground=0.05)


def _wait_for_event(job, kind: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    for event in follow_events(job):
        if event["event"] == kind:
            return event
        assert time.monotonic() < deadline, f"no {kind} event within {timeout} s"
    raise AssertionError(f"the job ended without a {kind} event: {job.outcome()}")


def test_an_experiment_job_is_locked_attachable_and_stops_keeping_finished_arms(tmp_path):
    config = ExperimentConfig(
        data=DATA, arms=("real",), seeds=50, image_size=32, epochs=3, base_filters=4,
        device="cpu",
    )  # fmt: skip
    run_dir = tmp_path / "exp"
    job = start_experiment_job(config, run_dir, threads=1)
    try:
        _wait_for_event(job, "arm")
        found = attach(run_dir)  # as another viewer or a terminal would see it
        assert found is not None and found.pid == job.pid and found.kind == "experiment"
        with pytest.raises(InputError, match=f"PID {job.pid}"):
            start_experiment_job(config, tmp_path / "exp", threads=1)
        found.request_stop()
        assert wait_for(job) == "stopped"
    finally:
        if job.is_running():
            job.kill()
    assert job.process.returncode == 130 and attach(run_dir) is None
    rows = (run_dir / "results.csv").read_text().splitlines()
    assert len(rows) > 1 and not (run_dir / "summary.json").exists()
    with pytest.raises(InputError, match="already holds an experiment"):
        start_experiment_job(config, run_dir)


def test_a_quality_job_stops_at_once_on_request(trained_run: Path, tmp_path: Path):
    config = QualityConfig(
        data=DATA, synthetic_run=str(trained_run), count=12, image_size=32, device="cpu"
    )
    job = start_quality_job(config, tmp_path / "q", threads=1)
    try:
        _wait_for_event(job, "measuring")
        assert attach(tmp_path / "q").stop_by == "signal"
        job.request_stop()
        assert wait_for(job) == "stopped", (
            job.process.returncode,
            (tmp_path / "q" / "job.log").read_text(),
        )
    finally:
        if job.is_running():
            job.kill()
    assert job.process.returncode == 130 and not (tmp_path / "q" / "quality.json").exists()


def test_a_job_on_missing_data_is_refused_before_it_starts(tmp_path: Path):
    missing = DataConfig(source="folder", path=str(tmp_path / "nowhere"))
    with pytest.raises(InputError, match="nowhere/images does not exist"):
        start_experiment_job(ExperimentConfig(data=missing, arms=("real",)), tmp_path / "exp")
    assert not (tmp_path / "exp").exists()


def test_threads_must_be_positive():
    command = [sys.executable, "-m", "napari_gan_augment.cli", "--threads", "0", "families"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 2 and "--threads must be at least 1" in done.stderr


def test_a_signal_sent_with_a_stop_file_does_not_kill_a_job_that_already_stopped(tmp_path):
    """``request_stop`` touches STOP, then signals: a job that saw STOP first and ended
    must not be killed by the signal arriving after it restored its handlers."""
    script = f"""
import os, signal, time
from pathlib import Path
from napari_gan_augment.jobs import JobSession

root = Path({str(tmp_path / "job")!r}); root.mkdir()

def events():
    (root / "STOP").touch()
    yield {{"event": "measuring"}}
    yield {{"event": "never reached"}}

print(JobSession(root, "quality", stop_by="signal").run(events()))
os.kill(os.getpid(), signal.SIGTERM)  # the signal request_stop sends after STOP
time.sleep(0.5)
print("alive")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["stopped", "alive"]
