"""Task configurations: frozen dataclasses that round-trip to JSON/YAML.

A config is what the CLI parses, what a widget builds and what a run directory stores, so a
run can always be repeated or resumed from its own ``config.yaml``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import ConfigDict, TypeAdapter, ValidationError

from .atomic import write_text
from .errors import InputError
from .precision import check_precision
from .segmentation.guidance import GUIDANCE

DATA_SOURCES = ("sample", "folder", "volume", "pairs")


def read_settings(path: str | Path) -> Mapping[str, Any]:
    """The mapping a YAML or JSON config file holds, or a clear error."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"config file {path} does not exist")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"config file {path} is not UTF-8 text ({exc.reason})") from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())  # one line
        raise InputError(f"config file {path} is not valid YAML/JSON: {problem}") from None
    if not isinstance(raw, Mapping):
        raise InputError(f"config file {path} must hold a mapping of settings")
    return raw


Settings = TypeVar("Settings")

# Every settings dataclass carries this as ``__pydantic_config__``: unknown keys are refused.
SETTINGS = ConfigDict(extra="forbid")


def parse_settings(cls: type[Settings], raw: Any, what: str) -> Settings:
    """A settings dataclass from a mapping (a config file, a widget, a stored run).

    pydantic checks and converts the types (YAML reads ``1e-4`` as a string; it becomes 0.0001;
    ``steps: 1.5`` is refused), so a wrong key, type or value is one line naming the field."""
    if not isinstance(raw, Mapping):
        raise InputError(f"{what} settings must be a mapping of names to values, got {raw!r}")
    _refuse_booleans(cls, raw, what)
    try:
        return _adapter(cls).validate_python(dict(raw))  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        where = f"{what} setting {field!r}" if field else f"{what} settings"
        if error["type"] == "value_error":  # from __post_init__: the message says it all
            raise InputError(f"{where}: {error['msg'].removeprefix('Value error, ')}") from None
        if error["type"] == "unexpected_keyword_argument":
            known = sorted(f.name for f in dataclasses.fields(_class_at(cls, error["loc"][:-1])))
            raise InputError(f"unknown {what} setting {field!r}; known: {known}") from None
        raise InputError(f"{where}: {error['msg']}, got {error['input']!r}") from None


@functools.cache
def _adapter(cls: type) -> TypeAdapter:
    return TypeAdapter(cls)


def _class_at(cls: Any, loc: Sequence[Any]) -> Any:
    """The settings class a validation error's location (all but its last part) points to."""
    for part in loc:
        cls = typing.get_type_hints(cls)[part]
        cls = next((arg for arg in get_args(cls) if dataclasses.is_dataclass(arg)), cls)
    return cls


def _refuse_booleans(cls: type, raw: Mapping[str, Any], what: str) -> None:
    """pydantic reads ``true`` as 1 where a number is expected; ``steps: true`` is a mistake."""
    hints = typing.get_type_hints(cls)
    for name, value in raw.items():
        hint = hints.get(name, Any)
        if isinstance(value, bool) and hint not in (bool, Any) and bool not in get_args(hint):
            raise InputError(f"{what} setting {name!r} takes a {hint}, not {value!r}")
        if dataclasses.is_dataclass(hint) and isinstance(value, Mapping):
            _refuse_booleans(hint, value, f"{what} {name}")  # type: ignore[arg-type]


@dataclass(frozen=True)
class DataConfig:
    """Where the training pairs come from.

    Attributes:
        source: ``"sample"`` (bundled MNI152 brain), ``"folder"`` (``images/`` + ``masks/``),
            ``"volume"`` (a 3D image + mask pair sliced into 2D pairs) or ``"pairs"`` (an ``.npz``
            written by :meth:`PairSet.save`, which is how the viewer hands its layers to a job).
        path: folder root, image volume, or ``.npz`` file (unused for ``"sample"``).
        mask_path: mask volume for ``"volume"``.
        axis: slicing axis for volumes (0, the first array axis, is the one napari's
            slider browses).
        step: take every ``step``-th slice.
        min_foreground: keep slices whose mask foreground fraction is at least this.
        empty_fraction: additionally keep this share (of the kept count) of slices below it.
        context: for volume sources, the neighbouring slices on each side whose masks go with
            each slice's mask to a mask → image generator (2.5D with context: slices drawn
            one by one then agree with their neighbours). 0 = none.
    """

    __pydantic_config__ = SETTINGS

    source: str = "sample"
    path: str | None = None
    mask_path: str | None = None
    axis: int = 0  # napari's slider axis, as in the Train widget
    step: int = 1
    min_foreground: float = 0.01
    empty_fraction: float = 0.0
    context: int = 0

    def __post_init__(self) -> None:
        if self.source not in DATA_SOURCES:
            raise InputError(
                f"unknown data source {self.source!r}; choose one of {', '.join(DATA_SOURCES)}"
            )
        if self.source in ("folder", "volume", "pairs") and not self.path:
            raise InputError(f"data source {self.source!r} needs a path")
        if self.source == "volume" and not self.mask_path:
            raise InputError("data source 'volume' needs mask_path (the label volume)")
        if self.step < 1:
            raise InputError(f"slice step must be >= 1, got {self.step}")
        if self.axis not in (0, 1, 2):
            raise InputError(f"slice axis must be 0, 1 or 2, got {self.axis}")
        if not 0 <= self.context <= 8:
            raise InputError(f"context is 0 to 8 neighbouring slices per side, got {self.context}")
        if self.context and self.source not in ("sample", "volume"):
            raise InputError(
                f"context (neighbouring slices) needs a volume: source 'volume' or 'sample', "
                f"not {self.source!r}"
            )
        if not 0.0 <= self.min_foreground <= 1.0 or not 0.0 <= self.empty_fraction <= 1.0:
            raise InputError("min_foreground and empty_fraction are fractions in [0, 1]")


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training job needs. ``None`` optimiser settings take the family's defaults.

    Attributes:
        family: registered GAN family name; ``"pix2pix"`` (mask → image, drawing images for
            deformed training masks) is the default because it measured best.
        data: where the pairs come from.
        image_size: square training size in pixels (64, 128 or 256); in 3D the side of the
            cubic patches drawn from the volumes (16, 32, 64, …).
        spatial_dims: 2 (images or slices of volumes) or 3 (patches of volumes).
        patches: 3D only: how many patches are drawn from the volumes for the run, half
            centred on a foreground voxel (MONAI ``RandCropByPosNegLabel``), seeded.
        steps: generator updates to train for.
        batch_size: pairs per batch.
        lr_generator, lr_critic, betas: Adam settings (family defaults when ``None``).
        options: family-specific settings (see the family's ``defaults``).
        seed: seeds weights, batches and noise; the same seed repeats the run on CPU.
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.
        precision: ``"auto"`` (bf16 autocast where a probe measures it faster; see
            ``precision.py``), ``"amp"``, ``"fp32"``, ``"bf16"`` or ``"fp16"``. A run stores
            the one that ran.
        compile: ``torch.compile`` the networks for training (the first steps then take
            longer while it compiles; see docs/benchmarks.md for where it pays off).
        guidance: ``"segmentation"``: a segmenter trains beside a mask → image generator
            (pix2pix) and steers it by its validation loss (GenSeg; the ``guidance_*``
            options of the family); ``"none"``: adversarial training alone.
        sample_every: write a sample grid (PNG) every this many steps.
        checkpoint_every: keep a numbered checkpoint every this many steps (``last.pt`` is
            refreshed at every sample grid and at the end).
        log_every: append losses to ``metrics.jsonl`` every this many steps.
        keep_checkpoints: numbered checkpoints to keep, the newest (``last.pt`` and ``best.pt``
            are always kept); 0 keeps them all.
    """

    __pydantic_config__ = SETTINGS

    family: str = "pix2pix"  # the best-measured route (docs/benchmarks.md)
    data: DataConfig = field(default_factory=DataConfig)
    image_size: int = 64
    spatial_dims: int = 2
    patches: int = 256
    steps: int = 500
    batch_size: int = 16
    lr_generator: float | None = None
    lr_critic: float | None = None
    betas: tuple[float, float] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"
    compile: bool = False
    guidance: str = "none"
    sample_every: int = 50
    checkpoint_every: int = 250
    log_every: int = 5
    keep_checkpoints: int = 3

    def __post_init__(self) -> None:
        if self.image_size < 16 or self.image_size & (self.image_size - 1):
            raise InputError(f"image_size must be a power of two >= 16, got {self.image_size}")
        if self.spatial_dims not in (2, 3):
            raise InputError(f"spatial_dims must be 2 or 3, got {self.spatial_dims}")
        if self.spatial_dims == 3 and self.data.context:
            raise InputError(
                "a 3D run sees whole patches of the volume; neighbouring-slice context is for "
                "2D runs on slices: set data context to 0 or spatial_dims to 2"
            )
        for name in (
            "steps",
            "batch_size",
            "sample_every",
            "checkpoint_every",
            "log_every",
            "patches",
        ):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be >= 1, got {getattr(self, name)}")
        check_precision(self.precision)
        if self.seed < 0:
            raise InputError(f"seed must be 0 or more, got {self.seed}")
        for name in ("lr_generator", "lr_critic"):
            rate = getattr(self, name)
            if rate is not None and not rate > 0:
                raise InputError(f"{name} must be above 0 (or left out), got {rate}")
        if self.betas is not None and (
            len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas)
        ):
            raise InputError(f"betas are two numbers in [0, 1), got {list(self.betas)}")
        if self.guidance not in GUIDANCE:
            raise InputError(f"guidance must be one of {GUIDANCE}, got {self.guidance!r}")
        if self.guidance != "none" and self.spatial_dims != 2:
            raise InputError(
                "guidance steers 2D generators (its segmenter learns from 2D pairs): set "
                "spatial_dims: 2 (slices of the volumes) or guidance: none"
            )
        if self.keep_checkpoints < 0:
            raise InputError(f"keep_checkpoints must be >= 0, got {self.keep_checkpoints}")
        if self.betas is not None:
            object.__setattr__(self, "betas", tuple(float(b) for b in self.betas))
        object.__setattr__(self, "options", dict(self.options))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON/YAML-ready dictionary."""
        out = dataclasses.asdict(self)
        if self.betas is not None:
            out["betas"] = list(self.betas)
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> TrainConfig:
        """Build from a dictionary; a wrong key, type or value is a one-line InputError."""
        return parse_settings(cls, raw, "training")

    def save(self, path: str | Path) -> None:
        """Write as YAML (``.yaml``/``.yml``) or JSON (anything else)."""
        path = Path(path)
        text = (
            yaml.safe_dump(self.to_dict(), sort_keys=False)
            if path.suffix in (".yaml", ".yml")
            else json.dumps(self.to_dict(), indent=2)
        )
        write_text(path, text)

    @classmethod
    def load(cls, path: str | Path) -> TrainConfig:
        """Read a YAML or JSON config file."""
        return cls.from_dict(read_settings(path))

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some fields changed (configs are frozen)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class SynthesisConfig:
    """How to draw pairs from a trained generator.

    Attributes:
        count: number of pairs.
        seed: pair ``i`` of seed ``s`` is the same whatever ``count`` or ``batch_size``.
        batch_size: pairs generated at once (memory does not grow with ``count``).
        checkpoint: checkpoint file name inside the run's ``checkpoints/`` (default ``last.pt``).
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.
        precision: ``"auto"``, ``"fp32"`` or ``"bf16"`` (see ``precision.py``).
    """

    __pydantic_config__ = SETTINGS

    count: int = 16
    seed: int = 0
    batch_size: int = 64
    checkpoint: str = "last.pt"
    device: str = "auto"
    precision: str = "auto"

    def __post_init__(self) -> None:
        check_precision(self.precision)
        if self.count < 1:
            raise InputError(f"count must be a positive number of pairs, got {self.count}")
        if self.seed < 0:
            raise InputError(f"seed must be 0 or more, got {self.seed}")
        if self.batch_size < 1:
            raise InputError(f"batch_size must be >= 1, got {self.batch_size}")


@dataclass(frozen=True)
class GateSettings:
    """The quality gate's settings (``evaluation/gate.py``).

    Attributes:
    min_fidelity: keep pairs whose mask has at least this mean Dice with the segmenter's
        prediction on their image.
    near_copy_quantile: drop pairs closer (RMS pixels) to a real image than this quantile of
        real-to-real nearest distances; 0 keeps near-copies.
    segmenter_steps: Adam steps of the real-trained U-Net.
    oversample: draw this many times the wanted count, so enough pass.
    """

    __pydantic_config__ = SETTINGS

    min_fidelity: float = 0.5
    near_copy_quantile: float = 0.05
    segmenter_steps: int = 300
    oversample: float = 2.0

    def __post_init__(self) -> None:
        if not 0 <= self.min_fidelity <= 1 or not 0 <= self.near_copy_quantile < 1:
            raise InputError("min_fidelity must be in [0, 1] and near_copy_quantile in [0, 1)")
        if self.oversample < 1 or self.segmenter_steps < 1:
            raise InputError("oversample must be >= 1 and segmenter_steps >= 1")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> GateSettings:
        return parse_settings(cls, raw, "gate")
