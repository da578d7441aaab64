"""Faults that used to lose work: divergence, torn logs, foreign folders, bounded disk."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from napari_gan_augment.errors import CheckpointError, GanAugmentError, InputError
from napari_gan_augment.training import RunDirectory, train, trainer
from napari_gan_augment.training.checkpoint import load_checkpoint, save_checkpoint
from tests.conftest import tiny_config


def _diverge_after(monkeypatch, step: int) -> None:
    """From training step ``step`` on, the weights and losses turn NaN (as with a far too
    high learning rate)."""
    prepare = trainer._prepare

    def prepared(*args, **kwargs):
        state, data = prepare(*args, **kwargs)
        train_step = state.model.train_step

        def diverging(batch, rng):
            losses = train_step(batch, rng)
            if state.step + 1 >= step:
                with torch.no_grad():
                    for parameter in state.model.generator.parameters():
                        parameter.fill_(math.nan)
                losses = {key: math.nan for key in losses}
            return losses

        state.model.train_step = diverging
        return state, data

    monkeypatch.setattr(trainer, "_prepare", prepared)


def _finite(payload) -> bool:
    return trainer._all_finite(payload["state"])


def test_divergence_keeps_the_last_good_checkpoint_and_names_a_way_back(
    tmp_path: Path, monkeypatch
):
    run_dir = tmp_path / "run"
    _diverge_after(monkeypatch, step=7)
    with pytest.raises(GanAugmentError, match="diverged at step 7.*--resume-from best"):
        train(run_dir, tiny_config(steps=20, sample_every=2, checkpoint_every=2))
    last = load_checkpoint(run_dir / "checkpoints" / "last.pt")
    assert _finite(last) and last["step"] == 6  # the NaN state of step 7 was not saved
    end = RunDirectory(run_dir).read_events()[-1]
    assert end["status"] == "error" and "\n" not in end["message"]

    monkeypatch.undo()  # the learning rates were lowered: resume from the best checkpoint
    summary = train(run_dir, resume=True, steps=8, resume_from="best")
    assert summary["status"] == "finished" and summary["step"] == 8
    assert _finite(load_checkpoint(run_dir / "checkpoints" / "last.pt"))
    with pytest.raises(InputError, match="no checkpoint 'step_000999'; saved: .*best"):
        train(run_dir, resume=True, resume_from="step_000999")


def test_a_new_run_refuses_a_folder_of_other_files(tmp_path: Path):
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "summary.json").write_text('{"mine": true}')
    (folder / "metrics.jsonl").write_text("not ours\n")
    with pytest.raises(InputError, match="not empty and holds no run"):
        train(folder, tiny_config())
    assert (folder / "summary.json").read_text() == '{"mine": true}'
    assert sorted(p.name for p in folder.iterdir()) == ["metrics.jsonl", "summary.json"]


def test_a_run_that_never_saved_a_checkpoint_can_start_over_or_resume(tmp_path: Path):
    run = RunDirectory(tmp_path / "run")
    bad = tiny_config(options={"no_such_option": 1})
    with pytest.raises(GanAugmentError):
        train(run.root, bad)  # refused after config.yaml was written
    assert not run.has_trained()
    assert train(run.root, tiny_config())["status"] == "finished"  # Start again works

    second = RunDirectory(tmp_path / "second")
    second.create(tiny_config())  # as left by a job killed before its first checkpoint
    assert train(second.root, resume=True)["status"] == "finished"  # Resume starts over


def test_a_torn_last_log_line_is_dropped_and_reported(tmp_path: Path):
    run_dir = tmp_path / "run"
    train(run_dir, tiny_config(steps=2))
    metrics = RunDirectory(run_dir).metrics_path
    with open(metrics, "a") as handle:
        handle.write('{"event": "step", "st')  # killed mid-write
    summary = train(run_dir, resume=True, steps=4)
    assert summary["status"] == "finished"
    events = [json.loads(line) for line in metrics.read_text().splitlines()]  # all parse
    start = [e for e in events if e["event"] == "start"][-1]
    assert start["dropped_torn_line"] == '{"event": "step", "st'


def test_numbered_checkpoints_are_pruned_and_stale_partial_writes_removed(tmp_path: Path):
    run_dir = tmp_path / "run"
    checkpoints = run_dir / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / ".last.pt.12345.part").write_bytes(b"half a checkpoint")
    train(run_dir, tiny_config(steps=12, checkpoint_every=2, keep_checkpoints=2))
    assert sorted(p.name for p in checkpoints.iterdir()) == [
        "best.pt",
        "last.pt",
        "step_000010.pt",
        "step_000012.pt",
    ]


def test_a_checkpoint_holding_code_is_refused_without_torch_advice(tmp_path: Path):
    path = tmp_path / "evil.pt"

    class Payload:
        def __reduce__(self):
            return (print, ("this ran",))

    with open(path, "wb") as handle:
        torch.save({"format": 1, "x": Payload()}, handle)
    with pytest.raises(CheckpointError, match="holds code or objects") as raised:
        load_checkpoint(path)
    assert "weights_only" not in str(raised.value)  # torch's advice would run the code
    save_checkpoint({"x": torch.zeros(1)}, tmp_path / "fine.pt")  # ours still loads
    assert load_checkpoint(tmp_path / "fine.pt")["x"].shape == (1,)
