"""``mask-dcgan``: label masks from noise (DCGAN), the first stage of mask → pix2pix synthesis.

After the GAN comparison thesis (Sobolev 2021): a DCGAN generates masks without hand-drawn
input and a pix2pix model then draws the image for each mask. Networks are the DCGAN pair
model's, built for mask channels only, with the original DCGAN loss (BCE) and a batch-normed
LeakyReLU discriminator (Radford et al. 2016).
"""

from __future__ import annotations

from typing import Any

import torch

from .base import ModelSpec, NoiseGanModel
from .diffaugment import DIFFAUGMENT_DEFAULTS
from .family import FamilyInfo, Kind
from .losses import bce_discriminator_update, bce_generator_loss
from .mask_head import MASK_HEAD_DEFAULTS
from .networks import build_critic, build_generator

# Sobolev 2021: 100-d noise, 5×5 transposed convs, Adam 1e-4; DCGAN β1 = 0.5.
DEFAULTS: dict[str, Any] = {
    "latent_dim": 100,
    "base_filters": 16,
    "kernel_size": 5,
    **MASK_HEAD_DEFAULTS,
    **DIFFAUGMENT_DEFAULTS,
}
OPTIMISER_DEFAULTS = {"lr_generator": 1e-4, "lr_critic": 1e-4, "betas": (0.5, 0.999)}


class MaskDCGAN(NoiseGanModel):
    """DCGAN over the mask channels of the training pairs (the image channel is ignored)."""

    kind = Kind.MASKS

    def __init__(self, spec: ModelSpec, device: torch.device) -> None:
        super().__init__(spec, device)
        mask_channels = spec.num_classes - 1
        self.generator = build_generator(spec, image_channels=0).to(device)
        self.discriminator = build_critic(
            spec, mask_channels, norm="BATCH", act=("leakyrelu", {"negative_slope": 0.2})
        ).to(device)
        self.use_adam(self.generator, self.discriminator, "discriminator")
        self.augment.image_channels = 0  # the discriminator sees masks only: no colour

    def generate(self, noise: torch.Tensor) -> torch.Tensor:
        """Pairs with a blank image channel (-1) and the generated mask channels."""
        with torch.no_grad():
            masks = self.generator(noise.to(self.device))
        blank = -torch.ones_like(masks[:, :1]).repeat(1, self.spec.image_channels, 1, 1)
        return torch.cat([blank, masks], 1)

    def train_step(self, real: torch.Tensor, rng: torch.Generator) -> dict[str, float]:
        masks = real[:, self.spec.image_channels :]
        fake = self.generator(self.sample_noise(masks.shape[0], rng))
        disc_loss = bce_discriminator_update(
            self.discriminator,
            self.optimizers["discriminator"],
            masks,
            fake,
            self.augment,
            self.update,
        )
        gen_loss = bce_generator_loss(self.discriminator, fake, self.augment)
        gen_opt = self.optimizers["generator"]
        self.update(gen_opt, gen_loss)
        return {"loss_generator": float(gen_loss.detach()), "loss_critic": float(disc_loss)}


FAMILY = FamilyInfo(
    name="mask-dcgan",
    model_class=MaskDCGAN,
    summary="DCGAN that generates label masks from noise (stage 1 of mask-dcgan → pix2pix)",
    reference="Radford et al., ICLR 2016; two-stage use after Sobolev 2021",
    defaults=DEFAULTS,
    optimiser=OPTIMISER_DEFAULTS,
)
