"""Generative quality of a trained run against real pairs, without downloadable weights.

- **Fréchet distance and KID** on features of an in-domain extractor the tool trains here: a
  MONAI ``AutoEncoder`` fitted to the real pairs (one for images, one for masks, one for
  image+mask), its encoding average-pooled to 2×2 (``FEATURES`` dims). Labelled
  ``FD-AE``/``KID-AE`` so nobody mistakes them for Inception FID. Standard FID only with a
  local TorchScript Inception file (``inception_weights``).
- **Diversity**: mean SSIM between random pairs of samples (MS-SSIM from 192 px), beside the
  same for real images; much higher than real means mode collapse.
- **Mask fidelity**: Dice between each synthetic mask and what a U-Net trained on real pairs
  predicts on the synthetic image, beside that U-Net's Dice on held-out real images.
- **Memorisation audit**: each sample's distance to its nearest real image (pixels and AE
  features) against the real-to-real nearest-neighbour distances; samples closer than the
  ``near_copy_quantile`` of those are flagged as near-copies, the closest shown side by side.
- **Inpainting** runs: PSNR and SSIM inside random holes of real images.
- **Train on synthetic, test on real** (pair routes): a U-Net trained on the synthetic pairs
  only against the same U-Net trained on the run's real training pairs, both scored on real
  pairs of ``data`` that the run never trained on (by the fingerprints it recorded).

What the samples are depends on the family: pairs from noise (pair-wgan, fastgan; masks only
for mask-dcgan), pix2pix pairs through the mask route of ``masks`` (deformed training masks by
default, a mask run, or ``real``: images for the real masks), object-class images made from
object-free real images against real object-class images (ugan, cyclegan), or filled holes
(inpaint).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from monai.metrics import FIDMetric, MultiScaleSSIMMetric, SSIMMetric
from monai.networks.nets import AutoEncoder
from skimage.transform import resize

from ..atomic import write_json, write_text
from ..config import SETTINGS, DataConfig, parse_settings, read_settings
from ..data.encoding import encode_masks
from ..data.sources import pairset_from_config
from ..devices import resolve_device
from ..errors import InputError
from ..models import Kind
from ..models.inpaint import random_holes
from ..synthesis import (
    MaskDeformation,
    images_for_masks,
    inpaint_region,
    load_generator,
    pair_route,
    transform_region,
    translate_images,
)
from ..synthesis.cleanup import components_per_class
from ..synthesis.generate import masks_from_noise, require_checkpoint
from ..training import RunDirectory
from .metrics import segmentation_metrics
from .networks import fit, predict_labels, segmentation_loss, segmentation_network
from .yardstick import train_on_synthetic

FEATURES_GRID = 2


@dataclass(frozen=True)
class QualityConfig:
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
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        if isinstance(self.mask_deformation, Mapping):
            deformation = MaskDeformation.from_dict(dict(self.mask_deformation))
            object.__setattr__(self, "mask_deformation", deformation)
        if not self.synthetic_run:
            raise InputError("choose the trained run to measure (synthetic_run: its run directory)")
        require_checkpoint(self.synthetic_run)
        if self.count < 2:
            raise InputError(f"count must be at least 2 samples, got {self.count}")
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


# ---------------------------------------------------------------- distances between sets


def frechet_distance(real: np.ndarray, fake: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two ``(N, D)`` feature sets (MONAI)."""
    return float(FIDMetric()(torch.as_tensor(fake), torch.as_tensor(real)))


def kernel_distance(
    real: np.ndarray, fake: np.ndarray, subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float, float]:
    """KID: unbiased MMD² with the cubic polynomial kernel (Bińkowski et al. 2018), averaged
    over random subsets. Returns (mean, sd over subsets, standard error of the mean).

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
    return float(array.mean()), sd, sd / np.sqrt(subsets)


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


# ---------------------------------------------------------------- in-domain extractor


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


# ---------------------------------------------------------------- per-sample measures


def pairwise_ssim(images: np.ndarray, pairs: int, seed: int) -> tuple[float, str]:
    """Mean (MS-)SSIM between ``pairs`` random pairs of ``(N, 1, S, S)`` images in [-1, 1]."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(images), pairs)
    second = (first + rng.integers(1, len(images), pairs)) % len(images)
    size = images.shape[-1]
    metric: Any
    if size >= 192:
        metric, name = MultiScaleSSIMMetric(spatial_dims=2, data_range=2.0), "MS-SSIM"
    else:
        metric, name = SSIMMetric(spatial_dims=2, data_range=2.0), "SSIM"
    values = metric(torch.from_numpy(images[first]), torch.from_numpy(images[second]))
    return float(values.mean()), name


def hole_scores(truth: np.ndarray, filled: np.ndarray, hole: np.ndarray) -> tuple[float, float]:
    """PSNR (dB, data range 2) and mean SSIM map value inside ``hole`` of one 2D image."""
    error = float(np.mean((truth[hole] - filled[hole]) ** 2))
    psnr = float(10 * np.log10(4.0 / error)) if error > 0 else float("inf")
    from monai.metrics.regression import compute_ssim_and_cs

    t = torch.from_numpy(truth[None, None].astype(np.float32))
    f = torch.from_numpy(filled[None, None].astype(np.float32))
    ssim_map = compute_ssim_and_cs(f, t, 2, [7, 7], [1.5, 1.5], data_range=2.0)[0][0, 0].numpy()
    inside = hole[3:-3, 3:-3]  # the valid-convolution map is 3 px smaller on each side
    return psnr, float(ssim_map[inside].mean()) if inside.any() else float("nan")


# ---------------------------------------------------------------- the job


@dataclass
class Samples:
    """Real and synthetic sets at the evaluation size, normalised to [-1, 1]."""

    real_images: np.ndarray
    real_masks: np.ndarray
    images: np.ndarray | None
    masks: np.ndarray | None
    classes: int
    spacing: tuple[float, ...]
    description: str
    masks_generated: bool = True
    holes: dict[str, float] = field(default_factory=dict)
    #: for pair routes: indices of the real pairs the run trained on / never saw
    seen: np.ndarray | None = None
    unseen: np.ndarray | None = None


def _draw_samples(config: QualityConfig) -> Samples:
    pairs = pairset_from_config(config.data)
    normaliser = pairs.fit_normaliser()
    real_images, real_masks = pairs.training_arrays(config.image_size, normaliser)
    generator = load_generator(config.synthetic_run, device=config.device)
    spec = generator.spec
    if spec.num_classes != pairs.num_classes:
        raise InputError(
            f"the run draws {spec.num_classes} classes but the real data has "
            f"{pairs.num_classes}; compare with the kind of data it was trained on"
        )
    size = config.image_size
    rng = np.random.default_rng(config.seed)
    raw_real = normaliser.inverse(real_images[:, 0])

    def to_size(images: np.ndarray | None, masks: np.ndarray | None) -> tuple[Any, Any]:
        if images is not None:
            images = resize(normaliser.forward(images), (len(images), size, size), order=1)
            images = images.astype(np.float32)[:, None]
        if masks is not None:
            masks = resize(masks, (len(masks), size, size), order=0, preserve_range=True)
            masks = masks.astype(np.int32)
        return images, masks

    kind = generator.model.kind
    holes: dict[str, float] = {}
    images: np.ndarray | None
    masks: np.ndarray | None
    given_masks = kind is Kind.MASK_TO_IMAGE and config.masks == "real"
    pair_source = kind.from_noise or (kind is Kind.MASK_TO_IMAGE and not given_masks)
    if kind is Kind.MASKS:
        masks = masks_from_noise(generator, config.seed, 0, config.count)
        images, description = None, f"{config.count} masks drawn from noise"
    elif pair_source:
        route = pair_route(
            generator,
            None if kind.from_noise else config.masks,
            config.mask_deformation,
            device=config.device,
            mask_cleanup=config.mask_cleanup,
        )
        images, masks = route.pairs(config.count, seed=config.seed)
        description = f"{config.count} pairs ({route.description})"
    elif given_masks:
        picks = rng.choice(len(real_masks), config.count)
        masks = real_masks[picks]
        images = images_for_masks(generator, masks)
        description = f"{config.count} images for real masks (masks repeat)"
    elif kind.adds_object_class:
        present = real_masks.reshape(len(real_masks), -1).any(axis=1)
        if present.all() or not present.any():
            raise InputError("this family needs real images with and without the object class")
        sources = raw_real[~present][rng.choice(int((~present).sum()), config.count)]
        if kind is Kind.IMAGE_TRANSLATION:
            images, masks = translate_images(generator, sources), None
        else:
            box = (0, 0, size, size)
            made = [transform_region(generator, s, box, seed=i) for i, s in enumerate(sources)]
            images, masks = np.stack([m[0] for m in made]), np.stack([m[1] for m in made])
        real_images, real_masks = real_images[present], real_masks[present]
        description = f"{config.count} object-class images made from object-free real images"
    elif kind is Kind.INPAINTING:
        torch_rng = torch.Generator().manual_seed(config.seed)
        picks = rng.choice(len(raw_real), config.count)
        cut = random_holes(config.count, size, torch_rng)[:, 0].numpy() > 0
        filled = np.stack(
            [inpaint_region(generator, raw_real[p], h) for p, h in zip(picks, cut, strict=True)]
        )
        images, masks = filled, None
        scores = [
            hole_scores(real_images[p, 0], normaliser.forward(f).astype(np.float32), h)
            for p, f, h in zip(picks, filled, cut, strict=True)
        ]
        psnr = np.array([s[0] for s in scores])
        holes = {
            "psnr_db": float(psnr[np.isfinite(psnr)].mean()),
            "ssim": float(np.nanmean([s[1] for s in scores])),
            "count": len(scores),
        }
        description = f"{config.count} real images with a random hole filled"
    else:  # pragma: no cover - every registered family has one of the above
        raise InputError(f"no quality measures for {spec.family!r}")
    images, masks = to_size(images, masks)
    seen_by_run = RunDirectory(generator.metadata["run_dir"]).training_fingerprints()
    seen = unseen = None
    if pair_source and seen_by_run is not None:
        known = np.array([f in seen_by_run for f in pairs.fingerprints()])
        seen, unseen = np.flatnonzero(known), np.flatnonzero(~known)
    return Samples(
        real_images,
        real_masks,
        images,
        masks,
        pairs.num_classes,
        pairs.spacing,
        description,
        masks_generated=not given_masks,
        holes=holes,
        seen=seen,
        unseen=unseen,
    )


def _combined(images: np.ndarray, masks: np.ndarray, classes: int) -> np.ndarray:
    return np.concatenate([images, encode_masks(masks, classes)], axis=1)


def _mask_fidelity(samples: Samples, config: QualityConfig, device: torch.device) -> dict[str, Any]:
    """Dice of synthetic masks against a real-trained U-Net's predictions on their images."""
    assert samples.images is not None and samples.masks is not None
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(samples.real_images))
    held = max(2, len(order) // 5)
    train, test = order[held:], order[:held]
    torch.manual_seed(config.seed)
    net = segmentation_network("unet", samples.classes, 16).to(device)
    x, y = samples.real_images, samples.real_masks[:, None].astype(np.int64)

    def batches() -> Any:
        while True:
            index = rng.choice(train, 8, replace=len(train) < 8)
            yield x[index], y[index]

    validation = (x[test], y[test])
    for _ in fit(
        net,
        segmentation_loss("dicece"),
        batches(),
        max(1, len(train) // 8),
        validation,
        config.segmenter_epochs,
        5,
        1e-3,
        device,
    ):
        pass

    def dice(images: np.ndarray, masks: np.ndarray) -> float:
        predicted = predict_labels(net, images, device)
        scores = [
            segmentation_metrics(p, m, samples.spacing, samples.classes)["mean_dice"]
            for p, m in zip(predicted, masks, strict=True)
        ]
        return float(np.nanmean(scores))

    return {
        "synthetic_mask_dice": dice(samples.images, samples.masks),
        "real_heldout_dice": dice(x[test], samples.real_masks[test]),
        "segmenter": "MONAI UNet trained here on the real pairs (80 %), Dice on the other 20 %",
    }


def _yardstick(samples: Samples, config: QualityConfig, device: torch.device) -> dict[str, Any]:
    """Train on synthetic, test on real pairs the run never saw; or why it cannot be done."""
    assert samples.images is not None and samples.masks is not None
    if samples.seen is None or samples.unseen is None:
        return {
            "skipped": "the run does not record its training pairs (it predates that record); "
            "retrain it to measure train-on-synthetic against pairs it never saw"
        }
    if len(samples.seen) < 2 or len(samples.unseen) < 2:
        return {
            "skipped": f"needs at least 2 real pairs the run trained on and 2 it never saw; "
            f"this data has {len(samples.seen)} and {len(samples.unseen)}: give data that "
            "includes held-out pairs (train the run on part of it)"
        }
    result = train_on_synthetic(
        (samples.images, samples.masks),
        (samples.real_images[samples.seen], samples.real_masks[samples.seen]),
        (samples.real_images[samples.unseen], samples.real_masks[samples.unseen]),
        samples.classes,
        samples.spacing,
        steps=config.yardstick_steps,
        device=device,
    )
    return result.to_dict() | {"sentence": result.sentence()}


def _closest_pairs_figure(
    path: Path, synthetic: np.ndarray, real: np.ndarray, distance: np.ndarray, index: np.ndarray
) -> None:
    from .report import save_figure

    order = np.argsort(distance)[:8]

    def draw(figure: Any) -> None:
        for column, sample in enumerate(order):
            for row, (picture, title) in enumerate(
                (
                    (synthetic[sample, 0], f"synthetic {sample}"),
                    (real[index[sample], 0], f"real {index[sample]}"),
                )
            ):
                axes = figure.add_subplot(2, len(order), row * len(order) + column + 1)
                axes.imshow(picture, cmap="gray", vmin=-1, vmax=1)
                axes.set_title(
                    f"{title}\nd={distance[sample]:.3f}" if row == 0 else title, fontsize=7
                )
                axes.set_xticks([])
                axes.set_yticks([])

    save_figure(draw, path, (1.5 * len(order), 3.6))


def _distance_histogram(
    path: Path, audit: dict[str, Any], pixel: tuple[np.ndarray, np.ndarray]
) -> None:
    from .report import save_figure

    def draw(figure: Any) -> None:
        axes = figure.add_subplot()
        bins = np.linspace(0, max(pixel[0].max(), pixel[1].max()), 40)
        axes.hist(pixel[1], bins, alpha=0.6, density=True, label="real → nearest other real")
        axes.hist(pixel[0], bins, alpha=0.6, density=True, label="synthetic → nearest real")
        axes.axvline(
            audit["pixel"]["threshold"], color="k", linestyle="--", label="near-copy threshold"
        )
        axes.set_xlabel("RMS pixel distance (images in [-1, 1])")
        axes.legend(fontsize="small")

    save_figure(draw, path, (6, 3.5))


def _audit(
    synthetic: np.ndarray, real: np.ndarray, quantile: float
) -> tuple[dict[str, Any], tuple[np.ndarray, np.ndarray], np.ndarray]:
    to_real, index = nearest_distances(synthetic, real)
    real_to_real, _ = nearest_distances(real, real, exclude_self=True)
    threshold = float(np.quantile(real_to_real, quantile))
    flagged = to_real < threshold
    summary = {
        "threshold": threshold,
        "near_copies": int(flagged.sum()),
        "near_copy_share": float(flagged.mean()),
        "synthetic_to_real_median": float(np.median(to_real)),
        "real_to_real_median": float(np.median(real_to_real)),
    }
    return summary, (to_real, real_to_real), index


def evaluate_quality(config: QualityConfig, out_dir: str | Path) -> dict[str, Any]:
    """Measure everything above; writes ``quality.json``, ``quality.md`` and ``plots/``."""
    out_dir = Path(out_dir)
    if (out_dir / "quality.json").exists():
        raise InputError(f"{out_dir} already holds a quality report; choose a new folder")
    device = resolve_device(config.device)
    samples = _draw_samples(config)
    out_dir.mkdir(parents=True, exist_ok=True)
    label = (
        f"in-domain MONAI AutoEncoder features ({config.extractor_steps} steps on the real pairs)"
    )
    report: dict[str, Any] = {
        "run": str(config.synthetic_run),
        "samples": samples.description,
        "real_count": len(samples.real_images),
        "synthetic_count": config.count,
        "extractor": label,
        "distances": {},
    }
    sets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    real_masks = samples.real_masks
    if samples.images is not None:
        sets["images"] = (samples.real_images, samples.images)
    if samples.masks is not None and samples.masks_generated:
        sets["masks"] = (
            encode_masks(real_masks, samples.classes),
            encode_masks(samples.masks, samples.classes),
        )
    if samples.images is not None and samples.masks is not None:
        sets["combined"] = (
            _combined(samples.real_images, real_masks, samples.classes),
            _combined(samples.images, samples.masks, samples.classes),
        )
    features: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, (real, fake) in sets.items():
        net = train_extractor(real, config.extractor_steps, config.seed, device)
        real_f, fake_f = extract_features(net, real, device), extract_features(net, fake, device)
        features[name] = (real_f, fake_f)
        kid, kid_sd, kid_se = kernel_distance(real_f, fake_f, seed=config.seed)
        report["distances"][name] = {
            "FD-AE": frechet_distance(real_f, fake_f),
            "KID-AE": kid,
            "KID-AE_sd": kid_sd,
            "KID-AE_se": kid_se,
        }
    if config.inception_weights and samples.images is not None:
        real_f = inception_features(config.inception_weights, samples.real_images, device)
        fake_f = inception_features(config.inception_weights, samples.images, device)
        report["distances"].setdefault("images", {})[
            f"FID (Inception, {Path(config.inception_weights).name})"
        ] = frechet_distance(real_f, fake_f)
    if samples.images is not None:
        pairs = min(500, config.count)
        synthetic_ssim, kind = pairwise_ssim(samples.images, pairs, config.seed)
        real_ssim, _ = pairwise_ssim(samples.real_images, pairs, config.seed)
        report["diversity"] = {
            "measure": f"mean {kind} of {pairs} random pairs (lower = more diverse)",
            "synthetic": synthetic_ssim,
            "real": real_ssim,
        }
        audit, pixel, index = _audit(samples.images, samples.real_images, config.near_copy_quantile)
        report["memorisation"] = {"pixel": audit}
        feature_audit, _, _ = _audit(
            features["images"][1], features["images"][0], config.near_copy_quantile
        )
        report["memorisation"]["features"] = feature_audit
        report["memorisation"]["rule"] = (
            f"near-copy: closer to a real image than {config.near_copy_quantile:.0%} of real "
            "images are to their nearest other real image"
        )
        _closest_pairs_figure(
            out_dir / "plots" / "closest_pairs.png",
            samples.images,
            samples.real_images,
            pixel[0],
            index,
        )
        _distance_histogram(
            out_dir / "plots" / "nearest_distances.png", report["memorisation"], pixel
        )
    if samples.masks is not None and samples.masks_generated:
        report["mask_speckle"] = {
            "measure": "connected components per class present, mean over masks (1 = solid)",
            "synthetic": components_per_class(samples.masks),
            "real": components_per_class(real_masks),
        }
    if samples.images is not None and samples.masks is not None:
        report["mask_fidelity"] = _mask_fidelity(samples, config, device)
    if samples.holes:
        report["inpainting"] = samples.holes
    if samples.images is not None and samples.masks is not None and samples.masks_generated:
        report["train_on_synthetic"] = _yardstick(samples, config, device)
    write_json(out_dir / "quality.json", report)
    write_text(out_dir / "quality.md", quality_markdown(report, asdict(config)))
    return report


def quality_markdown(report: dict[str, Any], config: dict[str, Any]) -> str:
    """The quality report as one Markdown page."""
    lines = [
        f"# Generative quality: {Path(report['run']).name}",
        "",
        f"Samples: {report['samples']}; {report['real_count']} real pairs. Features: "
        f"{report['extractor']} — FD-AE and KID-AE are comparable between runs evaluated "
        "with the same data and settings, not with published Inception FIDs.",
        "",
        "| set | measure | value |",
        "|---|---|---|",
    ]
    for name, values in report["distances"].items():
        if "KID-AE" in values:
            lines.append(f"| {name} | FD-AE | {values['FD-AE']:.4g} |")
            lines.append(
                f"| {name} | KID-AE ± SE | {values['KID-AE']:.4g} ± {values['KID-AE_se']:.2g} "
                f"(sd over subsets {values['KID-AE_sd']:.2g}) |"
            )
        for key, value in values.items():
            if key.startswith("FID"):
                lines.append(f"| {name} | {key} | {value:.4g} |")
    lines.append("")
    if "diversity" in report:
        d = report["diversity"]
        lines.append(
            f"- Diversity, {d['measure']}: synthetic {d['synthetic']:.3f}, real {d['real']:.3f}"
        )
    if "mask_speckle" in report:
        m = report["mask_speckle"]
        lines.append(
            f"- Mask coherence, {m['measure']}: synthetic {m['synthetic']:.2f}, "
            f"real {m['real']:.2f}"
        )
    if "mask_fidelity" in report:
        m = report["mask_fidelity"]
        lines.append(
            f"- Mask fidelity: mean Dice {m['synthetic_mask_dice']:.3f} between synthetic masks "
            f"and a real-trained U-Net's predictions on the synthetic images (the same U-Net "
            f"on held-out real images: {m['real_heldout_dice']:.3f})"
        )
    if "memorisation" in report:
        memo = report["memorisation"]
        for space in ("pixel", "features"):
            a = memo[space]
            lines.append(
                f"- Memorisation ({space} space): {a['near_copies']} near-copies "
                f"({a['near_copy_share']:.1%}); median distance synthetic→real "
                f"{a['synthetic_to_real_median']:.3g}, real→real {a['real_to_real_median']:.3g}"
            )
        lines.append(f"  ({memo['rule']})")
    if "train_on_synthetic" in report:
        t = report["train_on_synthetic"]
        lines.append(
            f"- Train on synthetic, test on real: {t['sentence']}"
            if "sentence" in t
            else f"- Train on synthetic, test on real: not measured ({t['skipped']})"
        )
    if "inpainting" in report:
        h = report["inpainting"]
        lines.append(
            f"- Inpainting, inside {h['count']} random holes of real images: PSNR "
            f"{h['psnr_db']:.2f} dB, SSIM {h['ssim']:.3f}"
        )
    lines.append("")
    for name, caption in (
        ("nearest_distances.png", "Nearest-neighbour distances"),
        ("closest_pairs.png", "The closest synthetic–real pairs"),
    ):
        lines += [f"![{caption}](plots/{name})", ""]
    lines.append(f"Settings: `{json.dumps({k: v for k, v in config.items() if k != 'data'})}`")
    return "\n".join(lines) + "\n"
