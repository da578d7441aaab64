"""Downstream experiments (see ``config.py`` for the arms and what they mean): the config
with its parsed arms, the data and generators, each arm's batches, the run loop, results."""

from __future__ import annotations

from .config import PRIMARY, Arm, ExperimentConfig, path_name
from .loop import iter_experiment, run_experiment
from .results import per_seed_scores, summarise_results

__all__ = [
    "PRIMARY",
    "Arm",
    "ExperimentConfig",
    "iter_experiment",
    "path_name",
    "per_seed_scores",
    "run_experiment",
    "summarise_results",
]
