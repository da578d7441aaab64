"""``compile: true`` (``--compile``): the networks a family allows are torch.compiled in
place, train as the plain ones do, and their checkpoints load into plain networks."""

from __future__ import annotations

import pytest
import torch

from napari_gan_augment.errors import InputError
from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.registry import get_family
from napari_gan_augment.training import RunDirectory, train
from napari_gan_augment.training.checkpoint import load_checkpoint
from tests.conftest import tiny_config


@pytest.mark.parametrize(("family", "plain"), [("pair-wgan", {"critic"}), ("pix2pix", set())])
def test_compile_leaves_the_networks_of_a_gradient_penalty_plain(family, plain):
    info = get_family(family)
    spec = ModelSpec(family, 32, 1, 2, info.resolve_options({"base_filters": 4}))
    model = info.build(spec, torch.device("cpu"))
    model.compile()  # lazy: nothing is compiled before a network's first call
    compiled = {n for n, net in model.networks.items() if net._compiled_call_impl is not None}
    assert compiled == set(model.networks) - plain and compiled


def test_compile_without_a_cpp_compiler_is_refused_before_training(tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(InputError, match="needs a C\\+\\+ compiler"):
        train(tmp_path / "run", tiny_config(compile=True))
    assert not (tmp_path / "run" / "checkpoints" / "last.pt").exists()


def test_a_compiled_run_trains_like_a_plain_one_with_the_same_checkpoint_keys(tmp_path):
    plain = tiny_config(steps=2, precision="fp32", sample_every=2)
    train(tmp_path / "plain", plain)
    summary = train(tmp_path / "compiled", plain.replace(compile=True))
    assert summary["status"] == "finished"
    losses = [
        [e for e in RunDirectory(tmp_path / run).read_events() if e["event"] == "step"]
        for run in ("plain", "compiled")
    ]
    assert len(losses[0]) == len(losses[1]) == 2
    for a, b in zip(*losses, strict=True):
        for name in ("loss_generator", "loss_critic", "gradient_penalty"):
            assert b[name] == pytest.approx(a[name], rel=1e-3, abs=1e-4), name
    state = load_checkpoint(tmp_path / "compiled" / "checkpoints" / "last.pt")["state"]
    reference = load_checkpoint(tmp_path / "plain" / "checkpoints" / "last.pt")["state"]
    for name in ("generator", "critic"):  # the same keys: it loads into plain networks
        assert state["networks"][name].keys() == reference["networks"][name].keys()
