"""3D cost: time per training step and peak memory by patch size, and sliding-window synthesis
of a whole 197×233×189 volume (the 1 mm MNI152 grid).

Each (family, patch size) trains in its own process on the bundled volume, so its peak
resident memory (``ru_maxrss``) is its own. ``python benchmarks/bench_3d.py [--write]``
(``--write`` puts the table and a plot in docs/benchmarks.md and docs/images/).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _report import run_child

CHILD = """
import json, resource, sys, time
from napari_gan_augment.config import TrainConfig
from napari_gan_augment.training import iter_training
family, run = sys.argv[1], sys.argv[5]
size, batch, steps = (int(a) for a in sys.argv[2:5])
options = {"base_filters": 16} if family == "pix2pix" else {}
config = TrainConfig.from_dict({"family": family, "image_size": size, "spatial_dims": 3,
    "patches": 32, "steps": steps, "batch_size": batch, "sample_every": steps, "log_every": 1,
    "checkpoint_every": 10**6, "device": "cpu", "precision": "fp32", "options": options})
times = []
for event in iter_training(run, config):
    if event["event"] == "step":
        times.append(time.perf_counter())
step = (times[-1] - times[1]) / (len(times) - 2)  # the first step warms up
print(json.dumps({"seconds_per_step": step,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SLIDING = """
import json, resource, sys, time
import numpy as np
from skimage.transform import resize
from napari_gan_augment.data.sample import load_sample
from napari_gan_augment.synthesis import load_generator, synthesize_volume
generator = load_generator(sys.argv[1], device="cpu", precision="fp32")
_, mask = load_sample()
labels = resize(mask.data, (197, 233, 189), order=0, preserve_range=True, anti_aliasing=False)
started = time.perf_counter()
volume = synthesize_volume(generator, labels.astype(np.uint8), overlap=float(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - started, "shape": list(volume.shape),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--batch", type=int, default=4)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for family in ("pix2pix", "pair-wgan"):
            for size, steps in ((16, 8), (32, 6), (64, 4)):
                result = run_child(CHILD, family, size, args.batch, steps, f"{tmp}/{family}{size}")
                rows.append({"family": family, "size": size, **result})
                print(rows[-1], flush=True)
        sliding = [
            run_child(SLIDING, f"{tmp}/pix2pix32", overlap) | {"overlap": overlap}
            for overlap in (0.25, 0.5)
        ]
        print(sliding)
    lines = [
        f"Training on the bundled 2 mm MNI152 volume, batch {args.batch}, fp32, one process "
        "per row (its own peak resident memory, Python and torch included); pix2pix with 16 "
        "base filters, pair-wgan with its defaults (16 base filters, 5 critic steps per "
        "generator step).",
        "",
        "| family | patch | voxels per patch | s / step | peak RSS (MB) |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['family']} | {row['size']}³ | {row['size'] ** 3:,} | "
            f"{row['seconds_per_step']:.3f} | {row['peak_mb']:.0f} |"
        )
    for family in ("pix2pix", "pair-wgan"):
        mine = {r["size"]: r for r in rows if r["family"] == family}
        growth = mine[64]["seconds_per_step"] / mine[32]["seconds_per_step"]
        lines.append("")
        lines.append(
            f"- {family}: 64³ costs {growth:.1f}× the time of 32³ per step for 8× the voxels."
        )
    lines.append("")
    for s in sliding:
        lines.append(
            f"- Sliding-window synthesis (pix2pix 32³ patches, Gaussian blend, overlap "
            f"{s['overlap']}) of a whole {'×'.join(map(str, s['shape']))} volume: "
            f"{s['seconds']:.1f} s, peak RSS {s['peak_mb']:.0f} MB."
        )
    markdown = "\n".join(lines)
    if args.write:
        from _report import write_section

        _plot(rows)
        write_section("3d", markdown + "\n\n![3D cost by patch size](images/bench_3d.png)")
    else:
        print(markdown)


def _plot(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (time_axes, memory_axes) = plt.subplots(1, 2, figsize=(9, 3.5))
    for family in ("pix2pix", "pair-wgan"):
        mine = [r for r in rows if r["family"] == family]
        voxels = [r["size"] ** 3 for r in mine]
        time_axes.loglog(voxels, [r["seconds_per_step"] for r in mine], "o-", label=family)
        memory_axes.semilogx(voxels, [r["peak_mb"] for r in mine], "o-", label=family)
    time_axes.set(xlabel="voxels per patch", ylabel="seconds per step")
    memory_axes.set(xlabel="voxels per patch", ylabel="peak RSS (MB)")
    time_axes.legend()
    figure.tight_layout()
    out = Path(__file__).resolve().parents[1] / "docs" / "images" / "bench_3d.png"
    figure.savefig(out, dpi=110)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"{time.perf_counter() - started:.0f} s")
