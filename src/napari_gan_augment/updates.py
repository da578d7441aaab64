"""One optimiser update — zero the gradients, back-propagate, average them over the ranks,
step — the one place every network's training goes through (GAN families and segmenters),
so loss scaling and data parallelism are handled once, whatever a family's step looks like.

fp16 autocast needs loss scaling (``torch.amp.GradScaler``): its 5-bit exponent flushes
small gradients to zero. Each optimiser gets its own scaler, as a GAN's generator and critic
see gradients of very different sizes. Under torchrun the gradients are averaged *before*
the scaler's overflow check, so every rank sees the same gradients and skips or steps alike
(a rank that skipped alone would leave the others waiting in the next all-reduce).
bf16 and fp32 have fp32's exponent range and need no scaling.
"""

from __future__ import annotations

from typing import Any

import torch

from . import parallel
from .precision import Precision


class Updates:
    """Optimiser updates in a precision; counts the steps fp16 overflow made it skip."""

    def __init__(self, precision: Precision | None = None, data_parallel: bool = False) -> None:
        #: average gradients over the ranks (a run trained under torchrun; not the separate
        #: networks an experiment trains on each rank)
        self.data_parallel = data_parallel
        self.device_type = precision.device_type if precision else "cpu"
        self.scaled = precision is not None and precision.name == "fp16"
        self._scalers: dict[int, torch.amp.GradScaler] = {}
        #: updates skipped because fp16 gradients overflowed (the scale was halved instead)
        self.skipped = 0

    def __call__(self, optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
        optimizer.zero_grad(set_to_none=True)
        if not self.scaled:
            loss.backward()
            self._average(optimizer)
            optimizer.step()
            return
        scaler = self._scaler(optimizer)
        scaler.scale(loss).backward()
        self._average(optimizer)
        before = scaler.get_scale()
        scaler.step(optimizer)  # skipped when a gradient is inf or NaN
        scaler.update()
        self.skipped += int(scaler.get_scale() < before)

    def scale(self, optimizer: torch.optim.Optimizer) -> float:
        """The factor ``optimizer``'s losses are multiplied by before back-propagation
        (1 unless fp16): a gradient penalty differentiates its scores scaled by it."""
        return self._scaler(optimizer).get_scale() if self.scaled else 1.0

    def _average(self, optimizer: torch.optim.Optimizer) -> None:
        if self.data_parallel:
            parallel.average_gradients(optimizer)

    def _scaler(self, optimizer: torch.optim.Optimizer) -> torch.amp.GradScaler:
        if id(optimizer) not in self._scalers:
            self._scalers[id(optimizer)] = torch.amp.GradScaler(self.device_type)
        return self._scalers[id(optimizer)]

    def state_dict(self, optimizers: dict[str, torch.optim.Optimizer]) -> dict[str, Any]:
        """The scalers' states by optimiser name (empty unless fp16): a resumed fp16 run
        continues with the scales it had reached."""
        if not self.scaled:
            return {}
        return {name: self._scaler(opt).state_dict() for name, opt in optimizers.items()}

    def load_state_dict(
        self, state: dict[str, Any], optimizers: dict[str, torch.optim.Optimizer]
    ) -> None:
        if self.scaled:
            for name, opt in optimizers.items():
                if name in state:
                    self._scaler(opt).load_state_dict(state[name])
