"""How training and synthesis time grow with the dataset and the image size (a plot).

Run: ``python benchmarks/bench_scaling.py`` (about 4 minutes on 2 cores). pair-wgan, fp32:

- training: for 32, 64 and 128 px and 32, 128 and 512 real pairs, the start-up (reading and
  checking the pairs, fitting the normaliser, recording fingerprints, building the networks)
  and the seconds per step (batch 16, 5 critic steps);
- synthesis: seconds for 250, 1,000 and 4,000 pairs in memory at each size.

Writes ``docs/images/scaling.png`` and the table behind it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from _data import benchmark_data  # noqa: E402
from _report import DOC, write_section  # noqa: E402
from matplotlib.ticker import FormatStrFormatter, NullFormatter  # noqa: E402

from napari_gan_augment.config import DataConfig, TrainConfig  # noqa: E402
from napari_gan_augment.data.pairset import PairSet  # noqa: E402
from napari_gan_augment.data.sources import pairset_from_config  # noqa: E402
from napari_gan_augment.synthesis import load_generator, synthesize_pairs  # noqa: E402
from napari_gan_augment.training import iter_training  # noqa: E402

SIZES = (32, 64, 128)
PAIRS = (32, 128, 512)
COUNTS = (250, 1000, 4000)
PLOT = DOC.parent / "images" / "scaling.png"


def pairs_file(size: int, count: int, folder: Path) -> DataConfig:
    """``count`` real pairs at least ``size`` wide (the sample's slices, repeated as needed)."""
    source = pairset_from_config(benchmark_data(size, folder))
    chosen = [i % len(source.images) for i in range(count)]
    pairs = PairSet.from_pairs(
        [source.images[i] for i in chosen],
        [source.masks[i] for i in chosen],
        [f"pair{n}" for n in range(count)],
        source.spacing,
        rgb=False,
    )
    path = folder / f"pairs_{size}_{count}.npz"
    pairs.save(path)
    return DataConfig(source="pairs", path=str(path))


def training_times(size: int, count: int, folder: Path) -> tuple[float, float, Path]:
    """(start-up seconds, seconds per step, run directory) of a 16-step run."""
    folder.mkdir(exist_ok=True)
    config = TrainConfig(
        data=pairs_file(size, count, folder),
        image_size=size,
        steps=16,
        device="cpu",
        precision="fp32",
        log_every=4,
        sample_every=16,
    )
    run_dir = folder / f"run_{size}_{count}"
    began, steps = time.perf_counter(), {}
    for event in iter_training(run_dir, config):
        if event["event"] == "start":
            startup = time.perf_counter() - began
        if event["event"] == "step":
            steps[event["step"]] = time.perf_counter()
    per_step = (steps[16] - steps[4]) / 12
    return startup, per_step, run_dir


def synthesis_seconds(run_dir: Path, count: int) -> float:
    generator = load_generator(run_dir, device="cpu", precision="fp32")
    synthesize_pairs(generator, 64)  # warm-up
    start = time.perf_counter()
    synthesize_pairs(generator, count, seed=1)
    return time.perf_counter() - start


def main() -> None:
    startup, per_step, synthesis = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        training_times(SIZES[0], PAIRS[0], Path(tmp) / "warm-up")  # imports, first allocations
        for size in SIZES:
            for count in PAIRS:
                startup[size, count], per_step[size, count], run_dir = training_times(
                    size, count, Path(tmp)
                )
            for count in COUNTS:
                synthesis[size, count] = synthesis_seconds(run_dir, count)
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for size in SIZES:
        axes[0].plot(PAIRS, [per_step[size, n] for n in PAIRS], "o-", label=f"{size} px")
        axes[1].plot(PAIRS, [startup[size, n] for n in PAIRS], "o-", label=f"{size} px")
        axes[2].plot(COUNTS, [synthesis[size, n] for n in COUNTS], "o-", label=f"{size} px")
    titles = (
        ("training: seconds per step", "real pairs"),
        ("training: start-up seconds", "real pairs"),
        ("synthesis: seconds", "pairs generated"),
    )
    for axis, (title, xlabel), ticks in zip(axes, titles, (PAIRS, PAIRS, COUNTS), strict=True):
        axis.set(title=title, xlabel=xlabel, xscale="log", yscale="log")
        axis.set_xticks(ticks, [f"{t:,}" for t in ticks])
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        axis.yaxis.set_minor_formatter(NullFormatter())
        axis.legend()
        axis.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(PLOT, dpi=110)
    rows = [
        f"| {size} px | {n} | {startup[size, n]:.2f} | {per_step[size, n]:.3f} |"
        for size in SIZES
        for n in PAIRS
    ]
    synthesis_rows = [
        f"| {size} px | " + " | ".join(f"{synthesis[size, n]:.2f}" for n in COUNTS) + " |"
        for size in SIZES
    ]
    write_section(
        "scaling",
        "\n".join(
            [
                "## How time grows with the dataset and the image size (pair-wgan, fp32)",
                "",
                "![Training and synthesis time against dataset and image size]"
                f"(images/{PLOT.name})",
                "",
                "| size | real pairs | training start-up (s) | s/step (batch 16) |",
                "|---|---|---|---|",
                *rows,
                "",
                "| size | " + " | ".join(f"{n:,} pairs (s)" for n in COUNTS) + " |",
                "|---|" + "---|" * len(COUNTS),
                *synthesis_rows,
                "",
                "A step's cost depends on the image size, not on how many pairs there are (a "
                "batch is drawn from one preloaded tensor); start-up grows with the pairs "
                "(reading, checking, fingerprinting them); synthesis grows linearly with the "
                "count.",
            ]
        ),
    )


if __name__ == "__main__":
    main()
