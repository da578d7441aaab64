"""Quality of a 3D run that makes patches rather than whole volumes: pairs from noise
(pair-wgan) or holes filled (inpaint), against real patches of ``data``.

The real patches are drawn as training draws them (MONAI ``RandCropByPosNegLabeld``, half
centred on the structures); the run's sampler (that of its kind, the same one the 2D check
uses) draws as many. The report gives:

- **2.5D features**: FD-AE/KID-AE on the middle slice of every patch in each of the three
  orientations, on an in-domain AutoEncoder trained on the real slices of that orientation
  (nothing is downloaded);
- **diversity**: mean 3D SSIM between random pairs of patches, synthetic beside real;
- **masks** (pairs): class volume fractions and connected components per class;
- **holes** (inpainting): PSNR and 3D SSIM inside random holes of real patches;
- orthogonal slices of a few real and synthetic patches, and those patches as NIfTI.

Whether the pairs help a segmenter is the 3D experiment's question (docs/3d.md).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...atomic import write_json, write_text
from ...data.io import diagonal_affine, write_nifti
from ...data.sources import volumes_from_config
from ...errors import InputError
from ...synthesis import LoadedGenerator
from ...synthesis.cleanup import components_per_class
from .config import QualityConfig
from .figures import orthogonal_figure
from .measures import (
    extract_features,
    frechet_distance,
    kernel_distance,
    kid_text,
    pairwise_ssim,
    train_extractor,
)
from .samplers import RealSet, sampler_for

ORIENTATIONS = ("axis 0", "axis 1", "axis 2")
#: patches held in memory at once (a 64³ float32 patch is 1 MiB; 2000 of them would not fit
#: beside the networks on a small machine)
MAX_PATCHES = 256
#: patches shown and written as NIfTI
SHOWN = 3


def evaluate_patch_quality(
    config: QualityConfig, generator: LoadedGenerator, out_dir: Path, device: torch.device
) -> dict[str, Any]:
    """Measure a 3D patch run on patches of ``config.data``; writes ``quality.json``,
    ``quality.md``, ``plots/`` and ``patches/``."""
    count = min(config.count, MAX_PATCHES)
    size = generator.spec.image_size
    volumes = volumes_from_config(config.data, patches=count, seed=config.seed)
    if generator.spec.num_classes != volumes.num_classes:
        raise InputError(
            f"the run draws {generator.spec.num_classes} classes but the real volumes have "
            f"{volumes.num_classes}; compare with the kind of data it was trained on"
        )
    normaliser = volumes.fit_normaliser()
    real_images, real_masks = volumes.training_arrays(size, normaliser)
    real = RealSet(real_images, real_masks, normaliser)
    drawn = sampler_for(generator).draw(generator, real, replace(config, count=count))
    if drawn.images is None:
        raise InputError(f"the {generator.spec.family!r} run makes no images to measure in 3D")
    images = normaliser.forward(drawn.images).astype(np.float32)[:, None]
    report: dict[str, Any] = {
        "run": str(config.synthetic_run),
        "samples": f"{drawn.description}; {size}³ patches"
        + (f" (count capped at {MAX_PATCHES} in 3D)" if count < config.count else ""),
        "real_count": len(real_images),
        "synthetic_count": len(images),
        "orientations": {},
        "diversity": {},
    }
    for axis, orientation in enumerate(ORIENTATIONS):
        real_slices, fake_slices = _middle_slices(real_images, axis), _middle_slices(images, axis)
        net = train_extractor(real_slices, config.extractor_steps, config.seed, device)
        real_f = extract_features(net, real_slices, device)
        fake_f = extract_features(net, fake_slices, device)
        kid, _, kid_se = kernel_distance(real_f, fake_f, seed=config.seed)
        report["orientations"][orientation] = {
            "FD-AE": frechet_distance(real_f, fake_f),
            "KID-AE": kid,
            "KID-AE_se": kid_se,
        }
    if not drawn.holes:  # filled holes are real patches (repeated): no diversity of their own
        pairs = max(2, min(64, count))  # 3D SSIM maps of 64 pairs of 64³ patches: ~1 GiB
        for name, data in (("real", real_images), ("synthetic", images)):
            report["diversity"][name], report["diversity"]["measure"] = pairwise_ssim(
                data, pairs, config.seed
            )
    if drawn.masks is not None and drawn.masks_generated:
        report["masks"] = {
            side: {
                "class_fractions": [
                    float(np.mean(masks == label)) for label in range(1, volumes.num_classes)
                ],
                "components_per_class": components_per_class(masks),
            }
            for side, masks in (("real", real_masks), ("synthetic", drawn.masks))
        }
    if drawn.holes:
        report["holes"] = drawn.holes
    _write_examples(out_dir, report, real_images, images, drawn.masks, volumes.spacing, config)
    write_json(out_dir / "quality.json", report)
    write_text(out_dir / "quality.md", patch_markdown(report, config))
    return report


def _middle_slices(patches: np.ndarray, axis: int) -> np.ndarray:
    """``(N, 1, P, P)``: each ``(N, 1, P, P, P)`` patch's middle slice across ``axis``."""
    return np.ascontiguousarray(np.take(patches, patches.shape[2 + axis] // 2, axis=2 + axis))


def _write_examples(
    out_dir: Path,
    report: dict[str, Any],
    real: np.ndarray,
    synthetic: np.ndarray,
    masks: np.ndarray | None,
    spacing: tuple[float, ...],
    config: QualityConfig,
) -> None:
    """Orthogonal slices of the first real and synthetic patches, and the synthetic ones as
    NIfTI (voxel size kept; a patch from noise has no place in the source volume)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, np.ndarray, bool]] = []
    files = []
    affine = diagonal_affine(spacing, (0.0, 0.0, 0.0))
    for index in range(min(SHOWN, len(synthetic))):
        rows += [("a real patch", real[index, 0], False)]
        rows += [(f"synthetic {index}", synthetic[index, 0], False)]
        if masks is not None:
            rows += [(f"its mask {index}", masks[index], True)]
            write_nifti(
                out_dir / "patches" / f"{index:02d}_synthetic_seg.nii.gz",
                masks[index].astype(np.uint8),
                description="synthetic mask (napari-gan-augment)",
                affine=affine,
            )
        path = write_nifti(
            out_dir / "patches" / f"{index:02d}_synthetic.nii.gz",
            synthetic[index, 0],
            description="synthetic patch, intensities normalised to [-1, 1]",
            affine=affine,
        )
        files.append(str(path.relative_to(out_dir)))
    orthogonal_figure(out_dir / "plots" / "patches.png", rows, (-1.0, 1.0))
    report["files"] = files


def patch_markdown(report: dict[str, Any], config: QualityConfig) -> str:
    """The 3D patch quality report as one Markdown page."""
    lines = [
        f"# Patch quality: {Path(report['run']).name}",
        "",
        f"Samples: {report['samples']}, against {report['real_count']} real patches drawn as "
        "training draws them (half centred on a labelled voxel). Intensities in the real "
        "data's normalised range [-1, 1].",
        "",
        "| middle slices across | FD-AE | KID-AE ± SE |",
        "|---|---|---|",
    ]
    for orientation, values in report["orientations"].items():
        lines.append(f"| {orientation} | {values['FD-AE']:.4g} | {kid_text(values)} |")
    lines.append("")
    if diversity := report["diversity"]:
        lines += [
            f"Diversity ({diversity['measure']} between random pairs of patches; much higher "
            f"than real = the run repeats itself): synthetic {diversity['synthetic']:.3f}, "
            f"real {diversity['real']:.3f}.",
            "",
        ]
    if "masks" in report:
        masks = report["masks"]
        fractions = {
            side: ", ".join(f"{f:.3f}" for f in masks[side]["class_fractions"])
            for side in ("real", "synthetic")
        }
        lines += [
            "| masks | class volume fractions (label 1, 2, …) | components per class |",
            "|---|---|---|",
            f"| real | {fractions['real']} | {masks['real']['components_per_class']:.2f} |",
            f"| synthetic | {fractions['synthetic']} | "
            f"{masks['synthetic']['components_per_class']:.2f} |",
            "",
        ]
    if "holes" in report:
        holes = report["holes"]
        lines += [
            f"Inside {holes['count']} random holes of real patches: PSNR "
            f"{holes['psnr_db']:.2f} dB, 3D SSIM {holes['ssim']:.3f}.",
            "",
        ]
    lines += [
        "Whether these patches help a segmenter is measured by a 3D experiment "
        "(docs/3d.md), not here.",
        "",
        "![Real and synthetic patches](plots/patches.png)",
        "",
    ]
    settings = {k: v for k, v in config.__dict__.items() if k not in ("data", "mask_deformation")}
    lines.append(f"Settings: `{json.dumps(settings, default=str)}`")
    return "\n".join(lines) + "\n"
