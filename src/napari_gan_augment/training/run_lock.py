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
    """``with RunLock(root): ...`` holds ``root/job.lock``; a second holder is refused."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
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
        record = {"pid": os.getpid(), "started": time.time()}
        self.pid_path.write_text(json.dumps(record))

    def release(self) -> None:
        self.pid_path.unlink(missing_ok=True)
        self._lock.release()

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def holder(root: str | Path) -> int | None:
    """PID of the job holding ``root``'s lock, or ``None`` when no job runs there."""
    root = Path(root)
    if not (root / "job.lock").exists():
        return None
    probe = FileLock(root / "job.lock")
    try:
        probe.acquire(timeout=0)
    except Timeout:
        try:
            return int(json.loads((root / "job.pid").read_text())["pid"])
        except (OSError, ValueError, KeyError):
            return -1  # locked, but the holder has not written its PID yet
    probe.release()
    return None


def busy_message(root: Path, pid: int | None) -> str:
    who = f"a running job (PID {pid})" if pid and pid > 0 else "a running job"
    return (
        f"{root} is in use by {who}; stop it first (the Train widget's Stop button, or create "
        f"{root / 'STOP'}), attach to it from the Train widget, or choose another run directory"
    )
