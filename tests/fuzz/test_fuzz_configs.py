"""Any mapping or file as settings: a valid config, or one line naming what is wrong."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from napari_gan_augment.config import DataConfig, GateSettings, TrainConfig, read_settings
from napari_gan_augment.errors import InputError
from napari_gan_augment.evaluation.experiment import ExperimentConfig

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["1e-4", "ten", "sample", "folder", "pair-wgan", "pix2pix", "cpu", "auto"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _settings_for(cls: type) -> st.SearchStrategy[dict]:
    """Mostly real field names (so validation goes deep), some unknown ones."""
    names = [field.name for field in dataclasses.fields(cls)]
    keys = st.sampled_from(names) | st.text(max_size=10)
    return st.dictionaries(keys, VALUES, max_size=len(names))


def _one_line_or_valid(parse, raw, cls: type) -> None:
    try:
        parsed = parse(raw)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert isinstance(parsed, cls)


@given(_settings_for(TrainConfig), _settings_for(DataConfig))
def test_train_configs(raw: dict, data: dict) -> None:
    _one_line_or_valid(TrainConfig.from_dict, raw | {"data": data}, TrainConfig)


@given(_settings_for(ExperimentConfig))
def test_experiment_configs(raw: dict) -> None:
    _one_line_or_valid(ExperimentConfig.from_dict, raw, ExperimentConfig)


@given(_settings_for(GateSettings))
def test_gate_settings(raw: dict) -> None:
    _one_line_or_valid(GateSettings.from_dict, raw, GateSettings)


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_config_files_of_any_bytes(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.yaml"
        path.write_bytes(content)
        try:
            raw = read_settings(path)
        except InputError as exc:
            assert "\n" not in str(exc)
            return
        _one_line_or_valid(TrainConfig.from_dict, raw, TrainConfig)
