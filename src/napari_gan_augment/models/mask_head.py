"""How a noise family's generator emits the mask part of a pair.

``"tanh"`` (Neff et al. 2018): one tanh channel per foreground class, decoded by "largest channel
above 0". Nothing keeps the channels exclusive, so neighbouring pixels flip between classes and
masks come out speckled. ``"softmax"``: the generator emits one logit per class, background
included; a softmax makes them class probabilities ``p`` that sum to 1 at every pixel, and the
foreground ones are passed on as ``2 p - 1`` — the same {-1, +1} one-hot scale real masks are
encoded in (data/encoding.py), so the discriminator and decoding see one representation for
real and generated masks. A pixel then decodes to a foreground class when that class holds the
majority of its probability. Measured in docs/benchmarks.md ("Mask heads").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from ..errors import InputError

MASK_HEADS = ("tanh", "softmax")
#: the noise families' default (see the measurement named above); checkpoints written before
#: the option existed carry no value and were trained with "tanh"
MASK_HEAD_DEFAULTS: dict[str, Any] = {"mask_head": "softmax"}


def mask_head_name(options: Mapping[str, Any]) -> str:
    name = str(options.get("mask_head", "tanh"))
    if name not in MASK_HEADS:
        raise InputError(f"mask_head must be one of {', '.join(MASK_HEADS)}, got {name!r}")
    return name


class PairHead(nn.Module):
    """Raw generator output → pair channels in [-1, 1] (image channels, then foreground masks).

    Args:
        image_channels: leading image channels (tanh); 0 for a mask-only generator.
        num_classes: mask classes including background.
        name: ``"tanh"`` or ``"softmax"``.
    """

    def __init__(self, image_channels: int, num_classes: int, name: str) -> None:
        super().__init__()
        self.image_channels = image_channels
        self.softmax = name == "softmax"
        self.raw_channels = image_channels + num_classes - (0 if self.softmax else 1)

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        image, masks = raw[:, : self.image_channels], raw[:, self.image_channels :]
        if self.softmax:
            masks = 2 * torch.softmax(masks, dim=1)[:, 1:] - 1
        else:
            masks = torch.tanh(masks)
        return torch.cat([torch.tanh(image), masks], dim=1)


def pair_head(spec: Any, image_channels: int | None = None) -> PairHead:
    """The head a spec asks for (``image_channels`` defaults to the spec's)."""
    channels = spec.image_channels if image_channels is None else image_channels
    return PairHead(channels, spec.num_classes, mask_head_name(spec.options))
