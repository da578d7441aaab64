"""The quality check's settings, in a module of their own so that the measuring modules
(``job``, ``samplers``, ``volume_job``, ``patch_job``) all import them from below."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...config import SETTINGS, DataConfig, parse_settings, read_settings
from ...errors import InputError
from ...synthesis import MaskDeformation
from ...synthesis.generate import require_checkpoint


@dataclass(frozen=True)
class QualityConfig:
    """What a quality check measures (``gan-augment quality --config``); see :mod:`.job`."""

    __pydantic_config__ = SETTINGS

    data: DataConfig = field(default_factory=DataConfig)
    synthetic_run: str = ""
    count: int = 2000
    image_size: int = 64
    extractor_steps: int = 300
    segmenter_epochs: int = 30
    near_copy_quantile: float = 0.05
    inception_weights: str | None = None
    masks: str = "deformed"
    mask_cleanup: int = 0
    mask_deformation: MaskDeformation = field(default_factory=MaskDeformation)
    yardstick_steps: int = 300
    slice_axis: int | None = None
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise InputError(f"seed must be 0 or more, got {self.seed}")
        if isinstance(self.mask_deformation, Mapping):
            deformation = MaskDeformation.from_dict(dict(self.mask_deformation))
            object.__setattr__(self, "mask_deformation", deformation)
        if not self.synthetic_run:
            raise InputError("choose the trained run to measure (synthetic_run: its run directory)")
        require_checkpoint(self.synthetic_run)
        if self.count < 2:
            raise InputError(f"count must be at least 2 samples, got {self.count}")
        if self.slice_axis is not None and self.slice_axis not in (0, 1, 2):
            raise InputError(f"slice_axis must be 0, 1 or 2 (or empty), got {self.slice_axis}")
        if not 0 < self.near_copy_quantile < 1:
            raise InputError("near_copy_quantile must be between 0 and 1")
        if self.inception_weights and not Path(self.inception_weights).is_file():
            raise InputError(
                f"Inception weights {self.inception_weights} do not exist; give a local "
                "TorchScript file (nothing is downloaded) or leave inception_weights empty"
            )

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> QualityConfig:
        return parse_settings(cls, raw, "quality")

    @classmethod
    def load(cls, path: str | Path) -> QualityConfig:
        return cls.from_dict(read_settings(path))
