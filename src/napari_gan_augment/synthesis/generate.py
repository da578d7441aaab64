"""Batched, seed-stable generation from a checkpoint."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..data.encoding import decode_masks
from ..data.normalise import IntensityNormaliser
from ..devices import resolve_device
from ..errors import CheckpointError, InputError
from ..models.base import ModelSpec, NoiseGanModel
from ..models.registry import get_family
from ..precision import resolve_precision
from ..training.checkpoint import load_checkpoint
from .loaded import LoadedGenerator


@dataclass
class SyntheticBatch:
    """Consecutive generated pairs ``start … start + len - 1`` in source intensities."""

    start: int
    images: np.ndarray
    masks: np.ndarray


def resolve_checkpoint(source: str | Path, checkpoint: str = "last.pt") -> Path:
    """A checkpoint file from a run directory (``checkpoints/<checkpoint>``) or a file path."""
    source = Path(source)
    if source.is_file():
        return source
    if source.is_dir():
        return source / "checkpoints" / checkpoint
    raise CheckpointError(
        f"{source} is neither a run directory nor a checkpoint file; pass the --run-dir of a "
        "training run (or a .pt file it wrote)"
    )


def require_checkpoint(source: str | Path, checkpoint: str = "last.pt") -> Path:
    """The checkpoint file of a run (see :func:`resolve_checkpoint`; a bundle: itself), or a
    clear error now — before a job starts — if there is none."""
    from ..bundle.reading import is_bundle

    if is_bundle(source):
        return Path(source)
    path = resolve_checkpoint(source, checkpoint)
    if not path.is_file():
        raise CheckpointError(
            f"{source} holds no checkpoint ({path} is missing): train it first, or choose the "
            "run directory of a finished training run"
        )
    return path


def load_generator(
    source: str | Path, checkpoint: str = "last.pt", device: str = "auto", precision: str = "auto"
) -> LoadedGenerator:
    """Rebuild a trained model from a run directory or checkpoint file, to run on ``device``
    in ``precision`` (``auto``, ``fp32`` or ``bf16``; see ``precision.py``). A MONAI bundle
    this package exported (folder or zip) loads too (``checkpoint`` does not apply)."""
    from ..bundle.reading import is_bundle, read_bundle

    if is_bundle(source):
        return read_bundle(source, device, precision)
    path = resolve_checkpoint(source, checkpoint)
    payload = load_checkpoint(path)
    spec = ModelSpec.from_json(payload["spec"])
    torch_device = resolve_device(device)
    chosen = resolve_precision(precision, torch_device, measure=False)
    model = get_family(spec.family).build(spec, torch_device)
    model.load_state_dict(payload["state"], with_optimizers=False)
    for network in model.networks.values():
        chosen.apply(network)
    model.eval()
    normaliser = IntensityNormaliser.from_dict(json.loads(payload["normaliser"]))
    spacing = tuple(float(s) for s in payload["spacing"])
    metadata = {
        "family": spec.family,
        "run_dir": str(path.parent.parent.resolve()),
        "checkpoint": str(path.resolve()),
        "checkpoint_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "step": int(payload["step"]),
        "precision": chosen.name,
    }
    data = json.loads(payload.get("config", "{}")).get("data", {})
    if spec.spatial_dims == 2 and data.get("source") in ("sample", "volume"):
        metadata["slice_axis"] = data.get("axis")  # the orientation of its training slices
    return LoadedGenerator(model, normaliser, spacing, int(payload["step"]), path, metadata)  # type: ignore[arg-type]


def pair_noise(
    draw: Callable[[int, torch.Generator], torch.Tensor], seed: int, start: int, count: int
) -> torch.Tensor:
    """Noise for pairs ``start … start+count-1``: pair ``i`` depends only on ``(seed, i)``.

    Each pair gets its own generator seeded from ``SeedSequence([seed, i])``, so the same
    pair comes out whatever the batch size or total count.
    """
    parts = []
    for index in range(start, start + count):
        pair_seed = int(np.random.SeedSequence([seed, index]).generate_state(1)[0])
        parts.append(draw(1, torch.Generator().manual_seed(pair_seed)))
    return torch.cat(parts)


def noise_model(generator: LoadedGenerator) -> NoiseGanModel:
    """The generator's model if it draws from noise, else a clear error naming what to use."""
    model = generator.model
    if not isinstance(model, NoiseGanModel):
        raise InputError(f"the {generator.spec.family!r} model {model.instead}")
    return model


def masks_from_noise(
    generator: LoadedGenerator, seed: int, start: int, count: int, mask_threshold: float = 0.0
) -> np.ndarray:
    """Masks ``start … start+count-1`` of a noise model (mask ``i`` depends on ``(seed, i)``)."""
    model = noise_model(generator)
    pairs = model.generate(pair_noise(model.sample_noise, seed, start, count)).cpu()
    return decode_masks(pairs[:, generator.spec.image_channels :], mask_threshold)


def iter_synthesis(
    generator: LoadedGenerator,
    count: int,
    seed: int = 0,
    batch_size: int = 64,
    mask_threshold: float = 0.0,
) -> Iterator[SyntheticBatch]:
    """Generate ``count`` pairs in batches (memory bounded by ``batch_size``, not ``count``).

    ``mask_threshold`` (in the generator's [-1, 1] mask range) decides which pixels are
    labelled; raise it to keep only confident mask pixels."""
    if count < 1:
        raise InputError(f"count must be a positive number of pairs, got {count}")
    if batch_size < 1:
        raise InputError(f"batch_size must be >= 1, got {batch_size}")
    model = noise_model(generator)
    if not model.kind.draws_pairs:
        raise InputError(
            f"the {generator.spec.family!r} model draws masks only (its images would be "
            "blank); use it as the mask run of a mask → image (pix2pix) run: "
            "gan-augment generate --run-dir PIX2PIX_RUN --mask-run THIS_RUN"
        )
    channels = generator.spec.image_channels
    for start in range(0, count, batch_size):
        size = min(batch_size, count - start)
        pairs = model.generate(pair_noise(model.sample_noise, seed, start, size)).cpu()
        images = generator.normaliser.inverse(pairs[:, :channels].numpy())
        yield SyntheticBatch(start, images[:, 0], decode_masks(pairs[:, channels:], mask_threshold))


def synthesize_pairs(
    generator: LoadedGenerator,
    count: int,
    seed: int = 0,
    batch_size: int = 64,
    mask_threshold: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """All ``count`` pairs: images ``(N, S, S)`` in the source dtype, masks ``(N, S, S)``."""
    batches = list(iter_synthesis(generator, count, seed, batch_size, mask_threshold))
    return (
        np.concatenate([b.images for b in batches]),
        np.concatenate([b.masks for b in batches]),
    )
