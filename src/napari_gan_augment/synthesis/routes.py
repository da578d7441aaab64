"""Pair routes: how a trained run turns into image–mask pairs, described for provenance.

Every caller that wants pairs from a run (``gan-augment generate``, ``api.synthesize``, the
Synthesize widget, experiment arms, quality checks, the demo) goes through
:func:`pair_route`, so the same run gives the same pairs everywhere and every output can say
how it was made.

- a noise pair family (pair-wgan, fastgan) draws whole pairs;
- a mask → image family (pix2pix) draws images for masks from a :class:`MaskSource`: by
  default its own training masks, randomly deformed; or a mask run (mask-dcgan); or the
  user's masks. A mask-only family is never a pair source on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..data.sources import pairset_from_config
from ..errors import GanAugmentError, InputError
from ..models.base import MaskToImageModel
from ..training.run_dir import RunDirectory
from .cleanup import clean_masks
from .conditional import iter_conditional_pairs
from .generate import LoadedGenerator, SyntheticBatch, iter_synthesis, load_generator, noise_model
from .mask_sources import DeformedMasks, GeneratedMasks, GivenMasks, MaskDeformation, MaskSource
from .writing import generator_provenance

#: What may choose the masks of a mask → image run: ``None``/``"deformed"`` (its training
#: masks, deformed), a mask run directory or checkpoint, an array of masks, or a source.
MaskChoice = None | str | Path | np.ndarray | MaskSource


@dataclass
class PairRoute:
    """A run and, for a mask → image run, where its masks come from."""

    generator: LoadedGenerator
    masks: MaskSource | None = None
    mask_threshold: float = 0.0
    #: relabel mask components and holes smaller than this many pixels (0 = off)
    mask_cleanup: int = 0

    @property
    def description(self) -> str:
        family = self.generator.spec.family
        cleanup = (
            f", components and holes under {self.mask_cleanup} px relabelled"
            if self.mask_cleanup
            else ""
        )
        if self.masks is None:
            return f"{family}: image–mask pairs drawn from noise{cleanup}"
        return f"{family}: images drawn for {self.masks.description}{cleanup}"

    def batches(self, count: int, seed: int = 0, batch_size: int = 64) -> Iterator[SyntheticBatch]:
        """``count`` pairs in batches; pair ``i`` depends only on ``(seed, i)``."""
        if self.masks is None:
            batches = iter_synthesis(self.generator, count, seed, batch_size, self.mask_threshold)
        else:
            batches = iter_conditional_pairs(self.generator, self.masks, count, seed, batch_size)
        if not self.mask_cleanup:
            return batches
        return (
            SyntheticBatch(b.start, b.images, clean_masks(b.masks, self.mask_cleanup))
            for b in batches
        )

    def pairs(
        self, count: int, seed: int = 0, batch_size: int = 64
    ) -> tuple[np.ndarray, np.ndarray]:
        """All ``count`` pairs: images in the source dtype, integer masks."""
        batches = list(self.batches(count, seed, batch_size))
        return (
            np.concatenate([b.images for b in batches]),
            np.concatenate([b.masks for b in batches]),
        )

    def provenance(self, seed: int, count: int | None = None) -> dict[str, Any]:
        """What every written file carries: synthetic, by what, from which checkpoint."""
        record = generator_provenance(self.generator, seed, self.description)
        return record | ({"count": count} if count is not None else {})


def training_masks(generator: LoadedGenerator) -> np.ndarray:
    """The masks a run was trained on, at its training size."""
    run = RunDirectory(generator.metadata["run_dir"])
    return run.training_masks(generator.spec.image_size)


def training_pairs(generator: LoadedGenerator) -> tuple[np.ndarray, np.ndarray]:
    """The real pairs a run was trained on, at its training size and normalised as it trained:
    read again from its data and checked against the fingerprints it recorded."""
    run = RunDirectory(generator.metadata["run_dir"])
    recorded = run.training_fingerprints()
    if recorded is None:
        raise InputError(
            f"{run.root} does not record which pairs it was trained on (it predates that "
            "record); train it again to use what needs its training pairs"
        )
    config = run.load_config()
    try:
        pairs = pairset_from_config(config.data, config.seed)
    except (GanAugmentError, OSError) as error:
        raise InputError(
            f"the pairs {run.root} was trained on cannot be read again from {config.data}: {error}"
        ) from error
    if set(pairs.fingerprints()) != recorded:
        raise InputError(
            f"the data {run.root} was trained on ({config.data}) has changed since: its "
            "pairs no longer match the recorded fingerprints (training_data.json); restore it "
            "or train a new run"
        )
    return pairs.training_arrays(generator.spec.image_size, generator.normaliser)


def pair_route(
    generator: LoadedGenerator,
    masks: MaskChoice = None,
    deformation: MaskDeformation | None = None,
    mask_threshold: float = 0.0,
    device: str = "auto",
    mask_cleanup: int = 0,
) -> PairRoute:
    """How ``generator`` makes pairs (see the module docstring); refuses what cannot work.

    ``mask_cleanup`` relabels generated mask components and holes under that many pixels
    (see ``synthesis/cleanup.py``)."""
    if mask_cleanup < 0:
        raise InputError(f"mask_cleanup is a size in pixels (0 = off), got {mask_cleanup}")
    family = generator.spec.family
    if not isinstance(generator.model, MaskToImageModel):
        if masks is not None:
            raise InputError(
                f"the {family!r} run draws whole pairs from noise and takes no masks; masks "
                "(a mask run, your masks) go with a mask → image run such as pix2pix"
            )
        model = noise_model(generator)
        if not model.kind.draws_pairs:
            raise InputError(
                f"the {family!r} run draws masks only (its images would be blank); use it as "
                "the mask run of a mask → image (pix2pix) run"
            )
        return PairRoute(generator, None, mask_threshold, mask_cleanup)
    source: MaskSource
    if generator.spec.spatial_dims == 3 and not isinstance(masks, np.ndarray | MaskSource):
        raise InputError(
            f"the 3D {family!r} run draws images for mask volumes you give (the deformed "
            "training masks and mask runs are 2D): gan-augment generate --run-dir RUN "
            "--masks MASK.nii.gz --out NEW_FOLDER, or the Synthesize widget with a Labels layer"
        )
    if masks is None or (isinstance(masks, str) and masks == "deformed"):
        source = DeformedMasks(training_masks(generator), deformation)
    elif isinstance(masks, MaskSource):
        source = masks
    elif isinstance(masks, np.ndarray):
        source = GivenMasks(masks)
    else:
        mask_run = load_generator(masks, device=device)
        if mask_run.spec.num_classes > generator.spec.num_classes:
            raise InputError(
                f"the mask run draws {mask_run.spec.num_classes} labels but the image run "
                f"knows only {generator.spec.num_classes}; train both on the same data"
            )
        source = GeneratedMasks(mask_run, mask_threshold)
    return PairRoute(generator, source, mask_cleanup=mask_cleanup)
