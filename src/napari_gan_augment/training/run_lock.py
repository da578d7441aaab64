"""One job per run directory: an OS file lock held for the job's whole life.

The lock is an OS-level lock (``filelock``: ``flock`` on POSIX, ``msvcrt`` on Windows), so it
is released when the process ends however it ends (finished, crashed, killed): a stale lock
cannot outlive its job. Next to it, ``job.pid`` names the holder so a refusal can say which
process to stop, and any process can find and attach to a running job.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from ..errors import InputError


class RunLock:
    """``with RunLock(root): ...`` holds ``root/job.lock``; a second holder is refused.

    ``job.pid`` records what attaching needs: the PID, what the job is (``kind``), the file
    its events go to, and whether it stops at the ``STOP`` file or only on SIGTERM.
    """

    def __init__(
        self,
        root: str | Path,
        kind: str = "training",
        events: str = "metrics.jsonl",
        stop_by: str = "file",
    ) -> None:
        self.root = Path(root)
        self.record = {"kind": kind, "events": events, "stop_by": stop_by}
        self._lock = FileLock(self.root / "job.lock")

    @property
    def pid_path(self) -> Path:
        return self.root / "job.pid"

    def acquire(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise InputError(busy_message(self.root, holder(self.root))) from None
        record = {"pid": os.getpid(), "started": time.time(), **self.record}
        self.pid_path.write_text(json.dumps(record))

    def release(self) -> None:
        self.pid_path.unlink(missing_ok=True)
        self._lock.release()

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def holder_record(root: str | Path) -> dict[str, Any] | None:
    """``job.pid`` of the job holding ``root``'s lock, or ``None`` when no job runs there
    (``pid`` is -1 while the holder has not written its record yet)."""
    root = Path(root)
    if not (root / "job.lock").exists():
        return None
    probe = FileLock(root / "job.lock")
    try:
        probe.acquire(timeout=0)
    except Timeout:
        try:
            record = dict(json.loads((root / "job.pid").read_text()))
            record["pid"] = int(record["pid"])
            return record
        except (OSError, ValueError, KeyError, TypeError):
            return {"pid": -1}  # locked, but the holder has not written its record yet
    probe.release()
    return None


def holder(root: str | Path) -> int | None:
    """PID of the job holding ``root``'s lock, or ``None`` when no job runs there."""
    record = holder_record(root)
    return None if record is None else int(record["pid"])


def busy_message(root: Path, pid: int | None) -> str:
    who = f"a running job (PID {pid})" if pid and pid > 0 else "a running job"
    return (
        f"{root} is in use by {who}; stop it first (the Stop button of the widget that follows "
        f"it, or create {root / 'STOP'}), or choose another directory"
    )
