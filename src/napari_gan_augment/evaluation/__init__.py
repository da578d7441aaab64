"""Evaluation: segmentation metrics in physical units and paired statistics between arms."""

from __future__ import annotations

from .metrics import segmentation_metrics
from .statistics import compare_paired, summarise

__all__ = ["compare_paired", "segmentation_metrics", "summarise"]
