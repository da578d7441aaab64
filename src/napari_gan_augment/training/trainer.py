"""The training job: one loop for every family, driven by a :class:`TrainConfig`.

:func:`iter_training` is a generator of progress events (the same dicts it appends to
``metrics.jsonl``), so a caller can show progress and cancel at any yield; :func:`train` runs it
to the end. Closing the generator early, a ``STOP`` file, Ctrl-C or an error all leave a
loadable ``checkpoints/last.pt`` behind.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from skimage import io as skio

from .. import parallel
from ..atomic import write_json
from ..config import TrainConfig
from ..data.encoding import decode_masks, encode_mask_stack, encode_masks
from ..data.normalise import IntensityNormaliser
from ..data.pairset import PairSet
from ..data.sources import pairset_from_config, volumes_from_config
from ..data.volumes import VolumeSet
from ..devices import resolve_device
from ..errors import CheckpointError, GanAugmentError, InputError, user_message
from ..memory import estimate_training, refuse_if_too_large
from ..models.base import GanModel, ModelSpec
from ..models.registry import check_family_guidance, get_family
from ..precision import Precision, resolve_precision
from ..updates import Updates
from .checkpoint import (
    load_checkpoint,
    prune_checkpoints,
    remove_partial_writes,
    save_checkpoint,
)
from .grids import pair_grid
from .run_dir import RunDirectory
from .run_lock import RunLock
from .scoring import sliced_wasserstein

#: fp16 steps in a row skipped for overflowing gradients before the run counts as diverged
#: (each halves the loss scale: 2¹⁶ falls below 2⁻⁸ after 24)
MAX_OVERFLOWS = 24


@dataclass
class _TrainingState:
    """What the loop mutates and what a checkpoint must capture to resume exactly."""

    model: GanModel
    normaliser: IntensityNormaliser
    config: TrainConfig
    spacing: tuple[float, ...]
    step: int
    rng_batch: torch.Generator
    rng_noise: torch.Generator
    preview_inputs: torch.Tensor
    precision: Precision

    def payload(self) -> dict[str, Any]:
        return {
            "family": self.model.spec.family,
            "spec": self.model.spec.to_json(),
            "config": json.dumps(self.config.to_dict()),
            "normaliser": json.dumps(self.normaliser.to_dict()),
            "spacing": list(self.spacing),
            "step": self.step,
            "state": self.model.state_dict(),
            "rng_batch": self.rng_batch.get_state(),
            "rng_noise": self.rng_noise.get_state(),
            "preview_inputs": self.preview_inputs.cpu(),
        }


def _all_finite(value: Any) -> bool:
    """True when every floating-point tensor in a (nested) state is finite."""
    if isinstance(value, torch.Tensor):
        return not value.is_floating_point() or bool(torch.isfinite(value).all())
    if isinstance(value, dict):
        return all(_all_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_all_finite(v) for v in value)
    return True


def _save_finite(state: _TrainingState, path: Path) -> bool:
    """Save unless the weights went non-finite: a diverged state never replaces a good
    checkpoint. Returns whether it saved."""
    payload = state.payload()
    if not _all_finite(payload["state"]):
        return False
    save_checkpoint(payload, path)
    return True


def build_spec(config: TrainConfig, pairs: PairSet | VolumeSet) -> ModelSpec:
    """The model spec for a config and its data (family defaults filled in)."""
    family = get_family(config.family)
    return ModelSpec(
        family=family.name,
        image_size=config.image_size,
        image_channels=1,
        num_classes=pairs.num_classes,
        options=family.resolve_options(config.options),
        lr_generator=config.lr_generator or family.optimiser["lr_generator"],
        lr_critic=config.lr_critic or family.optimiser["lr_critic"],
        betas=tuple(config.betas or family.optimiser["betas"]),  # type: ignore[arg-type]
        spatial_dims=config.spatial_dims,
        context_slices=config.data.context,
        guidance=config.guidance,
    )


def _checked_pairs(config: TrainConfig) -> PairSet | VolumeSet:
    """The run's pairs (3D: volumes), checked before anything is written to the run
    directory."""
    pairs: PairSet | VolumeSet
    if config.spatial_dims == 3:
        pairs = volumes_from_config(config.data, config.patches, config.seed)
    else:
        pairs = pairset_from_config(config.data, config.seed)
    pairs.check_training_size(config.image_size)
    get_family(config.family).check(build_spec(config, pairs))
    check_family_guidance(config.family, config.guidance)
    if config.guidance != "none" and len(pairs) < 2:
        raise InputError(
            f"guidance holds out validation pairs from the training pairs, so it needs at "
            f"least 2; got {len(pairs)}: add pairs, or train with guidance: none"
        )
    return pairs


def _prepare(
    run: RunDirectory,
    config: TrainConfig,
    pairs: PairSet | VolumeSet,
    checkpoint_path: Path | None,
    precision: Precision,
) -> tuple[_TrainingState, torch.Tensor]:
    spec = build_spec(config, pairs)
    device = resolve_device(config.device)
    family = get_family(config.family)
    checkpoint = None
    if checkpoint_path is not None:
        checkpoint = load_checkpoint(checkpoint_path, expected_family=config.family)
        stored = ModelSpec.from_json(checkpoint["spec"])
        if (stored.condition_channels, stored.pair_channels, stored.image_size) != (
            spec.condition_channels,
            spec.pair_channels,
            spec.image_size,
        ) or (stored.spatial_dims != spec.spatial_dims):
            raise CheckpointError(
                f"the checkpoint in {run.root} was trained on {stored.num_classes} classes at "
                f"{stored.image_size} px, but the data now has {spec.num_classes} classes at "
                f"{spec.image_size} px; start a new run directory"
            )
        spec = stored
    torch.manual_seed(config.seed)  # weight initialisation
    model = family.build(spec, device)
    for network in model.networks.values():
        precision.apply(network)
    model.update = Updates(precision)
    if config.compile:
        model.compile()
    rng_batch = torch.Generator().manual_seed(config.seed)
    rng_noise = torch.Generator(device).manual_seed(config.seed + 1)
    normaliser = pairs.fit_normaliser()
    step = 0
    if checkpoint is not None:
        model.load_state_dict(checkpoint["state"])
        normaliser = IntensityNormaliser.from_dict(json.loads(checkpoint["normaliser"]))
        rng_batch.set_state(checkpoint["rng_batch"])
        rng_noise.set_state(checkpoint["rng_noise"])
        preview_inputs = checkpoint["preview_inputs"].to(device)
        step = int(checkpoint["step"])
    images, masks = pairs.training_arrays(config.image_size, normaliser)
    parts = [images, encode_masks(masks, spec.num_classes)]
    context = pairs.training_context(config.image_size)
    if context is not None:  # neighbouring slices' masks follow the pair's channels
        parts.append(encode_mask_stack(context, spec.num_classes))
    data = torch.from_numpy(np.concatenate(parts, axis=1))
    model.check_data(data)  # its clear refusal first: the memory probe trains a step on it
    estimate = estimate_training(
        lambda: family.build(spec, torch.device("cpu")), model, data, config.batch_size, device
    )
    shape = "×".join(map(str, spec.spatial_shape))
    refuse_if_too_large(estimate, f"training {spec.family} on {shape} at batch {config.batch_size}")
    data = data.to(device)
    if checkpoint is None:
        run.record_training_data(pairs, masks)
        preview_rng = torch.Generator(device).manual_seed(config.seed + 2)
        preview_inputs = model.preview_inputs(data, preview_rng)
    spacing = pairs.training_spacing(config.image_size)
    state = _TrainingState(
        model,
        normaliser,
        config,
        spacing,
        step,
        rng_batch,
        rng_noise,
        preview_inputs,  # type: ignore[arg-type]
        precision,
    )
    return state, data


def _best_so_far(run: RunDirectory) -> float:
    """Lowest sample score logged by earlier sessions of this run (for resumed runs)."""
    scores = [e["score"] for e in run.read_events() if e["event"] == "sample" and "score" in e]
    return min(scores, default=math.inf)


def write_sample_grid(
    model: GanModel, inputs: torch.Tensor, path: Path, reference: torch.Tensor
) -> float:
    """Generate from the fixed preview inputs, save the pairs as one PNG, return their score."""
    model.eval()
    with torch.no_grad():
        pairs = model.render_pairs(inputs).cpu()
    model.train()
    if pairs.ndim == 5:  # 3D patches: their central axial slices
        pairs, reference = (
            pairs[:, :, pairs.shape[2] // 2],
            reference[:, :, reference.shape[2] // 2],
        )
    images = pairs[:, 0].numpy()
    masks = decode_masks(pairs[:, model.spec.image_channels :])
    skio.imsave(str(path), pair_grid(images, masks), check_contrast=False)
    return sliced_wasserstein(pairs[:, : model.spec.image_channels], reference)


def iter_training(
    run_dir: str | Path,
    config: TrainConfig | None = None,
    resume: bool = False,
    pairs: PairSet | None = None,
    steps: int | None = None,
    resume_from: str = "last",
) -> Iterator[dict[str, Any]]:
    """Train in ``run_dir``, yielding each event as it is logged.

    Args:
        run_dir: the run directory (a new or empty one for a new run; a run to resume).
        config: the configuration of a new run (ignored when resuming: the stored one is used).
        resume: continue from a checkpoint (a run killed before its first one starts over).
        pairs: in-memory pairs (e.g. from napari layers); stored as ``pairs.npz`` in the run
            directory and used instead of ``config.data``.
        steps: when resuming, a new total number of steps (to train longer).
        resume_from: the checkpoint to resume from: ``last``, ``best`` or ``step_NNNNNN``.
    """
    run = RunDirectory(run_dir)
    if not resume:
        run.refuse_unless_new()  # before the lock: no lock file among someone else's files
    with RunLock(run.root):  # one job per run directory, for the job's whole life
        yield from _locked_training(run, config, resume, pairs, steps, resume_from)


def _locked_training(
    run: RunDirectory,
    config: TrainConfig | None,
    resume: bool,
    pairs: PairSet | None,
    steps: int | None,
    resume_from: str,
) -> Iterator[dict[str, Any]]:
    remove_partial_writes(run.checkpoints)
    checkpoint = None
    if resume:
        stored = run.load_config()
        if config is not None and config.family != stored.family:
            raise CheckpointError(
                f"{run.root} holds a {stored.family!r} run; it cannot be resumed as "
                f"{config.family!r}: choose a new run directory"
            )
        config = stored.replace(steps=steps) if steps else stored
        precision = _precision(config)
        checkpoint = run.resume_checkpoint(resume_from)
        run.clear_stop()
        data_pairs = _checked_pairs(config)
    else:
        if config is None:
            raise GanAugmentError("a new run needs a TrainConfig")
        run.refuse_unless_new()
        if pairs is not None:
            pairs.check_training_size(config.image_size)
            config = run.stage_pairs(pairs, config)
        data_pairs = _checked_pairs(config)  # a bad data source writes nothing but pairs.npz
        # config.yaml names the precision that runs, so the run repeats as it ran
        precision = _precision(config)
        config = config.replace(precision=precision.name)
        run.create(config)
    state, data = _prepare(run, config, data_pairs, checkpoint, precision)
    yield from _loop(run, state, data)


def _precision(config: TrainConfig) -> Precision:
    device = resolve_device(config.device)
    return resolve_precision(config.precision, device, spatial_dims=config.spatial_dims)


def _loop(run: RunDirectory, state: _TrainingState, data: torch.Tensor) -> Iterator[dict[str, Any]]:
    config, model = state.config, state.model
    start_step, started = state.step, time.perf_counter()
    reference = model.reference_images(data).cpu()
    best = _best_so_far(run)
    status, message, overflows = "running", "", 0
    yield run.log_event(
        "start",
        step=state.step,
        steps=config.steps,
        family=config.family,
        device=str(model.device),
        precision=state.precision.name,
        precision_reason=state.precision.reason,
        pairs=int(data.shape[0]),
        resumed=start_step > 0,
    )
    world = _data_parallel(model, config.batch_size)
    model.train()
    try:
        while state.step < config.steps:
            stop = run.stop_requested()
            if world.size > 1 and parallel.any_rank(stop):  # rank 0's STOP stops them all
                stop = True
            if stop:
                status = "stopped"
                break
            batch = model.draw_batch(data, config.batch_size, state.rng_batch)
            skipped = model.update.skipped
            losses = model.train_step(model.local_share(batch), state.rng_noise)
            model.after_step()
            if world.size > 1:
                losses = parallel.mean_over_ranks(losses)
            state.step += 1
            # fp16: an overflowing step is skipped and its scale halved, not a divergence,
            # unless overflows go on (the scale then falls towards zero)
            overflows = overflows + 1 if model.update.skipped > skipped else 0
            finite = all(math.isfinite(v) for v in losses.values())
            if overflows > MAX_OVERFLOWS or not (finite or overflows):
                raise GanAugmentError(_diverged_message(run, state.step, losses))
            if state.step % config.log_every == 0 or state.step == config.steps:
                rate = (state.step - start_step) / (time.perf_counter() - started)
                yield run.log_event("step", step=state.step, steps_per_second=rate, **losses)
            if state.step % config.sample_every == 0 or state.step == config.steps:
                path = run.sample_path(state.step)
                score = write_sample_grid(model, state.preview_inputs, path, reference)
                if not _save_finite(state, run.last_checkpoint):
                    raise GanAugmentError(_diverged_message(run, state.step, losses))
                is_best = score < best
                if is_best:  # automatic checkpoint selection: lowest score so far
                    best = score
                    save_checkpoint(state.payload(), run.checkpoints / "best.pt")
                yield run.log_event(
                    "sample", step=state.step, path=str(path), score=score, best=is_best
                )
            if state.step % config.checkpoint_every == 0:
                path = run.checkpoints / f"step_{state.step:06d}.pt"
                if _save_finite(state, path):
                    prune_checkpoints(run.checkpoints, config.keep_checkpoints)
                    yield run.log_event("checkpoint", step=state.step, path=str(path))
        else:
            status = "finished"
    except (GeneratorExit, KeyboardInterrupt):  # closed by a follower; SIGTERM or Ctrl-C
        status = "stopped"
        raise
    except BaseException as exc:
        status = "error"
        message = user_message(exc) or f"{type(exc).__name__}: {exc}"
        raise
    finally:
        _save_finite(state, run.last_checkpoint)
        summary = {
            "status": status,
            "message": message,
            "step": state.step,
            "steps": config.steps,
            "family": config.family,
            "device": str(model.device),
            "precision": state.precision.name,
            "seconds": time.perf_counter() - started,
            "checkpoint": str(run.last_checkpoint),
            "best_score": None if math.isinf(best) else best,
        }
        write_json(run.summary_path, summary)
        run.log_event("end", **summary)
    yield {"event": "end", **summary}


def _data_parallel(model: GanModel, batch_size: int) -> parallel.World:
    """Under torchrun: shard batches and draws, average gradients, global batch norm."""
    world = parallel.activate()
    if world.size > 1:
        parallel.check_batch(batch_size)
        parallel.use_global_batch_norm(model.networks.values())
        model.update.data_parallel = True
    return world


def _diverged_message(run: RunDirectory, step: int, losses: dict[str, float]) -> str:
    saved = run.saved_checkpoints()
    return (
        f"training diverged at step {step} (losses {losses}); the checkpoints were kept as "
        f"they were ({', '.join(saved) or 'none yet'}). Lower the learning rates, or resume "
        "from an earlier one: --resume --resume-from best (or step_NNNNNN)"
    )


def train(
    run_dir: str | Path,
    config: TrainConfig | None = None,
    resume: bool = False,
    pairs: PairSet | None = None,
    steps: int | None = None,
    resume_from: str = "last",
) -> dict[str, Any]:
    """Run :func:`iter_training` to the end; returns the final summary."""
    events = iter_training(run_dir, config, resume, pairs, steps, resume_from)
    summary: dict[str, Any] = {}
    for summary in events:  # noqa: B007 - the last event is the summary
        pass
    return summary
