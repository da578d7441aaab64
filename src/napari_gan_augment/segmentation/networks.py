"""The segmenters: MONAI networks and losses, one place for every module that trains one.

Experiments train them to judge synthetic data (``evaluation/``); segmentation-guided
generator training (``segmentation/guidance.py``) trains one beside the generator. Both sit
above this room, so ``training/`` never imports ``evaluation/``.

Networks: MONAI ``UNet`` (default, Neff et al.'s 3-level U-Net at CPU scale), ``BasicUNet``
or ``FlexibleUNet`` with a ResNet-34 encoder (the dental-fillings study), always from scratch:
no weights can be downloaded here.
"""

from __future__ import annotations

import torch
from monai.losses import DiceCELoss, DiceLoss
from monai.networks.nets import BasicUNet, FlexibleUNet, UNet

from ..errors import InputError

SEGMENTERS = ("unet", "basicunet", "flexibleunet")
LOSSES = ("dicece", "dice", "jaccard")


def segmentation_network(
    name: str, classes: int, base_filters: int, spatial_dims: int = 2
) -> torch.nn.Module:
    """A 2D or 3D segmentation network with one input channel and ``classes`` outputs."""
    nf, dims = base_filters, spatial_dims
    if name == "unet":
        # no batch norm: tiny batches of mixed real/synthetic pairs; instance norm per sample
        return UNet(
            dims,
            1,
            classes,
            (nf, 2 * nf, 4 * nf, 8 * nf),
            (2, 2, 2),
            num_res_units=1,
            norm="INSTANCE",
        )
    if name == "basicunet":
        return BasicUNet(dims, 1, classes, features=(nf, nf, 2 * nf, 4 * nf, 8 * nf, nf))
    if name == "flexibleunet":
        return FlexibleUNet(1, classes, "resnet34", pretrained=False, spatial_dims=dims)
    raise InputError(f"network must be one of {SEGMENTERS}, got {name!r}")


def segmentation_loss(name: str) -> torch.nn.Module:
    if name == "dicece":
        return DiceCELoss(to_onehot_y=True, softmax=True)
    if name in ("dice", "jaccard"):
        return DiceLoss(to_onehot_y=True, softmax=True, jaccard=name == "jaccard")
    raise InputError(f"loss must be one of {LOSSES}, got {name!r}")
