"""The family contract: each family module declares itself; code asks its kind, not its name."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import napari_gan_augment
from napari_gan_augment.models import Kind, available_families, get_family
from napari_gan_augment.models.base import GanModel, MaskToImageModel, NoiseGanModel

PACKAGE = Path(napari_gan_augment.__file__).parent


@pytest.mark.parametrize("name", available_families())
def test_each_family_module_declares_its_entry_and_kind(name):
    info = get_family(name)
    module = importlib.import_module(info.model_class.__module__)
    assert module.FAMILY is info and info.name == name
    assert isinstance(info.kind, Kind) and 2 in info.spatial_dims
    assert issubclass(info.model_class, NoiseGanModel) == info.kind.from_noise
    assert issubclass(info.model_class, MaskToImageModel) == (info.kind is Kind.MASK_TO_IMAGE)


@pytest.mark.parametrize("name", available_families())
def test_a_family_that_draws_no_pairs_from_noise_says_what_to_use_it_for(name):
    info = get_family(name)
    if not info.kind.from_noise:
        assert info.model_class.instead != GanModel.instead  # its own advice, not the default
        assert "instead" in info.model_class.instead


def _lines_matching(pattern: re.Pattern[str]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in PACKAGE.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]


def test_no_code_outside_the_family_modules_switches_on_a_family_name():
    names = "|".join(re.escape(n) for n in available_families())
    assert _lines_matching(re.compile(rf"(==|!=|\bin\b)\s*\(?\s*[\"']({names})[\"']")) == []


def test_every_kind_has_one_sampler_and_bundle_recipe_and_no_code_tests_which_kind_a_run_is():
    from napari_gan_augment.bundle.recipes import RECIPES
    from napari_gan_augment.evaluation.quality.samplers import SAMPLERS

    assert set(SAMPLERS) == set(Kind) == set(RECIPES)
    assert all(sampler.kind is kind for kind, sampler in SAMPLERS.items())
    assert _lines_matching(re.compile(r"\bkind\s+(is|==|is not|!=)\s+Kind\.")) == []
