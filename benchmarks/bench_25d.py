"""2.5D against 3D on the same data: slice-by-slice pix2pix (without and with neighbouring
mask slices as context) against 3D pix2pix on patches, judged on anatomy none of them saw.

The bundled MNI152 volume (2 mm) is cut in two along its left–right axis: every generator
trains on the left hemisphere only; each draws the right hemisphere for its real tissue
mask, and the volume quality check (``gan-augment quality`` with ``slice_axis`` for the 2D
runs) compares that with the real right hemisphere. The arms and their settings are fixed
here before running; all three are reported as they come out.

``python benchmarks/bench_25d.py [--steps N] [--write]`` (about 15 minutes on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
from _report import write_section

from napari_gan_augment.config import TrainConfig
from napari_gan_augment.data.sample import load_sample
from napari_gan_augment.evaluation.quality import QualityConfig, evaluate_quality
from napari_gan_augment.evaluation.quality.figures import orthogonal_figure
from napari_gan_augment.training import train

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
SPLIT_AXIS = 2  # left–right in the sample's (z, y, x) array
SLICE_AXIS = 0  # axial slices for the 2D arms

ARMS: dict[str, dict[str, Any]] = {
    "2D slices (2.5D)": {"image_size": 64, "batch_size": 8, "data": {"axis": SLICE_AXIS}},
    "2D slices + 1 neighbour each side": {
        "image_size": 64,
        "batch_size": 8,
        "data": {"axis": SLICE_AXIS, "context": 1},
    },
    "3D patches 32³": {"image_size": 32, "batch_size": 4, "spatial_dims": 3, "patches": 256},
}


def halves(root: Path) -> dict[str, dict[str, str]]:
    """Left and right hemispheres of the sample as NIfTI pairs, each at its true place."""
    image, mask = load_sample()
    middle = image.data.shape[SPLIT_AXIS] // 2
    parts = {"left": slice(0, middle - 1), "right": slice(middle + 1, None)}  # 2 slices apart
    files = {}
    for side, part in parts.items():
        index = [slice(None)] * 3
        index[SPLIT_AXIS] = part
        affine = image.affine.copy()
        affine[:3, 3] += affine[:3, SPLIT_AXIS] * (part.start or 0)
        paths = {
            "path": str(root / f"{side}.nii.gz"),
            "mask_path": str(root / f"{side}_seg.nii.gz"),
        }
        nib.save(nib.Nifti1Image(image.data[tuple(index)], affine), paths["path"])
        nib.save(nib.Nifti1Image(mask.data[tuple(index)], affine), paths["mask_path"])
        files[side] = paths
    return files


def run_arm(name: str, settings: dict[str, Any], files: dict, folder: Path, steps: int) -> dict:
    data = {"source": "volume", **files["left"], "min_foreground": 0.01, **settings.get("data", {})}
    config = TrainConfig.from_dict(
        {
            **{k: v for k, v in settings.items() if k != "data"},
            "family": "pix2pix",
            "data": data,
            "steps": steps,
            "sample_every": steps,
            "checkpoint_every": steps,
            "options": {"base_filters": 32},
            "device": "cpu",
        }
    )
    started = time.perf_counter()
    train(folder / "run", config)
    seconds = time.perf_counter() - started
    quality = QualityConfig.from_dict(
        {
            "synthetic_run": str(folder / "run"),
            "data": {"source": "volume", **files["right"]},
            "slice_axis": None if settings.get("spatial_dims") == 3 else SLICE_AXIS,
            "image_size": 64,
            "extractor_steps": 300,
            "device": "cpu",
        }
    )
    report = evaluate_quality(quality, folder / "quality")
    (volume,) = report["volumes"]
    assert not volume["trained_on"], "the right hemisphere must be unseen"
    drawn = nib.load(folder / "quality" / volume["file"]).get_fdata()
    return {"name": name, "train_s": seconds, "report": report, "drawn": drawn}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = halves(root)
        rows = [
            run_arm(name, settings, files, root / f"arm{index}", args.steps)
            for index, (name, settings) in enumerate(ARMS.items())
        ]
        real = nib.load(files["right"]["path"]).get_fdata()
        orthogonal_figure(
            IMAGES / "bench_25d.png",
            [("real (unseen)", real, False)] + [(r["name"], r["drawn"], False) for r in rows],
            tuple(np.percentile(real, [1, 99.5])),
        )
    lines = [
        f"pix2pix (32 base filters, {args.steps} steps each) trained on the left hemisphere of "
        "the 2 mm MNI152 volume, drawing the right hemisphere for its real tissue mask. "
        f"2D arms: axial slices (axis {SLICE_AXIS}) at 64 px, drawn slice by slice; 3D: 32³ "
        "patches, drawn by sliding window. Step ratio: mean intensity step between "
        "neighbouring slices, synthetic / real (1 = like the real volume). FD-AE over axial / "
        "coronal / sagittal slices (lower = closer to the real slices). One seed each: "
        "differences of a few per cent are within what another seed could change.",
        "",
        "| arm | train (s) | step ratio axis 0 / 1 / 2 | PSNR (dB) | SSIM 3D | "
        "FD-AE axis 0 / 1 / 2 |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        report = row["report"]
        volume = report["volumes"][0]
        ratios = " / ".join(f"{r:.2f}" for r in volume["consistency"]["ratio"])
        fds = " / ".join(f"{v['FD-AE']:.3g}" for v in report["orientations"].values())
        lines.append(
            f"| {row['name']} | {row['train_s']:.0f} | {ratios} | "
            f"{volume['fidelity']['psnr_db']:.2f} | {volume['fidelity']['ssim']:.3f} | {fds} |"
        )
    lines += ["", "![2.5D against 3D on the unseen hemisphere](images/bench_25d.png)"]
    summary = [{k: v for k, v in row.items() if k not in ("drawn",)} for row in rows]
    print(json.dumps(summary, default=str)[:4000])
    if args.write:
        write_section("25d", "\n".join(lines))
    else:
        print("\n".join(lines))


if __name__ == "__main__":
    main()
