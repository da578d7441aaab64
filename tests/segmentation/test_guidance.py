"""Segmentation-guided generator training: the hypergradient step, the guided pix2pix run,
its exact resume and its refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from napari_gan_augment.errors import InputError
from napari_gan_augment.segmentation.guidance import (
    GUIDANCE_DEFAULTS,
    GuidanceSettings,
    SegmentationGuidance,
    deform_masks,
    labels_of,
    validation_split,
)
from napari_gan_augment.training import train

from ..conftest import tiny_config


def _settings(**changes: object) -> GuidanceSettings:
    options = {**GUIDANCE_DEFAULTS, "guidance_filters": 4, **changes}
    return GuidanceSettings.from_options(options)


def _toy_masks(count: int, seed: int) -> torch.Tensor:
    """Square objects at random places: mask channels in {-1, +1}, ``(N, 1, 16, 16)``."""
    rng = torch.Generator().manual_seed(seed)
    masks = -torch.ones(count, 1, 16, 16)
    for mask in masks:
        y, x = torch.randint(2, 9, (2,), generator=rng)
        mask[0, y : y + 6, x : x + 6] = 1
    return masks


def test_the_hypergradient_moves_the_generator_and_lowers_the_validation_loss():
    """Toy case: the object is bright in real images; a 1×1 generator starts drawing it dark.
    Steps on the unrolled validation loss alone must change the generator and lower that
    loss (the segmenter is held fixed, so only the generator can lower it)."""
    torch.manual_seed(0)
    guide = SegmentationGuidance(2, 2, _settings(guidance_unroll_lr=0.5), torch.device("cpu"))
    generator = torch.nn.Conv2d(1, 1, 1)
    with torch.no_grad():
        generator.weight.fill_(-0.5)
        generator.bias.zero_()
    before = [p.detach().clone() for p in generator.parameters()]
    train_masks, val_masks = _toy_masks(8, 1), _toy_masks(4, 2)
    val_images = val_masks.clone()  # real: the object bright, background dark
    optimiser = torch.optim.SGD(generator.parameters(), lr=0.5)

    def validation_loss() -> torch.Tensor:
        return guide.unrolled_validation_loss(
            generator(train_masks), labels_of(train_masks), val_images, labels_of(val_masks)
        )

    first = float(validation_loss().detach())
    for _ in range(15):
        optimiser.zero_grad()
        validation_loss().backward()
        optimiser.step()
    assert any(not torch.equal(a, b) for a, b in zip(before, generator.parameters(), strict=True))
    assert float(validation_loss().detach()) < first - 1e-3
    assert (
        float(generator.weight.detach()) > -0.5
    )  # towards drawing the object bright, as real images


def test_deformed_masks_keep_their_labels_and_move():
    masks = _toy_masks(6, 3)
    rng = torch.Generator().manual_seed(0)
    moved = deform_masks(masks, _settings(guidance_rotate_degrees=20.0), rng)
    assert moved.shape == masks.shape
    assert set(moved.unique().tolist()) <= {-1.0, 1.0}  # nearest: no new values
    assert not torch.equal(moved, masks)
    again = deform_masks(masks, _settings(guidance_rotate_degrees=20.0), rng.manual_seed(0))
    assert torch.equal(moved, again)  # one seed, one draw


def test_the_validation_split_is_fixed_and_holds_out_at_least_one_pair():
    train_part, held = validation_split(4, 0.25)
    assert len(held) == 1 and len(train_part) == 3
    assert set(train_part.tolist()) | set(held.tolist()) == {0, 1, 2, 3}
    assert torch.equal(validation_split(4, 0.25)[1], held)
    with pytest.raises(InputError, match="at least 2 training pairs"):
        validation_split(1, 0.25)


def _guided(**changes: object):
    values: dict[str, object] = {
        "family": "pix2pix",
        "guidance": "segmentation",
        # no dropout: it draws from torch's global generator, which checkpoints do not keep
        "options": {"base_filters": 4, "guidance_filters": 4, "guidance_every": 2, "dropout": 0.0},
        "steps": 4,
    }
    return tiny_config(**{**values, **changes})


def test_a_guided_pix2pix_run_trains_its_segmenter_and_resumes_exactly(tmp_path: Path):
    whole = train(tmp_path / "whole", _guided())
    assert whole["status"] == "finished"
    events = [json.loads(line) for line in (tmp_path / "whole" / "metrics.jsonl").open()]
    steps = [e for e in events if e["event"] == "step"]
    assert all({"loss_segmenter", "loss_consistency"} <= set(e) for e in steps)
    state = torch.load(tmp_path / "whole" / "checkpoints" / "last.pt", weights_only=True)
    assert "segmenter" in state["state"]["networks"]  # saved, so a resume continues it
    train(tmp_path / "split", _guided(steps=2))
    train(tmp_path / "split", resume=True, steps=4)
    resumed = [json.loads(line) for line in (tmp_path / "split" / "metrics.jsonl").open()]
    last = [e for e in resumed if e["event"] == "step"][-1]
    assert last["step"] == 4
    for key in ("loss_generator", "loss_segmenter"):
        assert last[key] == pytest.approx(steps[-1][key], rel=1e-5)


def test_guidance_is_refused_for_families_that_cannot_take_it(tmp_path: Path):
    with pytest.raises(InputError, match=r"cannot take it; use one of \['pix2pix'\]"):
        train(tmp_path / "wgan", tiny_config(guidance="segmentation"))
    assert not (tmp_path / "wgan" / "config.yaml").exists()  # refused before the run starts
    with pytest.raises(InputError, match="guidance must be one of"):
        tiny_config(guidance="classification")
    with pytest.raises(InputError, match="guidance steers 2D generators"):
        _guided(spatial_dims=3, image_size=16)


def test_guidance_needs_two_training_pairs(tmp_path: Path):
    from napari_gan_augment.data.pairset import PairSet
    from napari_gan_augment.data.sources import pairset_from_config

    pairs = pairset_from_config(tiny_config().data)
    one = PairSet.from_pairs(pairs.images[:1], pairs.masks[:1], pairs.provenance[:1])
    with pytest.raises(InputError, match="at least 2; got 1"):
        train(tmp_path / "one", _guided(), pairs=one)
    assert not (tmp_path / "one" / "checkpoints").exists()
