from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio

from napari_gan_augment.errors import GanAugmentError, InputError
from napari_gan_augment.evaluation.quality import (
    QualityConfig,
    evaluate_quality,
    frechet_distance,
    hole_scores,
    kernel_distance,
    nearest_distances,
    pairwise_ssim,
)
from napari_gan_augment.training import train

from ..conftest import TINY_DATA, tiny_config


def _kid_reference(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² with k(a, b) = (a·b/d + 1)³, written out with loops."""
    d, n = x.shape[1], len(x)

    def k(a: np.ndarray, b: np.ndarray) -> float:
        return float((a @ b / d + 1) ** 3)

    xx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(n) for j in range(n)) / (n * n)
    return xx + yy - 2 * xy


def test_kid_matches_the_written_out_estimator_and_separates_distributions():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 5)), rng.normal(0.5, 1, size=(12, 5))
    kid, sd, se = kernel_distance(x, y, subsets=1, subset_size=12)
    assert kid == pytest.approx(_kid_reference(x, y), rel=1e-10)
    assert np.isnan(sd) and np.isnan(se)  # one subset of all of both sets: no spread
    same = kernel_distance(rng.normal(size=(400, 8)), rng.normal(size=(400, 8)), subset_size=100)
    apart = kernel_distance(rng.normal(size=(400, 8)), rng.normal(1, 1, (400, 8)), subset_size=100)
    assert abs(same[0]) < 3 * same[1] and apart[0] > 5 * apart[1] > 0
    assert same[2] == pytest.approx(same[1] / 10)


def test_frechet_distance_of_gaussians():
    rng = np.random.default_rng(1)
    real = rng.normal(size=(20000, 3))
    assert frechet_distance(real, real) == pytest.approx(0, abs=1e-6)
    shifted = rng.normal(size=(20000, 3)) + np.array([1.0, 2.0, 0.0])
    assert frechet_distance(real, shifted) == pytest.approx(5.0, abs=0.1)


def test_nearest_distances_and_hole_scores_by_hand():
    queries = np.array([[0.0, 0.0], [3.0, 4.0]])
    references = np.array([[0.0, 1.0], [3.0, 3.0]])
    distance, index = nearest_distances(queries, references)
    np.testing.assert_allclose(distance, [1 / np.sqrt(2), 1 / np.sqrt(2)])
    np.testing.assert_array_equal(index, [0, 1])
    _, self_index = nearest_distances(references, references, exclude_self=True)
    np.testing.assert_array_equal(self_index, [1, 0])

    rng = np.random.default_rng(2)
    truth = rng.uniform(-1, 1, (32, 32)).astype(np.float32)
    hole = np.zeros((32, 32), bool)
    hole[8:20, 10:24] = True
    filled = truth.copy()
    filled[hole] += rng.normal(0, 0.1, hole.sum()).astype(np.float32)
    psnr, ssim = hole_scores(truth, filled, hole)
    assert psnr == pytest.approx(peak_signal_noise_ratio(truth[hole], filled[hole], data_range=2))
    assert 0 < ssim < 1
    assert hole_scores(truth, truth, hole) == (float("inf"), pytest.approx(1.0))


def test_pairwise_ssim_reads_collapse():
    rng = np.random.default_rng(3)
    collapsed = np.repeat(rng.uniform(-1, 1, (1, 1, 32, 32)), 10, axis=0).astype(np.float32)
    varied = rng.uniform(-1, 1, (10, 1, 32, 32)).astype(np.float32)
    assert pairwise_ssim(collapsed, 20, 0) == (pytest.approx(1.0), "SSIM")
    assert pairwise_ssim(varied, 20, 0)[0] < 0.2
    large = rng.uniform(-1, 1, (3, 1, 192, 192)).astype(np.float32)
    assert pairwise_ssim(np.concatenate([large, large[:1]]), 6, 0)[1] == "MS-SSIM"


class _Pool(torch.nn.Module):
    """Stands in for an Inception file: any TorchScript module mapping images to features."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.adaptive_avg_pool2d(x, 2).flatten(1)


def _quality(run: Path, **changes) -> QualityConfig:
    values = dict(
        data=TINY_DATA,
        synthetic_run=str(run),
        count=12,
        image_size=32,
        extractor_steps=5,
        segmenter_epochs=1,
        device="cpu",
    )
    values.update(changes)
    return QualityConfig(**values)


def test_quality_of_a_pair_run_is_complete_and_reproducible(trained_run, tmp_path):
    report = evaluate_quality(_quality(trained_run), tmp_path / "a")
    assert set(report["distances"]) == {"images", "masks", "combined"}
    for values in report["distances"].values():
        assert values["FD-AE"] >= 0 and np.isfinite(values["KID-AE"]) and values["KID-AE_se"] > 0
    assert 0 <= report["mask_fidelity"]["synthetic_mask_dice"] <= 1
    memo = report["memorisation"]
    assert 0 <= memo["pixel"]["near_copy_share"] <= 1 and "features" in memo
    for name in ("quality.md", "plots/closest_pairs.png", "plots/nearest_distances.png"):
        assert (tmp_path / "a" / name).stat().st_size > 0
    assert "KID-AE ± SE" in (tmp_path / "a" / "quality.md").read_text()
    # standard FID only from a local TorchScript Inception; the rest reproduces exactly
    weights = tmp_path / "inception.pt"
    torch.jit.script(_Pool()).save(str(weights))
    again = evaluate_quality(_quality(trained_run, inception_weights=str(weights)), tmp_path / "b")
    fid = again["distances"]["images"].pop("FID (Inception, inception.pt)")
    assert fid >= 0 and again["distances"] == report["distances"]
    with pytest.raises(InputError, match="do not exist"):
        _quality(trained_run, inception_weights=str(tmp_path / "nowhere.pt"))
    with pytest.raises(InputError, match="already holds a quality report"):
        evaluate_quality(_quality(trained_run), tmp_path / "a")


def test_copies_of_training_images_are_flagged():
    from napari_gan_augment.evaluation.quality.job import _audit

    rng = np.random.default_rng(4)
    real = rng.uniform(-1, 1, (30, 1, 16, 16))
    copies = real[:10] + rng.normal(0, 1e-3, (10, 1, 16, 16))
    fresh = rng.uniform(-1, 1, (10, 1, 16, 16))
    copied, _, index = _audit(copies, real, 0.05)
    assert copied["near_copy_share"] == 1.0
    np.testing.assert_array_equal(index, np.arange(10))
    assert _audit(fresh, real, 0.05)[0]["near_copies"] <= 1


def test_inpainting_run_reports_psnr_and_ssim_in_holes(tmp_path):
    run = tmp_path / "inpaint"
    train(run, tiny_config(family="inpaint", options={"base_filters": 4}, steps=2))
    report = evaluate_quality(_quality(run), tmp_path / "q")
    holes = report["inpainting"]
    assert holes["count"] == 12 and holes["psnr_db"] > 0 and -1 <= holes["ssim"] <= 1
    assert set(report["distances"]) == {"images"}


def test_quality_config_errors(trained_run, tmp_path):
    with pytest.raises(InputError, match="choose the trained run to measure"):
        QualityConfig()
    with pytest.raises(GanAugmentError, match="holds no checkpoint"):
        QualityConfig(synthetic_run=str(tmp_path))
    (tmp_path / "q.yaml").write_text(f"synthetic_run: {trained_run}\ncolour: red\n")
    with pytest.raises(InputError, match="unknown quality setting"):
        QualityConfig.load(tmp_path / "q.yaml")
    (tmp_path / "q.json").write_text(json.dumps({"synthetic_run": str(trained_run), "count": 1}))
    with pytest.raises(InputError, match="count must be at least 2"):
        QualityConfig.load(tmp_path / "q.json")


def test_cli_quality(trained_run, tmp_path, capsys):
    import yaml

    from napari_gan_augment.cli import main

    settings = {
        "data": {"source": "sample", "axis": 0, "step": 4, "min_foreground": 0.05},
        "synthetic_run": str(trained_run),
        "count": 8,
        "image_size": 32,
        "extractor_steps": 2,
        "segmenter_epochs": 1,
        "device": "cpu",
    }
    (tmp_path / "q.yaml").write_text(yaml.safe_dump(settings))
    assert (
        main(["quality", "--config", str(tmp_path / "q.yaml"), "--out", str(tmp_path / "q")]) == 0
    )
    out = capsys.readouterr().out
    assert "images: FD-AE" in out and "near-copies:" in out
    assert json.loads((tmp_path / "q" / "quality.json").read_text())["synthetic_count"] == 8


def test_pix2pix_route_and_train_on_synthetic_against_unseen_pairs(pix2pix_run, tmp_path):
    from napari_gan_augment.config import DataConfig

    # every 2nd axial slice: half of them are the run's training slices (every 4th), half unseen
    data = DataConfig(source="sample", axis=0, step=2, min_foreground=0.05)
    report = evaluate_quality(_quality(pix2pix_run, data=data, yardstick_steps=3), tmp_path / "p2p")
    assert "deformed copies" in report["samples"] and "masks" in report["distances"]
    measured = report["train_on_synthetic"]
    assert measured["ratio"] == pytest.approx(measured["synthetic_dice"] / measured["real_dice"])
    assert measured["test_count"] >= 2 and measured["real_count"] >= 2
    assert "never saw" in (tmp_path / "p2p" / "quality.md").read_text()


def test_train_on_synthetic_is_skipped_with_a_reason_when_every_pair_was_seen(
    trained_run, tmp_path
):
    report = evaluate_quality(_quality(trained_run, yardstick_steps=3), tmp_path / "seen")
    assert "never saw" in report["train_on_synthetic"]["skipped"]
    assert "not measured" in (tmp_path / "seen" / "quality.md").read_text()
