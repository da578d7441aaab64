"""``inpaint``: fill a region with plausible tissue (coarse-to-fine GAN inpainting).

After the inpainting article digested in LITERATURE §5: a semantic-inferring encoder–decoder
(channels growing with depth) sees the image with the hole and the hole mask and proposes a
coarse fill; its output is merged with the known pixels and the mask, and a global-perceiving
network of dilated convolutions (full resolution kept) refines the whole image. A CNN
discriminator judges images; the generator loss is adversarial + λ1·L2 + λ2·L1. Holes are
random boxes and free-form strokes drawn during training.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from monai.networks.blocks import Convolution
from skimage.draw import line_nd
from torch import nn
from torch.nn import functional as F

from ..parallel import draw_sharded
from .base import GanModel, ModelSpec, preview_indices
from .diffaugment import DIFFAUGMENT_DEFAULTS
from .family import SIZES, FamilyInfo, Kind
from .losses import bce_discriminator_update, bce_generator_loss
from .networks import build_critic, build_unet_generator

# The article tunes λ1, λ2 without giving values; 100 each mirrors pix2pix's λ = 100 balance of
# reconstruction against the adversarial term. Adam 2e-4 (0.5, 0.999) as in pix2pix.
DEFAULTS: dict[str, Any] = {
    "base_filters": 32,
    "kernel_size": 5,
    "l2_weight": 100.0,
    "l1_weight": 100.0,
    "max_hole_fraction": 0.25,
    **DIFFAUGMENT_DEFAULTS,
}
OPTIMISER_DEFAULTS = {"lr_generator": 2e-4, "lr_critic": 2e-4, "betas": (0.5, 0.999)}
DILATIONS = (1, 2, 4, 8, 1)


def random_holes(
    count: int, size: int, rng: torch.Generator, max_fraction: float = 0.25, spatial_dims: int = 2
) -> torch.Tensor:
    """``(count, 1, size, …)`` hole masks (1 = missing): a box or a free-form stroke each
    (a thick polyline through the image or volume)."""
    holes = np.zeros((count, 1) + (size,) * spatial_dims, np.float32)
    for index in range(count):
        # drawn where the generator lives (a CUDA run's preview generator is on the GPU)
        values = torch.rand(2 + 3 * spatial_dims, generator=rng, device=rng.device).cpu().numpy()
        # the same share of the image (area in 2D, volume in 3D) at most
        side = max(2, int(size * max_fraction ** (1 / spatial_dims) * (0.4 + 0.6 * values[0])))
        corner = [int(v * (size - side)) for v in values[2 : 2 + spatial_dims]]
        if values[1] < 0.5:
            holes[index, 0][tuple(slice(c, c + side) for c in corner)] = 1
            continue
        width = max(1, side // 4)
        ends = values[2 + spatial_dims :].reshape(2, spatial_dims) * (size - 1)
        points = [np.array(corner), *ends.astype(int)]
        for start, stop in zip(points[:-1], points[1:], strict=True):
            path = np.asarray(line_nd(start, stop, endpoint=True))
            for shift in range(-width, width + 1):  # thickened across the first axis
                moved = path.copy()
                moved[0] = np.clip(moved[0] + shift, 0, size - 1)
                holes[index, 0][tuple(moved)] = 1
    return torch.from_numpy(holes)


class Refiner(nn.Module):
    """Global refinement: dilated 3×3 convolutions at full resolution, residual tanh output.

    Written here because MONAI has no dilated refinement network; built from MONAI blocks.
    """

    def __init__(
        self, in_channels: int, out_channels: int, width: int, spatial_dims: int = 2
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        for dilation in DILATIONS:
            layers.append(
                Convolution(
                    spatial_dims,
                    channels,
                    width,
                    kernel_size=3,
                    dilation=dilation,
                    act=("leakyrelu", {"negative_slope": 0.2}),
                    norm="INSTANCE",
                )
            )
            channels = width
        layers.append(Convolution(spatial_dims, width, out_channels, kernel_size=3, conv_only=True))
        self.body = nn.Sequential(*layers)

    def forward(self, merged: torch.Tensor, coarse: torch.Tensor) -> torch.Tensor:
        # in float32: under bf16 autocast 0.999 rounds to 1.0, whose atanh is infinite
        base = torch.atanh(coarse.float().clamp(-0.999, 0.999))
        return torch.tanh(base + self.body(merged).float())


class InpaintGenerator(nn.Module):
    """Coarse encoder–decoder, merge with the known pixels, dilated refinement."""

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__()
        channels = self.channels = spec.image_channels
        self.coarse = build_unet_generator(spec, channels + 1, channels, dropout=0.0)
        self.refine = Refiner(
            channels + 1, channels, int(spec.options["base_filters"]), spec.spatial_dims
        )

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """The image channels, then the hole (1 inside): one tensor, so a MONAI bundle's
        single ``image`` input feeds the trained module as it is."""
        image, hole = inputs[:, : self.channels], inputs[:, self.channels :]
        known = image * (1 - hole)
        coarse = self.coarse(torch.cat([known, hole], 1))
        merged = known + coarse * hole
        return self.refine(torch.cat([merged, hole], 1), coarse)


class Inpaint(GanModel):
    """GAN inpainting of the image channel; the mask channels of the pairs are not used."""

    kind = Kind.INPAINTING
    instead = (
        "fills painted regions of your images; use inpaint_region (the Inpaint widget) instead"
    )

    def __init__(self, spec: ModelSpec, device: torch.device) -> None:
        super().__init__(spec, device)
        self.generator = InpaintGenerator(spec).to(device)
        self.discriminator = build_critic(
            spec, spec.image_channels, norm="BATCH", act=("leakyrelu", {"negative_slope": 0.2})
        ).to(device)
        self.use_adam(self.generator, self.discriminator, "discriminator")
        self.l2_weight = float(spec.options["l2_weight"])
        self.l1_weight = float(spec.options["l1_weight"])
        self.max_hole = float(spec.options["max_hole_fraction"])

    def _holes(self, count: int, rng: torch.Generator) -> torch.Tensor:
        spec = self.spec
        return draw_sharded(
            lambda n: random_holes(n, spec.image_size, rng, self.max_hole, spec.spatial_dims),
            count,
        )

    def fill(self, images: torch.Tensor, holes: torch.Tensor) -> torch.Tensor:
        """Inpainted images (whole image refined; callers composite under the hole)."""
        with torch.no_grad():
            return self.generator(torch.cat([images, holes], 1).to(self.device))

    def preview_inputs(self, data: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        pick = preview_indices(torch.arange(data.shape[0]))
        images = data[pick, : self.spec.image_channels]
        holes = self._holes(len(pick), rng)
        return torch.cat([images, holes.to(images.device)], 1).clone()

    def render_pairs(self, inputs: torch.Tensor) -> torch.Tensor:
        """Grid cells: the filled image | the hole (shown as label 1)."""
        channels = self.spec.image_channels
        images, holes = inputs[:, :channels], inputs[:, channels:]
        filled = self.fill(images, holes)
        composite = torch.where(holes.to(self.device) > 0, filled, images.to(self.device))
        hole_channels = (holes * 2 - 1).repeat_interleave(self.spec.num_classes - 1, dim=1)
        return torch.cat([composite, hole_channels.to(self.device)], 1)

    def train_step(self, real: torch.Tensor, rng: torch.Generator) -> dict[str, float]:
        images = real[:, : self.spec.image_channels]
        holes = self._holes(images.shape[0], rng).to(images.device)
        fake = self.generator(torch.cat([images, holes], 1))
        disc_loss = bce_discriminator_update(
            self.discriminator,
            self.optimizers["discriminator"],
            images,
            fake,
            self.augment,
            self.update,
        )
        adversarial = bce_generator_loss(self.discriminator, fake, self.augment)
        l2, l1 = F.mse_loss(fake, images), F.l1_loss(fake, images)
        gen_loss = adversarial + self.l2_weight * l2 + self.l1_weight * l1
        gen_opt = self.optimizers["generator"]
        self.update(gen_opt, gen_loss)
        return {
            "loss_generator": float(gen_loss.detach()),
            "loss_critic": float(disc_loss),
            "loss_l2": float(l2.detach()),
            "loss_l1": float(l1.detach()),
        }


FAMILY = FamilyInfo(
    name="inpaint",
    model_class=Inpaint,
    summary="coarse-to-fine GAN inpainting (encoder–decoder + dilated refinement), "
    "adversarial + L2 + L1",
    reference="GAN inpainting with a combined loss (LITERATURE §5)",
    defaults=DEFAULTS,
    optimiser=OPTIMISER_DEFAULTS,
    spatial_dims=(2, 3),
    sizes=(16, *SIZES),  # 16³ patches: 3D on a CPU
)
