"""``fastgan``: few-shot image–mask pair synthesis (Liu et al., ICLR 2021).

Generator with skip-layer excitation (a low-resolution map, pooled to 4×4 and squeezed to
channel weights, gates a map 8× larger) and GLU up-blocks; discriminator regularised
self-supervised by small decoders that reconstruct the image from its 8×8 features and a random
quarter of its 16×16 features; hinge loss + reconstruction loss. Trained on image + mask
channels together, as in the GAN comparison thesis (Sobolev 2021). MONAI has neither skip-layer
excitation nor these decoders, so the blocks are written here (2D).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from .averaging import EMA_DEFAULTS
from .base import ModelSpec, NoiseGanModel
from .diffaugment import DIFFAUGMENT_DEFAULTS
from .family import FamilyInfo
from .losses import r1_penalty
from .mask_head import MASK_HEAD_DEFAULTS, PairHead, pair_head

# FastGAN: 256-d noise, Adam 2e-4 β (0.5, 0.999), batch 8. Reconstruction by MSE instead of
# FastGAN's LPIPS, which needs pretrained weights this package cannot download.
DEFAULTS: dict[str, Any] = {
    "latent_dim": 256,
    "base_filters": 8,
    "reconstruction_weight": 1.0,
    # R1 on real pairs (γ/2 · E‖∇D‖², Mescheder et al. 2018), 0 = off as in FastGAN
    "r1_gamma": 0.0,
    **MASK_HEAD_DEFAULTS,
    **EMA_DEFAULTS,
    **DIFFAUGMENT_DEFAULTS,
    # Adaptive DiffAugment: the one family where augmentation helped at both budgets (ratio
    # 0.68 vs 0.61 at 5 CPU-minutes, 0.79 vs 0.53 at 20; adaptive 0.75 at 5), and drawing with
    # the generator's weight average (as FastGAN's own code does) on top (docs/benchmarks.md).
    "diffaugment": "translation,cutout,color",
    "augment_p": 0.0,
    "ada_target": 0.6,
    "ema_decay": 0.999,
}
OPTIMISER_DEFAULTS = {"lr_generator": 2e-4, "lr_critic": 2e-4, "betas": (0.5, 0.999)}
DECODED_SIZE = 32


def _width(base: int, resolution: int) -> int:
    """Channels at a resolution: many at 4×4, tapering to ``base`` from 64×64 up."""
    return base * max(1, 64 // resolution)


def _up_block(in_channels: int, out_channels: int) -> nn.Module:
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(in_channels, out_channels * 2, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels * 2),
        nn.GLU(dim=1),
    )


class SkipLayerExcitation(nn.Module):
    """Channel gates for a high-resolution map computed from a low-resolution one."""

    def __init__(self, low_channels: int, high_channels: int) -> None:
        super().__init__()
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(4),
            nn.Conv2d(low_channels, high_channels, 4, bias=False),
            nn.LeakyReLU(0.1),
            nn.Conv2d(high_channels, high_channels, 1, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
        return high * self.gate(low)


class FastGANGenerator(nn.Module):
    def __init__(self, latent_dim: int, base: int, size: int, head: PairHead) -> None:
        super().__init__()
        self.start = nn.Sequential(
            nn.ConvTranspose2d(latent_dim, _width(base, 4) * 2, 4, bias=False),
            nn.BatchNorm2d(_width(base, 4) * 2),
            nn.GLU(dim=1),
        )
        self.resolutions = [4 * 2**i for i in range(size.bit_length() - 2)]
        self.ups = nn.ModuleDict(
            {str(r): _up_block(_width(base, r // 2), _width(base, r)) for r in self.resolutions[1:]}
        )
        self.sle = nn.ModuleDict(
            {
                str(r * 8): SkipLayerExcitation(_width(base, r), _width(base, r * 8))
                for r in self.resolutions
                if r * 8 in self.resolutions and r * 8 >= 32
            }
        )
        self.to_pair = nn.Conv2d(_width(base, size), head.raw_channels, 3, padding=1)
        self.head = head

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        features = {4: self.start(noise[:, :, None, None])}
        for resolution in self.resolutions[1:]:
            x = self.ups[str(resolution)](features[resolution // 2])
            if str(resolution) in self.sle:
                x = self.sle[str(resolution)](features[resolution // 8], x)
            features[resolution] = x
        return self.head(self.to_pair(features[self.resolutions[-1]]))


def _down_block(in_channels: int, out_channels: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 4, 2, 1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.LeakyReLU(0.2),
    )


def _decoder(in_channels: int, out_channels: int) -> nn.Module:
    """8×8 features → a 32×32 picture of the input."""
    return nn.Sequential(
        _up_block(in_channels, in_channels // 2 or 1),
        _up_block(in_channels // 2 or 1, 8),
        nn.Conv2d(8, out_channels, 3, padding=1),
        nn.Tanh(),
    )


class FastGANDiscriminator(nn.Module):
    def __init__(self, base: int, size: int, in_channels: int) -> None:
        super().__init__()
        resolutions = [size // 2**i for i in range(size.bit_length() - 3)]  # size … 8
        blocks, channels = [], in_channels
        for resolution in resolutions[1:]:
            blocks.append(_down_block(channels, _width(base, resolution)))
            channels = _width(base, resolution)
        self.to_16 = nn.Sequential(*blocks[:-1])
        self.to_8 = blocks[-1]
        self.logits = nn.Conv2d(_width(base, 8), 1, 4)
        self.decode_whole = _decoder(_width(base, 8), in_channels)
        self.decode_part = _decoder(_width(base, 16), in_channels)

    def forward(
        self, x: torch.Tensor, quarter: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """Logits; with ``quarter`` (0–3) also the two reconstructions (whole, that quarter)."""
        features_16 = self.to_16(x)
        features_8 = self.to_8(features_16)
        logits = self.logits(features_8)
        if quarter is None:
            return logits, None, None
        row, col = divmod(quarter, 2)
        part = features_16[:, :, row * 8 : row * 8 + 8, col * 8 : col * 8 + 8]
        return logits, self.decode_whole(features_8), self.decode_part(part)


class FastGAN(NoiseGanModel):
    """FastGAN over image + mask channels; pairs come from noise."""

    def __init__(self, spec: ModelSpec, device: torch.device) -> None:
        super().__init__(spec, device)
        opts = spec.options
        base, size = int(opts["base_filters"]), spec.image_size
        self.generator = FastGANGenerator(int(opts["latent_dim"]), base, size, pair_head(spec)).to(
            device
        )
        self.discriminator = FastGANDiscriminator(base, size, spec.pair_channels).to(device)
        self.use_adam(self.generator, self.discriminator, "discriminator")
        self.reconstruction_weight = float(opts["reconstruction_weight"])
        self.r1_gamma = float(opts.get("r1_gamma", 0.0))
        if self.r1_gamma > 0:  # the penalty differentiates the discriminator twice
            self.differentiated_twice = frozenset({"discriminator"})

    def train_step(self, real: torch.Tensor, rng: torch.Generator) -> dict[str, float]:
        quarter = int(torch.randint(4, (1,), generator=rng))
        fake = self.generator(self.sample_noise(real.shape[0], rng))
        real = self.augment(real)  # the decoders reconstruct what the discriminator saw
        if self.r1_gamma > 0:
            real = real.detach().requires_grad_(True)
        logits_real, whole, part = self.discriminator(real, quarter)
        assert whole is not None and part is not None
        target = F.interpolate(real, size=2 * DECODED_SIZE, mode="area")
        row, col = divmod(quarter, 2)
        target_part = target[:, :, row * 32 : row * 32 + 32, col * 32 : col * 32 + 32]
        reconstruction = F.mse_loss(whole, F.interpolate(real, size=DECODED_SIZE, mode="area"))
        reconstruction = reconstruction + F.mse_loss(part, target_part)
        logits_fake = self.discriminator(self.augment(fake.detach()))[0]
        self.augment.observe(logits_real, logits_fake)
        disc_loss = (
            F.relu(1 - logits_real).mean()
            + F.relu(1 + logits_fake).mean()
            + self.reconstruction_weight * reconstruction
        )
        if self.r1_gamma > 0:
            disc_loss = disc_loss + self.r1_gamma / 2 * r1_penalty(logits_real, real)
        disc_opt, gen_opt = self.optimizers["discriminator"], self.optimizers["generator"]
        self.update(disc_opt, disc_loss)
        gen_loss = -self.discriminator(self.augment(fake))[0].mean()
        self.update(gen_opt, gen_loss)
        return {
            "loss_generator": float(gen_loss.detach()),
            "loss_critic": float(disc_loss.detach()),
            "loss_reconstruction": float(reconstruction.detach()),
        }


FAMILY = FamilyInfo(
    name="fastgan",
    model_class=FastGAN,
    summary="few-shot image + mask pairs: skip-layer excitation generator, "
    "self-supervised discriminator with decoders, hinge + reconstruction loss",
    reference="Liu et al., ICLR 2021; image+mask use after Sobolev 2021",
    defaults=DEFAULTS,
    optimiser=OPTIMISER_DEFAULTS,
)
