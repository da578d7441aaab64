from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_gan_augment.data.pairset import PairSet
from napari_gan_augment.errors import InputError
from napari_gan_augment.evaluation.gate import GateSettings, gate_pairs


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
    with pytest.raises(InputError, match="unknown gate keys"):
        GateSettings.from_dict({"fidelity": 0.5})
