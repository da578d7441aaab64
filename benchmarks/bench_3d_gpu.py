"""3D cost on a GPU: steps/s and peak GPU memory by patch size (32³ to 128³), fp32 and bf16,
the trainer's memory estimate beside the measured peak, and sliding-window synthesis of a
whole 197×233×189 volume. Needs a CUDA machine.

The bundled 2 mm volume (91×109×91) is too small for 128³ patches, so the runs train on it
resampled to 1 mm (182×218×182: linear for the image, nearest for the labels), written as a
NIfTI pair with its 1 mm affine. Each (family, patch, precision) trains in its own process so
its peak (``torch.cuda.max_memory_allocated``) is its own.
``python benchmarks/bench_3d_gpu.py [--write]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import nibabel as nib
import numpy as np
from _report import run_child, write_section
from scipy.ndimage import zoom

from napari_gan_augment.data.sample import load_sample

CHILD = """
import json, sys, time
import torch
from napari_gan_augment import memory
from napari_gan_augment.config import TrainConfig
from napari_gan_augment.training import iter_training, trainer
family, image, mask, run, precision = sys.argv[1:6]
size, batch, steps = (int(a) for a in sys.argv[6:9])
seen = {}
def keep(estimate, what):
    seen["estimate"] = estimate
    return memory.refuse_if_too_large(estimate, what)
trainer.refuse_if_too_large = keep
options = {"base_filters": 16} if family == "pix2pix" else {}
config = TrainConfig.from_dict({"family": family, "image_size": size, "spatial_dims": 3,
    "data": {"source": "volume", "path": image, "mask_path": mask},
    "patches": 32, "steps": steps, "batch_size": batch, "sample_every": steps, "log_every": 1,
    "checkpoint_every": 10**6, "device": "cuda", "precision": precision, "options": options})
times = []
for event in iter_training(run, config):
    if event["event"] == "step":
        torch.cuda.synchronize()
        times.append(time.perf_counter())
warm = 3  # cuDNN picks its algorithms in the first steps
print(json.dumps({"steps_per_s": (len(times) - 1 - warm) / (times[-1] - times[warm]),
    "peak_gib": torch.cuda.max_memory_allocated() / 2**30,
    "estimate_gib": seen["estimate"].total / 2**30}))
"""

SLIDING = """
import json, sys, time
import numpy as np
import torch
from napari_gan_augment.data.io import read_nifti
from napari_gan_augment.synthesis import load_generator, synthesize_volume
from skimage.transform import resize
generator = load_generator(sys.argv[1], device="cuda", precision=sys.argv[3])
labels = np.asarray(read_nifti(sys.argv[2]).data)
labels = resize(labels, (197, 233, 189), order=0, preserve_range=True, anti_aliasing=False)
labels = labels.astype(np.uint8)
synthesize_volume(generator, labels[:80, :80, :80], overlap=0.25)  # warm-up
torch.cuda.synchronize()
torch.cuda.reset_peak_memory_stats()
started = time.perf_counter()
volume = synthesize_volume(generator, labels, overlap=float(sys.argv[4]))
torch.cuda.synchronize()
print(json.dumps({"seconds": time.perf_counter() - started, "shape": list(volume.shape),
    "peak_gib": torch.cuda.max_memory_allocated() / 2**30}))
"""

#: training sizes are powers of two (the networks halve them): no 96³
SIZES = (32, 64, 128)


def one_millimetre(root: Path) -> tuple[Path, Path]:
    """The bundled 2 mm pair resampled to 1 mm, as NIfTI files with the matching affine."""
    image, mask = load_sample()
    affine = image.affine.copy()
    affine[:3, :3] /= 2
    paths = root / "image_1mm.nii.gz", root / "mask_1mm.nii.gz"
    data = zoom(np.asarray(image.data, np.float32), 2, order=1)
    labels = zoom(np.asarray(mask.data), 2, order=0).astype(np.uint8)
    nib.save(nib.Nifti1Image(data, affine), paths[0])
    nib.save(nib.Nifti1Image(labels, affine), paths[1])
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=12)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        image, mask = one_millimetre(Path(tmp))
        for family in ("pix2pix", "pair-wgan"):
            for precision in ("fp32", "bf16"):
                for size in SIZES:
                    run = f"{tmp}/{family}-{precision}-{size}"
                    result = run_child(
                        CHILD, family, image, mask, run, precision, size, args.batch, args.steps
                    )
                    rows.append({"family": family, "precision": precision, "size": size, **result})
                    print(rows[-1], flush=True)
        sliding = [
            run_child(SLIDING, f"{tmp}/pix2pix-{precision}-64", mask, precision, overlap)
            | {"overlap": overlap, "precision": precision}
            for precision in ("fp32", "bf16")
            for overlap in (0.25, 0.5)
        ]
        print(sliding, flush=True)
    lines = [
        f"Training on the bundled volume resampled to 1 mm (182×218×182), batch {args.batch}, "
        f"{args.steps} steps per row, the first 3 not timed (cuDNN tunes there); one process "
        "per row; peak = `torch.cuda.max_memory_allocated`; estimate = what the trainer "
        "computed before starting (`napari_gan_augment.memory`). pix2pix with 16 base "
        "filters, pair-wgan with its defaults (16 base filters, 5 critic steps per generator "
        "step).",
        "",
        "| family | precision | patch | generator steps/s | peak GPU memory (GiB) | "
        "estimate (GiB) |",
        "|---|---|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['family']} | {row['precision']} | {row['size']}³ | "
            f"{row['steps_per_s']:.1f} | {row['peak_gib']:.2f} | {row['estimate_gib']:.2f} |"
        )
    lines.append("")
    for family in ("pix2pix", "pair-wgan"):
        for precision in ("fp32", "bf16"):
            mine = {
                r["size"]: r for r in rows if r["family"] == family and r["precision"] == precision
            }
            small, large = mine[SIZES[0]], mine[SIZES[-1]]
            growth = small["steps_per_s"] / large["steps_per_s"]
            memory = large["peak_gib"] / small["peak_gib"]
            voxels = (SIZES[-1] // SIZES[0]) ** 3
            lines.append(
                f"- {family} {precision}: {SIZES[-1]}³ ({voxels}× the voxels of {SIZES[0]}³) "
                f"takes {growth:.1f}× the time per step and {memory:.1f}× the peak memory."
            )
    for s in sliding:
        lines.append(
            f"- Sliding-window synthesis (pix2pix 64³ patches, {s['precision']}, Gaussian "
            f"blend, overlap {s['overlap']}) of a whole {'×'.join(map(str, s['shape']))} "
            f"volume: {s['seconds']:.2f} s, peak GPU memory {s['peak_gib']:.2f} GiB."
        )
    markdown = "\n".join(lines)
    if args.write:
        _plot(rows)
        write_section("3d-gpu", markdown + "\n\n![3D cost on a GPU](images/bench_3d_gpu.png)")
    else:
        print(markdown)


def _plot(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (time_axes, memory_axes) = plt.subplots(1, 2, figsize=(9, 3.5))
    for family in ("pix2pix", "pair-wgan"):
        for precision, style in (("fp32", "o-"), ("bf16", "s--")):
            mine = [r for r in rows if r["family"] == family and r["precision"] == precision]
            voxels = [r["size"] ** 3 for r in mine]
            label = f"{family} {precision}"
            time_axes.loglog(voxels, [1 / r["steps_per_s"] for r in mine], style, label=label)
            memory_axes.loglog(voxels, [r["peak_gib"] for r in mine], style, label=label)
    time_axes.set(xlabel="voxels per patch", ylabel="seconds per generator step")
    memory_axes.set(xlabel="voxels per patch", ylabel="peak GPU memory (GiB)")
    time_axes.legend(fontsize=8)
    figure.tight_layout()
    out = Path(__file__).resolve().parents[1] / "docs" / "images" / "bench_3d_gpu.png"
    figure.savefig(out, dpi=110)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"{time.perf_counter() - started:.0f} s")
