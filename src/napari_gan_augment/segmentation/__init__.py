"""Segmenters below training: what experiments and segmentation-guided generators share."""
