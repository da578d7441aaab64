from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from skimage import io as skio

from napari_gan_augment.errors import CheckpointError, InputError
from napari_gan_augment.training import RunDirectory, iter_training, train
from napari_gan_augment.training.checkpoint import load_checkpoint, save_checkpoint

from ..conftest import tiny_config


def test_run_directory_contents(trained_run: Path) -> None:
    run = RunDirectory(trained_run)
    events = run.read_events()
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end"
    assert [e["step"] for e in events if e["event"] == "step"] == [1, 2, 3, 4]
    assert events[-1]["status"] == "finished"
    assert json.loads(run.summary_path.read_text())["step"] == 4
    grids = sorted(p.name for p in run.samples.glob("*.png"))
    assert grids == ["step_000002.png", "step_000004.png"]
    grid = skio.imread(str(run.samples / grids[-1]))
    assert grid.ndim == 3 and grid.shape[2] == 3 and grid.std() > 0
    assert (run.checkpoints / "step_000004.pt").exists()
    assert run.config_path.exists()


def test_checkpoint_loads_with_weights_only(trained_run: Path) -> None:
    payload = torch.load(trained_run / "checkpoints" / "last.pt", weights_only=True)
    assert payload["family"] == "pair-wgan" and payload["step"] == 4


def test_resume_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    train(tmp_path / "straight", tiny_config(steps=6))
    train(tmp_path / "split", tiny_config(steps=3))
    summary = train(tmp_path / "split", resume=True, steps=6)
    assert summary["step"] == 6
    a = load_checkpoint(tmp_path / "straight" / "checkpoints" / "last.pt")
    b = load_checkpoint(tmp_path / "split" / "checkpoints" / "last.pt")
    for name, tensor in a["state"]["networks"]["generator"].items():
        assert torch.equal(tensor, b["state"]["networks"]["generator"][name]), name
    starts = [e for e in RunDirectory(tmp_path / "split").read_events() if e["event"] == "start"]
    assert [s["resumed"] for s in starts] == [False, True]


def test_existing_run_is_not_overwritten(trained_run: Path) -> None:
    before = (trained_run / "config.yaml").read_text()
    with pytest.raises(InputError, match="already holds a run"):
        next(iter_training(trained_run, tiny_config()))
    assert (trained_run / "config.yaml").read_text() == before


def test_resume_as_another_family_is_refused(trained_run: Path) -> None:
    with pytest.raises(CheckpointError, match="cannot be resumed"):
        next(iter_training(trained_run, tiny_config(family="cyclegan"), resume=True))


def test_checkpoint_of_another_family(tmp_path: Path) -> None:
    path = save_checkpoint({"family": "pix2pix"}, tmp_path / "x.pt")
    with pytest.raises(CheckpointError, match="holds a 'pix2pix' model"):
        load_checkpoint(path, expected_family="pair-wgan")


def test_missing_and_corrupt_checkpoints(tmp_path: Path, trained_run: Path) -> None:
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.pt")
    good = (trained_run / "checkpoints" / "last.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(good[: len(good) // 3])
    with pytest.raises(CheckpointError, match="corrupt or incomplete"):
        load_checkpoint(tmp_path / "cut.pt")
    with pytest.raises(InputError, match="holds no run"):
        next(iter_training(tmp_path / "empty", resume=True))


def test_stop_file_stops_and_leaves_a_checkpoint(tmp_path: Path) -> None:
    events = iter_training(tmp_path / "run", tiny_config(steps=1000))
    for event in events:
        if event["event"] == "step" and event["step"] == 3:
            RunDirectory(tmp_path / "run").request_stop()
    assert event["status"] == "stopped" and event["step"] == 3
    assert load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")["step"] == 3


def test_closing_the_generator_saves(tmp_path: Path) -> None:
    events = iter_training(tmp_path / "run", tiny_config(steps=1000))
    for event in events:
        if event["event"] == "step" and event["step"] == 2:
            break
    events.close()
    assert load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")["step"] == 2
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["status"] == "stopped"


def _start_cli_job(
    tmp_path: Path, config, ready, stderr=subprocess.DEVNULL
) -> tuple[subprocess.Popen, Path]:
    """``gan-augment train`` in a child process; returns once ``ready(events)`` holds."""
    config_path, run_dir = tmp_path / "c.yaml", tmp_path / "run"
    config.save(config_path)
    command = [sys.executable, "-m", "napari_gan_augment.cli", "train"]
    command += ["--config", str(config_path), "--run-dir", str(run_dir)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.time() + 120
    while time.time() < deadline:
        if ready(RunDirectory(run_dir).read_events() if run_dir.exists() else []):
            break
        time.sleep(0.05)
    return process, run_dir


def test_killed_job_leaves_a_loadable_checkpoint(tmp_path: Path) -> None:
    process, run_dir = _start_cli_job(
        tmp_path,
        tiny_config(steps=100_000, sample_every=3),
        lambda events: sum(e["event"] == "sample" for e in events) >= 2,
    )
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    payload = load_checkpoint(run_dir / "checkpoints" / "last.pt")
    assert payload["step"] >= 6 and payload["step"] % 3 == 0
    summary = train(run_dir, resume=True, steps=payload["step"] + 2)
    assert summary["status"] == "finished" and summary["step"] == payload["step"] + 2


def test_sigterm_saves_before_exit(tmp_path: Path) -> None:
    process, run_dir = _start_cli_job(
        tmp_path,
        tiny_config(steps=100_000, sample_every=1000),
        lambda events: any(e["event"] == "step" and e["step"] >= 5 for e in events),
    )
    process.terminate()
    assert process.wait(timeout=60) == 130
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["step"] >= 5
    assert load_checkpoint(run_dir / "checkpoints" / "last.pt")["step"] == summary["step"]


def test_repeated_sigterm_neither_cuts_the_save_short_nor_prints_a_traceback(tmp_path: Path):
    process, run_dir = _start_cli_job(
        tmp_path,
        tiny_config(steps=100_000, sample_every=1000),
        lambda events: any(e["event"] == "step" and e["step"] >= 5 for e in events),
        stderr=subprocess.PIPE,
    )
    for _ in range(20):  # an impatient user or a supervisor that repeats its request
        process.terminate()
        time.sleep(0.01)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert b"Traceback" not in stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "stopped"
    assert load_checkpoint(run_dir / "checkpoints" / "last.pt")["step"] == summary["step"]


def test_only_the_first_stop_signal_interrupts() -> None:
    from napari_gan_augment.interrupts import stop_once_on_signals

    before = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        with stop_once_on_signals():
            pass
        assert signal.getsignal(signal.SIGTERM) is before[signal.SIGTERM]  # no stop: restored
        interrupted = 0
        with stop_once_on_signals():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(1)  # the handler runs at the next bytecode boundary
            except KeyboardInterrupt:
                interrupted += 1
                os.kill(os.getpid(), signal.SIGTERM)  # while saving: must be ignored
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.1)
        assert interrupted == 1
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN  # on its way out: deaf
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


def test_training_size_larger_than_images(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="larger than the source images"):
        train(tmp_path / "run", tiny_config(image_size=256))


def test_sample_scores_pick_a_best_checkpoint(trained_run: Path) -> None:
    run = RunDirectory(trained_run)
    samples = [e for e in run.read_events() if e["event"] == "sample"]
    assert all(e["score"] >= 0 for e in samples) and samples[0]["best"]
    best = min(samples, key=lambda e: e["score"])
    assert load_checkpoint(run.checkpoints / "best.pt")["step"] == best["step"]
    assert json.loads(run.summary_path.read_text())["best_score"] == best["score"]


def test_sliced_wasserstein_orders_distributions() -> None:
    from napari_gan_augment.training.scoring import sliced_wasserstein

    generator = torch.Generator().manual_seed(0)
    real = torch.randn(64, 1, 32, 32, generator=generator)
    same = torch.randn(64, 1, 32, 32, generator=generator)
    shifted = same + 1.0
    assert sliced_wasserstein(real, real) == 0.0
    assert sliced_wasserstein(same, real) < sliced_wasserstein(shifted, real)


def test_one_job_per_run_directory_and_attaching_to_it(tmp_path: Path) -> None:
    from napari_gan_augment.jobs import attach, start_training_process

    process, run_dir = _start_cli_job(
        tmp_path,
        tiny_config(steps=100_000, sample_every=1000),
        lambda events: any(e["event"] == "step" for e in events),
    )
    log_size = (run_dir / "metrics.jsonl").stat().st_size
    with pytest.raises(InputError, match=f"PID {process.pid}"):
        train(run_dir, resume=True)
    with pytest.raises(InputError, match="in use by a running job"):
        start_training_process(run_dir, resume=True)
    assert not (run_dir / "job.log").exists()  # refused before anything was written

    job = attach(run_dir)
    assert job is not None and job.pid == process.pid and job.is_running()
    assert job.events_offset < log_size  # its own session's events, start included
    job.request_stop()
    assert process.wait(timeout=60) == 0
    assert not job.is_running() and attach(run_dir) is None
    assert RunDirectory(run_dir).read_events()[-1]["status"] == "stopped"


def test_the_lock_is_held_while_training_in_this_process(tmp_path: Path) -> None:
    events = iter_training(tmp_path / "run", tiny_config(steps=1000))
    while next(events)["event"] != "step":
        pass
    with pytest.raises(InputError, match=f"PID {os.getpid()}"):
        next(iter_training(tmp_path / "run", resume=True))
    events.close()  # closing releases it
    summary = train(tmp_path / "run", resume=True, steps=3)
    assert summary["status"] == "finished"
