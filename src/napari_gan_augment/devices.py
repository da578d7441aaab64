"""Device selection shared by training and synthesis (``--device auto|cpu|cuda``)."""

from __future__ import annotations

import torch

from .errors import InputError

DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(name: str = "auto") -> torch.device:
    """Turn a user's device choice into a ``torch.device``.

    Args:
        name: ``"auto"`` (CUDA when present, else CPU), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    Raises:
        InputError: the name is unknown or CUDA was requested on a machine without it.
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InputError(
                f"device {name!r} was requested but PyTorch sees no CUDA GPU here; "
                "use --device auto or --device cpu"
            )
        return torch.device(name)
    raise InputError(f"unknown device {name!r}; choose one of {', '.join(DEVICE_CHOICES)}")
