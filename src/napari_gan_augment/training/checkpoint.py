"""Atomic checkpoint files that load with ``torch.load(..., weights_only=True)``."""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from ..errors import CheckpointError

CHECKPOINT_FORMAT = 1


def save_checkpoint(payload: dict[str, Any], path: str | Path) -> Path:
    """Write ``payload`` so that ``path`` is either the old file or the complete new one.

    The data goes to a hidden file beside ``path``, is flushed to disk, then renamed over it:
    a job killed mid-write leaves the previous checkpoint intact. It is serialised in memory
    first because torch's zip writer turns a full disk into an opaque RuntimeError
    ("unexpected pos ..."); written from bytes, a full disk is an OSError naming the file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save({"format": CHECKPOINT_FORMAT, **payload}, buffer)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(tmp, "wb") as handle:
            handle.write(buffer.getbuffer())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return path


def prune_checkpoints(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` numbered checkpoints (``step_NNNNNN.pt``; 0 keeps
    all), so a long run's disk use stays bounded; returns what was deleted."""
    numbered = sorted(directory.glob("step_*.pt"))
    doomed = numbered[:-keep] if keep else []
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def remove_partial_writes(directory: Path) -> list[Path]:
    """Delete the ``.part`` files of writes that were killed (only one job holds a run
    directory, so any ``.part`` left there is stale)."""
    parts = list(directory.glob(".*.part")) if directory.is_dir() else []
    for path in parts:
        path.unlink(missing_ok=True)
    return parts


def load_checkpoint(path: str | Path, expected_family: str | None = None) -> dict[str, Any]:
    """Load a checkpoint safely (tensors and plain containers only).

    Raises:
        CheckpointError: missing, unreadable, not ours, or of another family than expected.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(
            f"checkpoint {path} does not exist; train first (gan-augment train) or pick a run "
            "directory that holds checkpoints/last.pt"
        )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:  # torch's text would advise weights_only=False: never
        raise CheckpointError(
            f"{path} holds code or objects that napari-gan-augment never writes into a "
            "checkpoint; it was not loaded (it may be from another tool, or tampered with)"
        ) from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as exc:
        raise CheckpointError(f"checkpoint {path} is corrupt or incomplete ({exc})") from exc
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not a napari-gan-augment checkpoint")
    family = payload.get("family")
    if expected_family is not None and family != expected_family:
        raise CheckpointError(
            f"{path} holds a {family!r} model but a {expected_family!r} model was asked for; "
            "use a new run directory for a different family"
        )
    return payload
