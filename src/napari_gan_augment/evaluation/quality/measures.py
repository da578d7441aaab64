"""Measures of generative quality: distances between feature sets, the in-domain feature
extractor, diversity and inpainting scores. Pure functions of arrays."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from monai.metrics import FIDMetric, MultiScaleSSIMMetric, SSIMMetric
from monai.networks.nets import AutoEncoder

from ...errors import InputError

FEATURES_GRID = 2


def frechet_distance(real: np.ndarray, fake: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two ``(N, D)`` feature sets (MONAI)."""
    return float(FIDMetric()(torch.as_tensor(fake), torch.as_tensor(real)))


def kernel_distance(
    real: np.ndarray, fake: np.ndarray, subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float, float]:
    """KID: unbiased MMD² with the cubic polynomial kernel (Bińkowski et al. 2018), averaged
    over random subsets. Returns (mean, sd over subsets, standard error of the mean); the
    spread is NaN when the sets are no larger than a subset.

    Ours because MONAI's ``MMDMetric`` has no polynomial kernel or subset estimate."""
    rng = np.random.default_rng(seed)
    size = min(subset_size, len(real), len(fake))
    if size < 2:
        raise InputError("KID needs at least 2 samples on each side")
    dims = real.shape[1]
    values = []
    for _ in range(subsets):
        x = real[rng.choice(len(real), size, replace=False)].astype(np.float64)
        y = fake[rng.choice(len(fake), size, replace=False)].astype(np.float64)
        kxx, kyy, kxy = ((a @ b.T / dims + 1) ** 3 for a, b in ((x, x), (y, y), (x, y)))
        off = size * (size - 1)
        mmd = (kxx.sum() - np.trace(kxx)) / off + (kyy.sum() - np.trace(kyy)) / off - 2 * kxy.mean()
        values.append(mmd)
    array = np.asarray(values)
    sd = float(array.std(ddof=1)) if subsets > 1 else 0.0
    if size == len(real) == len(fake):
        sd = math.nan  # every subset is the whole of both sets: no spread to report
    return float(array.mean()), sd, sd / np.sqrt(subsets)


def kid_text(values: dict[str, float]) -> str:
    """``KID ± SE`` for a report; the spread left out where it is undefined."""
    se = values["KID-AE_se"]
    spread = f" ± {se:.2g}" if math.isfinite(se) else " (one subset: no spread)"
    return f"{values['KID-AE']:.4g}{spread}"


def nearest_distances(
    queries: np.ndarray, references: np.ndarray, exclude_self: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """RMS distance from each query row to its nearest reference row, and that row's index."""
    q = torch.as_tensor(queries.reshape(len(queries), -1), dtype=torch.float64)
    r = torch.as_tensor(references.reshape(len(references), -1), dtype=torch.float64)
    distances = torch.cdist(q, r) / np.sqrt(q.shape[1])
    if exclude_self:
        distances.fill_diagonal_(float("inf"))
    best, index = distances.min(dim=1)
    return best.numpy(), index.numpy()


def train_extractor(
    data: np.ndarray, steps: int, seed: int, device: torch.device
) -> torch.nn.Module:
    """A MONAI AutoEncoder fitted (MSE, Adam) to ``(N, C, S, S)`` real data in [-1, 1]."""
    torch.manual_seed(seed)
    net = AutoEncoder(2, data.shape[1], data.shape[1], (16, 32, 64), (2, 2, 2)).to(device)
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.from_numpy(data.astype(np.float32)).to(device)
    rng = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        batch = x[torch.randint(len(x), (min(16, len(x)),), generator=rng)]
        optimiser.zero_grad(set_to_none=True)
        F.mse_loss(net(batch), batch).backward()
        optimiser.step()
    return net.eval()


def extract_features(net: torch.nn.Module, data: np.ndarray, device: torch.device) -> np.ndarray:
    parts = []
    with torch.no_grad():
        for start in range(0, len(data), 64):
            chunk = torch.from_numpy(data[start : start + 64].astype(np.float32)).to(device)
            code = net.encode(chunk)  # type: ignore[operator]
            parts.append(F.adaptive_avg_pool2d(code, FEATURES_GRID).flatten(1).cpu())
    return torch.cat(parts).numpy()


def inception_features(weights: str | Path, images: np.ndarray, device: torch.device) -> np.ndarray:
    """Features of a local TorchScript Inception (``(N, 3, 299, 299)`` in [0, 255] in)."""
    path = Path(weights)
    try:
        net = torch.jit.load(str(path), map_location=device).eval()
    except RuntimeError as exc:
        raise InputError(f"{path} is not a TorchScript module: {exc}") from exc
    parts = []
    with torch.no_grad():
        for start in range(0, len(images), 32):
            x = torch.from_numpy(images[start : start + 32].astype(np.float32)).to(device)
            x = F.interpolate((x + 1) * 127.5, size=(299, 299), mode="bilinear").repeat(1, 3, 1, 1)
            parts.append(net(x).reshape(len(x), -1).cpu())
    return torch.cat(parts).numpy()


def pairwise_ssim(images: np.ndarray, pairs: int, seed: int) -> tuple[float, str]:
    """Mean (MS-)SSIM between ``pairs`` random pairs of ``(N, 1, S, S)`` images (or
    ``(N, 1, S, S, S)`` patches: 3D SSIM) in [-1, 1]."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(images), pairs)
    second = (first + rng.integers(1, len(images), pairs)) % len(images)
    size = images.shape[-1]
    metric: Any
    dims = images.ndim - 2
    if size >= 192 and dims == 2:
        metric, name = MultiScaleSSIMMetric(spatial_dims=2, data_range=2.0), "MS-SSIM"
    else:
        metric, name = SSIMMetric(spatial_dims=dims, data_range=2.0), f"SSIM{' 3D' * (dims == 3)}"
    values = metric(torch.from_numpy(images[first]), torch.from_numpy(images[second]))
    return float(values.mean()), name


def hole_scores(truth: np.ndarray, filled: np.ndarray, hole: np.ndarray) -> tuple[float, float]:
    """PSNR (dB, data range 2) and mean SSIM map value inside ``hole`` of one 2D image or
    3D patch."""
    error = float(np.mean((truth[hole] - filled[hole]) ** 2))
    psnr = float(10 * np.log10(4.0 / error)) if error > 0 else float("inf")
    from monai.metrics.regression import compute_ssim_and_cs

    t = torch.from_numpy(truth[None, None].astype(np.float32))
    f = torch.from_numpy(filled[None, None].astype(np.float32))
    dims = truth.ndim
    maps = compute_ssim_and_cs(f, t, dims, [7] * dims, [1.5] * dims, data_range=2.0)[0]
    ssim_map = maps[0, 0].numpy()
    inside = hole[(slice(3, -3),) * dims]  # the valid-convolution map is 3 px smaller a side
    return psnr, float(ssim_map[inside].mean()) if inside.any() else float("nan")
