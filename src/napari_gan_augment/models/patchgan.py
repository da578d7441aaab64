"""PatchGAN discriminators (pix2pix) on MONAI's ``PatchDiscriminator``, single or multi-scale."""

from __future__ import annotations

import torch
from monai.networks.layers import Pool
from monai.networks.nets import PatchDiscriminator
from torch import nn

from ..errors import InputError

# Receptive field (px) → stride-2 layers, as in the GAN comparison thesis (Sobolev 2021):
# C64 / C64-C128 / C64-C128-C256, each followed by a 4×4 stride-1 conv and a 1×1 logit conv.
RECEPTIVE_FIELDS = {10: 1, 22: 2, 46: 3}


def receptive_field(net: nn.Module) -> int:
    """Receptive field in pixels of a plain stack of convolutions (r ← s·r + k − s, backwards)."""
    field = 1
    convs = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Conv3d))]
    for conv in reversed(convs):
        kernel, stride = conv.kernel_size[0], conv.stride[0]
        field = stride * field + kernel - stride
    return field


def build_patch_discriminator(
    in_channels: int, receptive: int, base_filters: int, spatial_dims: int = 2
) -> PatchDiscriminator:
    """A PatchGAN whose logits each see ``receptive`` pixels (10, 22 or 46)."""
    if receptive not in RECEPTIVE_FIELDS:
        raise InputError(
            f"PatchGAN receptive field must be one of {sorted(RECEPTIVE_FIELDS)}, got {receptive}"
        )
    return PatchDiscriminator(
        spatial_dims=spatial_dims,
        num_layers_d=RECEPTIVE_FIELDS[receptive],
        channels=base_filters,
        in_channels=in_channels,
        out_channels=1,
        kernel_size=4,
        norm="BATCH",
        last_conv_kernel_size=1,  # 1×1 logits keep the receptive field at 10/22/46
    )


class MultiScalePatchGAN(nn.Module):
    """``num_scales`` PatchGANs on the input downsampled by 1, 2, 4… (pix2pixHD, Wang et al. 2018).

    Written here because MONAI's ``MultiScalePatchDiscriminator`` fails on 64×64 inputs.
    Returns one logit map per scale.
    """

    def __init__(
        self,
        in_channels: int,
        receptive: int,
        base_filters: int,
        num_scales: int = 1,
        spatial_dims: int = 2,
    ) -> None:
        super().__init__()
        if not 1 <= num_scales <= 3:
            raise InputError(f"num_scales must be 1, 2 or 3, got {num_scales}")
        self.scales = nn.ModuleList(
            build_patch_discriminator(in_channels, receptive, base_filters, spatial_dims)
            for _ in range(num_scales)
        )
        self.pool = Pool[Pool.AVG, spatial_dims]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        logits = []
        for index, discriminator in enumerate(self.scales):
            scaled = self.pool(2**index)(x) if index else x
            logits.append(discriminator(scaled)[-1])
        return logits
