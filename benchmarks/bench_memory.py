"""Memory estimates against measured peaks, and what fits at 128³.

Each configuration trains 3 steps in its own process on the bundled volume; the estimate the
trainer made before starting (``napari_gan_augment.memory``) is set beside the process's
peak resident memory (``ru_maxrss``). Larger patches than the 2 mm sample holds are
estimated only (their probe step runs on random data of that size).
``python benchmarks/bench_memory.py [--write]``.
"""

from __future__ import annotations

import argparse
import tempfile

from _report import run_child, write_section

CHILD = """
import json, resource, sys
import torch
from napari_gan_augment import memory
from napari_gan_augment.config import TrainConfig
from napari_gan_augment.training import iter_training, trainer
family, size, batch, run = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
seen = {}
def keep(estimate, what):
    seen["estimate"] = estimate
    return memory.refuse_if_too_large(estimate, what)
trainer.refuse_if_too_large = keep
options = {"base_filters": 16} if family == "pix2pix" else {}
config = TrainConfig.from_dict({"family": family, "image_size": size, "spatial_dims": 3,
    "patches": 16, "steps": 3, "batch_size": batch, "sample_every": 3, "log_every": 1,
    "checkpoint_every": 10**6, "device": "cpu", "precision": "fp32", "options": options})
for _ in iter_training(run, config):
    pass
print(json.dumps({"estimate_gib": seen["estimate"].total / 2**30,
    "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""

ESTIMATE_ONLY = """
import json, sys
import torch
from napari_gan_augment.memory import estimate_training
from napari_gan_augment.models.base import ModelSpec
from napari_gan_augment.models.registry import get_family
family, size, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
info = get_family(family)
options = {"base_filters": 16} if family == "pix2pix" else {}
spec = ModelSpec(family, size, 1, 3, info.resolve_options(options), spatial_dims=3)
model = info.build(spec, torch.device("cpu"))
data = torch.rand(2, spec.pair_channels, size, size, size) * 2 - 1
estimate = estimate_training(lambda: info.build(spec, torch.device("cpu")), model, data, batch,
    torch.device("cpu"))
print(json.dumps({"estimate_gib": estimate.total / 2**30,
    "per_sample_gib": 1.5 * estimate.activations_per_sample / 2**30}))
"""

MEASURED = [("pix2pix", 32, 4), ("pix2pix", 64, 4), ("pix2pix", 64, 16), ("pair-wgan", 64, 4)]
ESTIMATED = [("pix2pix", 128, 1), ("pix2pix", 128, 4), ("pair-wgan", 128, 1), ("pair-wgan", 128, 4)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    lines = [
        "Estimated before the run starts, against the peak resident memory of a process that "
        "then trains 3 steps (2 CPU cores, fp32, 3D, base filters 16 for pix2pix, defaults "
        "for pair-wgan). Refusal threshold: 90 % of free memory.",
        "",
        "| family | patch | batch | estimate (GiB) | measured peak (GiB) | estimate / peak |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for index, (family, size, batch) in enumerate(MEASURED):
            row = run_child(CHILD, family, size, batch, f"{tmp}/run{index}")
            ratio = row["estimate_gib"] / row["peak_gib"]
            lines.append(
                f"| {family} | {size}³ | {batch} | {row['estimate_gib']:.2f} | "
                f"{row['peak_gib']:.2f} | {ratio:.2f} |"
            )
    lines += [
        "",
        "Estimated only (the 2 mm sample is smaller than these patches). 96³ is not offered: "
        "the networks halve a patch down to 4 voxels, so sizes are powers of two.",
        "",
        "| family | patch | batch | estimate (GiB) | activations per sample (GiB) |",
        "|---|---|---|---|---|",
    ]
    for family, size, batch in ESTIMATED:
        row = run_child(ESTIMATE_ONLY, family, size, batch)
        lines.append(
            f"| {family} | {size}³ | {batch} | {row['estimate_gib']:.2f} | "
            f"{row['per_sample_gib']:.3f} |"
        )
    text = "\n".join(lines)
    if args.write:
        write_section("memory", text)
    else:
        print(text)


if __name__ == "__main__":
    main()
