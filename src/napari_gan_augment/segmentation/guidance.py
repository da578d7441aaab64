"""Generator training steered by the segmenter it feeds (GenSeg; LITERATURE §9).

Zhang et al. (Nature Communications 2025) train a mask → image generator G together with a
segmenter S whose training data G draws, and move G to lower S's loss on held-out *real*
pairs. Here, in core PyTorch (the betty library GenSeg uses would add a dependency for one
unrolled step):

- S trains (Adam) on the real training pairs plus G's images for randomly deformed real
  masks, G's images detached;
- on a random 1/``every`` of the generator steps (drawn from the run's noise generator, so a
  resumed run draws the same) G also receives the *hypergradient*: S's weights ``w`` are
  unrolled one SGD step on a batch of real + generated pairs, keeping the graph
  (``w' = w - η ∇_w L_train(w, G)``), and the loss of ``S(w')`` on the validation pairs,
  ``L_val(w'(G))``, is back-propagated into G (``torch.func.functional_call``; a second-order
  term, as in DARTS's unrolled step);
- optionally a mask-consistency term: S must recover the deformed mask from G's image.

The validation pairs are held out of everything guided training does (adversarial, L1 and the
segmenter's own training), so their loss measures generalisation. The family's adversarial
and L1 terms stay, so images stay realistic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.func import functional_call

from ..errors import InputError
from .networks import LOSSES, SEGMENTERS, segmentation_loss, segmentation_network

#: The guidance kinds a TrainConfig may name ("none": plain adversarial training).
GUIDANCE = ("none", "segmentation")

#: Options of a family that takes guidance, with their defaults: first settings, not tuned
#: (docs/evaluation.md, "Guided generation", says what they gave). ``guidance_weight`` ×
#: ``guidance_unroll_lr`` scales the hypergradient against pix2pix's λ·L1 (λ = 100); an
#: experiment sets the segmenter to its own network, filters and loss.
GUIDANCE_DEFAULTS: dict[str, Any] = {
    "guidance_weight": 10.0,
    "guidance_every": 2,
    "guidance_unroll_lr": 0.1,
    "consistency_weight": 1.0,
    "guidance_validation": 0.25,
    "guidance_network": "unet",
    "guidance_filters": 16,
    "guidance_loss": "dicece",
    "guidance_lr": 1e-3,
    "guidance_rotate_degrees": 10.0,
    "guidance_scale": 0.1,
    "guidance_translate": 0.05,
}


def check_guidance(guidance: str, family: str, guided_families: list[str]) -> None:
    """Refuse an unknown guidance, or one on a family that cannot take it."""
    if guidance not in GUIDANCE:
        raise InputError(f"guidance must be one of {GUIDANCE}, got {guidance!r}")
    if guidance != "none" and family not in guided_families:
        raise InputError(
            f"guidance {guidance!r} steers a mask → image generator; family {family!r} cannot "
            f"take it; use one of {guided_families}, or guidance: none"
        )


@dataclass(frozen=True)
class GuidanceSettings:
    weight: float
    every: int
    unroll_lr: float
    consistency_weight: float
    validation: float
    network: str
    filters: int
    loss: str
    lr: float
    rotate_degrees: float
    scale: float
    translate: float

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> GuidanceSettings:
        settings = cls(**{k.removeprefix("guidance_"): options[k] for k in GUIDANCE_DEFAULTS})
        if settings.network not in SEGMENTERS or settings.loss not in LOSSES:
            raise InputError(
                f"guidance_network must be one of {SEGMENTERS} and guidance_loss one of "
                f"{LOSSES}, got {settings.network!r} and {settings.loss!r}"
            )
        if settings.every < 1 or not 0 < settings.validation < 1:
            raise InputError(
                "guidance_every must be at least 1 and guidance_validation a fraction in (0, 1)"
            )
        return settings


def validation_split(count: int, fraction: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Fixed training and validation indices of ``count`` pairs (the same on every resume):
    at least one pair on each side."""
    if count < 2:
        raise InputError(
            f"segmentation guidance holds out validation pairs, so it needs at least 2 "
            f"training pairs, got {count}"
        )
    order = torch.randperm(count, generator=torch.Generator().manual_seed(0))
    held = min(count - 1, max(1, round(fraction * count)))
    return order[held:].sort().values, order[:held].sort().values


def deform_masks(
    channels: torch.Tensor, settings: GuidanceSettings, rng: torch.Generator
) -> torch.Tensor:
    """Mask channels in {-1, +1} ``(N, C, S, S)``, each randomly rotated, scaled and shifted
    (nearest: no new labels). Batched on the training device with ``torch``'s affine grids:
    MONAI's ``RandAffine`` transforms one sample at a time on the CPU."""
    count = channels.shape[0]
    device = channels.device

    def uniform(spread: float) -> torch.Tensor:
        return (2 * torch.rand(count, generator=rng, device=rng.device) - 1).to(device) * spread

    angle = uniform(math.radians(settings.rotate_degrees))
    zoom = 1 + uniform(settings.scale)
    shift = torch.stack([uniform(2 * settings.translate), uniform(2 * settings.translate)], 1)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )
    grid = nn.functional.affine_grid(theta, list(channels.shape), align_corners=False)
    inside = (channels + 1) / 2  # zero padding must mean background (-1)
    moved = nn.functional.grid_sample(
        inside, grid, mode="nearest", padding_mode="zeros", align_corners=False
    )
    return moved * 2 - 1


def labels_of(channels: torch.Tensor) -> torch.Tensor:
    """Class labels ``(N, 1, S, S)`` of mask channels (argmax where > 0, as decoding does)."""
    best = channels.max(1, keepdim=True)
    return torch.where(best.values > 0, best.indices + 1, 0)


class SegmentationGuidance:
    """The segmenter beside a mask → image generator, and the losses it gives the generator."""

    def __init__(
        self, num_classes: int, spatial_dims: int, settings: GuidanceSettings, device: torch.device
    ) -> None:
        self.settings = settings
        self.segmenter = segmentation_network(
            settings.network, num_classes, settings.filters, spatial_dims
        ).to(device)
        self.optimizer = torch.optim.Adam(self.segmenter.parameters(), lr=settings.lr)
        self.loss = segmentation_loss(settings.loss)

    def unrolled_validation_loss(
        self,
        train_images: torch.Tensor,
        train_labels: torch.Tensor,
        val_images: torch.Tensor,
        val_labels: torch.Tensor,
    ) -> torch.Tensor:
        """``L_val(w - η ∇_w L_train(w))``, differentiable in whatever made ``train_images``
        (the generator's images among them)."""
        params = dict(self.segmenter.named_parameters())
        buffers = dict(self.segmenter.named_buffers())
        inner = self.loss(
            functional_call(self.segmenter, {**params, **buffers}, (train_images,)), train_labels
        )
        grads = torch.autograd.grad(inner, list(params.values()), create_graph=True)
        unrolled = {
            name: p - self.settings.unroll_lr * g
            for (name, p), g in zip(params.items(), grads, strict=True)
        }
        logits = functional_call(self.segmenter, {**unrolled, **buffers}, (val_images,))
        return self.loss(logits, val_labels)

    def supervised_loss(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The segmenter's loss on ``images`` with ``labels``: its own training loss (real +
        detached generated pairs), or the mask-consistency term (generated images, with
        gradients into the generator)."""
        return self.loss(self.segmenter(images), labels)
