"""Training throughput of pair-wgan, model FLOP utilisation and the trainer's overhead.

Run: ``python benchmarks/bench_training.py`` (a few minutes on 2 CPU cores).

(a) steps/s at 64 and 128 px; FLOPs per generator step (5 critic steps with gradient penalty +
    1 generator step) counted by ``torch.utils.flop_counter``, as a share of the fp32 matmul
    peak: the best of many 2048² matmuls timed before, between and after the training runs,
    so a slow moment of a shared CPU cannot lower the peak (and flatter the utilisation);
    every row is divided by the same final peak.
(b) the project's trainer (``iter_training``: batch sampling, event log, sample grids and
    checkpoints at its default intervals) against a bare PyTorch loop over the same networks
    and optimisers, interleaved in the same run, and the share of a step spent drawing the
    batch (the data pipeline: the pairs are one preloaded tensor).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
from _data import benchmark_data
from _report import write_section
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

from napari_gan_augment.config import TrainConfig
from napari_gan_augment.precision import Precision
from napari_gan_augment.training import iter_training
from napari_gan_augment.training.run_dir import RunDirectory
from napari_gan_augment.training.trainer import _checked_pairs, _prepare

FP32 = Precision("fp32", "cpu")


def matmul_peak_gflops(size: int = 2048, repeats: int = 5) -> float:
    """The best of ``repeats`` timed fp32 ``size``² matmuls, in GFLOP/s."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


class AtenFlopCounter(TorchDispatchMode):
    """Sums torch's own per-op FLOP formulas over every aten call.

    ``FlopCounterMode`` cannot be used: its module hooks break the double backward of the
    gradient penalty ("A leaf node was passed to _will_engine_execute_node").
    """

    def __init__(self) -> None:
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        counter = flop_registry.get(func._overloadpacket)
        if counter is not None:
            self.total += counter(*args, **kwargs, out_val=out)
        return out


def _prepared(config: TrainConfig, tmp: str):
    run = RunDirectory(tmp)
    pairs = _checked_pairs(config)
    run.create(config)
    return _prepare(run, config, pairs, None, FP32)


def flops_per_step(config: TrainConfig) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        state, data = _prepared(config, tmp)
        batch = data[: config.batch_size]
        state.model.train_step(batch, state.rng_noise)
        with AtenFlopCounter() as counter:
            state.model.train_step(batch, state.rng_noise)
        return float(counter.total)


def trainer_rate(config: TrainConfig, root: Path) -> float:
    """Steps/s of the real trainer, timed from its first to its last step event."""
    times = {}
    for event in iter_training(root, config):
        if event["event"] == "step":
            times[event["step"]] = time.perf_counter()
    first, last = min(times), max(times)
    return (last - first) / (times[last] - times[first])


def bare_rate(config: TrainConfig, steps: int) -> tuple[float, float]:
    """The same networks and optimisers in a plain loop: (steps/s, share of the time spent
    drawing batches)."""
    with tempfile.TemporaryDirectory() as tmp:
        state, data = _prepared(config, tmp)
        model, rng = state.model, torch.Generator().manual_seed(0)
        model.train_step(data[: config.batch_size], state.rng_noise)
        drawing = 0.0
        start = time.perf_counter()
        for _ in range(steps):
            drawn = time.perf_counter()
            batch = model.draw_batch(data, config.batch_size, rng)
            drawing += time.perf_counter() - drawn
            model.train_step(batch, state.rng_noise)
        total = time.perf_counter() - start
        return steps / total, drawing / total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=60, help="timed steps per measurement")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    rows: list[str] = []
    overhead_rows: list[str] = []
    measured: list[tuple[int, float, float]] = []
    peak = matmul_peak_gflops()
    data_dir = Path(tempfile.mkdtemp())
    for size in (64, 128):
        config = TrainConfig(
            data=benchmark_data(size, data_dir),
            image_size=size,
            steps=args.steps + 1,
            batch_size=16,
            device=args.device,
            precision="fp32",  # utilisation is against the fp32 peak
            log_every=5,
        )
        flops = flops_per_step(config)
        trainer, bare = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(3):  # interleaved, so drifting CPU speed hits both alike
                trainer.append(trainer_rate(config, Path(tmp) / f"r{i}"))
                bare.append(bare_rate(config, args.steps))
                peak = max(peak, matmul_peak_gflops())
        best_trainer = max(trainer)
        best_bare, data_share = max(bare)
        measured.append((size, flops, best_trainer))
        overhead_rows.append(
            f"| {size} px | {best_bare:.3f} | {best_trainer:.3f} | "
            f"{(best_bare - best_trainer) / best_bare:+.1%} | {data_share:.2%} |"
        )
    peak = max(peak, matmul_peak_gflops())
    for size, flops, rate in measured:  # every row against the one final peak
        achieved = flops * rate / 1e9
        rows.append(
            f"| {size} px | 16 | {rate:.2f} | {1 / rate:.3f} | {flops / 1e9:.2f} | "
            f"{achieved:.1f} | {peak:.1f} | {achieved / peak:.1%} |"
        )
    write_section(
        "training",
        "\n".join(
            [
                "## Training throughput (pair-wgan, batch 16, 5 critic steps, 16 base filters)",
                "",
                "| size | base filters | steps/s | s/step | GFLOP/step | GFLOP/s "
                "| fp32 matmul peak GFLOP/s (best 2048² matmul of the run) | utilisation |",
                "|---|---|---|---|---|---|---|---|",
                *rows,
                "",
                "## Trainer overhead against a bare PyTorch loop (same networks, optimisers, run)",
                "",
                "The trainer logs every 5 steps and writes sample grids/checkpoints at its default "
                f"intervals; best of 3 interleaved runs of {args.steps} steps each.",
                "",
                "| size | bare loop steps/s | trainer steps/s | overhead "
                "| data pipeline share of a step |",
                "|---|---|---|---|---|",
                *overhead_rows,
                "",
                "A negative overhead means the trainer ran faster than the bare loop; "
                "differences of a few percent either way are run-to-run noise on this CPU. "
                "The data pipeline share is the time spent drawing each batch from the "
                "preloaded pairs, measured in the bare loop.",
            ]
        ),
    )


if __name__ == "__main__":
    main()
