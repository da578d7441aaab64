"""An exponential moving average of a generator's weights (EMA), what the generator draws with.

StyleGAN (Karras et al. 2019) and FastGAN (Liu et al. 2021) sample from an average of the
generator's recent weights: it smooths the step-to-step wander of adversarial training, which
matters most in short runs. The average is torch's ``AveragedModel`` with an EMA update whose
decay warms up as ``(1 + n) / (10 + n)`` (the TensorFlow ``ExponentialMovingAverage`` rule), so
a short run's average is not held back by the random weights it started from. Buffers
(batch-norm statistics) follow the live generator, as in FastGAN's code. Measured in
docs/benchmarks.md ("Seed families at full quality").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel

#: ``ema_decay`` 0 = off (the live generator draws); checkpoints written before the option
#: existed carry no value and have no average
EMA_DEFAULTS: dict[str, Any] = {"ema_decay": 0.0}
Tensors = tuple[torch.Tensor, ...] | list[torch.Tensor]


def ema_decay(options: Mapping[str, Any]) -> float:
    return float(options.get("ema_decay", 0.0))


def averaged(generator: nn.Module, decay: float) -> AveragedModel:
    """A copy of ``generator`` that ``update_parameters(generator)`` moves towards it."""

    def step(averages: Tensors, currents: Tensors, count: torch.Tensor | int) -> None:
        warm = min(decay, (1.0 + float(count)) / (10.0 + float(count)))
        torch._foreach_lerp_(list(averages), list(currents), 1.0 - warm)

    return AveragedModel(generator, multi_avg_fn=step, use_buffers=False)
