"""A full or read-only disk: one clear line, no file lost, no partial set taken for whole."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from napari_gan_augment.data.pairset import PairSet
from napari_gan_augment.errors import InputError
from napari_gan_augment.training import train
from napari_gan_augment.training.checkpoint import load_checkpoint
from tests.conftest import tiny_config
from tests.storage import tmpfs


def _cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "napari_gan_augment.cli", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def _one_clean_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("gan-augment:")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0]
    return errors[0]


def test_generate_on_a_full_disk_leaves_a_set_marked_unfinished(trained_run: Path, tmp_path):
    with tmpfs(tmp_path / "disk", 96) as disk:
        out = disk / "pairs"
        result = _cli(
            "generate", "--run-dir", str(trained_run), "--out", str(out), "--count", "5000"
        )
        _one_clean_line(result, "No space left on device", "INCOMPLETE")
        written = list((out / "images").iterdir())
        assert written, "the disk should have held some pairs before filling up"
        assert not [p for p in out.rglob("*") if p.name.startswith(".tmp-")]  # no torn file
        with pytest.raises(InputError, match="unfinished set"):
            PairSet.from_folder(out)
        shutil.copytree(out, tmp_path / "copy")
    (tmp_path / "copy" / "INCOMPLETE").unlink()  # the user's choice: take what was written
    assert len(PairSet.from_folder(tmp_path / "copy")) == len(written)  # masks go first


def test_a_finished_set_carries_no_marker(trained_run: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "p")
    result = _cli("generate", "--run-dir", str(trained_run), "--out", out, "--count", "6")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "p" / "INCOMPLETE").exists()
    assert len(PairSet.from_folder(tmp_path / "p")) == 6


def test_training_on_a_full_disk_keeps_the_last_checkpoint_and_resumes_elsewhere(tmp_path):
    config = tiny_config(steps=1000, sample_every=2, checkpoint_every=1000, keep_checkpoints=1)
    config_path = tmp_path / "c.yaml"
    config.save(config_path)
    # Room for the config, the first last.pt and best.pt (~470 KB each), not for a third.
    with tmpfs(tmp_path / "disk", 1200) as disk:
        result = _cli("train", "--config", str(config_path), "--run-dir", str(disk / "run"))
        _one_clean_line(result, "No space left on device")
        saved = load_checkpoint(disk / "run" / "checkpoints" / "last.pt")
        assert saved["step"] >= 2
        shutil.copytree(disk / "run", tmp_path / "run")
    summary = train(tmp_path / "run", resume=True, steps=saved["step"] + 2)
    assert summary["status"] == "finished" and summary["step"] == saved["step"] + 2


def test_read_only_destinations_are_refused_in_one_line(trained_run: Path, tmp_path: Path):
    config_path = tmp_path / "c.yaml"
    tiny_config().save(config_path)
    with tmpfs(tmp_path / "ro", 64, read_only=True) as read_only:
        result = _cli("train", "--config", str(config_path), "--run-dir", str(read_only / "r"))
        _one_clean_line(result, "Read-only file system")
        out = str(read_only / "p")
        result = _cli("generate", "--run-dir", str(trained_run), "--out", out, "--count", "2")
        _one_clean_line(result, "Read-only file system")
        assert list(read_only.iterdir()) == []
