"""``pair-wgan``: image–mask pairs from noise with WGAN-GP (Neff et al. 2018).

The image and its mask channels are concatenated, so one DCGAN-style generator emits a whole
pair and the critic judges pairs. Networks are MONAI's ``Generator`` (transposed convolutions
from a projected latent vector) and ``Discriminator`` (strided convolutions to one score).
"""

from __future__ import annotations

from typing import Any

import torch
from monai.networks.nets import Discriminator, Generator
from torch import nn

from ..errors import InputError
from .base import ModelSpec, NoiseGanModel, he_initialise
from .diffaugment import DIFFAUGMENT_DEFAULTS
from .losses import wgan_gp_update
from .mask_head import MASK_HEAD_DEFAULTS, pair_head

# Neff et al. 2018 (WGAN-GP, λ = 10, 5 critic steps, Adam 1e-4 β=(0.5, 0.9)); DCGAN's 100-d
# latent and 5×5 kernels (Radford et al. 2016). base_filters 16 instead of DCGAN's 64 keeps a
# CPU run to minutes; raise it on a GPU.
DEFAULTS: dict[str, Any] = {
    "latent_dim": 100,
    "base_filters": 16,
    "kernel_size": 5,
    "critic_steps": 5,
    "gp_weight": 10.0,
    **MASK_HEAD_DEFAULTS,
    **DIFFAUGMENT_DEFAULTS,
}
OPTIMISER_DEFAULTS = {"lr_generator": 1e-4, "lr_critic": 1e-4, "betas": (0.5, 0.9)}


def _doublings(image_size: int) -> int:
    return image_size.bit_length() - 1 - 2  # from 4×4 up to image_size


def build_generator(spec: ModelSpec, image_channels: int | None = None) -> nn.Module:
    """DCGAN generator: latent → 4×4 map → stride-2 transposed convs → the spec's pair head.

    Emits ``image_channels`` image channels (default: the spec's; 0 for masks only) and the
    mask channels.
    """
    opts = spec.options
    head = pair_head(spec, image_channels)
    n_up, nf = _doublings(spec.image_size), int(opts["base_filters"])
    widths = [nf * min(8, 2 ** (n_up - 2 - i)) for i in range(n_up - 1)]
    net = Generator(
        latent_shape=(int(opts["latent_dim"]),),
        start_shape=(nf * min(8, 2 ** (n_up - 1)), 4, 4),
        channels=(*widths, head.raw_channels),
        strides=(2,) * n_up,
        kernel_size=int(opts["kernel_size"]),
        num_res_units=0,
        act="RELU",
        norm="BATCH",  # Neff et al. keep batch norm in the generator
    )
    model = nn.Sequential(net, head)
    he_initialise(model)
    return model


def build_critic(
    spec: ModelSpec,
    in_channels: int | None = None,
    norm: Any = ("instance", {"affine": True}),
    act: Any = "RELU",
) -> nn.Module:
    """DCGAN critic: stride-2 convs down to 4×4, then a linear score (no sigmoid).

    Takes ``in_channels`` channels (default: the whole pair). Instance norm replaces DCGAN's
    batch norm for WGAN-GP: the gradient penalty is defined per sample and batch norm would
    couple samples (Gulrajani et al. 2017, §4).
    """
    opts = spec.options
    n_down, nf = _doublings(spec.image_size), int(opts["base_filters"])
    net = Discriminator(
        in_shape=(in_channels or spec.pair_channels, spec.image_size, spec.image_size),
        channels=tuple(nf * min(8, 2**i) for i in range(n_down)),
        strides=(2,) * n_down,
        kernel_size=int(opts["kernel_size"]),
        num_res_units=0,
        act=act,
        norm=norm,
        dropout=None,
        last_act=None,
    )
    he_initialise(net)
    return net


class PairWGAN(NoiseGanModel):
    """WGAN-GP on concatenated image + mask channels."""

    def __init__(self, spec: ModelSpec, device: torch.device) -> None:
        super().__init__(spec, device)
        self.generator = build_generator(spec).to(device)
        self.critic = build_critic(spec).to(device)
        self.use_adam(self.generator, self.critic, "critic")
        self.critic_steps = int(spec.options["critic_steps"])
        self.gp_weight = float(spec.options["gp_weight"])
        if self.critic_steps < 1 or self.gp_weight < 0:
            raise InputError(
                f"pair-wgan needs critic_steps >= 1 and gp_weight >= 0, got "
                f"{self.critic_steps} and {self.gp_weight}"
            )

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
        )
