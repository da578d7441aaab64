"""Generative quality of a trained run against real pairs (see ``job.py`` for what is
measured): measures, figures and the job that puts them in a report."""

from __future__ import annotations

from .job import QualityConfig, evaluate_quality, quality_markdown
from .measures import (
    frechet_distance,
    hole_scores,
    kernel_distance,
    nearest_distances,
    pairwise_ssim,
)

__all__ = [
    "QualityConfig",
    "evaluate_quality",
    "frechet_distance",
    "hole_scores",
    "kernel_distance",
    "nearest_distances",
    "pairwise_ssim",
    "quality_markdown",
]
