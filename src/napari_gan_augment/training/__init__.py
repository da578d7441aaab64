"""Training jobs: the trainer, run directories, checkpoints and sample grids."""

from __future__ import annotations

from .run_dir import RunDirectory
from .trainer import iter_training, train

__all__ = ["RunDirectory", "iter_training", "train"]
