"""Drawing image–mask pairs from trained generators, in memory or streamed to files."""

from __future__ import annotations

from .compositing import composite_under_mask, transform_region
from .conditional import images_for_masks
from .generate import (
    LoadedGenerator,
    SyntheticBatch,
    iter_synthesis,
    load_generator,
    synthesize_pairs,
)
from .inpainting import inpaint_region
from .translation import translate_images
from .two_stage import iter_two_stage
from .writing import write_pairs

__all__ = [
    "translate_images",
    "inpaint_region",
    "composite_under_mask",
    "transform_region",
    "images_for_masks",
    "LoadedGenerator",
    "SyntheticBatch",
    "iter_synthesis",
    "iter_two_stage",
    "load_generator",
    "synthesize_pairs",
    "write_pairs",
]
