"""Precision: bf16 autocast applied to networks, the cached probe behind ``auto``, and what
runs record about the precision they ran in."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import yaml
from torch import nn

from napari_gan_augment import precision
from napari_gan_augment.api import generate_to_folder
from napari_gan_augment.config import SynthesisConfig, TrainConfig
from napari_gan_augment.data.io import read_image_file
from napari_gan_augment.errors import InputError
from napari_gan_augment.evaluation.experiment import run_experiment
from napari_gan_augment.precision import Precision, resolve_precision
from napari_gan_augment.training import iter_training

from .conftest import tiny_config
from .evaluation.test_experiment import _config as experiment_config

CPU = torch.device("cpu")


def _network() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 1, 3, padding=1))


def test_bf16_runs_a_network_in_bf16_and_hands_back_float32():
    network = _network()
    seen = []
    network[0].register_forward_hook(lambda module, args, out: seen.append(out.dtype))
    reference = network(torch.ones(1, 1, 8, 8))
    Precision("bf16", "cpu").apply(network)
    output = network(torch.ones(1, 1, 8, 8))
    assert seen == [torch.float32, torch.bfloat16]
    assert output.dtype == torch.float32
    assert torch.allclose(output, reference, atol=0.05)  # bf16 keeps ~3 significant digits
    output.sum().backward()  # gradients reach the float32 weights
    assert network[0].weight.grad is not None and network[0].weight.dtype == torch.float32


def test_fp32_leaves_a_network_untouched():
    network = _network()
    Precision("fp32", "cpu").apply(network)
    assert "forward" not in vars(network)


@pytest.fixture
def probe_cache(tmp_path, monkeypatch):
    """An empty probe cache and a probe whose timings the test sets, counting its calls."""
    monkeypatch.setenv(precision.CACHE_ENV, str(tmp_path / "cache"))
    timings = {"fp32": 0.3, "bf16": 0.1, "calls": 0}

    def step_seconds(chosen: Precision) -> float:
        timings["calls"] += 1
        return timings[chosen.name]

    monkeypatch.setattr(precision, "_step_seconds", step_seconds)
    return timings


def test_auto_measures_once_per_machine_and_picks_what_is_faster(probe_cache, monkeypatch):
    assert resolve_precision("auto", CPU).name == "bf16"  # measured 3x faster
    assert probe_cache["calls"] == 2
    assert resolve_precision("auto", CPU).name == "bf16"
    assert probe_cache["calls"] == 2  # the second answer came from the cache
    cached = json.loads(precision.cache_path().read_text())
    assert list(cached) == [precision._signature()]
    precision.cache_path().write_text(json.dumps({"another machine": {}, **cached}))
    monkeypatch.setattr(precision, "_signature", lambda: "this machine, new torch")
    resolve_precision("auto", CPU)
    assert probe_cache["calls"] == 4  # a new signature is measured; the others are kept
    assert len(json.loads(precision.cache_path().read_text())) == 3


def test_auto_keeps_fp32_where_bf16_is_slower_or_barely_faster(probe_cache):
    probe_cache["bf16"] = 0.3 / (precision.MIN_SPEEDUP - 0.05)
    chosen = resolve_precision("auto", CPU)
    assert chosen.name == "fp32" and "1.15x" in chosen.reason


def test_a_damaged_or_unwritable_cache_only_costs_a_new_measurement(
    probe_cache, monkeypatch, tmp_path
):
    path = precision.cache_path()
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert resolve_precision("auto", CPU).name == "bf16"
    assert json.loads(path.read_text())  # replaced by a good one
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(precision.CACHE_ENV, str(blocker / "cache"))  # cannot be created
    assert resolve_precision("auto", CPU).name == "bf16"
    assert probe_cache["calls"] == 4


def test_auto_keeps_fp32_on_cuda_and_explicit_choices_are_kept(probe_cache):
    assert resolve_precision("auto", torch.device("cuda")).name == "fp32"
    assert resolve_precision("bf16", CPU).name == "bf16"
    assert resolve_precision("fp32", CPU).name == "fp32"
    assert probe_cache["calls"] == 0


def test_auto_keeps_fp32_for_3d_networks_where_bf16_is_faster(probe_cache):
    chosen = resolve_precision("auto", CPU, spatial_dims=3)
    assert chosen.name == "fp32" and precision.BF16_3D_FAULT in chosen.reason
    assert resolve_precision("bf16", CPU, spatial_dims=3).name == "bf16"  # asked for: kept
    assert probe_cache["calls"] == 0
    assert resolve_precision("auto", CPU, spatial_dims=2).name == "bf16"


def test_an_unknown_precision_is_refused_naming_the_choices():
    with pytest.raises(InputError, match="unknown precision 'fp8'; choose one of auto, amp"):
        TrainConfig.from_dict({"precision": "fp8"})


def _train(run_dir, **changes):
    return list(iter_training(run_dir, tiny_config(**changes)))


def test_bf16_training_tracks_fp32_and_the_run_records_its_precision(tmp_path):
    fp32 = _train(tmp_path / "fp32", precision="fp32")
    bf16 = _train(tmp_path / "bf16", precision="bf16")
    steps = [[e for e in events if e["event"] == "step"] for events in (fp32, bf16)]
    assert len(steps[0]) == len(steps[1]) == 4
    for ours, reference in zip(steps[1], steps[0], strict=True):  # same seed, same batches
        for name in ("loss_critic", "loss_generator", "gradient_penalty"):
            assert ours[name] == pytest.approx(reference[name], rel=0.05, abs=0.05), name
    config = yaml.safe_load((tmp_path / "bf16" / "config.yaml").read_text())
    summary = json.loads((tmp_path / "bf16" / "summary.json").read_text())
    start = next(e for e in bf16 if e["event"] == "start")
    assert config["precision"] == summary["precision"] == start["precision"] == "bf16"
    settings = SynthesisConfig(count=3, device="cpu", precision="bf16")
    assert generate_to_folder(tmp_path / "bf16", tmp_path / "set", settings, "tif") == 3
    provenance = json.loads((tmp_path / "set" / "provenance.json").read_text())
    assert provenance["precision"] == "bf16"
    image = read_image_file(next((tmp_path / "set" / "images").iterdir()))
    assert image.data.dtype == np.uint8 and image.data.std() > 0  # the sample's own dtype


def test_auto_is_stored_as_the_precision_it_chose(tmp_path, monkeypatch):
    monkeypatch.setattr(precision, "cpu_probe", lambda: {"fp32_seconds": 1, "bf16_seconds": 2})
    _train(tmp_path / "run")
    config = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert config["precision"] == "fp32"


def test_a_bf16_experiment_keeps_the_train_on_synthetic_ratio(trained_run, tmp_path):
    ratios = {}
    for name in ("fp32", "bf16"):
        config = experiment_config(trained_run, arms=("real", "synthetic"), precision=name)
        summary = run_experiment(config, tmp_path / name)
        stored = json.loads((tmp_path / name / "experiment.json").read_text())
        assert stored["precision"] == summary["precision"]["name"] == name
        assert f"Precision: {name}" in (tmp_path / name / "report.md").read_text()
        ratios[name] = summary["train_on_synthetic"]["ratio"]
    assert ratios["bf16"] == pytest.approx(ratios["fp32"], abs=0.05), ratios


def test_drawing_pairs_keeps_fp32_under_auto_whatever_the_probe_says(probe_cache):
    assert resolve_precision("auto", CPU).name == "bf16"  # training would take bf16 here
    drawing = resolve_precision("auto", CPU, measure=False)
    assert drawing.name == "fp32" and "drawing" in drawing.reason
    assert resolve_precision("bf16", CPU, measure=False).name == "bf16"  # asked for: kept
