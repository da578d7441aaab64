"""How image–mask pairs become generator channels and back.

A pair with ``K`` classes (0 = background) becomes ``1 + (K - 1)`` channels in [-1, 1]: the
normalised image, then one channel per foreground class (+1 inside it, -1 outside). Decoding
follows Neff et al. (2018): a pixel belongs to the class whose channel is largest, provided that
channel is above 0; otherwise it is background. For a binary mask this is "threshold at 0".
"""

from __future__ import annotations

import numpy as np
import torch


def encode_masks(masks: np.ndarray, num_classes: int) -> np.ndarray:
    """``(N, *spatial)`` integer labels (2D or 3D) → ``(N, K-1, *spatial)`` float32 channels
    in {-1, +1}."""
    classes = np.arange(1, num_classes).reshape(1, -1, *[1] * (masks.ndim - 1))
    return np.where(masks[:, None] == classes, 1.0, -1.0).astype(np.float32)


def encode_mask_stack(stack: np.ndarray, num_classes: int) -> np.ndarray:
    """``(N, M, *spatial)`` labels (M masks per sample, e.g. neighbouring slices) →
    ``(N, M·(K-1), *spatial)`` channels, each mask's classes together."""
    channels = encode_masks(stack.reshape(-1, *stack.shape[2:]), num_classes)
    return channels.reshape(len(stack), -1, *stack.shape[2:])


def decode_masks(channels: torch.Tensor | np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """``(N, K-1, *spatial)`` generator mask channels → ``(N, *spatial)`` uint8/uint16 labels.

    A pixel gets its strongest class where that channel exceeds ``threshold`` (channels are
    in [-1, 1]; 0 is the midpoint, higher keeps only confident pixels)."""
    values = torch.as_tensor(channels)
    best, index = values.max(dim=1)
    labels = torch.where(best > threshold, index + 1, torch.zeros_like(index)).numpy()
    return labels.astype(label_dtype(values.shape[1] + 1))


def label_dtype(num_classes: int) -> type[np.unsignedinteger]:
    """The smallest unsigned dtype that holds labels ``0 … num_classes - 1``."""
    return np.uint8 if num_classes <= 256 else np.uint16
