"""``pair-wgan``: image–mask pairs from noise with WGAN-GP (Neff et al. 2018).

The image and its mask channels are concatenated, so one DCGAN-style generator emits a whole
pair and the critic judges pairs. Networks are MONAI's ``Generator`` (transposed convolutions
from a projected latent vector) and ``Discriminator`` (strided convolutions to one score).
"""

from __future__ import annotations

from typing import Any

import torch

from .averaging import EMA_DEFAULTS
from .base import ModelSpec, NoiseGanModel
from .diffaugment import DIFFAUGMENT_DEFAULTS
from .family import SIZES, FamilyInfo
from .losses import wgan_gp_update
from .mask_head import MASK_HEAD_DEFAULTS
from .networks import build_critic, build_generator

# Neff et al. 2018 (WGAN-GP, λ = 10, Adam 1e-4 β=(0.5, 0.9)); DCGAN's 100-d latent and 5×5
# kernels (Radford et al. 2016). base_filters 16 instead of DCGAN's 64 keeps a CPU run to
# minutes; raise it on a GPU. Measured on the sample (docs/benchmarks.md, "Seed families"):
# drawing with a weight average (ema_decay 0.999) and 2 critic steps instead of the paper's 5
# (2.1× the generator updates in the same CPU time) raised the train-on-synthetic ratio.
DEFAULTS: dict[str, Any] = {
    "latent_dim": 100,
    "base_filters": 16,
    "kernel_size": 5,
    "critic_steps": 2,
    "gp_weight": 10.0,
    **MASK_HEAD_DEFAULTS,
    **EMA_DEFAULTS,
    "ema_decay": 0.999,
    **DIFFAUGMENT_DEFAULTS,
}
OPTIMISER_DEFAULTS = {"lr_generator": 1e-4, "lr_critic": 1e-4, "betas": (0.5, 0.9)}


class PairWGAN(NoiseGanModel):
    """WGAN-GP on concatenated image + mask channels."""

    differentiated_twice: frozenset[str] = frozenset({"critic"})

    def __init__(self, spec: ModelSpec, device: torch.device) -> None:
        super().__init__(spec, device)
        self.generator = build_generator(spec).to(device)
        self.critic = build_critic(spec).to(device)
        self.use_adam(self.generator, self.critic, "critic")
        self.critic_steps = int(spec.options["critic_steps"])
        self.gp_weight = float(spec.options["gp_weight"])  # ranges: FamilyInfo.resolve_options

    def train_step(self, real: torch.Tensor, rng: torch.Generator) -> dict[str, float]:
        """``critic_steps`` critic updates on the same real batch, then one generator update."""
        return wgan_gp_update(
            self.critic,
            (self.optimizers["critic"], self.optimizers["generator"]),
            real,
            lambda: self.generator(self.sample_noise(real.shape[0], rng)),
            self.critic_steps,
            self.gp_weight,
            rng,
            self.augment,
            self.update,
        )


FAMILY = FamilyInfo(
    name="pair-wgan",
    model_class=PairWGAN,
    summary="WGAN-GP DCGAN that generates image + mask pairs from noise",
    reference="Neff, Payer, Štern, Urschler, OAGM/ARW 2018",
    defaults=DEFAULTS,
    optimiser=OPTIMISER_DEFAULTS,
    spatial_dims=(2, 3),
    sizes=(16, *SIZES),  # 16³ patches: 3D on a CPU
)
