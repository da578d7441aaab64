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


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('steps: "ten"', "steps"),
        ("steps: null", "steps"),
        ("steps: 1.5", "steps"),
        ("steps: true", "steps"),
        ("seed: abc", "seed"),
        ("betas: 0.5", "betas"),
        ("options: null", "options"),
        ("data: sample", "data"),
        ("data: {axis: x}", "data.axis"),
        ("data: {source: nope}", "data"),
        ("image_size: 63", "image_size"),
    ],
)
def test_a_wrong_type_or_value_is_one_line_naming_the_field(tmp_path: Path, text, field):
    path = tmp_path / "c.yaml"
    path.write_text(text + "\n")
    with pytest.raises(InputError) as raised:
        TrainConfig.load(path)
    message = str(raised.value)
    assert "\n" not in message and field in message, message


def test_numbers_written_as_yaml_strings_are_read_as_meant(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("lr_generator: 1e-4\nbatch_size: '8'\n")  # PyYAML reads 1e-4 as a string
    config = TrainConfig.load(path)
    assert config.lr_generator == pytest.approx(1e-4) and config.batch_size == 8


def test_a_file_that_is_not_text_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"steps: \xff\xfe\x00\x81\n")
    with pytest.raises(InputError, match="c.yaml"):
        TrainConfig.load(path)
