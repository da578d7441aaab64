"""Numeric precision of the networks: ``fp32``, or bfloat16 autocast where it is faster;
``fp16`` autocast (with loss scaling, ``updates.py``) for GPUs without bf16 units; ``amp``:
bf16 where the device has it, else fp16.

CPUs differ: with AMX/AVX-512-bf16 a bf16 convolution step is several times faster than fp32;
without them bf16 is emulated and many times slower. ``auto`` therefore measures, once per
machine and PyTorch version (a short probe, cached), and picks bf16 only where it wins. On CUDA
``auto`` keeps fp32: bf16 training of these GANs was validated on CPU only; ask for ``bf16``
to use it there. 3D networks keep fp32 too (:data:`BF16_3D_FAULT`).

The precision is applied to a network (:meth:`Precision.apply`), so every call of it —
training, sample grids, synthesis, segmenters — runs the same way, and its outputs are always
float32, so losses, metrics and NumPy conversions never see bf16.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .atomic import write_json
from .errors import InputError

PRECISION_CHOICES = ("auto", "amp", "fp32", "bf16", "fp16")

_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}

#: bf16 must be at least this much faster than fp32 for ``auto`` to choose it: a near tie is
#: not worth the lower precision.
MIN_SPEEDUP = 1.2

#: where the probe's verdicts are cached (one entry per machine signature)
CACHE_ENV = "NAPARI_GAN_AUGMENT_CACHE"

#: why ``auto`` keeps 3D networks in fp32: measured here (torch 2.13, AMD EPYC with bf16
#: units), 4 of 200 bf16 ``Conv3d`` weight gradients on a 2×2×2 input (a U-Net's deepest
#: level at 16-px patches) were NaN, 0 of 200 on 4×4×4 and in 2D; one NaN step ruins a fit.
BF16_3D_FAULT = "bf16 3D convolutions on CPU can return NaN gradients"

#: CPU flags (Linux ``/proc/cpuinfo``) of hardware bf16 units
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "amx_tile"})


def check_precision(name: str) -> None:
    """Refuse an unknown precision name with the choices (for config validation)."""
    if name not in PRECISION_CHOICES:
        choices = ", ".join(PRECISION_CHOICES)
        raise InputError(f"unknown precision {name!r}; choose one of {choices}")


@dataclass(frozen=True)
class Precision:
    """The precision a job runs in and why.

    Attributes:
        name: ``"fp32"``, ``"bf16"`` or ``"fp16"``.
        device_type: ``"cpu"`` or ``"cuda"``.
        reason: one line for logs and reports (e.g. the probe's timings).
    """

    name: str
    device_type: str
    reason: str = ""

    def autocast(self) -> torch.autocast:
        dtype = _DTYPES.get(self.name, torch.bfloat16)
        return torch.autocast(self.device_type, dtype, enabled=self.name in _DTYPES)

    def apply(self, network: nn.Module) -> nn.Module:
        """Make every forward of ``network`` run in this precision and return float32.

        torch offers autocast as a context only; wrapping ``forward`` puts it around every
        call of the network, wherever it is called from. fp32 leaves the network untouched.
        """
        if self.name == "fp32" or getattr(network, "_precision", None) == self.name:
            return network
        forward = network.forward

        @functools.wraps(forward)
        def forward_in_precision(*args: Any, **kwargs: Any) -> Any:
            with self.autocast():
                return _to_float32(forward(*args, **kwargs))

        network.forward = forward_in_precision  # type: ignore[method-assign]
        network._precision = self.name  # type: ignore[assignment]
        return network


def _to_float32(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.float() if value.dtype in (torch.bfloat16, torch.float16) else value
    if isinstance(value, (tuple, list)):
        return type(value)(_to_float32(v) for v in value)
    return value


def resolve_precision(
    name: str, device: torch.device, measure: bool = True, spatial_dims: int = 2
) -> Precision:
    """The precision to run in for a user's choice (``auto``, ``amp``, ``fp32``, ``bf16``,
    ``fp16``) on ``device`` for networks of ``spatial_dims``.

    ``measure=False`` (drawing pairs): ``auto`` is fp32, so a seed's pairs are the same
    whatever the CPU and its thread count (the probe's verdict depends on both: measured
    1.36x for bf16 on one thread of an AMX Xeon, 0.99x on two); bf16 only when asked."""
    check_precision(name)
    if name == "amp":  # bf16 needs no loss scaling; fp16 where there are no bf16 units
        if device.type == "cuda" and not torch.cuda.is_bf16_supported(including_emulation=False):
            return Precision("fp16", "cuda", "amp: this GPU has no bf16 units")
        return Precision("bf16", device.type, "amp")
    if name != "auto":
        return Precision(name, device.type, "requested")
    if not measure:
        return Precision("fp32", device.type, "auto: fp32 for drawing (the same pairs anywhere)")
    if device.type != "cpu":
        return Precision("fp32", device.type, "auto: fp32 on CUDA (bf16 validated on CPU only)")
    if spatial_dims == 3:
        return Precision("fp32", "cpu", f"auto: fp32 for 3D networks ({BF16_3D_FAULT})")
    verdict = cpu_probe()
    speedup = verdict["fp32_seconds"] / verdict["bf16_seconds"]
    chosen = "bf16" if speedup >= MIN_SPEEDUP else "fp32"
    return Precision(chosen, "cpu", f"auto: bf16 measured {speedup:.2f}x the speed of fp32 here")


def _signature() -> str:
    """What the probe's verdict depends on: the CPU, its bf16 units, torch, threads."""
    model, bf16_units = platform.processor(), ""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        info = ""
    for line in info.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            model = value.strip()
        if key.strip() == "flags":
            bf16_units = " ".join(sorted(BF16_FLAGS & set(value.split())))
            break
    capability = torch.backends.cpu.get_cpu_capability()
    return (
        f"{model} | {capability} {bf16_units or 'no bf16 units'} | torch {torch.__version__} "
        f"| {torch.get_num_threads()} threads"
    )


def cache_path() -> Path:
    """The probe cache file (``$NAPARI_GAN_AUGMENT_CACHE`` or the user cache directory)."""
    from platformdirs import user_cache_dir

    folder = os.environ.get(CACHE_ENV) or user_cache_dir("napari-gan-augment")
    return Path(folder) / "precision.json"


def cpu_probe() -> dict[str, Any]:
    """fp32 and bf16-autocast seconds per training step of a small MONAI U-Net on this CPU,
    measured once per machine signature and cached. A cache that cannot be read or written
    only costs a new measurement."""
    path, signature = cache_path(), _signature()
    try:
        cached = json.loads(path.read_text())
    except (OSError, ValueError):
        cached = {}
    if not isinstance(cached, dict):
        cached = {}
    known = cached.get(signature)
    if isinstance(known, dict) and {"fp32_seconds", "bf16_seconds"} <= set(known):
        return known
    verdict = {
        "fp32_seconds": _step_seconds(Precision("fp32", "cpu")),
        "bf16_seconds": _step_seconds(Precision("bf16", "cpu")),
        "measured": time.strftime("%Y-%m-%d %H:%M"),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, {**cached, signature: verdict})  # other machines' entries kept
    except OSError:
        pass
    return verdict


def _step_seconds(precision: Precision, repeats: int = 3) -> float:
    """Best-of-``repeats`` seconds of one Adam step of a small U-Net (batch 8, 64 px): the
    convolutions, transposed convolutions and norms the GANs and segmenters are made of."""
    from monai.networks.nets import UNet

    generator = torch.Generator().manual_seed(0)
    network = precision.apply(UNet(2, 1, 2, (16, 32, 64), (2, 2), num_res_units=1))
    optimiser = torch.optim.Adam(network.parameters())
    inputs = torch.randn(8, 1, 64, 64, generator=generator)

    def step() -> None:
        optimiser.zero_grad()
        network(inputs).square().mean().backward()
        optimiser.step()

    step()  # warm-up: kernel selection, allocations
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return best
