from __future__ import annotations

from pathlib import Path

import pytest

from napari_gan_augment.config import DataConfig, SynthesisConfig, TrainConfig
from napari_gan_augment.errors import InputError


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_train_config_round_trips(tmp_path: Path, suffix: str) -> None:
    config = TrainConfig(
        data=DataConfig("volume", "a.nii.gz", "a_seg.nii.gz", axis=1, step=3),
        image_size=128,
        steps=7,
        betas=(0.0, 0.999),
        options={"base_filters": 8},
        seed=3,
    )
    path = tmp_path / f"c{suffix}"
    config.save(path)
    assert TrainConfig.load(path) == config


def test_unknown_keys_are_named(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("family: pair-wgan\nlearning_rate: 0.1\n")
    with pytest.raises(InputError, match="learning_rate"):
        TrainConfig.load(path)


@pytest.mark.parametrize(
    "kwargs", [{"image_size": 100}, {"steps": 0}, {"batch_size": -1}, {"image_size": 8}]
)
def test_invalid_train_settings(kwargs: dict) -> None:
    with pytest.raises(InputError):
        TrainConfig(**kwargs)


@pytest.mark.parametrize("count", [0, -5])
def test_count_must_be_positive(count: int) -> None:
    with pytest.raises(InputError, match="positive"):
        SynthesisConfig(count=count)


def test_volume_source_needs_mask() -> None:
    with pytest.raises(InputError, match="mask_path"):
        DataConfig("volume", "a.nii.gz")
