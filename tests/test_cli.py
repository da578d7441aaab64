from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from napari_gan_augment.cli import main
from napari_gan_augment.config import TrainConfig

from .conftest import tiny_config


def test_train_then_generate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_path = tmp_path / "cfg.yaml"
    tiny_config(steps=3).save(config_path)
    assert main(["train", "--config", str(config_path), "--run-dir", str(tmp_path / "r")]) == 0
    assert "finished at step 3" in capsys.readouterr().out
    assert main(["train", "--run-dir", str(tmp_path / "r"), "--resume", "--steps", "5"]) == 0
    assert "finished at step 5" in capsys.readouterr().out
    out = tmp_path / "pairs"
    code = main(
        [
            "generate",
            "--run-dir",
            str(tmp_path / "r"),
            "--count",
            "3",
            "--seed",
            "2",
            "--out",
            str(out),
            "--device",
            "cpu",
        ]
    )
    assert code == 0
    assert len(list((out / "images").glob("*.nii.gz"))) == 3
    assert len(list((out / "masks").glob("*_mask.nii.gz"))) == 3


@pytest.mark.parametrize("count", ["0", "-2"])
def test_generate_rejects_bad_counts(
    trained_run: Path, tmp_path: Path, count: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["generate", "--run-dir", str(trained_run), "--count", count, "--out", str(tmp_path / "o")]
    )
    assert code == 2
    assert "positive number of pairs" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_generate_from_missing_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "generate",
            "--run-dir",
            str(tmp_path / "none"),
            "--count",
            "1",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2 and "neither a run directory" in capsys.readouterr().err


def test_config_command_prints_a_loadable_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config"]) == 0
    path = tmp_path / "c.yaml"
    path.write_text(capsys.readouterr().out)
    config = TrainConfig.load(path)
    # the best-measured route, with the slice axis the Train widget also starts from
    assert config.family == "pix2pix" and config.options["l1_weight"] == 100.0
    assert config.data.axis == 0
    assert yaml.safe_load(path.read_text())["data"]["source"] == "sample"
    assert main(["config", "--family", "pair-wgan"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["options"]["gp_weight"] == 10.0


def test_version_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    from napari_gan_augment import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"gan-augment {__version__}"


def test_families_lists_pair_wgan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["families"]) == 0
    assert "pair-wgan" in capsys.readouterr().out


def test_demo_refuses_a_non_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["demo", "--out", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "mine"
