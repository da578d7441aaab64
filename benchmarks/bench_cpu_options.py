"""What makes the networks faster on this CPU: bf16 autocast, channels_last, torch.compile.

Run: ``python benchmarks/bench_cpu_options.py`` (about 3 minutes on 2 cores, most of it
torch.compile compiling).

Each option is timed against plain fp32 in the same run, interleaved, best of 3, on
(a) a pair-wgan training step (64 px, batch 16, 5 critic steps with gradient penalty) and
(b) a segmenter training step (MONAI U-Net, 16 filters, 64 px, batch 8, DiceCE), the two
workloads training and experiments spend their time in. It also shows the precision probe's
own verdict (``precision.py``), which is what ``precision: auto`` uses.
torch.compile cannot compile the critic: its gradient penalty needs a double backward, which
compiled graphs do not support, so for (a) only the generator is compiled.
(c) torch.compile end to end: a real-pairs experiment (10 seeds × 10 epochs, 64 px) with and
without its segmenters compiled, each in a fresh process with an empty compile cache, so the
compilation a user would pay is counted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import torch
from _data import benchmark_data
from _report import write_section
from monai.losses import DiceCELoss

from napari_gan_augment.config import TrainConfig
from napari_gan_augment.precision import Precision, cpu_probe, resolve_precision
from napari_gan_augment.segmentation.networks import segmentation_network
from napari_gan_augment.training.run_dir import RunDirectory
from napari_gan_augment.training.trainer import _checked_pairs, _prepare

OPTIONS = ("fp32", "bf16", "channels_last", "compile")


def gan_step(option: str, folder: str) -> Callable[[], None]:
    config = TrainConfig(data=benchmark_data(64, tempfile.mkdtemp()), device="cpu")
    run = RunDirectory(folder)
    pairs = _checked_pairs(config)
    run.create(config)
    precision = Precision("bf16" if option == "bf16" else "fp32", "cpu")
    state, data = _prepare(run, config, pairs, None, precision)
    model, rng = state.model, torch.Generator().manual_seed(0)
    layout = torch.channels_last if option == "channels_last" else torch.contiguous_format
    if option == "channels_last":
        for network in model.networks.values():
            network.to(memory_format=layout)
    if option == "compile":
        model.generator.compile()

    def step() -> None:
        batch = model.draw_batch(data, 16, rng).contiguous(memory_format=layout)
        model.train_step(batch, state.rng_noise)

    return step


def segmenter_step(option: str) -> Callable[[], None]:
    torch.manual_seed(0)
    network = segmentation_network("unet", 3, 16)
    layout = torch.channels_last if option == "channels_last" else torch.contiguous_format
    network.to(memory_format=layout)
    Precision("bf16" if option == "bf16" else "fp32", "cpu").apply(network)
    if option == "compile":
        network.compile()
    optimiser, loss = torch.optim.Adam(network.parameters()), DiceCELoss(softmax=True)
    inputs = torch.randn(8, 1, 64, 64).contiguous(memory_format=layout)
    targets = torch.nn.functional.one_hot(torch.randint(0, 3, (8, 64, 64)), 3).movedim(-1, 1)

    def step() -> None:
        optimiser.zero_grad()
        loss(network(inputs), targets.float()).backward()
        optimiser.step()

    return step


def steps_per_second(step: Callable[[], None], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        step()
    return count / (time.perf_counter() - start)


def measure(make: Callable[[str], Callable[[], None]], count: int) -> dict[str, tuple]:
    """{option: (best steps/s, seconds of the first call: compilation, warm-up)}."""
    steps, first = {}, {}
    for option in OPTIONS:
        steps[option] = make(option)
        start = time.perf_counter()
        steps[option]()
        first[option] = time.perf_counter() - start
    rates: dict[str, list[float]] = {option: [] for option in OPTIONS}
    for _ in range(3):  # interleaved, so drifting CPU speed hits every option alike
        for option in OPTIONS:
            rates[option].append(steps_per_second(steps[option], count))
    return {option: (max(rates[option]), first[option]) for option in OPTIONS}


EXPERIMENT = """
import sys, tempfile, time
from napari_gan_augment.config import DataConfig
from napari_gan_augment.evaluation import experiment
if sys.argv[1] == "compile":
    build = experiment.segmentation_network
    def compiled(*args):
        network = build(*args)
        network.compile()
        return network
    experiment.segmentation_network = compiled
config = experiment.ExperimentConfig(
    data=DataConfig(source="sample", axis=0, min_foreground=0.05), arms=("real",), seeds=10,
    epochs=10, patience=100, device="cpu", precision="fp32",
)
start = time.perf_counter()
experiment.run_experiment(config, tempfile.mkdtemp() + "/run")
print(time.perf_counter() - start)
"""


def experiment_seconds(option: str) -> float:
    """Wall seconds of the experiment above in a fresh process with an empty compile cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": cache}
        out = subprocess.run(
            [sys.executable, "-c", EXPERIMENT, option],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return float(out.split()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folders = iter(range(len(OPTIONS)))
        workloads = {
            "pair-wgan training step (64 px, batch 16)": measure(
                lambda option: gan_step(option, f"{tmp}/{next(folders)}"), 4
            ),
            "U-Net segmenter step (64 px, batch 8)": measure(segmenter_step, 20),
        }
    rows = []
    for workload, results in workloads.items():
        base = results["fp32"][0]
        for option, (rate, first) in results.items():
            rows.append(
                f"| {workload} | {option} | {rate:.2f} | {rate / base:.2f}× | {first:.1f} |"
            )
    end_to_end = {option: experiment_seconds(option) for option in ("fp32", "compile")}
    gan, unet = workloads.values()
    layouts = [w["channels_last"][0] / w["fp32"][0] for w in (gan, unet)]
    compiled_gan = gan["compile"][0] / gan["fp32"][0]
    compiled_unet = unet["compile"][0] / unet["fp32"][0]
    first_compile = unet["compile"][1]
    probe = cpu_probe()
    chosen = resolve_precision("auto", torch.device("cpu"))
    write_section(
        "cpu-options",
        "\n".join(
            [
                "## bf16 autocast, channels_last and torch.compile on this CPU",
                "",
                "Steps/s of each option against plain fp32 (best of 3 interleaved runs; "
                "first call = compilation or warm-up, paid once per network).",
                "",
                "| workload | option | steps/s | vs fp32 | first call (s) |",
                "|---|---|---|---|---|",
                *rows,
                "",
                "torch.compile end to end (a 10-seed × 10-epoch real-pairs experiment at 64 px, "
                f"fresh process, empty compile cache): {end_to_end['fp32']:.1f} s plain, "
                f"{end_to_end['compile']:.1f} s compiled.",
                "",
                f"The precision probe (a small MONAI U-Net step): fp32 "
                f"{probe['fp32_seconds'] * 1000:.1f} ms, bf16 {probe['bf16_seconds'] * 1000:.1f} "
                f"ms; `precision: auto` runs **{chosen.name}** here ({chosen.reason}).",
                "",
                "Kept: bf16 through `precision: auto`, wherever the probe measures it faster. "
                f"Not kept: channels_last ({min(layouts):.2f}–{max(layouts):.2f}× here). "
                "torch.compile: "
                f"{compiled_gan:.2f}× on the GAN step (only the generator can be compiled: "
                "the critic's gradient penalty needs a double backward) and "
                f"{compiled_unet:.2f}× on the segmenter step, after compiling for "
                f"{first_compile:.0f} s, and again for each new batch size and for evaluation "
                "(about 40 s per process); end to end the experiment above took "
                f"{end_to_end['compile'] / end_to_end['fp32']:.1f}× as long compiled. It would "
                "pay only for segmenter training far longer than this project's experiments run, "
                "and it needs a C++ compiler at run time.",
            ]
        ),
    )


if __name__ == "__main__":
    main()
