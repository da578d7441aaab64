"""Jobs on a GPU: speed against the CPU, and the GPU memory handed back when a job ends.

The viewer-side process only starts and follows jobs, so it never initialises CUDA; each
job's memory (training, an experiment) must be free again once its child process exits.
Needs a CUDA machine::

    python benchmarks/bench_gpu_jobs.py --write   # results into docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from napari_gan_augment.config import DataConfig, TrainConfig
from napari_gan_augment.evaluation.experiment import ExperimentConfig
from napari_gan_augment.jobs import Job, start_experiment_job, start_training_process, wait_for

SAMPLE = DataConfig(source="sample", axis=0, step=2, min_foreground=0.05)
TEST_SLICES = DataConfig(source="sample", axis=1, step=3, min_foreground=0.05)


def gpu_used_mib() -> int:
    """Memory in use on the whole GPU (MiB): only this benchmark's jobs run there."""
    out = subprocess.run(
        ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.split()[0])


def follow(job: Job) -> dict[str, Any]:
    """Wait for ``job``, sampling GPU memory every 0.2 s; seconds, status, peak MiB."""
    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], gpu_used_mib())
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    started = time.perf_counter()
    sampler.start()
    status = wait_for(job)
    done.set()
    sampler.join()
    return {"seconds": time.perf_counter() - started, "status": status, "peak_mib": peak[0]}


def training(root: Path, device: str, steps: int) -> dict[str, Any]:
    config = TrainConfig(
        family="pix2pix", data=SAMPLE, image_size=64, steps=steps, batch_size=16,
        sample_every=steps, log_every=10, checkpoint_every=steps, device=device,
    )  # fmt: skip
    result = follow(start_training_process(root / f"train-{device}", config))
    summary = json.loads((root / f"train-{device}" / "summary.json").read_text())
    return result | {"steps_per_second": summary["step"] / summary["seconds"]}


def experiment(root: Path, device: str) -> dict[str, Any]:
    config = ExperimentConfig(
        data=TEST_SLICES, arms=("real",), seeds=3, image_size=64, epochs=10, patience=10,
        device=device,
    )  # fmt: skip
    return follow(start_experiment_job(config, root / f"experiment-{device}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    idle = gpu_used_mib()
    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for device in ("cuda", "cpu"):
            rows[f"training pix2pix 64 px, {device}"] = training(root, device, args.steps)
            rows[f"experiment (3 seeds × 10 epochs), {device}"] = experiment(root, device)
    after = gpu_used_mib()
    parent_cuda = "torch" in sys.modules and sys.modules["torch"].cuda.is_initialized()
    result = {"idle_mib": idle, "after_mib": after, "parent_cuda": parent_cuda, "jobs": rows}
    print(json.dumps(result, indent=1))
    lines = [
        "| job | device | status | seconds | steps/s | GPU memory in use at peak (MiB) |",
        "|---|---|---|---:|---:|---:|",
    ]
    for name, row in rows.items():
        what, device = name.rsplit(", ", 1)
        rate = f"{row['steps_per_second']:.1f}" if "steps_per_second" in row else "–"
        peak = row["peak_mib"] if device == "cuda" else "–"
        lines.append(
            f"| {what} | {device} | {row['status']} | {row['seconds']:.0f} | {rate} | {peak} |"
        )
    speedup = (
        rows["training pix2pix 64 px, cuda"]["steps_per_second"]
        / rows["training pix2pix 64 px, cpu"]["steps_per_second"]
    )
    lines += [
        "",
        f"GPU memory in use before the jobs: {idle} MiB; after they ended: {after} MiB "
        f"(handed back when each child process exits). The process that started and followed "
        f"the jobs (as the viewer does) initialised CUDA: {'yes' if parent_cuda else 'no'}. "
        f"Training ran {speedup:.1f}× faster on the GPU than on the machine's CPU cores "
        "(one run each, same settings).",
    ]
    if args.write:
        sys.path.insert(0, str(Path(__file__).parent))
        from _report import write_section

        write_section("gpu-jobs", "## Jobs on a GPU\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
