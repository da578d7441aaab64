from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from napari_gan_augment.config import DataConfig
from napari_gan_augment.errors import InputError
from napari_gan_augment.evaluation.experiment import (
    ExperimentConfig,
    iter_experiment,
    run_experiment,
)
from napari_gan_augment.training import train

from ..conftest import tiny_config

# Coronal slices: none of them is an axial training slice of the session's trained_run.
DATA = DataConfig(source="sample", axis=1, step=3, min_foreground=0.05)


def _config(trained_run: Path | None, **changes) -> ExperimentConfig:
    values = dict(
        data=DATA,
        synthetic_run=str(trained_run) if trained_run else None,
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
    # the synthetic set adds minibatches per epoch, and the report says so
    budgets = summary["minibatches_per_epoch"]
    assert budgets["real+synthetic"] > budgets["real"]
    assert "different numbers of minibatches" in (tmp_path / "a" / "report.md").read_text()


def test_bad_experiment_configs(trained_run, tmp_path):
    with pytest.raises(InputError, match="need synthetic pairs"):
        ExperimentConfig(arms=("real", "synthetic"))
    with pytest.raises(InputError, match="seeds must be at least 1"):
        ExperimentConfig(seeds=0)
    for bad, says in [
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"synthetic_count": -5}, "synthetic_count"),
        ({"validation_fraction": 2.0}, "validation_fraction"),
        ({"test_fraction": 0.0}, "test_fraction"),
        ({"image_size": 30}, "power of two"),  # not a shape error deep in the U-Net
    ]:
        with pytest.raises(InputError, match=says):
            ExperimentConfig(arms=("real",), **bad)
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
        "split": "random",  # its random test slices are none of the run's training slices
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


def test_mixing_folds_and_options_write_a_full_run_directory(trained_run, tmp_path):
    config = _config(
        trained_run,
        arms=("real", "mix:2-2", "mix:0-4"),
        folds=3,
        epochs=2,
        steps_per_epoch=2,
        loss="jaccard",
        largest_component=True,
    )
    run_dir = tmp_path / "mix"
    events = list(iter_experiment(config, run_dir))
    epochs = [e for e in events if e["event"] == "epoch"]
    assert {e["arm"] for e in epochs} == {"real", "mix:2-2", "mix:0-4"}
    assert all(np.isfinite(e["train_loss"]) and np.isfinite(e["val_loss"]) for e in epochs)
    assert events[-1] == {"event": "end", "run_dir": str(run_dir)}
    with open(run_dir / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    # k-fold: every image is tested exactly once per arm and seed
    per_run = {(r["arm"], r["seed"]) for r in rows}
    images = [r["image"] for r in rows if (r["arm"], r["seed"]) == ("real", "0")]
    assert len(per_run) == 6 and len(images) == len(set(images)) >= 17
    assert {r["fold"] for r in rows} == {"0", "1", "2"}
    with np.load(run_dir / "predictions.npz") as saved:
        assert saved["mix:2-2/seed1"].shape == saved["masks"].shape
        assert set(np.unique(saved["real/seed0"])) <= {0, 1, 2}
    for name in ("report.md", "report.html", "plots/arms.png", "plots/curves.png"):
        assert (run_dir / name).stat().st_size > 0
    assert len(list((run_dir / "models").rglob("*.pt"))) == 3 * 2 * 3
    assert "mix:0-4 vs real" in (run_dir / "report.md").read_text()


def test_largest_component_keeps_one_blob_per_class():
    from napari_gan_augment.evaluation.networks import predict_labels

    class Fixed(torch.nn.Module):
        def forward(self, x):
            logits = torch.zeros(len(x), 2, 16, 16)
            logits[:, 1, 2:5, 2:5] = 5  # big blob
            logits[:, 1, 10:12, 10:12] = 5  # small blob
            return logits

    images = np.zeros((2, 1, 16, 16), np.float32)
    kept = predict_labels(Fixed(), images, torch.device("cpu"), largest_component=True)
    raw = predict_labels(Fixed(), images, torch.device("cpu"))
    assert raw[0].sum() == 13 and kept[0].sum() == 9 and kept[0, 2:5, 2:5].all()


@pytest.mark.parametrize("network, loss", [("basicunet", "dice"), ("flexibleunet", "dicece")])
def test_other_networks_and_losses_train(network, loss, tmp_path):
    config = ExperimentConfig(
        data=DATA,
        arms=("real",),
        seeds=1,
        image_size=32,
        epochs=1,
        batch_size=4,
        base_filters=4,
        network=network,
        loss=loss,
        device="cpu",
    )
    summary = run_experiment(config, tmp_path / network)
    assert 0 <= summary["arms"]["real"]["mean"] <= 1


def test_classification_arm_with_a_class_transform_run(trained_run, tmp_path):
    from napari_gan_augment.config import DataConfig as Data

    from ..models.test_ugan import _toy_pairs

    _toy_pairs(24, seed=1).save(tmp_path / "toy.npz")  # other images than the generator's
    ugan = tmp_path / "ugan"
    options = {"base_filters": 4, "critic_steps": 1}
    data = Data()
    train(
        ugan, tiny_config(family="ugan", options=options, steps=2, data=data), pairs=_toy_pairs(24)
    )
    config = ExperimentConfig(
        data=Data(source="pairs", path=str(tmp_path / "toy.npz")),
        task="classification",
        synthetic_run=str(ugan),
        synthetic_count=6,
        arms=("real", "real+synthetic"),
        seeds=2,
        image_size=32,
        epochs=1,
        batch_size=4,
        device="cpu",
    )
    summary = run_experiment(config, tmp_path / "cls")
    with open(tmp_path / "cls" / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["label"] for r in rows} == {"0", "1"}
    assert all(r["correct"] == str(int(r["label"] == r["prediction"])) for r in rows)
    assert set(summary["secondary"]) >= {"sensitivity", "specificity", "fp", "fn"}
    assert "accuracy points" in summary["comparisons"]["real+synthetic vs real"]["verdict"]
    with pytest.raises(InputError, match="needs a ugan or cyclegan run"):
        run_experiment(replace(config, synthetic_run=str(trained_run)), tmp_path / "x")


def test_arms_from_several_runs_are_compared_on_the_same_seeds(trained_run, tmp_path):
    config = _config(
        trained_run,
        synthetic_run=None,
        synthetic_runs={"a": str(trained_run), "b": str(trained_run)},
        arms=("real", "real+synthetic@a", "mix:2-2@b"),
        epochs=1,
    )
    summary = run_experiment(config, tmp_path / "runs")
    assert set(summary["comparisons"]) == {"real+synthetic@a vs real", "mix:2-2@b vs real"}
    assert (tmp_path / "runs" / "models" / "mix_2-2@b" / "seed1_fold0.pt").exists()
    with pytest.raises(InputError, match="names run 'c', which synthetic_runs does not list"):
        ExperimentConfig(arms=("real+synthetic@c",), synthetic_runs={"a": "x"})


def test_experiment_input_errors(trained_run, tmp_path):
    with pytest.raises(InputError, match="mix:R-S"):
        ExperimentConfig(arms=("mix:8",), synthetic_run="x")
    with pytest.raises(InputError, match="at least one pair"):
        ExperimentConfig(arms=("mix:0-0",), synthetic_run="x")
    with pytest.raises(InputError, match="network must be one of"):
        ExperimentConfig(arms=("real",), network="resnet")
    with pytest.raises(InputError, match="at least 2 test and 4 training pairs"):
        run_experiment(_config(trained_run, folds=40), tmp_path / "few")
    with pytest.raises(InputError, match="only non-empty masks"):
        run_experiment(_config(trained_run, task="classification", arms=("real",)), tmp_path / "c")
    assert not (tmp_path / "few").exists() and not (tmp_path / "c").exists()
    run_experiment(_config(trained_run, arms=("real",), seeds=1, epochs=1), tmp_path / "once")
    with pytest.raises(InputError, match="already holds an experiment"):
        run_experiment(_config(trained_run), tmp_path / "once")


def test_every_config_in_the_evaluation_docs_is_valid(trained_run):
    import re

    import yaml

    from napari_gan_augment.evaluation.quality import QualityConfig

    doc = Path(__file__).resolve().parents[2] / "docs" / "evaluation.md"
    blocks = re.findall(r"```yaml\n(.*?)```", doc.read_text(), re.S)
    assert len(blocks) >= 4
    for block in blocks:
        raw = yaml.safe_load(block)
        if "extractor_steps" in raw:
            QualityConfig.from_dict({**raw, "synthetic_run": str(trained_run)})
        elif "generator" in raw:  # the experiment trains its own generator per split
            ExperimentConfig.from_dict(raw)
        else:
            ExperimentConfig.from_dict({**raw, "synthetic_run": "runs/any"})


def test_a_generator_that_saw_test_images_is_refused(trained_run, tmp_path):
    from ..conftest import TINY_DATA

    with pytest.raises(InputError, match=r"trained on \d+ of this experiment's .* `generator:`"):
        run_experiment(_config(trained_run, data=TINY_DATA), tmp_path / "leak")
    assert not (tmp_path / "leak" / "results.csv").exists()


def test_the_experiment_trains_its_generator_on_the_training_split_only(tmp_path):
    generator = {
        "family": "pix2pix",
        "image_size": 32,
        "steps": 2,
        "batch_size": 4,
        "options": {"base_filters": 4},
    }
    config = _config(
        None,
        synthetic_run=None,
        generator=generator,
        arms=("real", "synthetic"),
        train_limit=8,
        epochs=3,
        patience=5,
        synthetic_gate={"min_fidelity": 0.0, "segmenter_steps": 3},
    )
    events = list(iter_experiment(config, tmp_path / "exp"))
    assert any(e["event"] == "generator" for e in events)
    summary = json.loads((tmp_path / "exp" / "summary.json").read_text())
    from napari_gan_augment.data.sources import pairset_from_config
    from napari_gan_augment.training import RunDirectory

    pairs = pairset_from_config(DATA)
    with open(tmp_path / "exp" / "results.csv") as handle:
        tested = {r["image"] for r in csv.DictReader(handle)}
    seen = RunDirectory(tmp_path / "exp" / "generators" / "fold0").training_fingerprints()
    assert seen is not None and len(seen) == 8 == summary["real_pairs"]["training_pool"][0]
    by_name = dict(zip(pairs.provenance, pairs.fingerprints(), strict=True))
    assert not {by_name[name] for name in tested} & seen  # never a test image
    gate = summary["quality_gate"]["synthetic_run/fold0"]
    assert gate["drawn"] == 16 and gate["used"] == 8 and gate["dropped_low_fidelity"] == 0
    ratio = summary["train_on_synthetic"]
    assert ratio["ratio"] == pytest.approx(ratio["synthetic"] / ratio["real"])
    # 3 epochs with patience 5: every run stops at the cap, and the report warns
    assert summary["epoch_cap"]["real"] == {"hit": 2, "runs": 2}
    report = (tmp_path / "exp" / "report.md").read_text()
    assert "stopped at the epoch cap" in report and "Train on synthetic, test on real" in report
    assert "Quality gate (synthetic_run/fold0): used 8 of 16" in report
    assert "too few for a test" in summary["comparisons"]["synthetic vs real"]["verdict"]
    with pytest.raises(InputError, match="not both"):
        _config(None, synthetic_run="runs/x", generator=generator)
    with pytest.raises(InputError, match="takes no data"):
        _config(None, synthetic_run=None, generator={**generator, "data": {}})


def test_low_data_curve_runs_one_experiment_per_count_on_one_test_set(tmp_path):
    from napari_gan_augment.evaluation.curve import iter_curve

    generator = {"family": "pix2pix", "image_size": 32, "steps": 2, "options": {"base_filters": 4}}
    config = _config(
        None,
        synthetic_run=None,
        generator=generator,
        arms=("real", "real+synthetic"),
        real_counts=(4, None),
        seeds=1,
        epochs=1,
    )
    events = list(iter_curve(config, tmp_path / "curve"))
    assert {e["count"] for e in events if "count" in e} == {"004", "all"}
    curve = json.loads((tmp_path / "curve" / "curve.json").read_text())
    assert curve["004"]["training_pool"] == 4 < curve["all"]["training_pool"]
    assert set(curve["all"]["arms"]) == {"real", "real+synthetic"}
    tested = []
    for name in ("004", "all"):
        with open(tmp_path / "curve" / f"real_{name}" / "results.csv") as handle:
            tested.append({r["image"] for r in csv.DictReader(handle)})
    assert tested[0] == tested[1]  # one fixed test set for every count
    assert (tmp_path / "curve" / "plots" / "curve.png").stat().st_size > 1000
    assert "| real |" in (tmp_path / "curve" / "curve.md").read_text()
    with pytest.raises(InputError, match="not both"):
        replace(config, train_limit=4)


def test_arm_names_stay_inside_the_run_directory():
    from napari_gan_augment.evaluation.experiment import path_name

    assert path_name("x/../../../ESCAPED") == "x" + "_" * 10 + "ESCAPED"
    assert path_name("mix:8-8") == "mix_8-8" and path_name("real+synthetic") == "real+synthetic"
    assert "/" not in path_name("../..") and path_name("..") != ".."
