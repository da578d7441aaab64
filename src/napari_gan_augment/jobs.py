"""Long work as child-process jobs in run directories: one protocol for every kind of job.

A job is ``python -m napari_gan_augment.cli <command>`` on a directory. The directory is the
interface:

    job.lock / job.pid   held for the job's whole life (one job per directory); job.pid names
                         the PID, the kind of job, its events file and how it stops
    <events>.jsonl       one JSON event per line, ending with ``{"event": "end", "status": …}``
                         (``finished``, ``stopped`` or ``error`` with a ``message``)
    STOP                 created by anyone who wants the job to stop at its next safe point
    job.log              the child's stdout/stderr

So the viewer crashing does not kill a job, a crash in a job does not kill the viewer, any
process can attach to a running job, and GPU memory is returned when the child exits.
Training writes its events itself (``metrics.jsonl``); experiments and quality checks run
inside a :class:`JobSession`, the child's side of the protocol.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import GateSettings, SynthesisConfig, TrainConfig
from .data.io import Volume, write_nifti
from .data.pairset import PairSet
from .data.sources import check_data_paths
from .errors import GanAugmentError, InputError, user_message
from .interrupts import stop_once_on_signals
from .synthesis.generate import require_checkpoint
from .training.run_dir import RunDirectory
from .training.run_lock import RunLock, busy_message, holder, holder_record

if TYPE_CHECKING:
    from .evaluation.experiment import ExperimentConfig
    from .evaluation.quality import QualityConfig

EVENTS = "events.jsonl"


@dataclass
class Job:
    """A job in a child process: one this process started, or one found running.

    Attributes:
        root: its run directory.
        kind: what it does, in words ("training", "experiment", "quality check").
        events_path: its JSON-lines event log.
        pid: the job's process id.
        process: the child process when this process started it; ``None`` when attached to a
            job another process (an earlier viewer, a terminal) started.
        events_offset: where this job's events begin in the log (a resumed run's log holds
            earlier sessions' events too).
        stop_by: ``"file"`` (stops at its next safe point once ``STOP`` exists) or
            ``"signal"`` (a job with no safe points: stopped with SIGTERM).
    """

    root: Path
    kind: str
    events_path: Path
    pid: int
    process: subprocess.Popen[bytes] | None = None
    events_offset: int = 0
    stop_by: str = "file"

    @property
    def log_path(self) -> Path:
        return self.root / "job.log"

    def is_running(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return holder(self.root) is not None

    def events(self) -> list[dict[str, Any]]:
        """This job's events so far (from ``events_offset``)."""
        if not self.events_path.exists():
            return []
        with open(self.events_path, "rb") as handle:
            handle.seek(self.events_offset)
            lines = handle.read().decode().splitlines(keepends=True)
        return [json.loads(line) for line in lines if line.endswith("\n")]

    def outcome(self) -> tuple[str, str]:
        """``(status, message)`` of an ended job: ``finished``, ``stopped`` or ``error``."""
        ends = [e for e in self.events() if e.get("event") == "end"]
        end = ends[-1] if ends else {}
        code = self.process.poll() if self.process is not None else None
        if end.get("status") in ("finished", "stopped") and code in (None, 0, 130):
            return str(end["status"]), str(end.get("message") or "")
        return "error", f"{self.kind} failed: {self._error_line(end)} ({self.log_path})"

    def _error_line(self, end: dict[str, Any]) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()
        errors = [line for line in lines if line.startswith("gan-augment: error:")]
        if errors:  # the CLI's one-line message: says what to do
            return errors[-1].removeprefix("gan-augment: error: ")
        return str(end.get("message") or "it ended without a result; see the log")

    def request_stop(self) -> None:
        """Ask the job to stop: training saves ``last.pt`` at its next step, an experiment
        ends after the current epoch keeping finished arms, a quality check stops at once."""
        (self.root / "STOP").touch()
        if self.stop_by == "signal":
            os.kill(self.pid, signal.SIGTERM)

    def kill(self) -> None:
        """Stop at once; training's ``last.pt`` from the latest sample grid stays loadable."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        else:
            os.kill(self.pid, signal.SIGKILL)


#: How much lower the CPU priority of a job is than the viewer's (``gan-augment --nice``):
#: the viewer, not the job, wins a busy core.
JOB_NICENESS = 10


def default_threads() -> int:
    """CPU threads for a job: all cores but one, which the viewer keeps."""
    return max(1, (os.cpu_count() or 2) - 1)


def refuse_busy(root: Path) -> None:
    """Refuse a directory a running job holds, naming its PID."""
    running = holder(root)
    if running is not None:
        raise InputError(busy_message(root, running))


def start_job(
    root: str | Path,
    kind: str,
    arguments: list[str],
    events: str = EVENTS,
    threads: int | None = None,
    stop_by: str = "file",
) -> Job:
    """Start ``gan-augment <arguments>`` as a child job on ``root`` (refused while another
    job holds the directory; the child holds its lock for its whole life)."""
    root = Path(root)
    refuse_busy(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "STOP").unlink(missing_ok=True)
    events_path = root / events
    offset = events_path.stat().st_size if events_path.exists() else 0
    command = [sys.executable, "-m", "napari_gan_augment.cli", "--nice", str(JOB_NICENESS)]
    if threads:
        command += ["--threads", str(threads)]
    with open(root / "job.log", "ab") as log:
        # no preexec_fn: it forces a full fork() of the viewer's large process (measured:
        # 150–230 ms of frozen viewer); without one, Python starts the child with vfork
        process = subprocess.Popen(command + arguments, stdout=log, stderr=subprocess.STDOUT)
    return Job(root, kind, events_path, process.pid, process, offset, stop_by)


def start_training_process(
    run_dir: str | Path,
    config: TrainConfig | None = None,
    resume: bool = False,
    pairs: PairSet | None = None,
    steps: int | None = None,
    threads: int | None = None,
    volume: tuple[Volume, Volume] | None = None,
) -> Job:
    """Prepare ``run_dir`` and start ``gan-augment train`` on it in a child process.

    In-memory data (e.g. napari layers) is staged in the run directory first: 2D ``pairs``
    as ``pairs.npz``, an image ``volume`` and its labels as NIfTI files.

    Refuses at once (before anything is written) when a job already runs in ``run_dir``.
    """
    run = RunDirectory(run_dir)
    refuse_busy(run.root)
    arguments = ["train", "--run-dir", str(run.root)]
    if resume:
        run.load_config()  # "holds no run" now, not in the child's log seconds later
        arguments.append("--resume")
        if steps:
            arguments += ["--steps", str(steps)]
    else:
        if config is None:
            raise GanAugmentError("a new run needs training settings (a TrainConfig)")
        if pairs is None and volume is None:
            check_data_paths(config.data)
        if pairs is not None:
            config = run.stage_pairs(pairs, config)
        elif volume is not None:
            config = run.stage_volume(*volume, config)
        elif run.has_run():
            run.create(config)  # raises the "already holds a run" error
        run.root.mkdir(parents=True, exist_ok=True)
        config_path = run.root / "requested-config.yaml"
        config.save(config_path)
        arguments += ["--config", str(config_path)]
    return start_job(run.root, "training", arguments, run.metrics_path.name, threads)


def start_experiment_job(
    config: ExperimentConfig, run_dir: str | Path, threads: int | None = None
) -> Job:
    """Start ``gan-augment evaluate`` (arms × seeds) on a new run directory."""
    run_dir = Path(run_dir)
    refuse_busy(run_dir)
    if (run_dir / "experiment.json").exists() or (run_dir / "results.csv").exists():
        raise InputError(f"{run_dir} already holds an experiment; choose a new run directory")
    return _start_requested(run_dir, "experiment", ["evaluate", "--run-dir"], config, threads)


def start_quality_job(
    config: QualityConfig, out_dir: str | Path, threads: int | None = None
) -> Job:
    """Start ``gan-augment quality`` on a new report folder (stopped by SIGTERM: the measures
    have no safe points)."""
    out_dir = Path(out_dir)
    refuse_busy(out_dir)
    if (out_dir / "quality.json").exists():
        raise InputError(f"{out_dir} already holds a quality report; choose a new folder")
    arguments = ["quality", "--out"]
    return _start_requested(out_dir, "quality check", arguments, config, threads, "signal")


def start_synthesis_job(
    run_dir: str | Path,
    out_dir: str | Path,
    settings: SynthesisConfig,
    mask_run: str | Path | None = None,
    mask_cleanup: int = 0,
    gate: GateSettings | None = None,
    threads: int | None = None,
) -> Job:
    """Start ``gan-augment generate --format npy`` into a new folder: ``images.npy`` and
    ``masks.npy``, the two stacks a viewer adds as layers (stopped by SIGTERM)."""
    out_dir = Path(out_dir)
    refuse_busy(out_dir)
    if (out_dir / "images.npy").exists() or (out_dir / "masks.npy").exists():
        raise InputError(f"{out_dir} already holds synthesized pairs; choose a new folder")
    require_checkpoint(run_dir, settings.checkpoint)  # now, not in the child's log later
    arguments = ["generate", "--run-dir", str(run_dir), "--out", str(out_dir), "--format", "npy"]
    arguments += ["--count", str(settings.count), "--seed", str(settings.seed)]
    arguments += ["--batch-size", str(settings.batch_size), "--checkpoint", settings.checkpoint]
    arguments += ["--device", settings.device, "--precision", settings.precision]
    arguments += ["--mask-cleanup", str(mask_cleanup)]
    if mask_run:
        arguments += ["--mask-run", str(mask_run)]
    if gate is not None:
        arguments += ["--gate", str(gate.min_fidelity)]
    return start_job(out_dir, "synthesis", arguments, threads=threads, stop_by="signal")


def start_volume_synthesis_job(
    run_dir: str | Path,
    mask: np.ndarray,
    spacing: Sequence[float],
    origin: Sequence[float],
    out_dir: str | Path,
    axis: int | None = None,
    device: str = "auto",
    threads: int | None = None,
) -> Job:
    """Start ``gan-augment generate --masks`` for one mask (e.g. a Labels layer, 2D or 3D):
    the mask is written to ``out_dir/mask.nii`` with its spacing and origin, the image comes
    out as ``out_dir/mask_synthetic.nii.gz`` at the same place (stopped by SIGTERM)."""
    out_dir = Path(out_dir)
    refuse_busy(out_dir)
    require_checkpoint(run_dir)
    if not np.asarray(mask).any():
        raise InputError("the mask is empty (only background 0): paint the structures first")
    out_dir.mkdir(parents=True, exist_ok=True)
    # uncompressed: written in a few milliseconds from the viewer's thread
    path = write_nifti(out_dir / "mask.nii", np.asarray(mask), tuple(spacing), tuple(origin))
    arguments = ["generate", "--run-dir", str(run_dir), "--masks", str(path), "--out", str(out_dir)]
    arguments += ["--device", device] + (["--axis", str(axis)] if axis is not None else [])
    return start_job(out_dir, "synthesis", arguments, threads=threads, stop_by="signal")


def _start_requested(
    root: Path,
    kind: str,
    command: list[str],
    config: ExperimentConfig | QualityConfig,
    threads: int | None,
    stop_by: str = "file",
) -> Job:
    """``gan-augment <command[0]> --config requested-….json <command[1]> root`` as a job."""
    check_data_paths(config.data)
    root.mkdir(parents=True, exist_ok=True)
    request = root / f"requested-{command[0]}.json"
    request.write_text(json.dumps(asdict(config), indent=2))
    arguments = [command[0], "--config", str(request), command[1], str(root)]
    return start_job(root, kind, arguments, threads=threads, stop_by=stop_by)


def attach(run_dir: str | Path) -> Job | None:
    """The job running in ``run_dir`` (started by any process), or ``None`` if none runs."""
    root = Path(run_dir)
    record = holder_record(root)
    if record is None:
        return None
    events_path = root / record.get("events", "metrics.jsonl")
    return Job(
        root,
        record.get("kind", "training"),
        events_path,
        int(record["pid"]),
        None,
        _last_start_offset(events_path),
        record.get("stop_by", "file"),
    )


def _last_start_offset(path: Path) -> int:
    """Byte offset of the latest ``start`` event: where the running session's events begin."""
    offset = position = 0
    if path.exists():
        with open(path, "rb") as handle:
            for line in handle:
                if line.endswith(b"\n") and b'"event": "start"' in line:
                    offset = position
                position += len(line)
    return offset


def follow_events(job: Job, poll_seconds: float = 0.2) -> Iterator[dict[str, Any]]:
    """Yield the job's events while it lives, then the rest.

    Yields ``{"event": "idle"}`` between polls so a caller (e.g. a ``thread_worker``) gets a
    regular chance to cancel. Ends after an ``end`` event or when the process is gone.
    """
    offset = job.events_offset
    while True:
        alive = job.is_running()
        if job.events_path.exists():
            with open(job.events_path) as handle:
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


class JobSession:
    """The child's side of the protocol for a job that yields events (an experiment, a
    quality check): holds the lock, appends every event to ``events.jsonl``, stops at the
    next event once ``STOP`` exists (or at once on SIGTERM), and always ends the log with an
    ``end`` event that says how the job ended."""

    def __init__(self, root: str | Path, kind: str, stop_by: str = "file") -> None:
        self.root = Path(root)
        self.events_path = self.root / EVENTS
        self._lock = RunLock(self.root, kind, EVENTS, stop_by)

    def log(self, event: dict[str, Any]) -> None:
        with open(self.events_path, "a") as handle:
            handle.write(json.dumps(event) + "\n")

    def _log_until_stopped(
        self, events: Iterator[dict[str, Any]], end: dict[str, Any], stopping: Callable[[], None]
    ) -> None:
        try:
            for event in events:
                if event.get("event") == "end":  # written last, with the status, below
                    end.update(event)
                    continue
                self.log(event)
                if (self.root / "STOP").exists():
                    stopping()  # the SIGTERM that may come with STOP is the same request
                    getattr(events, "close", lambda: None)()  # an experiment keeps its arms
                    end.update(status="stopped", message="stopped on request")
                    return
        except KeyboardInterrupt:
            end.update(status="stopped", message="stopped on request")

    def run(self, events: Iterator[dict[str, Any]]) -> str:
        """Log ``events`` to their end or to a stop request; returns the final status."""
        self._lock.acquire()
        end: dict[str, Any] = {"event": "end", "status": "finished", "message": ""}
        try:
            with stop_once_on_signals() as stopping:
                self.log({"event": "start", "pid": os.getpid()})
                self._log_until_stopped(events, end, stopping)
        except KeyboardInterrupt:  # a stop that arrived between two events' handling
            end.update(status="stopped", message="stopped on request")
        except BaseException as exc:
            message = user_message(exc) or repr(exc)
            end.update(status="error", message=message)
            raise
        finally:
            self.log(end)
            self._lock.release()
        return str(end["status"])


def wait_for(job: Job, on_event: Callable[[dict[str, Any]], None] | None = None) -> str:
    """Follow ``job`` to its end in this thread; returns its status (for scripts and tests)."""
    for event in follow_events(job):
        if on_event is not None and event["event"] != "idle":
            on_event(event)
    if job.process is not None:
        job.process.wait()
    return job.outcome()[0]
