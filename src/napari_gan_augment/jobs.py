"""Running a training job in a child process and following its event log.

The run directory is the interface: the parent writes ``config.yaml`` (and ``pairs.npz``),
starts ``python -m napari_gan_augment.cli train`` on it, and reads ``metrics.jsonl``. The
viewer crashing does not kill training, a crash in training does not kill the viewer, and GPU
memory is returned when the child exits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import TrainConfig
from .data.pairset import PairSet
from .errors import GanAugmentError
from .training.run_dir import RunDirectory


@dataclass
class TrainingProcess:
    """A training job running in a child process.

    Attributes:
        run: its run directory.
        process: the child process.
        events_offset: size of ``metrics.jsonl`` before the job started: follow from here to
            see exactly this job's events (a resumed run's file holds earlier ones too).
    """

    run: RunDirectory
    process: subprocess.Popen[bytes]
    events_offset: int = 0

    def is_running(self) -> bool:
        return self.process.poll() is None

    def request_stop(self) -> None:
        """Ask the job to save and stop at its next step (it writes ``last.pt`` first)."""
        self.run.request_stop()

    def kill(self) -> None:
        """Stop at once; ``last.pt`` from the latest sample grid stays loadable."""
        self.process.kill()
        self.process.wait()


def _lower_priority() -> None:
    """Run the job at a lower CPU priority: the viewer, not training, wins a busy core."""
    if hasattr(os, "nice"):
        os.nice(10)


def start_training_process(
    run_dir: str | Path,
    config: TrainConfig | None = None,
    resume: bool = False,
    pairs: PairSet | None = None,
    steps: int | None = None,
) -> TrainingProcess:
    """Prepare ``run_dir`` and start ``gan-augment train`` on it in a child process."""
    run = RunDirectory(run_dir)
    command = [sys.executable, "-m", "napari_gan_augment.cli", "train", "--run-dir", str(run.root)]
    if resume:
        command.append("--resume")
        if steps:
            command += ["--steps", str(steps)]
    else:
        if config is None:
            raise GanAugmentError("a new run needs a TrainConfig")
        if pairs is not None:
            config = run.stage_pairs(pairs, config)
        elif run.has_run():
            run.create(config)  # raises the "already holds a run" error
        run.root.mkdir(parents=True, exist_ok=True)
        config_path = run.root / "requested-config.yaml"
        config.save(config_path)
        command += ["--config", str(config_path)]
    offset = run.metrics_path.stat().st_size if run.metrics_path.exists() else 0
    with open(run.log_path, "ab") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_lower_priority
        )
    return TrainingProcess(run, process, offset)


def follow_events(
    run_dir: str | Path,
    is_alive: Callable[[], bool],
    offset: int = 0,
    poll_seconds: float = 0.2,
) -> Iterator[dict[str, Any]]:
    """Yield ``metrics.jsonl`` events from byte ``offset`` while the job lives, then the rest.

    Yields ``{"event": "idle"}`` between polls so a caller (e.g. a ``thread_worker``) gets a
    regular chance to cancel. Ends after an ``end`` event or when the process is gone.
    """
    path = RunDirectory(run_dir).metrics_path
    while True:
        alive = is_alive()
        if path.exists():
            with open(path) as handle:
                handle.seek(offset)
                for line in iter(handle.readline, ""):
                    if not line.endswith("\n"):
                        break
                    offset += len(line.encode())
                    event = json.loads(line)
                    yield event
                    if event.get("event") == "end":
                        return
        if not alive:
            return
        yield {"event": "idle"}
        time.sleep(poll_seconds)
