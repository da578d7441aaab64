"""``cyclegan``: unpaired translation between images without and with the object class.

Zhu et al. (ICCV 2017), as compared on normal ↔ tuberculosis chest X-rays in Sobolev (2021):
two generators (A → B, B → A), two PatchGAN discriminators, least-squares GAN loss,
cycle-consistency and identity losses, and a pool of earlier fakes for the discriminators.
Domain A = images whose mask is empty, domain B = images with an object; the masks are used
only to sort images into the two domains.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from monai.losses import PatchAdversarialLoss
from torch import nn
from torch.nn import functional as F

from .base import GanModel, ModelSpec
from .diffaugment import DIFFAUGMENT_DEFAULTS
from .family import FamilyInfo, Kind
from .networks import build_unet_generator
from .patchgan import MultiScalePatchGAN
from .ugan import (
    check_both_classes,
    class0_preview_images,
    class1_images,
    draw_both_classes,
    share_of_both_classes,
)

# CycleGAN: λ_cycle 10, identity 0.5·λ, pool 50, Adam 2e-4 β (0.5, 0.999). U-Net generators
# (CycleGAN's paper offers both U-Net and ResNet; MONAI has the U-Net). 22 px PatchGAN: the
# thesis's model that raised downstream accuracy. 32 base filters instead of 64: CPU-sized.
DEFAULTS: dict[str, Any] = {
    "base_filters": 32,
    "cycle_weight": 10.0,
    "identity_weight": 0.5,
    "receptive_field": 22,
    "pool_size": 50,
    **DIFFAUGMENT_DEFAULTS,
}
OPTIMISER_DEFAULTS = {"lr_generator": 2e-4, "lr_critic": 2e-4, "betas": (0.5, 0.999)}


class ImagePool:
    """Earlier fakes shown to the discriminator (Shrivastava et al. 2017; CycleGAN §4).

    Not stored in checkpoints: a resumed run starts with an empty pool.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.images: list[torch.Tensor] = []

    def query(self, fakes: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        if self.size == 0:
            return fakes
        out = []
        for fake in fakes.detach():
            if len(self.images) < self.size:
                self.images.append(fake)
                out.append(fake)
            elif float(torch.rand(1, generator=rng)) < 0.5:
                index = int(torch.randint(self.size, (1,), generator=rng))
                out.append(self.images[index])
                self.images[index] = fake
            else:
                out.append(fake)
        return torch.stack(out)


class CycleGAN(GanModel):
    """Two U-Net generators and two PatchGAN discriminators with cycle consistency."""

    kind: ClassVar[Kind] = Kind.IMAGE_TRANSLATION
    instead: ClassVar[str] = (
        "translates your images to the other class; use translate_images (gan-augment "
        "translate) instead"
    )

    def __init__(self, spec: ModelSpec, device: torch.device) -> None:
        super().__init__(spec, device)
        opts, channels = spec.options, spec.image_channels

        def generator() -> nn.Module:
            return build_unet_generator(spec, channels, channels, dropout=0.0)

        def discriminator() -> nn.Module:
            return MultiScalePatchGAN(
                channels, int(opts["receptive_field"]), int(opts["base_filters"])
            )

        self.generator = nn.ModuleDict({"a2b": generator(), "b2a": generator()}).to(device)
        self.discriminator = nn.ModuleDict({"a": discriminator(), "b": discriminator()}).to(device)
        self.use_adam(self.generator, self.discriminator, "discriminator")
        self.adversarial = PatchAdversarialLoss(criterion="least_squares")
        self.cycle_weight = float(opts["cycle_weight"])
        self.identity_weight = float(opts["identity_weight"])
        self.pools = {
            "a": ImagePool(int(opts["pool_size"])),
            "b": ImagePool(int(opts["pool_size"])),
        }

    @property
    def bundle_network(self) -> nn.Module:
        """A bundle ships the A → B generator: the one that adds the object class."""
        return self.generator["a2b"]

    def check_data(self, data: torch.Tensor) -> None:
        check_both_classes(data, self.spec.image_channels, "cyclegan translates between classes")

    def local_share(self, batch: torch.Tensor) -> torch.Tensor:
        return share_of_both_classes(batch)

    def draw_batch(self, data: torch.Tensor, batch_size: int, rng: torch.Generator) -> torch.Tensor:
        return draw_both_classes(data, batch_size, rng, self.spec.image_channels)

    def reference_images(self, data: torch.Tensor) -> torch.Tensor:
        """Domain-B images: what an A → B translation should look like."""
        return class1_images(data, self.spec.image_channels)

    def translate(self, images: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
        """Images of the other domain (``"a2b"``: add the class, ``"b2a"``: remove it)."""
        with torch.no_grad():
            return self.generator[direction](images.to(self.device))

    def preview_inputs(self, data: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        return class0_preview_images(data, self.spec.image_channels).clone()

    def render_pairs(self, inputs: torch.Tensor) -> torch.Tensor:
        """Grid cells: the A → B translation | no mask (CycleGAN draws none)."""
        translated = self.translate(inputs, "a2b")
        blank = -torch.ones_like(translated[:, :1]).repeat(1, self.spec.num_classes - 1, 1, 1)
        return torch.cat([translated, blank], 1)

    def train_step(self, real: torch.Tensor, rng: torch.Generator) -> dict[str, float]:
        half, channels = real.shape[0] // 2, self.spec.image_channels
        a, b = real[:half, :channels], real[half:, :channels]
        g, d = self.generator, self.discriminator
        fake_b, fake_a = g["a2b"](a), g["b2a"](b)
        aug = self.augment
        adversarial = self.adversarial(
            d["b"](aug(fake_b)), target_is_real=True, for_discriminator=False
        ) + self.adversarial(d["a"](aug(fake_a)), target_is_real=True, for_discriminator=False)
        cycle = F.l1_loss(g["b2a"](fake_b), a) + F.l1_loss(g["a2b"](fake_a), b)
        identity = F.l1_loss(g["a2b"](b), b) + F.l1_loss(g["b2a"](a), a)
        gen_loss = (
            adversarial
            + self.cycle_weight * cycle
            + self.cycle_weight * self.identity_weight * identity
        )
        gen_opt, disc_opt = self.optimizers["generator"], self.optimizers["discriminator"]
        self.update(gen_opt, gen_loss)

        disc_loss = 0.5 * (
            self._discriminator_loss(d["a"], a, self.pools["a"].query(fake_a, rng))
            + self._discriminator_loss(d["b"], b, self.pools["b"].query(fake_b, rng))
        )
        self.update(disc_opt, disc_loss)
        return {
            "loss_generator": float(gen_loss.detach()),
            "loss_critic": float(disc_loss.detach()),
            "loss_cycle": float(cycle.detach()),
            "loss_identity": float(identity.detach()),
        }

    def _discriminator_loss(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor
    ) -> torch.Tensor:
        real_logits = discriminator(self.augment(real))
        fake_logits = discriminator(self.augment(fake))
        self.augment.observe(real_logits, fake_logits)
        return 0.5 * (
            self.adversarial(real_logits, target_is_real=True, for_discriminator=True)
            + self.adversarial(fake_logits, target_is_real=False, for_discriminator=True)
        )


FAMILY = FamilyInfo(
    name="cyclegan",
    model_class=CycleGAN,
    summary="unpaired translation between images without (A) and with (B) the object "
    "class: two U-Nets, two PatchGANs, LSGAN + cycle + identity losses",
    reference="Zhu et al., ICCV 2017; medical use after Sobolev 2021",
    defaults=DEFAULTS,
    optimiser=OPTIMISER_DEFAULTS,
)
