"""CPU cost of segmentation guidance: a guided pix2pix step against an unguided one.

Run: ``python benchmarks/bench_guidance.py`` (a few minutes on 2 CPU cores). The low-data
curve's settings (32 px, batch 16, 16 filters, the sample's axial slices); the models train
in the same process, in alternating blocks of steps, so a busy moment of a shared machine
slows both alike; the figure is the ratio of their median block times. ``guidance_every``
1, 2 (the default) and 4 show what the hypergradient's share of the steps costs.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch
from _report import write_section

from napari_gan_augment.config import DataConfig, TrainConfig
from napari_gan_augment.data.encoding import encode_masks
from napari_gan_augment.data.sources import pairset_from_config
from napari_gan_augment.models.registry import get_family
from napari_gan_augment.training.trainer import build_spec

SIZE, BATCH, BLOCK, BLOCKS = 32, 16, 10, 6


def _model(guidance: str, every: int, pairs):
    config = TrainConfig(
        family="pix2pix",
        image_size=SIZE,
        batch_size=BATCH,
        guidance=guidance,
        options={"base_filters": 16, "guidance_every": every},
        device="cpu",
    )
    torch.manual_seed(0)
    return get_family("pix2pix").build(build_spec(config, pairs), torch.device("cpu"))


def main() -> None:
    pairs = pairset_from_config(DataConfig(source="sample", axis=0, min_foreground=0.05))
    normaliser = pairs.fit_normaliser()
    images, masks = pairs.training_arrays(SIZE, normaliser)
    data = torch.from_numpy(np.concatenate([images, encode_masks(masks, pairs.num_classes)], 1))
    models = {"unguided": _model("none", 1, pairs)}
    for every in (1, 2, 4):
        models[f"guided, every {every}"] = _model("segmentation", every, pairs)
    rngs = {
        name: (torch.Generator().manual_seed(0), torch.Generator().manual_seed(1))
        for name in models
    }
    times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(BLOCKS + 1):  # the first block of each warms up and is dropped
        for name, model in models.items():
            batch_rng, noise_rng = rngs[name]
            start = time.perf_counter()
            for _ in range(BLOCK):
                model.train_step(model.draw_batch(data, BATCH, batch_rng), noise_rng)
            times[name].append((time.perf_counter() - start) / BLOCK)
    base = statistics.median(times["unguided"][1:])
    lines = [
        "## Segmentation guidance: cost per pix2pix step (`bench_guidance.py`)",
        "",
        f"{SIZE} px, batch {BATCH}, 16 filters, the sample's {len(pairs)} axial slices; median "
        f"of {BLOCKS} blocks of {BLOCK} steps, the models interleaved in one process.",
        "",
        "| model | s / step | × unguided |",
        "|---|---|---|",
    ]
    for name, values in times.items():
        median = statistics.median(values[1:])
        lines.append(f"| {name} | {median:.3f} | {median / base:.2f} |")
    write_section("guidance", "\n".join(lines))


if __name__ == "__main__":
    main()
