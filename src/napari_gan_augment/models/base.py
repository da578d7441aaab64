"""What every GAN family provides to the trainer and to synthesis."""

from __future__ import annotations

import json
import shutil
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel

from ..errors import InputError
from ..parallel import draw_sharded, shard
from ..updates import Updates
from .averaging import averaged, ema_decay
from .diffaugment import DiffAugment
from .kind import Kind

PREVIEW_COUNT = 16


def preview_indices(candidates: torch.Tensor) -> torch.Tensor:
    """Up to ``PREVIEW_COUNT`` of the candidate indices, evenly spread (first and last kept)."""
    count = min(PREVIEW_COUNT, len(candidates))
    return candidates[torch.linspace(0, len(candidates) - 1, count).long()]


@dataclass(frozen=True)
class ModelSpec:
    """Enough to rebuild a family's networks, stored in every checkpoint.

    Attributes:
        family: registry name.
        image_size: side of the square (2D) or cube (3D patch) in pixels.
        image_channels: channels of the image part (1 = grayscale).
        num_classes: mask labels including background.
        options: the family's resolved options (defaults merged with the user's).
        lr_generator, lr_critic, betas: Adam settings.
        spatial_dims: 2 (images, slices) or 3 (volume patches); checkpoints written before
            3D existed are 2D.
        context_slices: neighbouring mask slices on each side a 2D mask → image generator
            also sees (2.5D with context), so consecutive slices it draws agree.
        guidance: ``segmentation``: the generator also learns from a segmenter trained on
            its pairs (``segmentation/guidance.py``); ``none``: adversarial training alone.
    """

    family: str
    image_size: int
    image_channels: int
    num_classes: int
    options: Mapping[str, Any] = field(default_factory=dict)
    lr_generator: float = 1e-4
    lr_critic: float = 1e-4
    betas: tuple[float, float] = (0.5, 0.9)
    spatial_dims: int = 2
    context_slices: int = 0
    guidance: str = "none"

    @property
    def spatial_shape(self) -> tuple[int, ...]:
        """The generator's output size: a square or a cube of ``image_size``."""
        return (self.image_size,) * self.spatial_dims

    @property
    def pair_channels(self) -> int:
        """Image channels plus one channel per foreground class."""
        return self.image_channels + self.num_classes - 1

    @property
    def condition_channels(self) -> int:
        """A mask → image generator's input: the mask's class channels, then those of each
        neighbouring slice."""
        return (self.num_classes - 1) * (1 + 2 * self.context_slices)

    def to_json(self) -> str:
        return json.dumps(asdict(self) | {"options": dict(self.options)})

    @classmethod
    def from_json(cls, text: str) -> ModelSpec:
        raw = json.loads(text)
        raw["betas"] = tuple(raw["betas"])
        return cls(**raw)


class GanModel(ABC):
    """Networks, optimisers and one training step of a GAN family.

    Subclasses build their networks in ``__init__`` and fill ``networks`` and ``optimizers``;
    the trainer only calls the methods below, so it stays family-agnostic. ``kind`` says what
    the generator starts from and makes; ``instead`` tells a user who asks it for pairs from
    noise what to use it for.
    """

    kind: ClassVar[Kind]
    instead: ClassVar[str] = "cannot draw pairs from noise"
    #: networks a training step differentiates twice (a gradient penalty): torch.compile
    #: has no double backward, so ``--compile`` leaves them as they are
    differentiated_twice: frozenset[str] = frozenset()

    def __init__(self, spec: ModelSpec, device: torch.device) -> None:
        self.spec = spec
        self.device = device
        self.networks: dict[str, nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        #: applied to everything the discriminator sees, real and generated (off by default
        #: for families where it did not help; see models/diffaugment.py)
        self.augment = DiffAugment.from_options(spec.options, spec.image_channels, device)
        #: every optimiser update goes through it (the trainer sets its precision and ranks)
        self.update = Updates()

    def use_adam(self, generator: nn.Module, critic: nn.Module, critic_name: str) -> None:
        """Register the two networks and an Adam optimiser for each, from the spec."""
        self.networks = {"generator": generator, critic_name: critic}
        self.optimizers = {
            "generator": torch.optim.Adam(
                generator.parameters(), lr=self.spec.lr_generator, betas=self.spec.betas
            ),
            critic_name: torch.optim.Adam(
                critic.parameters(), lr=self.spec.lr_critic, betas=self.spec.betas
            ),
        }

    @property
    def bundle_network(self) -> nn.Module:
        """The trained module a MONAI bundle ships: one tensor in (its ``image``), one out
        (its ``pred``); the inputs and outputs are described by the kind's bundle recipe."""
        return self.networks["generator"]

    def reference_images(self, data: torch.Tensor) -> torch.Tensor:
        """Real images that generated ones are scored against (default: all)."""
        return data[:, : self.spec.image_channels]

    def check_data(self, data: torch.Tensor) -> None:
        """Refuse training data this family cannot learn from (default: anything goes)."""
        return None

    def local_share(self, batch: torch.Tensor) -> torch.Tensor:
        """This process's share of a global batch from ``draw_batch`` (all of it on one)."""
        return shard(batch)

    def draw_batch(self, data: torch.Tensor, batch_size: int, rng: torch.Generator) -> torch.Tensor:
        """A training batch: ``batch_size`` pairs drawn uniformly with ``rng`` (on the CPU,
        so the draw is the same on every device and resumes exactly)."""
        index = torch.randint(data.shape[0], (batch_size,), generator=rng)
        return data[index.to(data.device)]

    @abstractmethod
    def train_step(self, real: torch.Tensor, rng: torch.Generator) -> dict[str, float]:
        """One generator update (and the critic updates before it); returns named losses."""

    def after_step(self) -> None:
        """Called by the trainer after each ``train_step`` (default: nothing)."""
        return None

    @abstractmethod
    def preview_inputs(self, data: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        """Fixed generator inputs for the sample grids, from the training pairs or ``rng``."""

    @abstractmethod
    def render_pairs(self, inputs: torch.Tensor) -> torch.Tensor:
        """Pairs in [-1, 1], ``(N, pair_channels, S, S)``, for preview inputs (no gradients)."""

    def compile(self) -> None:
        """``torch.compile`` every network that allows it, in place (state-dict keys and
        checkpoints are unchanged)."""
        compilers = ("c++", "g++", "clang++")
        if self.device.type == "cpu" and not any(shutil.which(c) for c in compilers):
            raise InputError(  # else the first step fails deep inside torch's inductor
                "compile on a CPU needs a C++ compiler (g++ or clang++) and none is on PATH: "
                "install one, or train without compile"
            )
        for name, network in self.networks.items():
            if name not in self.differentiated_twice:
                network.compile()

    def train(self) -> None:
        for net in self.networks.values():
            net.train()

    def eval(self) -> None:
        for net in self.networks.values():
            net.eval()

    def state_dict(self) -> dict[str, Any]:
        """Network and optimiser states, keyed by name (what a checkpoint stores)."""
        return {
            "networks": {k: v.state_dict() for k, v in self.networks.items()},
            "optimizers": {k: v.state_dict() for k, v in self.optimizers.items()},
            "augment": self.augment.state_dict(),
            "scalers": self.update.state_dict(self.optimizers),
        }

    def load_state_dict(self, state: Mapping[str, Any], with_optimizers: bool = True) -> None:
        for name, net in self.networks.items():
            net.load_state_dict(state["networks"][name])
        if with_optimizers:
            for name, opt in self.optimizers.items():
                opt.load_state_dict(state["optimizers"][name])
            if "augment" in state:  # older checkpoints trained without it
                self.augment.load_state_dict(state["augment"])
            self.update.load_state_dict(state.get("scalers", {}), self.optimizers)


class NoiseGanModel(GanModel):
    """A family whose ``self.generator`` draws whole image–mask pairs from a latent vector
    of ``options["latent_dim"]`` standard-normal values.

    A family of kind ``MASKS`` draws masks only (its pairs carry a blank image): it is then
    a mask source for a mask → image family, never a pair source alone."""

    kind: ClassVar[Kind] = Kind.PAIRS
    generator: nn.Module
    #: the generator's weight average (models/averaging.py) when ``ema_decay`` > 0
    generator_average: AveragedModel | None = None

    def use_adam(self, generator: nn.Module, critic: nn.Module, critic_name: str) -> None:
        super().use_adam(generator, critic, critic_name)
        decay = ema_decay(self.spec.options)
        if decay > 0:
            self.generator_average = averaged(generator, decay)
            self.networks["generator_average"] = self.generator_average

    def after_step(self) -> None:
        if self.generator_average is not None:
            self.generator_average.update_parameters(self.generator)

    @property
    def sampler(self) -> nn.Module:
        """The generator that draws: the weight average when there is one."""
        return self.generator if self.generator_average is None else self.generator_average.module

    @property
    def bundle_network(self) -> nn.Module:
        return self.sampler

    @staticmethod
    def latents(spec: ModelSpec, count: int, rng: torch.Generator) -> torch.Tensor:
        """The training latent distribution: ``count`` standard-normal vectors from ``rng``
        (on its device); what training, ``generate`` and exported bundles all draw."""
        dim = int(spec.options["latent_dim"])
        return torch.randn(count, dim, generator=rng, device=rng.device)

    def sample_noise(self, count: int, rng: torch.Generator) -> torch.Tensor:
        """Generator inputs for ``count`` samples, drawn from ``rng``, on the model's device
        (on several processes: this rank's share of the global batch's draw)."""
        return draw_sharded(lambda n: self.latents(self.spec, n, rng), count).to(self.device)

    def generate(self, noise: torch.Tensor) -> torch.Tensor:
        """Pairs in [-1, 1], ``(N, pair_channels, S, S)``, without gradients."""
        with torch.no_grad():  # not inference_mode: callers may feed results to a critic
            return self.sampler(noise.to(self.device))

    def preview_inputs(self, data: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        return self.sample_noise(PREVIEW_COUNT, rng)

    def render_pairs(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.generate(inputs)


class MaskToImageModel(GanModel):
    """A family whose generator draws the image for a given mask."""

    kind: ClassVar[Kind] = Kind.MASK_TO_IMAGE
    instead: ClassVar[str] = (
        "draws images for given masks; use images_for_masks (or the two-stage "
        "mask-dcgan → pix2pix pipeline) instead"
    )

    @abstractmethod
    def translate(self, masks: torch.Tensor) -> torch.Tensor:
        """Images ``(N, image_channels, S, S)`` for condition channels
        ``(N, spec.condition_channels, S, S)`` (the mask's, then its neighbours')."""

    def preview_inputs(self, data: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        index = preview_indices(torch.arange(data.shape[0]))
        return data[index, self.spec.image_channels :].clone()

    def render_pairs(self, inputs: torch.Tensor) -> torch.Tensor:
        masks = inputs[:, : self.spec.num_classes - 1]  # without neighbouring slices
        return torch.cat([self.translate(inputs), masks.to(self.device)], dim=1)


def he_initialise(module: nn.Module) -> None:
    """He (Kaiming) normal weights for convolutions and linear layers, zero biases.

    Neff et al. (2018) initialise their DCGAN pair model this way.
    """
    for layer in module.modules():
        if isinstance(
            layer,
            (
                nn.Conv1d,
                nn.Conv2d,
                nn.Conv3d,
                nn.ConvTranspose1d,
                nn.ConvTranspose2d,
                nn.ConvTranspose3d,
                nn.Linear,
            ),
        ):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
