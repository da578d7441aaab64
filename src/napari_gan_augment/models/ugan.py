"""``ugan``: class transformation with a U-Net generator ("healthy → lesion").

After the dental-fillings study (LITERATURE §2): the input is an image without the object
(class 0) plus one noise channel of vertical stripes (a random vector along the width repeated
down the height), so every draw differs; a U-Net returns the transformed image and the mask of
the added object; a critic judges (image, mask) pairs against real class-1 pairs. Only the
pixels under the generated mask are kept (see ``synthesis.compositing``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from ..errors import InputError
from ..parallel import draw_sharded, shard
from .base import GanModel, ModelSpec, preview_indices
from .diffaugment import DIFFAUGMENT_DEFAULTS
from .family import FamilyInfo, Kind
from .losses import wgan_gp_update
from .mask_head import pair_head
from .networks import build_critic, build_unet_generator

# Dental study: Wasserstein loss, Adam 2e-4 β (0, 0.999), batch 16, 128 px. The study does not
# say how the critic is kept Lipschitz; we use the gradient penalty (λ = 10, 5 critic steps,
# Gulrajani et al. 2017), as its β1 = 0 suggests.
DEFAULTS: dict[str, Any] = {
    "base_filters": 32,
    "kernel_size": 5,
    "critic_steps": 5,
    "gp_weight": 10.0,
    # Lesion masks are binary, where a softmax over two logits is a tanh of their difference:
    # the heads differ only in initialisation, so ugan keeps the published tanh.
    "mask_head": "tanh",
    **DIFFAUGMENT_DEFAULTS,
}
OPTIMISER_DEFAULTS = {"lr_generator": 2e-4, "lr_critic": 2e-4, "betas": (0.0, 0.999)}


def stripe_noise(count: int, height: int, width: int, rng: torch.Generator) -> torch.Tensor:
    """``(count, 1, height, width)``: one random value per column, repeated down the rows."""
    row = torch.randn(count, 1, 1, width, generator=rng, device=rng.device)
    return row.expand(count, 1, height, width).contiguous()


def empty_mask_flags(data: torch.Tensor, image_channels: int) -> torch.Tensor:
    """True for pairs whose mask channels hold no object (class 0)."""
    return (data[:, image_channels:] <= 0).flatten(1).all(dim=1)


def check_both_classes(data: torch.Tensor, image_channels: int, why: str) -> None:
    """Refuse data without both class-0 (empty mask) and class-1 (object) images."""
    empty = empty_mask_flags(data, image_channels)
    if not empty.any() or empty.all():
        raise InputError(
            f"{why}: it needs images without an object (empty masks, here "
            f"{int(empty.sum())}) and images with one (here {int((~empty).sum())}); for "
            "volumes, keep a share of empty slices (empty_fraction)"
        )


def share_of_both_classes(batch: torch.Tensor) -> torch.Tensor:
    """This process's share of each half (class 0, then class 1) of a global batch."""
    return torch.cat([shard(half) for half in batch.chunk(2)])


def draw_both_classes(
    data: torch.Tensor, batch_size: int, rng: torch.Generator, image_channels: int
) -> torch.Tensor:
    """``batch_size`` class-0 pairs, then ``batch_size`` class-1 pairs, drawn with ``rng``."""
    empty = empty_mask_flags(data, image_channels).cpu()
    halves = []
    for pool in (torch.nonzero(empty)[:, 0], torch.nonzero(~empty)[:, 0]):
        pick = torch.randint(len(pool), (batch_size,), generator=rng)
        halves.append(data[pool[pick].to(data.device)])
    return torch.cat(halves)


def class0_preview_images(data: torch.Tensor, image_channels: int) -> torch.Tensor:
    """Evenly spread images without an object: what the grids show being transformed."""
    empty = torch.nonzero(empty_mask_flags(data, image_channels))[:, 0]
    return data[preview_indices(empty), :image_channels]


def class1_images(data: torch.Tensor, image_channels: int) -> torch.Tensor:
    """Images with an object: what a transformed image should look like."""
    return data[~empty_mask_flags(data, image_channels), :image_channels]


def composite_tensor(
    inputs: torch.Tensor, generated: torch.Tensor, image_channels: int
) -> torch.Tensor:
    """Pairs whose image is the input outside the generated mask and generated inside it."""
    masks = generated[:, image_channels:]
    inside = (masks > 0).any(dim=1, keepdim=True)
    image = torch.where(inside, generated[:, :image_channels], inputs[:, :image_channels])
    return torch.cat([image, masks], 1)


class UGAN(GanModel):
    """U-Net generator (class-0 image + stripes → image + mask) against a pair critic."""

    kind: ClassVar[Kind] = Kind.CLASS_TRANSFORM
    instead: ClassVar[str] = (
        "transforms regions of your images; use transform_region (the Transform region "
        "widget) instead"
    )
    differentiated_twice: frozenset[str] = frozenset({"critic"})

    def __init__(self, spec: ModelSpec, device: torch.device) -> None:
        super().__init__(spec, device)
        self.generator = build_unet_generator(
            spec, spec.image_channels + 1, dropout=0.0, head=pair_head(spec)
        ).to(device)
        self.critic = build_critic(spec).to(device)
        self.use_adam(self.generator, self.critic, "critic")
        self.critic_steps = int(spec.options["critic_steps"])
        self.gp_weight = float(spec.options["gp_weight"])

    def check_data(self, data: torch.Tensor) -> None:
        check_both_classes(data, self.spec.image_channels, "ugan learns to add objects")

    def local_share(self, batch: torch.Tensor) -> torch.Tensor:
        return share_of_both_classes(batch)

    def draw_batch(self, data: torch.Tensor, batch_size: int, rng: torch.Generator) -> torch.Tensor:
        """``batch_size`` class-0 pairs (generator inputs), then ``batch_size`` class-1 pairs."""
        return draw_both_classes(data, batch_size, rng, self.spec.image_channels)

    def reference_images(self, data: torch.Tensor) -> torch.Tensor:
        return class1_images(data, self.spec.image_channels)

    def generator_inputs(self, images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        """Class-0 images with a stripe-noise channel appended."""
        count, _, height, width = images.shape
        noise = draw_sharded(lambda n: stripe_noise(n, height, width, rng), count)
        noise = noise.to(images.device)
        return torch.cat([images, noise], 1)

    def transform(self, inputs: torch.Tensor) -> torch.Tensor:
        """Raw generator output (image + mask channels) for prepared inputs, no gradients."""
        with torch.no_grad():
            return self.generator(inputs.to(self.device))

    def preview_inputs(self, data: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        images = class0_preview_images(data, self.spec.image_channels)
        return self.generator_inputs(images, rng).clone()

    def render_pairs(self, inputs: torch.Tensor) -> torch.Tensor:
        inputs = inputs.to(self.device)
        return composite_tensor(inputs, self.transform(inputs), self.spec.image_channels)

    def train_step(self, real: torch.Tensor, rng: torch.Generator) -> dict[str, float]:
        half = real.shape[0] // 2
        channels = self.spec.image_channels
        sources, targets = real[:half, :channels], real[half:]
        return wgan_gp_update(
            self.critic,
            (self.optimizers["critic"], self.optimizers["generator"]),
            targets,
            lambda: self.generator(self.generator_inputs(sources, rng)),
            self.critic_steps,
            self.gp_weight,
            rng,
            self.augment,
            self.update,
        )


FAMILY = FamilyInfo(
    name="ugan",
    model_class=UGAN,
    summary="U-Net class transformation (object-free image + stripe noise → image + mask), "
    "composited under the generated mask",
    reference="U-GAN dental fillings study (LITERATURE §2); WGAN-GP critic",
    defaults=DEFAULTS,
    optimiser=OPTIMISER_DEFAULTS,
)
