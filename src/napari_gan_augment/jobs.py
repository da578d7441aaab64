"""Running a training job in a child process and following its event log.

The run directory is the interface: the parent writes ``config.yaml`` (and ``pairs.npz``),
starts ``python -m napari_gan_augment.cli train`` on it, and reads ``metrics.jsonl``. The
viewer crashing does not kill training, a crash in training does not kill the viewer, and GPU
memory is returned when the child exits.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import TrainConfig
from .data.pairset import PairSet
from .errors import GanAugmentError, InputError
from .training.run_dir import RunDirectory
from .training.run_lock import busy_message, holder


@dataclass
class TrainingProcess:
    """A training job in a child process: one this process started, or one found running.

    Attributes:
        run: its run directory.
        pid: the job's process id.
        process: the child process when this process started it; ``None`` when attached to a
            job another process (an earlier viewer, a terminal) started.
        events_offset: where this job's events begin in ``metrics.jsonl`` (a resumed run's
            file holds earlier sessions' events too).
    """

    run: RunDirectory
    pid: int
    process: subprocess.Popen[bytes] | None = None
    events_offset: int = 0

    def is_running(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return holder(self.run.root) is not None

    def failed(self) -> bool:
        """True when the job ended with an error (known exactly for jobs started here)."""
        if self.process is not None:
            return self.process.poll() not in (None, 0)
        events = self.run.read_events()
        return bool(events) and events[-1].get("status") == "error"

    def request_stop(self) -> None:
        """Ask the job to save and stop at its next step (it writes ``last.pt`` first)."""
        self.run.request_stop()

    def kill(self) -> None:
        """Stop at once; ``last.pt`` from the latest sample grid stays loadable."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        else:
            os.kill(self.pid, signal.SIGKILL)


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
    """Prepare ``run_dir`` and start ``gan-augment train`` on it in a child process.

    Refuses at once (before anything is written) when a job already runs in ``run_dir``; the
    child holds the directory's lock for its whole life, so a race between two starters is
    refused by the child too.
    """
    run = RunDirectory(run_dir)
    running = holder(run.root)
    if running is not None:
        raise InputError(busy_message(run.root, running))
    command = [sys.executable, "-m", "napari_gan_augment.cli", "train", "--run-dir", str(run.root)]
    if resume:
        run.load_config()  # "holds no run" now, not in the child's log seconds later
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
    return TrainingProcess(run, process.pid, process, offset)


def attach(run_dir: str | Path) -> TrainingProcess | None:
    """The job running in ``run_dir`` (started by any process), or ``None`` if none runs."""
    run = RunDirectory(run_dir)
    pid = holder(run.root)
    if pid is None:
        return None
    return TrainingProcess(run, pid, None, _last_start_offset(run))


def _last_start_offset(run: RunDirectory) -> int:
    """Byte offset of the latest ``start`` event: where the running session's events begin."""
    offset = position = 0
    if run.metrics_path.exists():
        with open(run.metrics_path, "rb") as handle:
            for line in handle:
                if line.endswith(b"\n") and b'"event": "start"' in line:
                    offset = position
                position += len(line)
    return offset


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
