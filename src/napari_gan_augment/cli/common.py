"""What several commands share: help texts and the torchrun helper check."""

from __future__ import annotations

PRECISION_HELP = (
    "auto (default): bf16 autocast where a cached probe measures it faster on this CPU, "
    "else fp32; amp: bf16 autocast where the device has bf16 units, else fp16 with loss "
    "scaling; fp32; bf16; fp16"
)


def joined_as_helper(device: str) -> bool:
    """Under torchrun, join the process group to share an experiment's networks out (each
    rank trains its own); whether this process is a rank other than 0."""
    from ..devices import resolve_device
    from ..parallel import join, launched_by_torchrun

    return launched_by_torchrun() and join(resolve_device(device), data_parallel=False) > 0
