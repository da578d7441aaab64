"""The GAN families this package offers, by name, with their defaults and capabilities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import InputError
from . import cyclegan, fastgan, inpaint, mask_dcgan, pair_wgan, pix2pix, ugan
from .base import GanModel, ModelSpec


@dataclass(frozen=True)
class FamilyInfo:
    """A registry entry.

    Attributes:
        name: what users type (``--family``/config ``family``).
        model_class: the :class:`GanModel` subclass.
        summary: one line for menus and ``gan-augment families``.
        reference: the paper the defaults come from.
        capabilities: e.g. ``{"unconditional-pairs", "2d"}``.
        defaults: family options and their default values.
        optimiser: default ``lr_generator``, ``lr_critic`` and ``betas``.
        sizes: supported square training sizes.
    """

    name: str
    model_class: type[GanModel]
    summary: str
    reference: str
    capabilities: frozenset[str]
    defaults: Mapping[str, Any]
    optimiser: Mapping[str, Any]
    sizes: tuple[int, ...]

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
            resolved[key] = type(self.defaults[key])(value)
        return resolved

    def build(self, spec: ModelSpec, device: torch.device) -> GanModel:
        if spec.image_size not in self.sizes:
            raise InputError(
                f"family {self.name!r} supports image sizes {self.sizes}, not {spec.image_size}"
            )
        return self.model_class(spec, device)


_FAMILIES: dict[str, FamilyInfo] = {
    "pair-wgan": FamilyInfo(
        name="pair-wgan",
        model_class=pair_wgan.PairWGAN,
        summary="WGAN-GP DCGAN that generates image + mask pairs from noise",
        reference="Neff, Payer, Štern, Urschler, OAGM/ARW 2018",
        capabilities=frozenset({"unconditional-pairs", "2d"}),
        defaults=pair_wgan.DEFAULTS,
        optimiser=pair_wgan.OPTIMISER_DEFAULTS,
        sizes=(32, 64, 128, 256),
    ),
    "mask-dcgan": FamilyInfo(
        name="mask-dcgan",
        model_class=mask_dcgan.MaskDCGAN,
        summary="DCGAN that generates label masks from noise (stage 1 of mask-dcgan → pix2pix)",
        reference="Radford et al., ICLR 2016; two-stage use after Sobolev 2021",
        capabilities=frozenset({"unconditional-masks", "2d"}),
        defaults=mask_dcgan.DEFAULTS,
        optimiser=mask_dcgan.OPTIMISER_DEFAULTS,
        sizes=(32, 64, 128, 256),
    ),
    "pix2pix": FamilyInfo(
        name="pix2pix",
        model_class=pix2pix.Pix2Pix,
        summary="U-Net mask → image generator with PatchGAN discriminators (cGAN + L1)",
        reference="Isola et al., CVPR 2017; PatchGAN sizes after Sobolev 2021",
        capabilities=frozenset({"mask-to-image", "2d"}),
        defaults=pix2pix.DEFAULTS,
        optimiser=pix2pix.OPTIMISER_DEFAULTS,
        sizes=(32, 64, 128, 256),
    ),
    "ugan": FamilyInfo(
        name="ugan",
        model_class=ugan.UGAN,
        summary="U-Net class transformation (object-free image + stripe noise → image + mask), "
        "composited under the generated mask",
        reference="U-GAN dental fillings study (LITERATURE §2); WGAN-GP critic",
        capabilities=frozenset({"class-transform", "2d"}),
        defaults=ugan.DEFAULTS,
        optimiser=ugan.OPTIMISER_DEFAULTS,
        sizes=(32, 64, 128, 256),
    ),
    "inpaint": FamilyInfo(
        name="inpaint",
        model_class=inpaint.Inpaint,
        summary="coarse-to-fine GAN inpainting (encoder–decoder + dilated refinement), "
        "adversarial + L2 + L1",
        reference="GAN inpainting with a combined loss (LITERATURE §5)",
        capabilities=frozenset({"inpainting", "2d"}),
        defaults=inpaint.DEFAULTS,
        optimiser=inpaint.OPTIMISER_DEFAULTS,
        sizes=(32, 64, 128, 256),
    ),
    "cyclegan": FamilyInfo(
        name="cyclegan",
        model_class=cyclegan.CycleGAN,
        summary="unpaired translation between images without (A) and with (B) the object "
        "class: two U-Nets, two PatchGANs, LSGAN + cycle + identity losses",
        reference="Zhu et al., ICCV 2017; medical use after Sobolev 2021",
        capabilities=frozenset({"image-translation", "2d"}),
        defaults=cyclegan.DEFAULTS,
        optimiser=cyclegan.OPTIMISER_DEFAULTS,
        sizes=(32, 64, 128, 256),
    ),
    "fastgan": FamilyInfo(
        name="fastgan",
        model_class=fastgan.FastGAN,
        summary="few-shot image + mask pairs: skip-layer excitation generator, "
        "self-supervised discriminator with decoders, hinge + reconstruction loss",
        reference="Liu et al., ICLR 2021; image+mask use after Sobolev 2021",
        capabilities=frozenset({"unconditional-pairs", "2d"}),
        defaults=fastgan.DEFAULTS,
        optimiser=fastgan.OPTIMISER_DEFAULTS,
        sizes=(32, 64, 128, 256),
    ),
}


def available_families() -> list[str]:
    """Names of the registered families."""
    return sorted(_FAMILIES)


def get_family(name: str) -> FamilyInfo:
    """Look up a family; the error lists what exists."""
    try:
        return _FAMILIES[name]
    except KeyError:
        raise InputError(
            f"unknown GAN family {name!r}; available: {', '.join(available_families())}"
        ) from None
