"""Training on several processes (``torchrun --nproc_per_node N gan-augment train …``):
data parallel, with the same global batch whatever N, and the same losses as one process.

- every rank draws the same global batch (same seeded generator) and trains on its own
  contiguous share of it (``shard``); random draws inside a step (latents, the gradient
  penalty's interpolation weights) are drawn for the global batch and sharded the same way,
  so N processes see exactly what one process sees;
- gradients are averaged over the ranks right before each optimiser step (``updates.py``,
  which every update goes through: the same all-reduce DistributedDataParallel does, but
  family-agnostic: a family's ``train_step`` runs several backward passes and optimisers in
  its own order, which DDP's one-forward-one-backward bookkeeping does not fit);
- batch norm uses the global batch's statistics (``GlobalBatchNorm``): torch's
  ``SyncBatchNorm`` refuses CPU tensors, so gloo runs on CPU need this;
- only rank 0 writes the run directory; the others write to a scratch folder they delete.

NCCL on GPUs (rank r uses ``cuda:r`` of its node), gloo on CPU. Dropout draws from torch's
global generator (pix2pix's), so runs of families with dropout agree in distribution, not
bit for bit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.distributed.nn.functional as dist_nn
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from .errors import InputError


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1


_world = World()
#: whether training runs data parallel over the process group (``train``); an experiment's
#: ranks instead train separate networks each (``split_work``)
_data_parallel = False


def world() -> World:
    return _world


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def join(device: torch.device, data_parallel: bool = True) -> int:
    """Join the process group torchrun set up; NCCL on CUDA (this process's GPU: its local
    rank, so ``cuda`` means it), else gloo. Returns this process's rank.

    ``data_parallel``: trainings share one network (``train``); else each rank trains its
    own (an experiment's arms, see ``split_work``)."""
    global _data_parallel
    _data_parallel = data_parallel
    if device.type == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return dist.get_rank()


def activate() -> World:
    """Shard from now on (after a run's preview inputs and memory probe, which stay whole)."""
    global _world
    _world = process_group() if _data_parallel else World()
    return _world


def process_group() -> World:
    """This process's place among the processes torchrun started (rank 0 of 1 without)."""
    return World(dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else World()


def gather_to_all(value: object) -> list[object]:
    """Every rank's ``value`` (any picklable object), in rank order, on every rank."""
    if not dist.is_initialized():
        return [value]
    values: list[object] = [None] * dist.get_world_size()
    dist.all_gather_object(values, value)
    return values


def barrier() -> None:
    if dist.is_initialized():
        dist.barrier()


def check_batch(batch_size: int) -> None:
    if batch_size % _world.size:
        raise InputError(
            f"batch {batch_size} cannot be split evenly over {_world.size} processes; the "
            f"batch is the global one: choose a multiple of {_world.size}"
        )


def shard(tensor: torch.Tensor) -> torch.Tensor:
    """This rank's contiguous share of a global-batch tensor (all of it on one process)."""
    if _world.size == 1:
        return tensor
    return tensor.chunk(_world.size)[_world.rank]


def draw_sharded(draw: Callable[[int], torch.Tensor], count: int) -> torch.Tensor:
    """``draw(count)`` as one process would have drawn it for the global batch, sharded:
    ``count`` is this rank's share, so the global draw has ``count × size`` rows."""
    return shard(draw(count * _world.size))


def average_gradients(optimizer: torch.optim.Optimizer) -> None:
    """Replace the gradients of ``optimizer``'s parameters by their mean over the ranks."""
    for group in optimizer.param_groups:
        for parameter in group["params"]:
            if parameter.grad is not None:
                dist.all_reduce(parameter.grad)
                parameter.grad.div_(_world.size)


def mean_over_ranks(values: dict[str, float]) -> dict[str, float]:
    """Per-rank means of equal shares → the global batch's means (what is logged)."""
    names = sorted(values)
    total = torch.tensor([values[n] for n in names], dtype=torch.float64)
    dist.all_reduce(total)
    return {n: float(v) / _world.size for n, v in zip(names, total, strict=True)}


def any_rank(flag: bool) -> bool:
    """Whether ``flag`` holds on any rank (a STOP seen by rank 0 stops every rank)."""
    value = torch.tensor([int(flag)])
    dist.all_reduce(value)
    return bool(value.item())


class GlobalBatchNorm(_BatchNorm):
    """Batch norm over the global batch: per-channel sums all-reduced (differentiably, so
    gradients also flow between ranks). Written here: torch's ``SyncBatchNorm`` is GPU-only.
    A module's class is swapped in place (``use_global_batch_norm``), so state-dict keys and
    checkpoints are unchanged."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return super().forward(x)
        x = x.float()  # statistics in fp32, as batch norm runs under autocast
        axes = [0, *range(2, x.dim())]
        count = torch.tensor(float(x.numel() // x.shape[1] * _world.size), device=x.device)
        mean = dist_nn.all_reduce(x.sum(axes)) / count
        shape = (1, -1) + (1,) * (x.dim() - 2)
        centred = x - mean.reshape(shape)
        var = dist_nn.all_reduce((centred * centred).sum(axes)) / count
        if self.track_running_stats and self.running_mean is not None:
            assert self.running_var is not None and self.num_batches_tracked is not None
            momentum = 0.1 if self.momentum is None else self.momentum
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                self.running_mean.lerp_(mean.detach(), momentum)
                self.running_var.lerp_(var.detach() * count / (count - 1), momentum)
        out = centred / torch.sqrt(var.reshape(shape) + self.eps)
        if self.affine:
            out = out * self.weight.reshape(shape) + self.bias.reshape(shape)
        return out


def use_global_batch_norm(networks: Iterable[nn.Module]) -> None:
    for network in networks:
        for module in network.modules():
            if isinstance(module, _BatchNorm) and not isinstance(module, GlobalBatchNorm):
                module.__class__ = type(
                    f"Global{type(module).__name__}", (GlobalBatchNorm, type(module)), {}
                )
