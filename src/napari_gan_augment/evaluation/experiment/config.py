"""Downstream experiments: does synthetic data make a network better, and by how much?

One job trains a network per arm, seed (and fold) and scores it on held-out test images.

``task: segmentation`` (MONAI UNet/BasicUNet/FlexibleUNet, see ``networks.py``), arms:

- ``real``: the real training pairs;
- ``real+synthetic``: plus one fixed set of ``synthetic_count`` generated pairs;
- ``synthetic``: the fixed synthetic set only;
- ``mix:R-S``: every minibatch holds R real and S freshly generated pairs (Neff et al.'s
  16-0 / 8-8 / 0-16 are ``mix:16-0``, ``mix:8-8``, ``mix:0-16``).

``task: classification`` (DenseNet121; class = mask not empty) for the class-transform
families (ugan, cyclegan): ``real`` vs ``real+synthetic``, where the synthetic images are
real object-free training images turned into the object class by the generator.

Arms can come from several generators: ``synthetic_runs: {wgan: runs/a, fastgan: runs/b}``
and ``real+synthetic@wgan``, ``mix:8-8@fastgan``… (an arm without ``@`` uses
``synthetic_run``), so one experiment compares families on the same seeds and test set.

Every arm runs without and/or with standard augmentation (``augment: [false, true]``; named
``<arm>+aug``). The seed drives the train/validation split, the initialisation, the batch
order and the augmentation draws, so arms are paired by seed. The test set is fixed
(``test_fraction``) or rotates over ``folds`` (k-fold cross-validation; each image is then
tested once per seed). See ``docs/evaluation.md`` for the files a run writes.

``spatial_dims: 3`` runs a segmentation experiment on volumes (``docs/3d.md``): the data is a
folder of volumes, the test folds are whole held-out volumes, each network trains on
``patches`` cubic patches of ``image_size`` voxels drawn from its training volumes (half on
foreground), and is scored per volume (sliding-window inference; Dice, HD95 in mm with the
volumes' spacing). Synthetic patches come from a 3D run: pairs from noise, or images drawn for
deformed real mask patches of the split's training volumes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ...config import SETTINGS, DataConfig, TrainConfig, parse_settings, read_settings
from ...errors import InputError
from ...models.registry import check_family_guidance
from ...precision import check_precision
from ...segmentation.networks import LOSSES, SEGMENTERS
from ...synthesis import MaskDeformation
from ..augmentation import LEVELS, NO_FLIPS_IN_3D, AugmentationSettings
from ..gate import GateSettings
from .splits import SPLITS

TASKS = ("segmentation", "classification")

FIXED_ARMS = ("real", "real+synthetic", "synthetic")

MIX = re.compile(r"^mix:(\d+)-(\d+)$")

#: The per-seed score each task is judged by (mean over that seed's test images).
PRIMARY = {"segmentation": "mean_dice", "classification": "accuracy"}

SECONDARY = {
    "segmentation": ("mean_iou", "hd95_mm", "accuracy"),
    "classification": ("sensitivity", "specificity", "fp", "fn"),
}


@dataclass(frozen=True)
class Arm:
    """One arm as the config writes it (``"mix:8-8@fastgan"``), parsed once."""

    text: str
    #: ``real``, ``real+synthetic``, ``synthetic`` or ``mix``
    base: str
    #: the ``synthetic_runs`` entry it draws from; ``""`` = ``synthetic_run``
    run: str = ""
    #: a mix's real and freshly generated pairs per minibatch
    real_per_batch: int | None = None
    fresh_per_batch: int = 0
    #: written with ``+aug`` (``real+aug``, ``real+synthetic@guided+aug``): always augmented,
    #: whatever ``augment`` lists
    augmented: bool = False

    @classmethod
    def parse(cls, text: str) -> Arm:
        augmented = text.endswith("+aug")
        plain = text.removesuffix("+aug") if augmented else text
        base, _, run = plain.partition("@")
        mix = MIX.match(base)
        if mix:
            return cls(plain, "mix", run, int(mix[1]), int(mix[2]), augmented)
        return cls(plain, base, run, augmented=augmented)

    def augment_choices(self, augment: tuple[bool, ...]) -> tuple[bool, ...]:
        """Whether it runs without and/or with augmentation."""
        return (True,) if self.augmented else augment

    @property
    def is_mix(self) -> bool:
        return self.real_per_batch is not None

    @property
    def synthetic(self) -> bool:
        """Draws on a generator."""
        return self.base != "real"

    @property
    def fixed_synthetic(self) -> bool:
        """Trains on the fixed synthetic set (alone or beside the real pairs)."""
        return self.base in ("real+synthetic", "synthetic")

    def name(self, augment: bool) -> str:
        """``"real"``, ``"real+aug"``, ``"mix:8-8+aug"``…"""
        return f"{self.text}+aug" if augment else self.text


@dataclass(frozen=True)
class ExperimentConfig:
    """What to compare. Defaults follow Neff et al. (U-Net, Adam 1e-4) at CPU scale."""

    __pydantic_config__ = SETTINGS

    data: DataConfig = field(default_factory=DataConfig)
    task: str = "segmentation"
    synthetic_run: str | None = None
    synthetic_runs: dict[str, str] = field(default_factory=dict)
    generator: dict[str, Any] | None = None
    generators: dict[str, dict[str, Any]] = field(default_factory=dict)
    synthetic_count: int = 64
    synthetic_mask_threshold: float = 0.0
    synthetic_mask_cleanup: int = 0
    synthetic_gate: GateSettings | None = None
    mask_deformation: MaskDeformation = field(default_factory=MaskDeformation)
    train_limit: int | None = None
    real_counts: tuple[int | None, ...] = ()
    arms: tuple[str, ...] = ("real", "real+synthetic")
    augment: tuple[bool, ...] = (False,)
    augmentation: AugmentationSettings = field(default_factory=AugmentationSettings)
    augmentation_levels: tuple[str, ...] = ()
    tuning_seeds: int = 2
    seeds: int = 10
    folds: int = 1
    network: str = "unet"
    loss: str = "dicece"
    largest_component: bool = False
    image_size: int = 64
    spatial_dims: int = 2
    patches: int = 64
    epochs: int = 30
    steps_per_epoch: int | None = None
    batch_size: int = 8
    learning_rate: float = 1e-4
    patience: int = 5
    test_fraction: float = 0.2
    split: str = "block"
    guard_mm: float = 4.0
    test_blocks: int = 2
    validation_fraction: float = 0.2
    base_filters: int = 16
    device: str = "auto"
    precision: str = "auto"

    def __post_init__(self) -> None:
        check_precision(self.precision)
        object.__setattr__(self, "arms", tuple(self.arms))
        object.__setattr__(self, "augment", tuple(bool(a) for a in self.augment))
        if isinstance(self.augmentation, Mapping):
            settings = AugmentationSettings.from_dict(dict(self.augmentation))
            object.__setattr__(self, "augmentation", settings)
        if isinstance(self.synthetic_gate, Mapping):
            gate = GateSettings.from_dict(dict(self.synthetic_gate))
            object.__setattr__(self, "synthetic_gate", gate)
        if isinstance(self.mask_deformation, Mapping):
            deformation = MaskDeformation.from_dict(dict(self.mask_deformation))
            object.__setattr__(self, "mask_deformation", deformation)
        object.__setattr__(self, "generators", {k: dict(v) for k, v in self.generators.items()})
        object.__setattr__(self, "augmentation_levels", tuple(self.augmentation_levels))
        unknown = [level for level in self.augmentation_levels if level not in LEVELS]
        if unknown:
            raise InputError(
                f"augmentation_levels must be names from {sorted(LEVELS)}, got {unknown}"
            )
        if self.tuning_seeds < 1:
            raise InputError(f"tuning_seeds must be at least 1, got {self.tuning_seeds}")
        if self.split not in SPLITS:
            raise InputError(f"split must be one of {SPLITS}, got {self.split!r}")
        if self.guard_mm < 0 or self.test_blocks < 1:
            raise InputError("guard_mm must be >= 0 and test_blocks at least 1")
        clash = set(self.generators) & set(self.synthetic_runs)
        if clash:
            raise InputError(
                f"{sorted(clash)} name both a trained run (synthetic_runs) and a generator the "
                "experiment trains (generators); give each name once"
            )
        for name in self.generators:
            generator_config(self, name)  # refuses bad settings now, not after data loads
        if self.generator is not None:
            generator_config(self)  # refuses unknown or bad settings now, not after data loads
            if self.synthetic_run:
                raise InputError(
                    "give either generator (the experiment trains one per split) or "
                    "synthetic_run (a trained run), not both"
                )
        object.__setattr__(self, "real_counts", tuple(self.real_counts))
        if any(c is not None and c < 2 for c in self.real_counts):
            raise InputError(f"real_counts must be at least 2 pairs each, got {self.real_counts}")
        if self.real_counts and self.train_limit is not None:
            raise InputError("give real_counts (a curve) or train_limit (one count), not both")
        if self.train_limit is not None and self.train_limit < 2:
            raise InputError(f"train_limit must be at least 2 real pairs, got {self.train_limit}")
        if self.task not in TASKS:
            raise InputError(f"task must be one of {TASKS}, got {self.task!r}")
        if not self.augment:
            raise InputError("augment must list at least one of false/true")
        allowed = ("real", "real+synthetic") if self.task == "classification" else FIXED_ARMS
        object.__setattr__(self, "synthetic_runs", dict(self.synthetic_runs))
        bad = [
            a.text
            for a in self.parsed_arms
            if a.base not in allowed and not (a.is_mix and self.task == "segmentation")
        ]
        if bad or not self.arms:
            raise InputError(
                f"arms must be a non-empty subset of {allowed}"
                + (" or mix:R-S (e.g. mix:8-8)" if self.task == "segmentation" else "")
                + f", optionally @name of a synthetic_runs entry; got {list(self.arms)}"
            )
        for arm in self.parsed_arms:
            if arm.is_mix and (arm.real_per_batch or 0) + arm.fresh_per_batch == 0:
                raise InputError(f"{arm.text}: a minibatch needs at least one pair")
            if arm.run and arm.run not in self.synthetic_runs and arm.run not in self.generators:
                raise InputError(
                    f"arm {arm.text!r} names run {arm.run!r}, which synthetic_runs does not "
                    f"list (it lists {sorted(self.synthetic_runs)}), nor generators "
                    f"({sorted(self.generators)})"
                )
        names = [a.name(aug) for a in self.parsed_arms for aug in a.augment_choices(self.augment)]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InputError(
                f"arms {twice} would run twice (an arm written with +aug also runs when "
                "augment lists true for its plain form); list each once"
            )
        if self.seeds < 1:
            raise InputError(f"seeds must be at least 1, got {self.seeds}")
        if self.folds < 1:
            raise InputError(f"folds must be at least 1, got {self.folds}")
        unnamed = [a.text for a in self.parsed_arms if a.synthetic and not a.run]
        if unnamed and not self.synthetic_run and self.generator is None:
            raise InputError(
                f"arms {unnamed} need synthetic pairs: choose a trained synthetic run "
                "(synthetic_run), or let the experiment train a generator on each split's "
                "training images (a `generator:` section)"
            )
        if self.network not in SEGMENTERS:
            raise InputError(f"network must be one of {SEGMENTERS}, got {self.network!r}")
        if self.loss not in LOSSES:
            raise InputError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.patience < 1 or self.epochs < 1 or self.batch_size < 1:
            raise InputError("epochs, patience and batch_size must be at least 1")
        if not self.learning_rate > 0:
            raise InputError(f"learning_rate must be above 0, got {self.learning_rate}")
        if self.synthetic_count < 1 or self.base_filters < 1 or self.patches < 1:
            raise InputError("synthetic_count, base_filters and patches must be at least 1")
        if self.steps_per_epoch is not None and self.steps_per_epoch < 1:
            raise InputError(f"steps_per_epoch must be at least 1, got {self.steps_per_epoch}")
        for name in ("test_fraction", "validation_fraction"):
            if not 0 < getattr(self, name) < 1:
                raise InputError(f"{name} is a share in (0, 1), got {getattr(self, name)}")
        if self.spatial_dims == 3:
            self._check_volumes()
        elif self.spatial_dims != 2:
            raise InputError(f"spatial_dims must be 2 or 3, got {self.spatial_dims}")
        elif self.image_size < 16 or self.image_size & (self.image_size - 1):
            raise InputError(
                f"image_size must be a power of two of at least 16 (the U-Net halves it), "
                f"got {self.image_size}"
            )

    def _check_volumes(self) -> None:
        """What a 3D experiment cannot do (yet), refused before any data loads."""
        if self.task != "segmentation":
            raise InputError("a 3D experiment is a segmentation experiment (task: segmentation)")
        if any(self.augment) and self.augmentation.flip:
            raise InputError(NO_FLIPS_IN_3D)
        if self.synthetic_gate is not None:
            raise InputError("the quality gate judges 2D pairs; leave out synthetic_gate in 3D")
        if self.image_size < 16 or self.image_size % 8:
            raise InputError(
                f"in 3D image_size is the side of the cubic training patches, a multiple of 8 "
                f"of at least 16 (the U-Net halves it three times), got {self.image_size}"
            )
        if self.patches < self.batch_size:
            raise InputError(
                f"patches ({self.patches}) must be at least batch_size ({self.batch_size})"
            )
        if self.generator is not None:
            trained = generator_config(self)
            if trained.spatial_dims != 3 or trained.image_size != self.image_size:
                raise InputError(
                    "the generator of a 3D experiment draws its patches: give it "
                    f"spatial_dims: 3 and image_size: {self.image_size} (the experiment's "
                    f"patch side), not spatial_dims {trained.spatial_dims}, image_size "
                    f"{trained.image_size}"
                )

    @cached_property
    def parsed_arms(self) -> tuple[Arm, ...]:
        return tuple(Arm.parse(a) for a in self.arms)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ExperimentConfig:
        return parse_settings(cls, raw, "experiment")

    @classmethod
    def load(cls, path: str | Path) -> ExperimentConfig:
        """Read an experiment config (YAML or JSON)."""
        return cls.from_dict(read_settings(path))


def path_name(name: str) -> str:
    """An arm's name as one folder name inside the run directory: anything but letters,
    digits, ``+``, ``-``, ``@`` and ``_`` becomes ``_`` (``x/../../y`` cannot climb out)."""
    return re.sub(r"[^A-Za-z0-9+@_-]", "_", name) or "_"


def generator_config(config: ExperimentConfig, name: str = "") -> TrainConfig:
    """The TrainConfig of one of the experiment's own generators (``generator``, or the
    ``generators`` entry ``name``); its data are set per split. A guided generator's
    segmenter is the experiment's network unless its options name another."""
    raw = dict(config.generators[name] if name else config.generator or {})
    if "data" in raw:
        raise InputError(
            "a generator section takes no data: the experiment trains it on each split's "
            "training images"
        )
    raw.setdefault("device", config.device)
    raw.setdefault("precision", config.precision)
    trained = TrainConfig.from_dict(raw)
    check_family_guidance(trained.family, trained.guidance)
    if trained.guidance == "none":
        return trained
    options = {
        "guidance_network": config.network,
        "guidance_filters": config.base_filters,
        "guidance_loss": config.loss,
        **trained.options,
    }
    return trained.replace(options=options)


def seed_of(*parts: int) -> int:
    """A 32-bit seed that depends on every part (and on nothing else)."""
    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0])
