"""Where the masks of mask-conditioned pairs come from (LITERATURE §7, "mask-conditioned pairs").

A mask → image family (pix2pix) learns an easier task than a noise → pair generator, and its
pairs keep plausible anatomy when the masks do. A :class:`MaskSource` hands out masks at the
image model's size, seed-stable (mask ``i`` of seed ``s`` depends only on ``(s, i)``):

- :class:`DeformedMasks`: the image model's own training masks, randomly rotated, scaled,
  shifted and elastically deformed with MONAI (nearest interpolation: no new labels);
- :class:`GeneratedMasks`: masks drawn from noise by a mask or pair run (mask-dcgan);
- :class:`GivenMasks`: the user's own (painted) masks, in turn.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
from monai.transforms import Compose, Rand2DElastic, Rand3DElastic, RandAffine

from ..config import SETTINGS, parse_settings
from ..data.elastic import elastic_3d_strength
from ..errors import InputError
from .generate import LoadedGenerator, masks_from_noise

#: Draws a deformation may take before falling back to the undeformed mask (when every
#: draw loses a class the source mask holds, e.g. a small structure pushed off the image).
MAX_DRAWS = 5


def index_seed(seed: int, index: int) -> int:
    """A 32-bit seed for item ``index`` of seed ``seed`` (independent of batch and count)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


@dataclass(frozen=True)
class MaskDeformation:
    """Strengths of the random deformation of real masks; 0 switches one off.

    Attributes:
        rotate_degrees: uniform rotation in ±this.
        scale: uniform zoom in 1 ± this.
        translate: uniform shift in ± this fraction of the image side.
        elastic: elastic displacement of up to this fraction of the image side, on a
            4 × 4 grid of control points (smooth, organ-scale bending); a 3D patch bends on
            the scale of an eighth of its side (MONAI ``Rand3DElastic``) and turns about
            every axis.
        flip: also mirror left–right with probability 0.5 (off: not every anatomy is
            symmetric).
    """

    __pydantic_config__ = SETTINGS

    rotate_degrees: float = 10.0
    scale: float = 0.1
    translate: float = 0.05
    elastic: float = 0.04
    flip: bool = False

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> MaskDeformation:
        return parse_settings(cls, raw, "mask deformation")

    def transform(self, size: int, spatial_dims: int = 2) -> Compose:
        """The MONAI pipeline for one ``(1, S, S)`` label map (or ``(1, S, S, S)`` patch)."""
        steps: list[Any] = []
        if self.rotate_degrees or self.scale or self.translate:
            angle = float(np.deg2rad(self.rotate_degrees))
            steps.append(
                RandAffine(
                    prob=1.0,
                    rotate_range=angle if spatial_dims == 2 else (angle,) * 3,
                    scale_range=(self.scale,) * spatial_dims,
                    translate_range=(self.translate * size,) * spatial_dims,
                    mode="nearest",
                    padding_mode="zeros",
                )
            )
        if self.elastic and spatial_dims == 3:
            sigma_range, magnitude_range = elastic_3d_strength(size, self.elastic * size)
            steps.append(
                Rand3DElastic(
                    sigma_range=sigma_range,
                    magnitude_range=magnitude_range,
                    prob=1.0,
                    mode="nearest",
                    padding_mode="zeros",
                )
            )
        elif self.elastic:
            steps.append(
                Rand2DElastic(
                    spacing=(size / 4,) * 2,
                    magnitude_range=(0.0, self.elastic * size),
                    prob=1.0,
                    mode="nearest",
                    padding_mode="zeros",
                )
            )
        return Compose(steps)


class MaskSource(ABC):
    """Seed-stable masks at the image model's size, and a description for provenance."""

    description: str

    @abstractmethod
    def masks(self, start: int, count: int, seed: int) -> np.ndarray:
        """Masks ``start … start+count-1`` of ``seed`` as ``(count, S, S)`` integer labels."""


class DeformedMasks(MaskSource):
    """Real training masks, each drawn at random and randomly deformed."""

    def __init__(self, masks: np.ndarray, deformation: MaskDeformation | None = None) -> None:
        if masks.ndim not in (3, 4) or len(masks) == 0:
            raise InputError(
                f"deformed masks need a stack of 2D or 3D masks, got shape {masks.shape}"
            )
        self.source = masks.astype(np.int64)
        self.deformation = deformation or MaskDeformation()
        self._transform = self.deformation.transform(masks.shape[-1], masks.ndim - 1)
        self.description = (
            f"randomly deformed copies of {len(masks)} real training masks ({self.deformation})"
        )

    def deform(self, mask: np.ndarray, seed: int) -> np.ndarray:
        """One deformed copy of ``mask`` holding every class ``mask`` holds."""
        wanted = set(np.unique(mask).tolist())
        for draw in range(MAX_DRAWS):
            self._transform.set_random_state(index_seed(seed, draw))
            moved = np.asarray(self._transform(mask[None].astype(np.float32)))[0]
            if self.deformation.flip and np.random.default_rng(seed).random() < 0.5:
                moved = moved[..., ::-1]
            labels = np.rint(moved).astype(np.int64)
            if set(np.unique(labels).tolist()) == wanted:
                return labels
        return mask.copy()

    def masks(self, start: int, count: int, seed: int) -> np.ndarray:
        out = []
        for index in range(start, start + count):
            item_seed = index_seed(seed, index)
            pick = np.random.default_rng(item_seed).integers(len(self.source))
            out.append(self.deform(self.source[pick], item_seed))
        return np.stack(out)


class GeneratedMasks(MaskSource):
    """Masks from a noise run (mask-dcgan, or the mask channels of a pair model)."""

    def __init__(self, generator: LoadedGenerator, mask_threshold: float = 0.0) -> None:
        self.generator = generator
        self.mask_threshold = mask_threshold
        meta = generator.metadata
        self.description = (
            f"masks drawn from noise by the {meta['family']} run {meta['run_dir']} "
            f"(step {meta['step']})"
        )

    def masks(self, start: int, count: int, seed: int) -> np.ndarray:
        labels = masks_from_noise(self.generator, seed, start, count, self.mask_threshold)
        return labels.astype(np.int64)


class GivenMasks(MaskSource):
    """The user's own masks ``(N, H, W)``, taken in turn (mask ``i`` is ``masks[i % N]``)."""

    def __init__(self, masks: np.ndarray, description: str = "the user's masks") -> None:
        masks = np.asarray(masks)
        if masks.ndim == 2:
            masks = masks[None]
        if masks.ndim != 3 or len(masks) == 0:
            raise InputError(f"masks must be 2D or a stack of 2D masks, got shape {masks.shape}")
        self.source = masks
        self.description = f"{description} ({len(masks)} given)"

    def masks(self, start: int, count: int, seed: int) -> np.ndarray:
        return self.source[np.arange(start, start + count) % len(self.source)]
