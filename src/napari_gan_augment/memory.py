"""Memory a training run or a volume synthesis will need, estimated before it starts, so a
job that cannot fit is refused with a suggestion instead of dying (or swapping) minutes in.

Training: the networks' weights, gradients and Adam's two moments (4 × parameters), the
training data kept on the device, and the activations autograd keeps for the backward pass,
measured on one real step at batch 2 of a throwaway copy of the model (saved-tensor hooks
count the bytes alive at once; a family's step is not re-derived here, so every family is
measured the same way) and scaled to the batch size. PyTorch has no estimator for this.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import psutil
import torch

from .errors import InputError
from .models.base import GanModel

GIB = 1024**3
#: backward temporaries and allocator slack on top of the saved activations, measured on
#: CPU against peak resident memory (docs/benchmarks.md, "Memory estimates")
OVERHEAD = 1.5
#: what the interpreter, torch and MONAI take before any tensor (CPU runs)
BASELINE_BYTES = 800 * 1024**2
PROBE_BATCH = 2


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a job needs and what the device has free."""

    weights: int
    activations_per_sample: int
    data: int
    batch_size: int
    available: int
    where: str

    @property
    def total(self) -> int:
        baseline = BASELINE_BYTES if self.where == "RAM" else 0
        per_sample = OVERHEAD * self.activations_per_sample
        return int(baseline + self.weights + self.data + self.batch_size * per_sample)

    def largest_batch(self) -> int:
        """The largest batch size that fits in what is free (0: not even one)."""
        room = self.available - (
            self.total - self.batch_size * OVERHEAD * self.activations_per_sample
        )
        return max(0, int(room // max(1.0, OVERHEAD * self.activations_per_sample)))

    def describe(self) -> str:
        return (
            f"about {self.total / GIB:.2f} GiB of {self.where} (weights and optimiser "
            f"{self.weights / GIB:.2f}, data {self.data / GIB:.2f}, activations "
            f"{self.batch_size} × {OVERHEAD * self.activations_per_sample / GIB:.3f}); "
            f"{self.available / GIB:.1f} GiB free"
        )


def available_bytes(device: torch.device) -> tuple[int, str]:
    """Free memory where the tensors will live."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free), "GPU memory"
    return int(psutil.virtual_memory().available), "RAM"


def saved_activation_peak(model: GanModel, real: torch.Tensor) -> int:
    """The most bytes autograd keeps alive at once for the backward passes of one
    ``train_step`` on ``real`` (parameters, which live anyway, not counted)."""
    live: dict[int, int] = {}
    peak = 0

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        nonlocal peak
        if isinstance(tensor, torch.nn.Parameter) or tensor.is_leaf and tensor.requires_grad:
            return tensor
        key = tensor.untyped_storage().data_ptr()
        if key not in live:
            live[key] = tensor.untyped_storage().nbytes()
            weakref.finalize(tensor, live.pop, key, None)
            peak = max(peak, sum(live.values()))
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model.train_step(real, torch.Generator().manual_seed(0))
    return peak


def estimate_training(
    build: Callable[[], GanModel],
    model: GanModel,
    data: torch.Tensor,
    batch_size: int,
    device: torch.device,
) -> MemoryEstimate:
    """Estimate a run's memory; ``build()`` returns a fresh CPU copy of the model to probe
    (the run's own model and random streams are not touched)."""
    weights = sum(
        p.numel() * p.element_size() for n in model.networks.values() for p in n.parameters()
    )
    with torch.random.fork_rng(devices=[]):
        probe = build()
        sample = probe.draw_batch(data.cpu(), PROBE_BATCH, torch.Generator().manual_seed(0))
        activations = saved_activation_peak(probe, sample) // PROBE_BATCH
    free, where = available_bytes(device)
    return MemoryEstimate(
        4 * weights,
        activations,
        data.numel() * data.element_size(),
        batch_size,
        free,
        where,
    )


def refuse_if_too_large(estimate: MemoryEstimate, what: str) -> None:
    """A clear refusal, with the batch size that would fit, when the job would not fit."""
    if estimate.total <= 0.9 * estimate.available:
        return
    largest = estimate.largest_batch()
    advice = (
        f"lower batch_size to {largest}"
        if largest >= 1
        else "lower image_size (the patch) or base_filters, or use fewer training pairs/patches"
    )
    raise InputError(
        f"{what} would need {estimate.describe()}: {advice}, or run on a machine or GPU with "
        "more memory"
    )


def refuse_volume_too_large(shape: tuple[int, ...], channels: int) -> None:
    """A volume drawn by sliding window keeps, in host memory, its mask channels and three
    float32 volumes of its size (MONAI's output, weight and importance maps); the windows
    themselves are small. Refuse when that is more than the RAM that is free."""
    voxels = int(np.prod(shape))
    needed = BASELINE_BYTES + 4 * voxels * (channels + 3)
    free = int(psutil.virtual_memory().available)
    if needed > 0.9 * free:
        raise InputError(
            f"drawing a {'×'.join(map(str, shape))} volume needs about {needed / GIB:.1f} GiB "
            f"of RAM and {free / GIB:.1f} GiB is free: crop the mask to the region you need, "
            "or run on a machine with more memory"
        )
