from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from napari_gan_augment.cli import main
from napari_gan_augment.data.pairset import PairSet, SliceSettings
from napari_gan_augment.errors import InputError
from napari_gan_augment.evaluation.gate import GateSettings, PairGate, gate_pairs, gated_batches
from napari_gan_augment.synthesis import load_generator, pair_route
from napari_gan_augment.synthesis.generate import SyntheticBatch
from napari_gan_augment.training import RunDirectory, train

from ..conftest import tiny_config


def test_gate_drops_near_copies_and_pairs_whose_mask_the_segmenter_denies(sample_volumes):
    pairs = PairSet.from_arrays(*sample_volumes, slicing=None)
    images, masks = pairs.training_arrays(32, pairs.fit_normaliser())
    real = (images[::3], masks[::3])
    others = slice(1, None, 3)
    copies = (real[0][:4], real[1][:4])
    empty = (images[others][:4], np.zeros_like(masks[others][:4]))  # brains labelled empty
    honest = (images[others][4:8], masks[others][4:8])
    synthetic = tuple(np.concatenate(parts) for parts in zip(copies, empty, honest, strict=True))
    settings = GateSettings(min_fidelity=0.3, segmenter_steps=60)
    keep, record = gate_pairs(synthetic, real, 3, (2.0, 2.0), settings, torch.device("cpu"))
    assert not keep[:8].any()  # copies and denied masks are gone
    assert record["drawn"] == 12 and record["kept"] == int(keep.sum())
    assert record["dropped_near_copy"] >= 4 - record["dropped_low_fidelity"]
    assert record["dropped_low_fidelity"] >= 4
    assert record["kept"] + record["dropped_low_fidelity"] + record["dropped_near_copy"] == 12


def test_gate_settings_are_checked():
    with pytest.raises(InputError, match="min_fidelity"):
        GateSettings(min_fidelity=2)
    with pytest.raises(InputError, match="unknown gate setting"):
        GateSettings.from_dict({"fidelity": 0.5})


def test_gate_streams_only_passing_pairs_until_the_count(sample_volumes):
    pairs = PairSet.from_arrays(*sample_volumes, slicing=None)
    normaliser = pairs.fit_normaliser()
    images, masks = pairs.training_arrays(32, normaliser)
    real = (images[::3], masks[::3])
    source = normaliser.inverse(images[1::3, 0])  # source intensities, as routes give them
    labels = masks[1::3].copy()
    labels[::2] = 0  # every other pair's mask denies the brain in its image
    batches = [SyntheticBatch(i, source[i : i + 4], labels[i : i + 4]) for i in range(0, 16, 4)]
    gate = PairGate(
        real, 3, (2.0, 2.0), GateSettings(0.3, 0.0, 60, oversample=2.0), torch.device("cpu")
    )
    kept = list(gate.stream(iter(batches), 3, normaliser))
    masks_kept = np.concatenate([b.masks for b in kept])
    assert len(masks_kept) == 3 and [b.start for b in kept] == [
        0,
        *np.cumsum([len(b.masks) for b in kept])[:-1],
    ]
    assert all(m.any() for m in masks_kept)  # no denied (empty) mask got through
    record = gate.record()
    assert record["kept"] >= 3 and record["drawn"] <= 8 + 4  # stopped once 3 passed
    assert record["dropped_low_fidelity"] >= record["drawn"] // 2 - 1


def test_generate_with_the_gate_records_its_decision(pix2pix_run: Path, tmp_path: Path, capsys):
    out = tmp_path / "gated"
    args = ["generate", "--run-dir", str(pix2pix_run), "--count", "4", "--device", "cpu"]
    assert main([*args, "--out", str(out), "--gate", "0.0"]) == 0
    gate = json.loads((out / "provenance.json").read_text())["gate"]
    written = len(list((out / "images").glob("*.nii.gz")))
    assert written == min(4, gate["kept"]) and gate["drawn"] <= 8
    assert gate["kept"] + gate["dropped_low_fidelity"] + gate["dropped_near_copy"] == gate["drawn"]
    assert f"kept {gate['kept']} of {gate['drawn']} drawn" in capsys.readouterr().out
    strict = tmp_path / "strict"  # a 3-step pix2pix cannot draw what a U-Net agrees with fully
    assert main([*args, "--out", str(strict), "--gate", "1.0"]) == 0
    record = json.loads((strict / "provenance.json").read_text())
    assert record["count"] == 0 and record["gate"]["dropped_low_fidelity"] == 8


def test_gate_refuses_a_run_whose_training_data_changed(tmp_path: Path, sample_volumes):
    pairs = PairSet.from_arrays(
        *sample_volumes, slicing=SliceSettings(axis=0, step=8, min_foreground=0.05)
    )
    run_dir = tmp_path / "run"
    train(run_dir, tiny_config(family="pix2pix", options={"base_filters": 4}, steps=1), pairs=pairs)
    route = pair_route(load_generator(run_dir, device="cpu"))
    changed = PairSet.from_arrays(
        sample_volumes[0] + 1,
        sample_volumes[1],
        slicing=SliceSettings(axis=0, step=8, min_foreground=0.05),
    )
    changed.save(RunDirectory(run_dir).pairs_path)
    with pytest.raises(InputError, match="has changed since"):
        gated_batches(route, 2, GateSettings(segmenter_steps=1))
