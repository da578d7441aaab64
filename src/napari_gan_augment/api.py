"""The public Python API: everything the CLI and the widgets do, callable from a script.

Example::

    from napari_gan_augment import api

    config = api.TrainConfig(data=api.DataConfig(source="sample", axis=0), steps=800)
    api.train("runs/brain", config)
    images, masks = api.synthesize("runs/brain", count=32, seed=1)

    # editing with other families (each takes a loaded generator)
    ugan = api.load_generator("runs/lesions")
    image, mask = api.transform_region(ugan, xray, box=(40, 60, 168, 188), seed=3)
    filled = api.inpaint_region(api.load_generator("runs/inpaint"), t1_slice, hole)
    print(api.segmentation_metrics(prediction, truth, spacing=(0.8, 0.8))["hd95_mm_1"])

    # pix2pix draws images for its training masks, randomly deformed (or for your masks)
    images, masks = api.synthesize("runs/p2p", count=64, seed=0)

    # evidence: does synthetic data help, and how good and how private is it?
    api.run_experiment(api.ExperimentConfig.load("exp.yaml"), "runs/exp")
    api.evaluate_quality(api.QualityConfig(synthetic_run="runs/brain"), "runs/brain-quality")

    # share it: a MONAI bundle (MONAI's own tools verify and run it; generate reads it back)
    api.export_bundle("runs/brain", "bundles/brain", evidence=["runs/brain-quality"])
    images, masks = api.synthesize("bundles/brain", count=8)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .bundle import export_bundle
from .bundle.reading import is_bundle, spatial_dims_of, synthesis_home
from .config import DataConfig, SynthesisConfig, TrainConfig
from .data.interpolation import interpolate_painted_slices
from .data.io import Volume, read_image_file
from .data.pairset import PairSet, SliceSettings, matched_files
from .devices import DEVICE_CHOICES
from .errors import GanAugmentError, InputError, user_message
from .evaluation import (
    ExperimentConfig,
    QualityConfig,
    compare_paired,
    evaluate_quality,
    iter_experiment,
    run_experiment,
    segmentation_metrics,
    summarise,
    write_report,
)
from .evaluation.augmentation import LEVELS as AUGMENTATION_LEVELS
from .evaluation.comparison import (
    ERROR_COLOURS,
    FALSE_NEGATIVE,
    FALSE_POSITIVE,
    Comparison,
    compare_label_files,
    compare_labels,
)
from .evaluation.curve import iter_curve
from .evaluation.experiment import PRIMARY
from .evaluation.gate import GateSettings, PairGate, gate_pairs, gated_batches
from .evaluation.report import (
    BOX_METRICS,
    curve_points,
    draw_arm_distribution,
    draw_curves,
    read_curves,
)
from .evaluation.yardstick import train_on_synthetic
from .jobs import (
    Job,
    attach,
    default_threads,
    follow_events,
    refuse_busy,
    start_experiment_job,
    start_quality_job,
    start_synthesis_job,
    start_training_process,
    start_volume_synthesis_job,
    wait_for,
)
from .models.registry import available_families, get_family
from .precision import PRECISION_CHOICES
from .segmentation.guidance import GUIDANCE
from .segmentation.networks import LOSSES, SEGMENTERS
from .synthesis import (
    LoadedGenerator,
    MaskDeformation,
    PairRoute,
    SyntheticBatch,
    composite_under_mask,
    images_for_masks,
    inpaint_region,
    iter_conditional_pairs,
    iter_synthesis,
    load_generator,
    pair_route,
    synthesize_pairs,
    transform_region,
    transform_regions,
    translate_images,
    write_pairs,
)
from .synthesis.conditional import mask_model
from .synthesis.generate import require_checkpoint
from .synthesis.mask_files import MaskFilesPlan, plan_mask_files
from .synthesis.routes import MaskChoice
from .training import RunDirectory, iter_training, train
from .training.plots import loss_points
from .training.run_dir import read_events

__all__ = [
    # what the widgets show and choose from
    "BOX_METRICS",
    "DEVICE_CHOICES",
    "ERROR_COLOURS",
    "FALSE_NEGATIVE",
    "FALSE_POSITIVE",
    "LOSSES",
    "PRECISION_CHOICES",
    "GUIDANCE",
    "AUGMENTATION_LEVELS",
    "PRIMARY",
    "SEGMENTERS",
    "GanAugmentError",
    "InputError",
    "LoadedGenerator",
    "curve_points",
    "default_threads",
    "draw_arm_distribution",
    "draw_curves",
    "loss_points",
    "mask_model",
    "read_curves",
    "read_events",
    "refuse_busy",
    "require_checkpoint",
    "export_bundle",
    "is_bundle",
    "spatial_dims_of",
    "synthesis_home",
    "user_message",
    # the workflow
    "Comparison",
    "attach",
    "Job",
    "start_experiment_job",
    "start_quality_job",
    "wait_for",
    "compare_label_files",
    "compare_labels",
    "GateSettings",
    "gate_pairs",
    "gated_batches",
    "PairGate",
    "iter_curve",
    "train_on_synthetic",
    "DataConfig",
    "ExperimentConfig",
    "QualityConfig",
    "evaluate_quality",
    "iter_experiment",
    "run_experiment",
    "write_report",
    "PairSet",
    "RunDirectory",
    "SliceSettings",
    "SynthesisConfig",
    "TrainConfig",
    "available_families",
    "compare_paired",
    "composite_under_mask",
    "follow_events",
    "generate_to_folder",
    "get_family",
    "interpolate_painted_slices",
    "matched_files",
    "images_for_masks",
    "images_from_mask_folder",
    "plan_mask_files",
    "MaskFilesPlan",
    "inpaint_region",
    "iter_synthesis",
    "iter_training",
    "iter_conditional_pairs",
    "MaskDeformation",
    "PairRoute",
    "pair_route",
    "load_generator",
    "segmentation_metrics",
    "start_synthesis_job",
    "start_training_process",
    "start_volume_synthesis_job",
    "read_image_file",
    "Volume",
    "summarise",
    "synthesize",
    "iter_synthesize",
    "Synthesized",
    "synthesize_pairs",
    "transform_image_regions",
    "train",
    "transform_region",
    "translate_images",
    "write_pairs",
]


@dataclass(frozen=True)
class Synthesized:
    """Pairs drawn by :func:`iter_synthesize`: images (source dtype), integer masks, the
    pixel spacing, and how they were made (run, checkpoint, seed, route, gate record)."""

    images: np.ndarray
    masks: np.ndarray
    spacing: tuple[float, ...]
    provenance: dict[str, Any]


def iter_synthesize(
    run_dir: str | Path,
    count: int,
    seed: int = 0,
    checkpoint: str = "last.pt",
    device: str = "auto",
    batch_size: int = SynthesisConfig.batch_size,
    masks: MaskChoice = None,
    deformation: MaskDeformation | None = None,
    mask_cleanup: int = 0,
    gate: GateSettings | None = None,
) -> Iterator[int | Synthesized]:
    """Draw ``count`` pairs from a run: yields the number of pairs done after each batch
    (a progress bar; closing the iterator cancels), then one :class:`Synthesized`.

    A noise pair run (pair-wgan, fastgan) draws whole pairs. A mask → image run (pix2pix)
    draws images for ``masks``: by default its training masks randomly deformed
    (``deformation`` sets the strengths), or a mask run directory, or an array of masks.
    ``mask_cleanup`` relabels generated mask specks and holes under that many pixels.
    With ``gate``, only pairs that pass the quality gate come back, possibly fewer than
    ``count``; the provenance's ``gate`` record says how many were drawn and dropped.
    Pair ``i`` of a seed is the same whatever ``count`` or ``batch_size``.
    """
    SynthesisConfig(count=count, seed=seed, batch_size=batch_size)  # validates
    generator = load_generator(run_dir, checkpoint, device)
    route = pair_route(generator, masks, deformation, device=device, mask_cleanup=mask_cleanup)
    provenance = route.provenance(seed)
    if gate is None:
        batches = route.batches(count, seed, batch_size)
    else:
        batches, pair_gate = gated_batches(route, count, gate, seed, batch_size)
    images, labels = [], []
    for batch in batches:
        images.append(batch.images)
        labels.append(batch.masks)
        yield batch.start + len(batch.images)
    if gate is not None:
        provenance["gate"] = pair_gate.record()
        if not images:
            raise InputError(
                f"no pair passed the quality gate ({provenance['gate']['drawn']} drawn, "
                f"minimum Dice {gate.min_fidelity}); lower it or train the generator longer"
            )
    provenance["count"] = sum(len(i) for i in images)
    yield Synthesized(np.concatenate(images), np.concatenate(labels), generator.spacing, provenance)


def synthesize(
    run_dir: str | Path, count: int, seed: int = 0, **options: Any
) -> tuple[np.ndarray, np.ndarray]:
    """The images and masks of :func:`iter_synthesize` (same options), without progress."""
    *_, result = iter_synthesize(run_dir, count, seed, **options)
    assert isinstance(result, Synthesized)
    return result.images, result.masks


def transform_image_regions(
    run_dir: str | Path,
    image: np.ndarray,
    boxes: Sequence[Sequence[int] | None],
    seeds: Sequence[int],
    feather_px: float = 0.0,
    device: str = "auto",
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """A ugan run's object added in every box of a 2D image, once per seed: stacked images,
    masks, and provenance (what the Transform widget and ``gan-augment transform`` do)."""
    generator = load_generator(run_dir, device=device)
    images, masks = transform_regions(generator, image, boxes, seeds, feather_px)
    record = {**generator.metadata, "seeds": list(seeds), "boxes": [list(b or []) for b in boxes]}
    return images, masks, record | {"feather_px": feather_px}


def generate_to_folder(
    run_dir: str | Path,
    out_dir: str | Path,
    settings: SynthesisConfig,
    fmt: str = "nii.gz",
    mask_run: str | Path | None = None,
    mask_cleanup: int = 0,
    gate: GateSettings | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Stream ``settings.count`` pairs into ``out_dir/images`` and ``out_dir/masks`` (or, as
    ``npy``, two stacks ``images.npy`` and ``masks.npy``), with ``out_dir/provenance.json``
    saying how they were made. ``progress`` is called with the number of pairs written after
    each batch.

    A pix2pix ``run_dir`` draws images for its deformed training masks, or, with
    ``mask_run`` (a mask-dcgan or pair run), for masks drawn by that run (two stages).
    With ``gate``, only pairs that pass the quality gate are written (possibly fewer) and
    the provenance records how many were drawn and why the rest were dropped.
    """
    generator = load_generator(run_dir, settings.checkpoint, settings.device, settings.precision)
    if generator.spec.spatial_dims == 3 and fmt == "png":
        raise InputError("PNG holds 2D images; write the 3D pairs as nii.gz, tif or npy")
    route = pair_route(generator, mask_run, device=settings.device, mask_cleanup=mask_cleanup)
    provenance = route.provenance(settings.seed)
    record: dict[str, Any] | Callable[[], dict[str, Any]] = provenance
    if gate is None:
        batches = route.batches(settings.count, settings.seed, settings.batch_size)
    else:
        batches, pair_gate = gated_batches(
            route, settings.count, gate, settings.seed, settings.batch_size
        )

        def gated_record() -> dict[str, Any]:  # the gate's counts are known only at the end
            return provenance | {"gate": pair_gate.record()}

        record = gated_record
    if progress is not None:
        batches = _reporting(batches, progress)
    return write_pairs(batches, out_dir, fmt, generator.spacing, record)


def _reporting(
    batches: Iterable[SyntheticBatch], progress: Callable[[int], None]
) -> Iterator[SyntheticBatch]:
    """``batches``, calling ``progress(pairs so far)`` once the consumer is done with each."""
    done = 0
    for batch in batches:
        yield batch
        done += len(batch.images)
        progress(done)


def images_from_mask_folder(
    run_dir: str | Path,
    masks_dir: str | Path,
    out_dir: str | Path,
    device: str = "auto",
    axis: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Images for the user's own masks (a NIfTI/TIFF/PNG file, or a folder of them) from a
    mask → image run.

    Files are read as the folder reader reads them (axes of length 1 dropped). A mask volume
    becomes an image volume: a 3D run draws it whole by sliding window, a 2D run slice by
    slice along ``axis`` (2.5D; refused without one, see :func:`synthesize_volume`). Every
    image keeps its mask file's affine, so it opens at the same place in any viewer.
    ``out_dir/provenance.json`` says how the images were made; ``progress(done, total)``
    is called after each file. Every file is read and checked (see :func:`plan_mask_files`)
    before anything is written; each image has its mask file's shape and affine."""
    return plan_mask_files(run_dir, masks_dir, out_dir, device, axis).write(progress)
