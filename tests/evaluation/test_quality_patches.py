"""Quality of 3D runs that make patches: pairs from noise and filled holes."""

from __future__ import annotations

import math

import nibabel as nib
import numpy as np
import pytest

from napari_gan_augment.evaluation.quality import QualityConfig, evaluate_quality, hole_scores
from napari_gan_augment.evaluation.quality.measures import pairwise_ssim
from napari_gan_augment.training import train

from ..test_volumes_3d import SPACING, _config_3d


def _quality(run_config, run, **changes) -> QualityConfig:
    data = {
        "source": "volume",
        "path": run_config.data.path,
        "mask_path": run_config.data.mask_path,
    }
    settings = {"data": data, "synthetic_run": str(run), "count": 10, "extractor_steps": 5}
    return QualityConfig.from_dict(settings | {"device": "cpu"} | changes)


def test_a_3d_pair_run_is_measured_on_patches_in_three_orientations(tmp_path):
    config = _config_3d(tmp_path, "pair-wgan")
    assert train(tmp_path / "run", config)["status"] == "finished"
    report = evaluate_quality(_quality(config, tmp_path / "run"), tmp_path / "q")
    assert report["synthetic_count"] == report["real_count"] == 10
    assert set(report["orientations"]) == {"axis 0", "axis 1", "axis 2"}
    assert all(math.isfinite(o["FD-AE"]) for o in report["orientations"].values())
    assert report["diversity"]["measure"] == "SSIM 3D"
    real, synthetic = report["masks"]["real"], report["masks"]["synthetic"]
    assert len(real["class_fractions"]) == len(synthetic["class_fractions"]) == 2  # labels 1, 2
    assert 0 < sum(real["class_fractions"]) < 1
    patch = nib.load(tmp_path / "q" / report["files"][0])
    assert patch.shape == (16, 16, 16)
    assert patch.header.get_zooms() == pytest.approx(SPACING, rel=1e-5)
    page = (tmp_path / "q" / "quality.md").read_text()
    assert "Patch quality" in page and "nan" not in page.lower()
    assert (tmp_path / "q" / "plots" / "patches.png").stat().st_size > 0


def test_a_3d_inpaint_run_is_scored_inside_holes_of_real_patches(tmp_path):
    config = _config_3d(tmp_path, "inpaint")
    assert train(tmp_path / "run", config)["status"] == "finished"
    report = evaluate_quality(_quality(config, tmp_path / "run"), tmp_path / "q")
    assert report["holes"]["count"] == 10
    assert math.isfinite(report["holes"]["psnr_db"]) and -1 <= report["holes"]["ssim"] <= 1
    assert "masks" not in report and not report["diversity"]
    assert "random holes of real patches" in (tmp_path / "q" / "quality.md").read_text()


def test_3d_hole_scores_and_ssim_see_agreement_and_difference():
    rng = np.random.default_rng(0)
    truth = rng.uniform(-1, 1, (16, 16, 16)).astype(np.float32)
    hole = np.zeros(truth.shape, bool)
    hole[5:11, 5:11, 5:11] = True
    psnr, ssim = hole_scores(truth, truth, hole)
    assert psnr == math.inf and ssim == pytest.approx(1.0)
    worse = hole_scores(truth, np.where(hole, 0, truth).astype(np.float32), hole)
    assert worse[0] < 12 and worse[1] < 0.5  # MSE 1/3 of uniform noise: 10.8 dB
    same = np.repeat(truth[None, None], 4, axis=0)
    assert pairwise_ssim(same, 8, 0) == (pytest.approx(1.0), "SSIM 3D")
    noise = rng.uniform(-1, 1, (4, 1, 16, 16, 16)).astype(np.float32)
    assert pairwise_ssim(noise, 8, 0)[0] < 0.2
