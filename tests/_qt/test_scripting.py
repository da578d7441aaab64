"""The examples run as a user runs them (tiny settings), and a script drives the real
widgets: Export bundle, then Synthesize from that bundle."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from napari_gan_augment._qt.controller import WidgetDriver
from napari_gan_augment.errors import InputError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("script", ["headless_pipeline.py", "napari_session.py"])
def test_each_example_runs(script: str, tmp_path: Path):
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--out", str(tmp_path / "out"), "--tiny"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    if script == "headless_pipeline.py":
        metadata = json.loads((tmp_path / "out/bundle/configs/metadata.json").read_text())
        assert metadata["eval_metrics"]["quality:quality"]["distances"]["images"]["FD-AE"] >= 0
    else:
        assert (tmp_path / "out" / "session.png").stat().st_size > 10_000
        assert "new layers: run seed 0 images, run seed 0 masks" in done.stdout


def test_a_script_exports_a_bundle_and_synthesizes_from_it(
    make_napari_viewer, trained_run: Path, tmp_path: Path
):
    viewer = make_napari_viewer()
    export = WidgetDriver(viewer, "Export bundle")
    with pytest.raises(InputError, match="has no field 'colour'"):
        export.set(colour="red")
    export.set(run_dir=trained_run, out=tmp_path / "brain")
    export.press("export")
    export.wait_until(lambda: export.get("status").startswith(("wrote", "failed")), 120)
    assert export.get("status") == "wrote brain"
    assert (tmp_path / "brain" / "models" / "model.ts").is_file()

    synthesize = WidgetDriver(viewer, "Synthesize pairs")
    synthesize.set(run_dir=tmp_path / "brain", count=3)
    assert synthesize.get("checkpoint") == "model.pt"
    synthesize.press("run")
    assert synthesize.wait_for_job(300) == "finished"
    synthesize.wait_until(lambda: len(viewer.layers) == 2, 60)
    assert viewer.layers[0].data.shape[0] == 3
    assert viewer.layers[0].metadata["bundle"] == str((tmp_path / "brain").resolve())
    # the bundle folder is never written into: draws go beside it
    assert not (tmp_path / "brain" / "synthesized").exists()
    assert any((tmp_path / "brain-synthesized").iterdir())
