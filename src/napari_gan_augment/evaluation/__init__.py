"""Evaluation: downstream experiments, segmentation metrics, paired statistics, generative
quality and the reports that show them."""

from __future__ import annotations

from .experiment import ExperimentConfig, iter_experiment, run_experiment
from .metrics import segmentation_metrics
from .quality import QualityConfig, evaluate_quality
from .report import write_report
from .statistics import compare_paired, summarise

__all__ = [
    "ExperimentConfig",
    "QualityConfig",
    "compare_paired",
    "evaluate_quality",
    "iter_experiment",
    "run_experiment",
    "segmentation_metrics",
    "summarise",
    "write_report",
]
