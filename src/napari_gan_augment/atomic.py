"""Files that appear whole or not at all.

Every result file is written beside its final name and renamed over it (``os.replace`` is
atomic on one file system), so a job killed at any moment leaves either the previous file or
the complete new one — never a torn JSON, CSV, NPZ or image for a reader to trip over.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A hidden sibling of ``path`` (keeping its suffix: libraries pick formats by it) to
    write to; renamed over ``path`` when the block succeeds, removed when it fails."""
    path = Path(path)
    tmp = path.parent / f".tmp-{uuid.uuid4().hex}-{path.name}"
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_json(path: str | Path, record: Any, indent: int = 2) -> Path:
    return write_text(path, json.dumps(record, indent=indent))


def save_npz(path: str | Path, **arrays: Any) -> Path:
    """``np.savez_compressed`` to exactly ``path`` (through a handle: numpy would otherwise
    append ``.npz`` to the hidden name)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    return Path(path)
