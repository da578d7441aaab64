"""The family contract: what a GAN family declares about itself, in its own module.

A family module (``pair_wgan.py``, ``pix2pix.py``, …) holds its networks, its training step
and one ``FAMILY = FamilyInfo(...)`` entry; ``registry.py`` lists the entries. What a family
*does* is its :class:`Kind`, a class attribute of its model: code elsewhere asks the kind (or
calls the model's methods), never the family's name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import InputError
from .base import GanModel, ModelSpec
from .kind import Kind  # its own module, so base.py needs nothing from this one

#: Square training sizes every 2D family supports (powers of two: the networks halve them).
SIZES = (32, 64, 128, 256)
#: family options that are shares or probabilities (checked to lie in [0, 1])
FRACTIONS = frozenset(
    {"dropout", "augment_p", "ada_target", "max_hole_fraction", "guidance_validation"}
    | {"guidance_scale", "guidance_translate", "ema_decay"}
)
#: whole-number options for which 0 means "off"
MAY_BE_ZERO = frozenset({"pool_size"})


@dataclass(frozen=True)
class FamilyInfo:
    """A family's entry.

    Attributes:
        name: what users type (``--family``/config ``family``).
        model_class: the :class:`GanModel` subclass; its ``kind`` says what the family does.
        summary: one line for menus and ``gan-augment families``.
        reference: the paper the defaults come from.
        defaults: family options and their default values.
        optimiser: default ``lr_generator``, ``lr_critic`` and ``betas``.
        spatial_dims: the image dimensions it is written for (2: slices and 2D images; 3:
            volume patches).
        sizes: supported square training sizes.
        slice_context: whether its generator takes neighbouring mask slices as extra
            channels (``ModelSpec.context_slices``; 2.5D with context).
        guidance: whether its generator can be steered by a segmenter trained on its pairs
            (``TrainConfig.guidance``; a mask → image family whose options include
            ``GUIDANCE_DEFAULTS``).
    """

    name: str
    model_class: type[GanModel]
    summary: str
    reference: str
    defaults: Mapping[str, Any]
    optimiser: Mapping[str, Any]
    spatial_dims: tuple[int, ...] = (2,)
    sizes: tuple[int, ...] = SIZES
    slice_context: bool = False
    guidance: bool = False

    @property
    def kind(self) -> Kind:
        return self.model_class.kind

    def resolve_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with the user's options; unknown names are an error."""
        unknown = set(options) - set(self.defaults)
        if unknown:
            raise InputError(
                f"family {self.name!r} has no option(s) {sorted(unknown)}; "
                f"its options are {sorted(self.defaults)}"
            )
        resolved = dict(self.defaults)
        for key, value in options.items():
            resolved[key] = self._checked_option(key, value)
        return resolved

    def _checked_option(self, key: str, value: Any) -> Any:
        """The value in its default's type, refused (not coerced) when it is another kind of
        value: a count or size is a whole number ≥ 1 (≥ 0 where its name says it may be
        off), a weight or rate a finite number ≥ 0, a share or probability in [0, 1]."""
        default = self.defaults[key]
        what = f"family {self.name!r} option {key!r}"
        if isinstance(default, str):
            if not isinstance(value, str):
                raise InputError(f"{what} is text (e.g. {default!r}), got {value!r}")
            return value
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            raise InputError(f"{what} is a number (e.g. {default!r}), got {value!r}")
        if isinstance(default, int):
            if value != int(value):
                raise InputError(f"{what} is a whole number, got {value!r}")
            least = 0 if key in MAY_BE_ZERO else 1
            if value < least:
                raise InputError(f"{what} must be at least {least}, got {value!r}")
            return int(value)
        if key in FRACTIONS and not 0.0 <= value <= 1.0:
            raise InputError(f"{what} is a share or probability in [0, 1], got {value!r}")
        if value < 0:
            raise InputError(f"{what} must be at least 0, got {value!r}")
        return float(value)

    def build(self, spec: ModelSpec, device: torch.device) -> GanModel:
        self.check(spec)
        return self.model_class(spec, device)

    def check(self, spec: ModelSpec) -> None:
        """Refuse a spec this family is not written for (dims, neighbouring slices, size)."""
        if spec.spatial_dims not in self.spatial_dims:
            raise InputError(
                f"family {self.name!r} is written for {' or '.join(map(str, self.spatial_dims))}D "
                f"data, not {spec.spatial_dims}D; "
                + (
                    "train it on 2D slices of the volume (spatial_dims: 2, data axis/step)"
                    if spec.spatial_dims == 3
                    else "choose spatial_dims it supports"
                )
            )
        if spec.context_slices and not self.slice_context:
            raise InputError(
                f"family {self.name!r} takes no neighbouring slices (context); set data "
                "context to 0, or use a mask → image family that takes them (pix2pix)"
            )
        if spec.image_size not in self.sizes:
            raise InputError(
                f"family {self.name!r} supports image sizes {self.sizes}, not {spec.image_size}"
            )
