"""``pix2pix``: mask → image with a U-Net generator and PatchGAN discriminators (Isola et al. 2017).

The generator is MONAI's ``UNet`` (stride-2 3×3 convolutions down, LeakyReLU 0.2, batch norm,
skip connections, dropout in the deepest decoder blocks, tanh output); the discriminator
judges (mask, image) pairs patch by patch. Loss: cGAN (BCE, ``PatchAdversarialLoss``) + λ·L1.

With ``guidance: segmentation`` (GenSeg, LITERATURE §9) a segmenter trains beside it on real
pairs plus its images for deformed real masks, and the generator's loss gains the
segmenter's unrolled validation loss and a mask-consistency term
(``segmentation/guidance.py``); a fixed quarter of the pairs is held out of all training as
that validation split.
"""

from __future__ import annotations

from typing import Any

import torch
from monai.losses import PatchAdversarialLoss

from ..errors import InputError
from ..segmentation.guidance import (
    GUIDANCE_DEFAULTS,
    GuidanceSettings,
    SegmentationGuidance,
    deform_masks,
    labels_of,
    validation_split,
)
from .base import MaskToImageModel, ModelSpec
from .diffaugment import DIFFAUGMENT_DEFAULTS
from .family import SIZES, FamilyInfo
from .networks import build_unet_generator
from .patchgan import MultiScalePatchGAN

# Isola et al. 2017 (λ = 100, Adam 2e-4, β = (0.5, 0.999), 64 base filters, dropout 0.5);
# receptive field 22 px and one scale follow the ISIC mask→image study (Sobolev 2021).
DEFAULTS: dict[str, Any] = {
    "base_filters": 64,
    "l1_weight": 100.0,
    "dropout": 0.5,
    "receptive_field": 22,
    "num_scales": 1,
    **DIFFAUGMENT_DEFAULTS,
    **GUIDANCE_DEFAULTS,
}
OPTIMISER_DEFAULTS = {"lr_generator": 2e-4, "lr_critic": 2e-4, "betas": (0.5, 0.999)}


class Pix2Pix(MaskToImageModel):
    """Conditional GAN from mask channels to the image."""

    def __init__(self, spec: ModelSpec, device: torch.device) -> None:
        super().__init__(spec, device)
        opts = spec.options
        if spec.image_size < 16:
            raise InputError("pix2pix needs images of at least 16 px")
        self.generator = build_unet_generator(spec, spec.condition_channels).to(device)
        self.discriminator = MultiScalePatchGAN(
            spec.image_channels + spec.condition_channels,  # judges the slice in its context
            int(opts["receptive_field"]),
            int(opts["base_filters"]),
            int(opts["num_scales"]),
            spec.spatial_dims,
        ).to(device)
        self.use_adam(self.generator, self.discriminator, "discriminator")
        self.adversarial = PatchAdversarialLoss(criterion="bce", reduction="mean")
        self.l1_weight = float(opts["l1_weight"])
        self.guide: SegmentationGuidance | None = None
        #: the held-out pairs the guidance's validation loss is measured on
        self.validation: torch.Tensor | None = None
        # checked unguided too: a misspelt guidance_network must not wait for the guided run
        settings = GuidanceSettings.from_options({**GUIDANCE_DEFAULTS, **opts})
        if spec.guidance == "segmentation":
            self.guide = SegmentationGuidance(spec.num_classes, spec.spatial_dims, settings, device)
            self.networks["segmenter"] = self.guide.segmenter
            self.optimizers["segmenter"] = self.guide.optimizer

    def draw_batch(self, data: torch.Tensor, batch_size: int, rng: torch.Generator) -> torch.Tensor:
        """Guided: the batch comes from the training part only; the validation part is kept
        for the guidance's loss."""
        if self.guide is None:
            return super().draw_batch(data, batch_size, rng)
        train, validation = validation_split(data.shape[0], self.guide.settings.validation)
        self.validation = data[validation.to(data.device)]
        return super().draw_batch(data[train.to(data.device)], batch_size, rng)

    def translate(self, masks: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.generator(masks.to(self.device))

    def train_step(self, real: torch.Tensor, rng: torch.Generator) -> dict[str, float]:
        """One discriminator update on real/fake (mask, image) pairs, then one generator update."""
        channels = self.spec.image_channels
        image, masks = real[:, :channels], real[:, channels:]  # masks: with any neighbours
        fake = self.generator(masks)
        disc_opt, gen_opt = self.optimizers["discriminator"], self.optimizers["generator"]

        # one geometric draw moves the mask and its image together (channels of one tensor)
        real_logits = self.discriminator(self.augment(torch.cat([image, masks], 1)))
        fake_logits = self.discriminator(self.augment(torch.cat([fake.detach(), masks], 1)))
        self.augment.observe(real_logits, fake_logits)
        disc_loss = 0.5 * (
            self.adversarial(real_logits, target_is_real=True, for_discriminator=True)
            + self.adversarial(fake_logits, target_is_real=False, for_discriminator=True)
        )
        self.update(disc_opt, disc_loss)

        adversarial = self.adversarial(
            self.discriminator(self.augment(torch.cat([fake, masks], 1))),
            target_is_real=True,
            for_discriminator=False,
        )
        l1 = torch.nn.functional.l1_loss(fake, image)
        gen_loss = adversarial + self.l1_weight * l1
        if self.guide is None:
            self.update(gen_opt, gen_loss)
            guided: dict[str, float] = {}
        else:
            guided = self._guided_updates(image, masks, gen_loss, rng)
        return {
            "loss_generator": float(gen_loss.detach()),
            "loss_critic": float(disc_loss.detach()),
            "loss_l1": float(l1.detach()),
            "loss_adversarial": float(adversarial.detach()),
            **guided,
        }

    def _guided_updates(
        self, image: torch.Tensor, masks: torch.Tensor, gen_loss: torch.Tensor, rng: torch.Generator
    ) -> dict[str, float]:
        """The generator's update with the guidance terms, then the segmenter's update."""
        assert self.guide is not None and self.validation is not None
        settings, classes = self.guide.settings, self.spec.num_classes - 1
        channels = self.spec.image_channels
        deformed = deform_masks(masks, settings, rng)  # neighbouring slices move alike
        deformed_labels = labels_of(deformed[:, :classes])
        drawn = self.generator(deformed)
        images = torch.cat([image, drawn])
        labels = torch.cat([labels_of(masks[:, :classes]), deformed_labels])
        losses: dict[str, float] = {}
        # drawn from rng, not counted: a resumed run (rng state restored) draws the same
        hyper_step = bool(torch.rand(1, generator=rng, device=rng.device) < 1 / settings.every)
        if hyper_step:
            validation = self.validation
            hyper = self.guide.unrolled_validation_loss(
                images,
                labels,
                validation[:, :channels],
                labels_of(validation[:, channels : channels + classes]),
            )
            gen_loss = gen_loss + settings.weight * hyper
            losses["loss_guidance"] = float(hyper.detach())
        if settings.consistency_weight:
            consistency = self.guide.supervised_loss(drawn, deformed_labels)
            gen_loss = gen_loss + settings.consistency_weight * consistency
            losses["loss_consistency"] = float(consistency.detach())
        self.update(self.optimizers["generator"], gen_loss)
        segmenter_loss = self.guide.supervised_loss(torch.cat([image, drawn.detach()]), labels)
        self.update(self.optimizers["segmenter"], segmenter_loss)
        losses["loss_segmenter"] = float(segmenter_loss.detach())
        return losses


FAMILY = FamilyInfo(
    name="pix2pix",
    model_class=Pix2Pix,
    summary="U-Net mask → image generator with PatchGAN discriminators (cGAN + L1)",
    reference="Isola et al., CVPR 2017; PatchGAN sizes after Sobolev 2021",
    defaults=DEFAULTS,
    optimiser=OPTIMISER_DEFAULTS,
    spatial_dims=(2, 3),
    sizes=(16, *SIZES),  # 16³ patches: 3D on a CPU
    slice_context=True,
    guidance=True,
)
