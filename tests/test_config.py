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
    ("kwargs", "named"),
    [
        ({"image_size": 100}, "image_size"),
        ({"steps": 0}, "steps"),
        ({"batch_size": -1}, "batch_size"),
        ({"image_size": 8}, "image_size"),
        ({"seed": -1}, "seed"),
        ({"lr_generator": 0.0}, "lr_generator"),  # not silently the family's default
        ({"lr_critic": -1e-4}, "lr_critic"),
        ({"betas": (2.0, 3.0)}, "betas"),
        ({"seed": 0, "lr_generator": 1e-4, "betas": (0.0, 0.99)}, None),
    ],
)
def test_invalid_train_settings(kwargs: dict, named: str | None) -> None:
    if named is None:  # a valid control: the checks do not refuse everything
        TrainConfig(**kwargs)
        return
    with pytest.raises(InputError, match=named):
        TrainConfig(**kwargs)


@pytest.mark.parametrize("axis", [-1, 3])
def test_slice_axis_is_0_1_or_2(axis: int) -> None:
    with pytest.raises(InputError, match="axis"):
        DataConfig(axis=axis)


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"base_filters": -4}, "at least 1"),
        ({"base_filters": 0}, "at least 1"),
        ({"base_filters": "a"}, "is a number"),
        ({"base_filters": 2.5}, "whole number"),  # not truncated to 2
        ({"base_filters": True}, "is a number"),
        ({"l1_weight": -1.0}, "at least 0"),
        ({"l1_weight": float("nan")}, "is a number"),
        ({"dropout": 2.0}, r"\[0, 1\]"),
        ({"diffaugment": 3}, "is text"),
    ],
)
def test_family_options_are_checked_not_coerced(options: dict, says: str) -> None:
    from napari_gan_augment.models.registry import get_family

    family = get_family("pix2pix")
    with pytest.raises(InputError, match=says):
        family.resolve_options(options)
    resolved = family.resolve_options({"base_filters": 8.0, "l1_weight": 50})
    assert resolved["base_filters"] == 8 and isinstance(resolved["base_filters"], int)
    assert resolved["l1_weight"] == 50.0 and isinstance(resolved["l1_weight"], float)


def test_negative_seed_to_draw_is_refused() -> None:
    with pytest.raises(InputError, match="seed"):
        SynthesisConfig(seed=-1)


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
