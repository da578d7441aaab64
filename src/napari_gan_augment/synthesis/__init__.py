"""Drawing image–mask pairs from trained generators, in memory or streamed to files."""

from __future__ import annotations

from .compositing import composite_under_mask, transform_region, transform_regions
from .conditional import images_for_masks, iter_conditional_pairs
from .generate import (
    LoadedGenerator,
    SyntheticBatch,
    iter_synthesis,
    load_generator,
    synthesize_pairs,
)
from .inpainting import inpaint_region
from .mask_sources import (
    DeformedMasks,
    GeneratedMasks,
    GivenMasks,
    MaskDeformation,
    MaskSource,
)
from .routes import PairRoute, pair_route
from .translation import translate_images
from .volumes import synthesize_volume
from .writing import write_pairs

__all__ = [
    "translate_images",
    "inpaint_region",
    "composite_under_mask",
    "transform_region",
    "transform_regions",
    "images_for_masks",
    "iter_conditional_pairs",
    "DeformedMasks",
    "GeneratedMasks",
    "GivenMasks",
    "MaskDeformation",
    "MaskSource",
    "PairRoute",
    "pair_route",
    "LoadedGenerator",
    "SyntheticBatch",
    "iter_synthesis",
    "load_generator",
    "synthesize_pairs",
    "synthesize_volume",
    "write_pairs",
]
