"""Experiments on volumes: held-out volumes, patch-trained 3D segmenters scored per volume
in mm, synthetic patches from 3D generators that never saw a test volume."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
import torch

from napari_gan_augment.config import DataConfig
from napari_gan_augment.data.io import read_nifti
from napari_gan_augment.errors import InputError
from napari_gan_augment.evaluation.experiment import ExperimentConfig, run_experiment
from napari_gan_augment.evaluation.metrics import segmentation_metrics
from napari_gan_augment.evaluation.networks import predict_volume
from napari_gan_augment.segmentation.networks import segmentation_network
from napari_gan_augment.synthesis.mask_sources import DeformedMasks, MaskDeformation
from napari_gan_augment.training import train

from ..conftest import tiny_config

SPACING = (2.0, 1.0, 0.8)
GENERATOR = {
    "family": "pix2pix",
    "spatial_dims": 3,
    "image_size": 16,
    "patches": 8,
    "steps": 3,
    "batch_size": 2,
    "sample_every": 3,
    "checkpoint_every": 3,
    "options": {"base_filters": 4},
}


def _volume_folder(root: Path, count: int = 4) -> Path:
    """``count`` volumes of different sizes, each a bright ellipsoid (1) with a core (2)."""
    rng = np.random.default_rng(0)
    affine = np.diag(SPACING + (1.0,))
    for index in range(count):
        shape = (20 + 2 * index, 24, 22 + index)
        z, y, x = np.indices(shape)
        centre = np.array(shape) / 2 + rng.uniform(-2, 2, 3)
        radius = sum(((a - c) / (6 + index)) ** 2 for a, c in zip((z, y, x), centre, strict=True))
        mask = np.where(radius < 0.25, 2, np.where(radius < 1, 1, 0)).astype(np.uint8)
        image = (80 * mask + rng.normal(20, 8, shape)).astype(np.float32)
        for folder, data in (("images", image), ("masks", mask)):
            (root / folder).mkdir(parents=True, exist_ok=True)
            nib.save(nib.Nifti1Image(data, affine), root / folder / f"case{index}.nii.gz")
    return root


def _config(root: Path, **changes: object) -> ExperimentConfig:
    values: dict[str, object] = dict(
        data=DataConfig(source="folder", path=str(root)),
        spatial_dims=3,
        image_size=16,
        patches=8,
        synthetic_count=4,
        arms=("real", "real+synthetic", "synthetic"),
        seeds=1,
        folds=2,
        epochs=2,
        batch_size=2,
        base_filters=4,
        device="cpu",
        precision="fp32",
    )
    values.update(changes)
    return ExperimentConfig(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def volume_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _volume_folder(tmp_path_factory.mktemp("volumes"))


def test_a_3d_experiment_scores_whole_held_out_volumes_in_mm(volume_folder, tmp_path):
    config = _config(volume_folder, generator=GENERATOR)
    summary = run_experiment(config, tmp_path / "run")
    with open(tmp_path / "run" / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    # two folds of two volumes: every volume tested once per arm
    assert summary["real_pairs"] == {
        "unit": "volumes",
        "total": 4,
        "test": [2, 2],
        "training_pool": [2, 2],
    }
    for arm in ("real", "real+synthetic", "synthetic"):
        assert sorted(r["image"] for r in rows if r["arm"] == arm) == [
            f"case{i}.nii.gz" for i in range(4)
        ]
    # a prediction is the whole volume, with the source's geometry, and its row's
    # distances are that volume's, in mm with the anisotropic spacing
    row = next(r for r in rows if r["arm"] == "real" and r["image"] == "case3.nii.gz")
    predicted = read_nifti(tmp_path / "run" / "predictions" / "real" / "seed0" / "case3.nii.gz")
    truth = read_nifti(volume_folder / "masks" / "case3.nii.gz")
    assert predicted.data.shape == truth.data.shape
    assert predicted.spacing == pytest.approx(SPACING)
    again = segmentation_metrics(predicted.data.astype(np.int64), truth.data, SPACING, 3)
    assert float(row["mean_dice"]) == pytest.approx(again["mean_dice"])
    hd = float(row["hd95_mm_1"])
    assert np.isnan(hd) or hd == pytest.approx(again["hd95_mm_1"])
    # each fold's generator trained on its training volumes only
    for fold in (0, 1):
        tested = {r["image"] for r in rows if int(r["fold"]) == fold}
        staged = tmp_path / "run" / "generators" / f"fold{fold}-data" / "images"
        seen = {p.name for p in staged.iterdir()}
        assert len(seen) == 2 and not seen & tested
    # 8 real patches per network, plus 4 synthetic ones in real+synthetic (2 per batch)
    assert summary["minibatches_per_epoch"] == {"real": 4, "real+synthetic": 6, "synthetic": 2}
    assert (tmp_path / "run" / "plots" / "predictions_3d.png").stat().st_size > 0
    assert "one row per test volume" in (tmp_path / "run" / "report.md").read_text()
    stored = json.loads((tmp_path / "run" / "experiment.json").read_text())
    assert stored["spatial_dims"] == 3


def test_a_3d_run_that_saw_a_test_volume_is_refused(volume_folder, tmp_path):
    run = tmp_path / "wgan"
    trained = tiny_config(
        family="pair-wgan",
        data=DataConfig(source="folder", path=str(volume_folder)),
        spatial_dims=3,
        image_size=16,
        patches=8,
        batch_size=2,
        steps=2,
        options={"base_filters": 4, "critic_steps": 1},
    )
    assert train(run, trained)["status"] == "finished"
    with pytest.raises(InputError, match="was trained on 2 of this experiment's 2 test"):
        run_experiment(_config(volume_folder, synthetic_run=str(run)), tmp_path / "exp")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"augment": (True,), "augmentation": {"flip": True}},
            "which axis of a volume is left–right",
        ),
        ({"task": "classification"}, "segmentation experiment"),
        ({"image_size": 20}, "multiple of 8"),
        ({"patches": 1}, "at least batch_size"),
        (
            {"generator": GENERATOR | {"spatial_dims": 2}, "arms": ("synthetic",)},
            "spatial_dims: 3 and image_size: 16",
        ),
        (
            {"generator": GENERATOR | {"image_size": 32}, "arms": ("synthetic",)},
            "spatial_dims: 3 and image_size: 16",
        ),
    ],
)
def test_what_a_3d_experiment_cannot_do_is_refused_before_data_loads(changes, message, tmp_path):
    with pytest.raises(InputError, match=message):
        _config(tmp_path, **({"arms": ("real",)} | changes))


def test_a_3d_experiment_runs_each_arm_with_and_without_standard_augmentation(
    volume_folder, tmp_path
):
    config = _config(volume_folder, arms=("real",), augment=(False, True), folds=1)
    summary = run_experiment(config, tmp_path / "run")
    assert set(summary["arms"]) == {"real", "real+aug"}
    with open(tmp_path / "run" / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["arm"] for row in rows} == {"real", "real+aug"}
    assert all(0 <= float(row["mean_dice"]) <= 1 for row in rows)


def test_too_few_volumes_and_a_2d_run_are_refused(volume_folder, tmp_path, trained_run):
    single = _volume_folder(tmp_path / "one", count=1)
    with pytest.raises(InputError, match="1 volumes give .* add volumes"):
        run_experiment(_config(single, arms=("real",)), tmp_path / "a")
    with pytest.raises(InputError, match="is 2D but this experiment trains on 16³ patches"):
        run_experiment(_config(volume_folder, synthetic_run=str(trained_run)), tmp_path / "b")
    assert not (tmp_path / "b" / "results.csv").exists()


def test_sliding_window_prediction_equals_the_network_on_one_patch():
    torch.manual_seed(0)
    network = segmentation_network("unet", 3, 4, spatial_dims=3).eval()
    volume = np.random.default_rng(0).normal(size=(16, 16, 16)).astype(np.float32)
    whole = predict_volume(network, volume, 16, torch.device("cpu"))
    with torch.no_grad():
        direct = network(torch.from_numpy(volume[None, None])).argmax(1)[0].numpy()
    assert np.array_equal(whole, direct)
    larger = predict_volume(network, np.pad(volume, 5), 16, torch.device("cpu"))
    assert larger.shape == (26, 26, 26)


def test_deformed_3d_mask_patches_keep_their_shape_and_classes():
    mask = np.zeros((2, 16, 16, 16), np.int64)
    mask[:, 4:12, 5:11, 4:12] = 1
    mask[:, 7:9, 7:9, 7:9] = 2
    source = DeformedMasks(mask)
    drawn = source.masks(0, 6, seed=3)
    assert drawn.shape == (6, 16, 16, 16)
    assert all(set(np.unique(m).tolist()) == {0, 1, 2} for m in drawn)
    assert not all(np.array_equal(m, mask[0]) for m in drawn)  # moved, not copied
    assert np.array_equal(drawn, source.masks(0, 6, seed=3))
    bent = DeformedMasks(mask, MaskDeformation(rotate_degrees=0, scale=0, translate=0))
    bends = bent.masks(0, 4, seed=1)  # elastic alone: bent, not moved as a whole
    assert not all(np.array_equal(m, mask[0]) for m in bends)
    assert all(abs(int((m == 1).sum()) - int((mask[0] == 1).sum())) < 0.3 * 384 for m in bends)
