"""What a family's generator starts from and what it makes: the one question code outside a
family asks (never its name)."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What a family's generator starts from and what it makes."""

    PAIRS = "pairs from noise"  # image + mask together (pair-wgan, fastgan)
    MASKS = "masks from noise"  # masks only: a mask source for a mask → image family
    MASK_TO_IMAGE = "image for a mask"  # pix2pix
    CLASS_TRANSFORM = "class transformation"  # object-free image → image + object mask (ugan)
    IMAGE_TRANSLATION = "image translation"  # unpaired, without ↔ with the object (cyclegan)
    INPAINTING = "inpainting"  # a hole in an image filled

    @property
    def from_noise(self) -> bool:
        """Whether its generator starts from noise alone (a pair or mask source)."""
        return self in (Kind.PAIRS, Kind.MASKS)

    @property
    def draws_pairs(self) -> bool:
        """Whether it draws whole image–mask pairs from noise (a pair source on its own)."""
        return self is Kind.PAIRS

    @property
    def takes_masks(self) -> bool:
        """Whether its generator draws the image for a given mask (a volume for a volume)."""
        return self is Kind.MASK_TO_IMAGE

    @property
    def adds_object_class(self) -> bool:
        """Whether it turns object-free images into images with the object class."""
        return self in (Kind.CLASS_TRANSFORM, Kind.IMAGE_TRANSLATION)
