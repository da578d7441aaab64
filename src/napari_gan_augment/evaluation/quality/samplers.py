"""What each kind of run makes when a quality check or an experiment asks it for samples.

A family's model declares its :class:`~napari_gan_augment.models.Kind`; the sampler of that
kind (``sampler_for``) knows how to draw from it, so no caller tests which family a run is.
A new family of an existing kind needs nothing here; a new kind adds one sampler class.

- pairs from noise (pair-wgan, fastgan) and mask → image pairs (pix2pix) through their
  :func:`~napari_gan_augment.synthesis.pair_route`;
- masks from noise (mask-dcgan);
- object-class images made from object-free real images (ugan, cyclegan);
- inpainting: random holes of real images filled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import torch

from ...data.normalise import IntensityNormaliser
from ...errors import InputError
from ...models import Kind
from ...models.inpaint import random_holes
from ...synthesis import (
    images_for_masks,
    inpaint_region,
    pair_route,
    transform_region,
    translate_images,
)
from ...synthesis.generate import LoadedGenerator, masks_from_noise
from ...synthesis.inpainting import known_margin
from .config import QualityConfig
from .measures import hole_scores


@dataclass
class RealSet:
    """The real pairs a sampler may draw from: images normalised ``(N, 1, S, S)``."""

    images: np.ndarray
    masks: np.ndarray
    normaliser: IntensityNormaliser

    @property
    def raw(self) -> np.ndarray:
        """The images back in source intensities, ``(N, S, S)``."""
        return self.normaliser.inverse(self.images[:, 0])


@dataclass
class Drawn:
    """What a sampler drew: images in source intensities and/or integer masks."""

    images: np.ndarray | None
    masks: np.ndarray | None
    description: str
    #: the masks are the generator's (not real masks it was given)
    masks_generated: bool = True
    #: pairs a segmenter can train on, so train-on-synthetic is measured against unseen pairs
    pair_source: bool = False
    #: which real pairs the drawn set should be compared with (``None`` = all)
    real_subset: np.ndarray | None = None
    holes: dict[str, float] = field(default_factory=dict)


class Sampler:
    """Draws samples from a run of one :class:`Kind`."""

    kind: ClassVar[Kind]

    def draw(self, generator: LoadedGenerator, real: RealSet, config: QualityConfig) -> Drawn:
        """``config.count`` samples for the quality check (seeded by ``config.seed``)."""
        raise NotImplementedError

    def object_class_images(
        self, generator: LoadedGenerator, raw: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Object-free ``(N, H, W)`` images turned into the object class, and the masks of
        what was added where the kind knows them."""
        raise InputError(
            f"the {generator.spec.family!r} model does not add the object class to images; "
            "a classification experiment needs a ugan or cyclegan run"
        )


class NoisePairs(Sampler):
    kind = Kind.PAIRS

    def draw(self, generator: LoadedGenerator, real: RealSet, config: QualityConfig) -> Drawn:
        route = pair_route(generator, device=config.device, mask_cleanup=config.mask_cleanup)
        images, masks = route.pairs(config.count, seed=config.seed)
        return Drawn(images, masks, f"{config.count} pairs ({route.description})", pair_source=True)


class NoiseMasks(Sampler):
    kind = Kind.MASKS

    def draw(self, generator: LoadedGenerator, real: RealSet, config: QualityConfig) -> Drawn:
        masks = masks_from_noise(generator, config.seed, 0, config.count)
        return Drawn(None, masks, f"{config.count} masks drawn from noise")


class MaskToImage(Sampler):
    """Pairs through the mask route of ``config.masks``, or images for the real masks
    (``"real"``: the masks then repeat and are not the generator's)."""

    kind = Kind.MASK_TO_IMAGE

    def draw(self, generator: LoadedGenerator, real: RealSet, config: QualityConfig) -> Drawn:
        if config.masks == "real":
            rng = np.random.default_rng(config.seed)
            masks = real.masks[rng.choice(len(real.masks), config.count)]
            images = images_for_masks(generator, masks)
            description = f"{config.count} images for real masks (masks repeat)"
            return Drawn(images, masks, description, masks_generated=False)
        route = pair_route(
            generator,
            config.masks,
            config.mask_deformation,
            device=config.device,
            mask_cleanup=config.mask_cleanup,
        )
        images, masks = route.pairs(config.count, seed=config.seed)
        return Drawn(images, masks, f"{config.count} pairs ({route.description})", pair_source=True)


class ObjectClass(Sampler):
    """Object-class images made from object-free real images, compared with the real
    object-class images."""

    def draw(self, generator: LoadedGenerator, real: RealSet, config: QualityConfig) -> Drawn:
        present = real.masks.reshape(len(real.masks), -1).any(axis=1)
        if present.all() or not present.any():
            raise InputError("this family needs real images with and without the object class")
        rng = np.random.default_rng(config.seed)
        sources = real.raw[~present][rng.choice(int((~present).sum()), config.count)]
        images, masks = self.object_class_images(generator, sources)
        return Drawn(
            images,
            masks,
            f"{config.count} object-class images made from object-free real images",
            real_subset=np.flatnonzero(present),
        )


class ClassTransform(ObjectClass):
    kind = Kind.CLASS_TRANSFORM

    def object_class_images(
        self, generator: LoadedGenerator, raw: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        whole = (0, 0, *raw.shape[-2:])
        made = [transform_region(generator, image, whole, seed=i) for i, image in enumerate(raw)]
        return np.stack([m[0] for m in made]), np.stack([m[1] for m in made])


class Translation(ObjectClass):
    kind = Kind.IMAGE_TRANSLATION

    def object_class_images(
        self, generator: LoadedGenerator, raw: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        return translate_images(generator, raw), None


class Inpainting(Sampler):
    """Random holes of real images (or 3D patches) filled; PSNR and SSIM inside the holes."""

    kind = Kind.INPAINTING

    def draw(self, generator: LoadedGenerator, real: RealSet, config: QualityConfig) -> Drawn:
        rng = np.random.default_rng(config.seed)
        torch_rng = torch.Generator().manual_seed(config.seed)
        raw = real.raw
        picks = rng.choice(len(raw), config.count)
        dims = raw.ndim - 1
        margin = known_margin(raw.shape[-1], dims)  # holes as inpaint_region can fill them
        drawn = random_holes(config.count, raw.shape[-1] - 2 * margin, torch_rng, spatial_dims=dims)
        cut = np.pad(drawn[:, 0].numpy() > 0, [(0, 0)] + [(margin, margin)] * dims)
        filled = np.stack(
            [inpaint_region(generator, raw[p], h) for p, h in zip(picks, cut, strict=True)]
        )
        scores = [
            hole_scores(real.images[p, 0], real.normaliser.forward(f).astype(np.float32), h)
            for p, f, h in zip(picks, filled, cut, strict=True)
        ]
        psnr = np.array([s[0] for s in scores])
        holes = {
            "psnr_db": float(psnr[np.isfinite(psnr)].mean()),
            "ssim": float(np.nanmean([s[1] for s in scores])),
            "count": len(scores),
        }
        description = f"{config.count} real images with a random hole filled"
        return Drawn(filled, None, description, holes=holes)


SAMPLERS: dict[Kind, Sampler] = {
    sampler.kind: sampler
    for sampler in (
        NoisePairs(),
        NoiseMasks(),
        MaskToImage(),
        ClassTransform(),
        Translation(),
        Inpainting(),
    )
}


def sampler_for(generator: LoadedGenerator) -> Sampler:
    """The sampler of the kind the run's model declares."""
    return SAMPLERS[generator.model.kind]
