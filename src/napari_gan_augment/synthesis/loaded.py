"""A trained generator, loaded: the one type both run directories (``generate.py``) and
MONAI bundles (``bundle/reading.py``) load into, in a module of its own so that neither
loader imports the other to name it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..data.normalise import IntensityNormaliser
from ..models.base import GanModel, ModelSpec


@dataclass
class LoadedGenerator:
    """A trained model ready to generate, with what is needed to undo the normalisation."""

    model: GanModel
    normaliser: IntensityNormaliser
    spacing: tuple[float, float]
    step: int
    checkpoint: Path
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def spec(self) -> ModelSpec:
        return self.model.spec
