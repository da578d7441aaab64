"""Differentiable augmentation of what a discriminator sees (DiffAugment, Zhao et al. 2020),
with an optional adaptive probability (after ADA, Karras et al. 2020).

With few training images a discriminator memorises them and its gradients stop teaching the
generator. DiffAugment applies the same kind of random, differentiable transform to real and
generated samples every time the discriminator sees them, in its own update and in the
generator's (gradients flow through the transform into the generator). For image–mask pairs
the geometric transforms move image and mask channels together; colour touches the image
channels only. Written here because MONAI's transforms are not differentiable batch ops.

The adaptive probability follows ADA's idea with a signal every family has: r = E[sign(D(real)
− mean D(fake))], the share of real samples the discriminator scores above the average fake
(≈ 0 when it cannot tell them apart, → 1 when it separates them perfectly, i.e. overfits).
Every ``ADA_INTERVAL`` updates p moves towards keeping r at the target.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch.nn import functional as F

from ..errors import InputError

POLICIES = ("translation", "cutout", "color")
#: Options every family accepts (and their defaults; see docs/models.md for the measurement).
DIFFAUGMENT_DEFAULTS: dict[str, Any] = {"diffaugment": "", "augment_p": 1.0, "ada_target": 0.0}
ADA_INTERVAL = 4
ADA_STEP = 0.01  # per interval; ADA moves p by its batch share of 500k images, ~this at CPU scale
#: Mask channels and images are in [-1, 1] with -1 = background: shifted-in pixels are that.
FILL = -1.0


class DiffAugment:
    """The augmentation of one family's discriminator inputs.

    Args:
        policy: comma-separated names from :data:`POLICIES`; empty = off (identity).
        image_channels: leading channels that are intensities (colour applies to these).
        probability: chance that each transform is applied to a sample.
        ada_target: > 0 adapts ``probability`` to keep the overfitting signal at this value.
        device, seed: the random draws are the model's own (checkpointed for exact resume).
    """

    def __init__(
        self,
        policy: str,
        image_channels: int,
        probability: float = 1.0,
        ada_target: float = 0.0,
        device: torch.device | None = None,
        seed: int = 0,
    ) -> None:
        self.policy = tuple(p.strip() for p in policy.split(",") if p.strip())
        unknown = set(self.policy) - set(POLICIES)
        if unknown:
            raise InputError(
                f"unknown diffaugment policies {sorted(unknown)}; choose from {POLICIES}, "
                'comma-separated (e.g. "translation,cutout,color"), or "" for none'
            )
        if not 0.0 <= probability <= 1.0 or not 0.0 <= ada_target < 1.0:
            raise InputError("augment_p must be in [0, 1] and ada_target in [0, 1)")
        self.image_channels = image_channels
        self.probability = probability
        self.ada_target = ada_target
        self.generator = torch.Generator(device or torch.device("cpu")).manual_seed(seed)
        self._signal: list[float] = []

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], image_channels: int, device: torch.device
    ) -> DiffAugment:
        """From a family's resolved options (older checkpoints lack them: off)."""
        return cls(
            str(options.get("diffaugment", "")),
            image_channels,
            float(options.get("augment_p", 1.0)),
            float(options.get("ada_target", 0.0)),
            device,
        )

    @property
    def active(self) -> bool:
        return bool(self.policy) and self.probability > 0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Augment a batch ``(N, C, *spatial)`` (2D or 3D); each sample gets its own draw."""
        if not self.active:
            return x
        ops: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
            "color": self._colour,
            "translation": self._translation,
            "cutout": self._cutout,
        }
        for name in self.policy:
            x = self._maybe(ops[name], x)
        return x

    def observe(self, real_scores: Any, fake_scores: Any) -> None:
        """Feed the overfitting signal from one discriminator update (adaptive mode only).
        Lists (MONAI's ``PatchDiscriminator`` returns its features) count by their last
        entry, the logits."""
        if self.ada_target <= 0 or not self.policy:
            return
        if isinstance(real_scores, list | tuple):
            real_scores, fake_scores = real_scores[-1], fake_scores[-1]
        real = real_scores.detach().flatten(1).mean(1)
        self._signal.append(float(torch.sign(real - fake_scores.detach().mean()).mean()))
        if len(self._signal) >= ADA_INTERVAL:
            overfitting = sum(self._signal) / len(self._signal)
            step = ADA_STEP if overfitting > self.ada_target else -ADA_STEP
            self.probability = min(1.0, max(0.0, self.probability + step))
            self._signal.clear()

    def state_dict(self) -> dict[str, Any]:
        return {"probability": self.probability, "generator": self.generator.get_state()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.probability = float(state["probability"])
        self.generator.set_state(state["generator"])

    # ------------------------------------------------------------------ the transforms

    def _rand(self, *shape: int, device: torch.device) -> torch.Tensor:
        return torch.rand(shape, generator=self.generator, device=self.generator.device).to(device)

    def _per_sample(self, x: torch.Tensor) -> torch.Tensor:
        """One uniform draw per sample, shaped to broadcast over ``x``'s other axes."""
        return self._rand(x.shape[0], device=x.device).view(-1, *[1] * (x.ndim - 1))

    def _maybe(self, op: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        if self.probability >= 1.0:
            return op(x)
        chosen = self._per_sample(x) < self.probability
        return torch.where(chosen, op(x), x)

    def _colour(self, x: torch.Tensor) -> torch.Tensor:
        """Brightness ±0.5 and contrast ×[0.5, 1.5] of the image channels (DiffAugment's
        ranges on [-1, 1] data; saturation needs colour, so it is left out)."""
        c = self.image_channels
        image = x[:, :c] + (self._per_sample(x) - 0.5)
        mean = image.mean(dim=tuple(range(1, x.ndim)), keepdim=True)
        image = (image - mean) * (self._per_sample(x) + 0.5) + mean
        return torch.cat([image, x[:, c:]], 1)

    def _translation(self, x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
        """Shift every channel by the same whole pixels (voxels), up to ``ratio`` of the size
        along each spatial axis; what comes in is background."""
        n, spatial = x.shape[0], x.shape[2:]
        grids = torch.meshgrid(
            torch.arange(n, device=x.device),
            *(torch.arange(size, device=x.device) for size in spatial),
            indexing="ij",
        )
        coords = []
        for axis, size in enumerate(spatial):
            limit = int(size * ratio + 0.5)
            draw = self._rand(n, *[1] * len(spatial), device=x.device)
            shift = (draw * (2 * limit + 1)).long() - limit
            coords.append(torch.clamp(grids[axis + 1] + shift + 1, 0, size + 1))
        padded = F.pad(x, [1, 1] * len(spatial), value=FILL).movedim(1, -1)
        return padded[(grids[0], *coords)].movedim(-1, 1)

    def _cutout(self, x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
        """Blank a box of ``ratio`` of the size along each axis at a random place, in every
        channel."""
        n, spatial = x.shape[0], x.shape[2:]
        inside = torch.ones((n, *[1] * len(spatial)), dtype=torch.bool, device=x.device)
        for axis, size in enumerate(spatial):
            side = int(size * ratio + 0.5)
            draw = self._rand(n, *[1] * len(spatial), device=x.device)
            centre = (draw * (size + 1 - side % 2)).long()
            shape = [1] * (len(spatial) + 1)
            shape[axis + 1] = size
            position = torch.arange(size, device=x.device).view(shape)
            inside = (
                inside & (position >= centre - side // 2) & (position < centre + (side + 1) // 2)
            )
        return torch.where(inside.unsqueeze(1), torch.zeros_like(x), x)
