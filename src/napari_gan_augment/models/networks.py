"""Network builders shared by the families, on MONAI's networks, for 2D and 3D alike.

One place for what several families build, so no family imports another: the DCGAN
generator and critic (MONAI ``Generator``/``Discriminator``; pair-wgan, mask-dcgan, ugan,
inpaint) and the pix2pix U-Net generator (MONAI ``UNet``; pix2pix, ugan, cyclegan, inpaint).
PatchGAN discriminators live in ``patchgan.py``. MONAI's ``Generator``/``Discriminator``
take their dimensionality from the shapes they are given and ``UNet`` from ``spatial_dims``
(each builds its layers with MONAI's ``Conv``/``Norm`` factories), so a spec's
``spatial_dims`` is all a family passes on.
"""

from __future__ import annotations

from typing import Any

from monai.networks.nets import Discriminator, Generator, UNet
from torch import nn

from .base import ModelSpec, he_initialise
from .mask_head import PairHead, pair_head


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
        start_shape=(nf * min(8, 2 ** (n_up - 1)), *(4,) * spec.spatial_dims),
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
        in_shape=(in_channels or spec.pair_channels, *spec.spatial_shape),
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


DROPOUT_BLOCKS = 3  # pix2pix: dropout in the first three decoder blocks only


def _decoder_blocks_deepest_first(unet: UNet) -> list[nn.Module]:
    """MONAI's UNet nests ``Sequential(down, SkipConnection(inner), up)``; collect the ups."""
    ups: list[nn.Module] = []
    block: Any = unet.model
    while isinstance(block, nn.Sequential) and len(block) == 3:
        ups.append(block[2])
        block = block[1].submodule
    return ups[::-1]


def build_unet_generator(
    spec: ModelSpec,
    in_channels: int | None = None,
    out_channels: int | None = None,
    dropout: float | None = None,
    head: PairHead | None = None,
) -> nn.Module:
    """U-Net down to 4×4 (capped at 8× base filters), tanh output (or ``head``'s, which then
    sets the output channels).

    Defaults: from the mask channels to the image channels, with the family's dropout.
    """
    if head is not None:
        out_channels = head.raw_channels
    opts = spec.options
    nf, depth = int(opts["base_filters"]), spec.image_size.bit_length() - 2
    channels = tuple(nf * min(8, 2**i) for i in range(depth))
    unet = UNet(
        spatial_dims=spec.spatial_dims,
        in_channels=in_channels or spec.num_classes - 1,
        out_channels=out_channels or spec.image_channels,
        channels=channels,
        strides=(2,) * (depth - 1),
        # 3×3 instead of pix2pix's 4×4: MONAI's "same" padding needs odd kernels (its bottom
        # layer is a stride-1 conv, and a 4×4 stride-2 transposed conv cannot exactly double).
        kernel_size=3,
        up_kernel_size=3,
        num_res_units=0,
        act=("leakyrelu", {"negative_slope": 0.2}),
        norm="BATCH",
        dropout=0.0,
    )
    for block in _decoder_blocks_deepest_first(unet)[:DROPOUT_BLOCKS]:
        for module in block.modules():
            if isinstance(module, nn.Dropout):
                module.p = float(opts["dropout"] if dropout is None else dropout)
    return nn.Sequential(unet, head or nn.Tanh())
