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
- **Volumes** (a 3D mask → image run, or a 2D one with ``slice_axis``): see
  :mod:`.volume_job` — slice consistency, fidelity, 2.5D features per orientation.
- **3D patches** (other 3D runs: pairs from noise, inpainting): see :mod:`.patch_job`.
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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from skimage.transform import resize

from ...atomic import write_json, write_text
from ...data.encoding import encode_masks
from ...data.sources import pairset_from_config
from ...devices import resolve_device
from ...errors import InputError
from ...segmentation.networks import segmentation_loss, segmentation_network
from ...synthesis import LoadedGenerator, load_generator
from ...synthesis.cleanup import components_per_class
from ...training import RunDirectory
from ..metrics import segmentation_metrics
from ..networks import fit, predict_labels
from ..yardstick import train_on_synthetic
from .config import QualityConfig
from .figures import closest_pairs_figure, distance_histogram
from .measures import (
    extract_features,
    frechet_distance,
    inception_features,
    kernel_distance,
    kid_text,
    nearest_distances,
    pairwise_ssim,
    train_extractor,
)
from .patch_job import evaluate_patch_quality
from .samplers import RealSet, sampler_for
from .volume_job import draws_volumes, evaluate_volume_quality


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


def _draw_samples(config: QualityConfig, generator: LoadedGenerator) -> Samples:
    """The run's samples (drawn by the sampler of its kind) and the real pairs to compare
    them with, at the evaluation size."""
    pairs = pairset_from_config(config.data)
    normaliser = pairs.fit_normaliser()
    real_images, real_masks = pairs.training_arrays(config.image_size, normaliser)
    if generator.spec.num_classes != pairs.num_classes:
        raise InputError(
            f"the run draws {generator.spec.num_classes} classes but the real data has "
            f"{pairs.num_classes}; compare with the kind of data it was trained on"
        )
    drawn = sampler_for(generator).draw(
        generator, RealSet(real_images, real_masks, normaliser), config
    )
    images, masks = drawn.images, drawn.masks
    shape = (config.image_size, config.image_size)
    if images is not None:
        images = resize(normaliser.forward(images), (len(images), *shape), order=1)
        images = images.astype(np.float32)[:, None]
    if masks is not None:
        masks = resize(masks, (len(masks), *shape), order=0, preserve_range=True)
        masks = masks.astype(np.int32)
    seen = unseen = None
    seen_by_run = RunDirectory(generator.metadata["run_dir"]).training_fingerprints()
    if drawn.pair_source and seen_by_run is not None:
        known = np.array([f in seen_by_run for f in pairs.fingerprints()])
        seen, unseen = np.flatnonzero(known), np.flatnonzero(~known)
    if drawn.real_subset is not None:
        real_images, real_masks = real_images[drawn.real_subset], real_masks[drawn.real_subset]
    return Samples(
        real_images,
        real_masks,
        images,
        masks,
        pairs.num_classes,
        pairs.spacing,
        drawn.description,
        masks_generated=drawn.masks_generated,
        holes=drawn.holes,
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
    generator = load_generator(config.synthetic_run, device=config.device)
    if draws_volumes(generator, config):
        return evaluate_volume_quality(config, generator, out_dir, device)
    if generator.spec.spatial_dims == 3:
        return evaluate_patch_quality(config, generator, out_dir, device)
    samples = _draw_samples(config, generator)
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
        closest_pairs_figure(
            out_dir / "plots" / "closest_pairs.png",
            samples.images,
            samples.real_images,
            pixel[0],
            index,
        )
        distance_histogram(
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
                f"| {name} | KID-AE ± SE | {kid_text(values)} "
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
