"""The full SIGKILL/SIGTERM trial loop (CI runs a reduced one: tests/test_kill_trials.py).

Run: ``python benchmarks/bench_kill_trials.py`` (≈ 15 minutes on 2 cores). Kills real
``gan-augment train`` jobs (a 32 px pair-wgan, checkpoints every 2 steps) with SIGKILL at
random moments — some during start-up, some aimed at checkpoint writes — and with SIGTERM,
and ``gan-augment evaluate`` experiments with SIGKILL; after each, ``tests/faults.py`` checks
that every checkpoint loads and is finite, the logs read, the lock is free and the run
resumes (an experiment: only whole files, complete arms, the folder refused for reuse).
Any failed check stops the benchmark with its assertion. Writes the ``kill-trials`` section
of docs/benchmarks.md and the records to ``benchmarks/results/kill_trials.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import tempfile
from pathlib import Path

from _report import write_section

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the trials live with the tests

from tests.conftest import tiny_config  # noqa: E402
from tests.evaluation.test_experiment import DATA  # noqa: E402
from tests.faults import kill_experiment, kill_training  # noqa: E402

from napari_gan_augment.evaluation.experiment import ExperimentConfig  # noqa: E402
from napari_gan_augment.training import train  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--training", type=int, default=24, help="SIGKILL trials of train")
    parser.add_argument("--sigterm", type=int, default=10, help="SIGTERM trials of train")
    parser.add_argument("--experiments", type=int, default=20, help="SIGKILL trials of evaluate")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    config = tiny_config(steps=100_000, sample_every=2, checkpoint_every=2)
    records: dict[str, list[dict]] = {"sigkill": [], "sigterm": [], "experiment": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for number in range(args.training):
            startup, aim = number % 6 == 0, number % 2 == 1  # 1 in 6 in start-up, half aimed
            records["sigkill"].append(
                kill_training(root / f"k{number}", config, rng.uniform(0, 4), aim, startup)
            )
            print(records["sigkill"][-1], flush=True)
        for number in range(args.sigterm):
            records["sigterm"].append(
                kill_training(
                    root / f"t{number}",
                    config,
                    rng.uniform(0, 4),
                    False,
                    number == 0,
                    signal.SIGTERM,
                )  # fmt: skip
            )
            print(records["sigterm"][-1], flush=True)
        generator = root / "generator"
        train(generator, tiny_config())
        experiment = ExperimentConfig(
            data=DATA, synthetic_run=str(generator), synthetic_count=8,
            arms=("real", "real+synthetic"), seeds=20, image_size=32, epochs=2,
            base_filters=4, device="cpu",
        )  # fmt: skip
        for number in range(args.experiments):
            records["experiment"].append(
                kill_experiment(root / f"e{number}", experiment, rng.uniform(0.5, 14))
            )
            print(records["experiment"][-1], flush=True)
    out = Path(__file__).parent / "results" / "kill_trials.json"
    out.write_text(json.dumps(records, indent=1))
    kills, terms, experiments = records["sigkill"], records["sigterm"], records["experiment"]
    write_section(
        "kill-trials",
        "\n".join(
            [
                "## Killed jobs (SIGKILL / SIGTERM at random moments)",
                "",
                "| trials | of which | every check held |",
                "|---|---|---|",
                f"| {len(kills)} × SIGKILL `train` | "
                f"{sum(r['in_startup'] for r in kills)} in start-up, "
                f"{sum(r['in_write'] for r in kills)} inside a checkpoint write "
                f"(its `.part` left behind), {sum(r['last_step'] > 0 for r in kills)} after "
                "a checkpoint | yes: every checkpoint loaded and finite, log read, lock free, "
                "resume finished |",
                f"| {len(terms)} × SIGTERM `train` | "
                f"{sum(r['exit_code'] == 130 for r in terms)} ended `stopped` (exit 130), "
                f"{sum(r['exit_code'] == -15 for r in terms)} before the handler was in place "
                "| yes: as above, and `summary.json` says stopped |",
                f"| {len(experiments)} × SIGKILL `evaluate` | "
                f"{sum(r['arms_done'] > 0 for r in experiments)} after ≥ 1 arm, "
                f"{sum(r['finished'] for r in experiments)} after the summary | yes: "
                "results.csv only complete arms, every JSON/NPZ/checkpoint whole, lock free, "
                "folder refused for reuse |",
                "",
                f"Seed {args.seed}; the records are in `benchmarks/results/kill_trials.json`. "
                "The same checks run in CI on 4 training and 2 experiment kills "
                "(`tests/test_kill_trials.py`).",
            ]
        ),
    )


if __name__ == "__main__":
    main()
