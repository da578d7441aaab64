"""The GAN families this package offers: one line per family module (see ``family.py``)."""

from __future__ import annotations

from ..errors import InputError
from ..segmentation.guidance import check_guidance
from . import cyclegan, fastgan, inpaint, mask_dcgan, pair_wgan, pix2pix, ugan
from .family import FamilyInfo

_FAMILIES: dict[str, FamilyInfo] = {
    module.FAMILY.name: module.FAMILY
    for module in (pair_wgan, mask_dcgan, pix2pix, ugan, inpaint, cyclegan, fastgan)
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


def guided_families() -> list[str]:
    """Names of the families whose generator a segmenter can steer (``guidance``)."""
    return sorted(name for name, info in _FAMILIES.items() if info.guidance)


def check_family_guidance(family: str, guidance: str) -> None:
    """Refuse a guidance the family cannot take, naming the families that can."""
    check_guidance(guidance, family, guided_families())
