"""Quality of a run that draws whole volumes (a 3D mask → image run, or a 2D one drawn slice
by slice along an axis: 2.5D), measured on the real volumes of ``data``.

For every real volume the run draws the image for its real mask (written as NIfTI with the
volume's affine) and the report gives:

- **slice consistency**: mean intensity step between neighbouring slices along each axis,
  synthetic against real (a 2.5D generator flickers along its slicing axis);
- **fidelity** to the real image drawn for the same mask: PSNR, 3D SSIM, error per label;
- **2.5D features**: FD-AE/KID-AE over slices in each of the three orientations, on an
  in-domain AutoEncoder trained on the real slices of that orientation (no 3D feature
  network with public weights is used: nothing is downloaded);
- whether the run trained on each volume (then the figures show what it learned, not how
  it generalises to new anatomy).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...atomic import write_json, write_text
from ...data.io import write_nifti
from ...data.pairset import PairSet, SliceSettings, fingerprint
from ...data.sources import volumes_from_config
from ...errors import InputError
from ...synthesis import LoadedGenerator, synthesize_volume
from ...synthesis.volumes import check_volume_request
from ...training import RunDirectory
from .config import QualityConfig
from .figures import consistency_figure, orthogonal_figure
from .measures import (
    extract_features,
    frechet_distance,
    kernel_distance,
    kid_text,
    train_extractor,
)
from .volumes import slice_consistency, volume_fidelity

ORIENTATIONS = ("axis 0", "axis 1", "axis 2")


def draws_volumes(generator: LoadedGenerator, config: QualityConfig) -> bool:
    """Whether the quality check measures whole volumes: a 3D run that draws images for
    masks, or a 2D run given a slice axis (other 3D runs make patches: see patch_job)."""
    takes_masks = generator.model.kind.takes_masks
    return config.slice_axis is not None or (generator.spec.spatial_dims == 3 and takes_masks)


def _trained_on(image: np.ndarray, mask: np.ndarray, seen: set[str]) -> bool:
    """Whether a run trained on this volume: as a whole (3D runs record volumes) or on any
    of its slices along any axis (2D runs record slices)."""
    if fingerprint(image, mask) in seen:
        return True
    return any(
        fingerprint(i, m) in seen
        for axis in range(3)
        for i, m in zip(np.moveaxis(image, axis, 0), np.moveaxis(mask, axis, 0), strict=True)
    )


def evaluate_volume_quality(
    config: QualityConfig, generator: LoadedGenerator, out_dir: Path, device: torch.device
) -> dict[str, Any]:
    """Measure the run on every real volume of ``config.data``; writes ``quality.json``,
    ``quality.md``, ``plots/`` and ``volumes/<name>_synthetic.nii.gz``."""
    check_volume_request(generator, config.slice_axis)
    volumes = volumes_from_config(config.data, seed=config.seed)
    if generator.spec.num_classes != volumes.num_classes:
        raise InputError(
            f"the run draws {generator.spec.num_classes} classes but the real volumes have "
            f"{volumes.num_classes}; compare with the kind of data it was trained on"
        )
    seen_by_run = RunDirectory(generator.metadata["run_dir"]).training_fingerprints() or set()
    normaliser = volumes.fit_normaliser()
    how = (
        "whole, by sliding window"
        if generator.spec.spatial_dims == 3
        else f"slice by slice along axis {config.slice_axis} (2.5D)"
    )
    report: dict[str, Any] = {
        "run": str(config.synthetic_run),
        "samples": f"{generator.spec.family}: one volume per real mask volume, drawn {how}",
        "volumes": [],
        "orientations": {},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    slices: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {name: [] for name in ORIENTATIONS}
    for index, (image, mask, name) in enumerate(
        zip(volumes.images, volumes.masks, volumes.provenance, strict=True)
    ):
        synthetic = synthesize_volume(generator, mask, config.slice_axis)
        stem = Path(name).name.split(".")[0]
        path = write_nifti(
            out_dir / "volumes" / f"{index:02d}_{stem}_synthetic.nii.gz",
            synthetic,
            description=f"synthetic {generator.spec.family} (napari-gan-augment)",
            affine=volumes.affines[index],
        )
        real_n, synthetic_n = normaliser.forward(image), normaliser.forward(synthetic)
        report["volumes"].append(
            {
                "name": name,
                "file": str(path.relative_to(out_dir)),
                "trained_on": _trained_on(image, mask, seen_by_run),
                "consistency": slice_consistency(synthetic_n, real_n, mask),
                "fidelity": volume_fidelity(synthetic_n, real_n, mask),
            }
        )
        orthogonal_figure(
            out_dir / "plots" / f"orthogonal_{index:02d}.png",
            [("real", image, False), ("synthetic", synthetic, False), ("mask", mask, True)],
            tuple(np.percentile(image, [1, 99.5])),  # type: ignore[arg-type]
        )
        for axis, orientation in enumerate(ORIENTATIONS):
            settings = SliceSettings(axis=axis, min_foreground=0.05, seed=config.seed)
            real_set = PairSet.from_volume(image, mask, volumes.spacing, name, settings)
            fake_set = PairSet.from_volume(synthetic, mask, volumes.spacing, name, settings)
            slices[orientation].append(
                (
                    real_set.training_arrays(config.image_size, normaliser)[0],
                    fake_set.training_arrays(config.image_size, normaliser)[0],
                )
            )
    for orientation, parts in slices.items():
        real = np.concatenate([r for r, _ in parts])
        fake = np.concatenate([f for _, f in parts])
        net = train_extractor(real, config.extractor_steps, config.seed, device)
        real_f, fake_f = extract_features(net, real, device), extract_features(net, fake, device)
        kid, kid_sd, kid_se = kernel_distance(real_f, fake_f, seed=config.seed)
        report["orientations"][orientation] = {
            "slices": len(real),
            "FD-AE": frechet_distance(real_f, fake_f),
            "KID-AE": kid,
            "KID-AE_se": kid_se,
        }
    consistency_figure(out_dir / "plots" / "slice_consistency.png", report["volumes"])
    write_json(out_dir / "quality.json", report)
    write_text(out_dir / "quality.md", volume_markdown(report, config))
    return report


def volume_markdown(report: dict[str, Any], config: QualityConfig) -> str:
    """The volume quality report as one Markdown page."""
    lines = [
        f"# Volume quality: {Path(report['run']).name}",
        "",
        f"Samples: {report['samples']}. Intensities compared in the real data's normalised "
        "range [-1, 1].",
        "",
        "| volume | trained on it | step ratio axis 0 / 1 / 2 | PSNR (dB) | SSIM 3D |",
        "|---|---|---|---|---|",
    ]
    for volume in report["volumes"]:
        ratios = " / ".join(f"{r:.2f}" for r in volume["consistency"]["ratio"])
        fidelity = volume["fidelity"]
        lines.append(
            f"| {Path(volume['name']).name} | {'yes' if volume['trained_on'] else 'no'} | "
            f"{ratios} | {fidelity['psnr_db']:.2f} | {fidelity['ssim']:.3f} |"
        )
    lines += [
        "",
        "Step ratio: mean intensity step between neighbouring slices, synthetic / real, "
        "over the labelled structures and a 2-voxel margin. 1 = continues like the real "
        "volume; well above 1 along one axis = slices drawn independently flicker along it.",
        "",
    ]
    if any(v["trained_on"] for v in report["volumes"]):
        lines += [
            "A volume the run trained on shows what the run learned, not how it generalises: "
            "measure on volumes it never saw for that.",
            "",
        ]
    lines += ["| slices along | real slices | FD-AE | KID-AE ± SE |", "|---|---|---|---|"]
    for orientation, values in report["orientations"].items():
        lines.append(
            f"| {orientation} | {values['slices']} | {values['FD-AE']:.4g} | {kid_text(values)} |"
        )
    lines += ["", "![Slice consistency](plots/slice_consistency.png)", ""]
    for index in range(len(report["volumes"])):
        lines += [f"![Orthogonal slices](plots/orthogonal_{index:02d}.png)", ""]
    settings = {k: v for k, v in config.__dict__.items() if k not in ("data", "mask_deformation")}
    lines.append(f"Settings: `{json.dumps(settings, default=str)}`")
    return "\n".join(lines) + "\n"
