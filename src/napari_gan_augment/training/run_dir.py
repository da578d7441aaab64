"""The run directory: the whole state of a training job, and its interface to the outside.

Layout::

    run/
      config.yaml          the TrainConfig the job was started with
      metrics.jsonl        one JSON event per line (start, step, sample, checkpoint, end)
      checkpoints/last.pt  refreshed at every sample grid and at the end (atomic)
      checkpoints/step_NNNNNN.pt
      samples/step_NNNNNN.png
      pairs.npz            training pairs handed over by the viewer (optional)
      training_data.json   content fingerprints of every training pair (leakage checks)
      training_masks.npz   the training masks at the training size (mask sources)
      summary.json         written when the job ends
      STOP                 created by anyone who wants the job to stop at the next step
      job.log              stdout/stderr of a job started as a child process
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import save_npz, write_json
from ..config import DataConfig, TrainConfig
from ..data.io import Volume, write_nifti
from ..data.pairset import PairSet
from ..data.sources import pairset_from_config
from ..data.volumes import VolumeSet
from ..errors import InputError

# What the job protocol (lock, log, stop request, a widget's request) or an aborted start may
# have written into a directory before its run exists.
VOLUME_FILES = ("volume.nii", "volume_seg.nii")
STARTING_FILES = (
    "job.lock",
    "job.pid",
    "job.log",
    "STOP",
    "pairs.npz",
    *VOLUME_FILES,
    "checkpoints",
    "samples",
)


class RunDirectory:
    """Paths and small helpers for one run directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._tail_checked = False  # a torn last line is cut before this object's first event

    config_path = property(lambda self: self.root / "config.yaml")
    metrics_path = property(lambda self: self.root / "metrics.jsonl")
    checkpoints = property(lambda self: self.root / "checkpoints")
    samples = property(lambda self: self.root / "samples")
    summary_path = property(lambda self: self.root / "summary.json")
    stop_path = property(lambda self: self.root / "STOP")
    log_path = property(lambda self: self.root / "job.log")
    pairs_path = property(lambda self: self.root / "pairs.npz")
    training_data_path = property(lambda self: self.root / "training_data.json")
    training_masks_path = property(lambda self: self.root / "training_masks.npz")

    @property
    def last_checkpoint(self) -> Path:
        return self.checkpoints / "last.pt"

    def has_run(self) -> bool:
        """True when a job was already started here."""
        return self.config_path.exists()

    def saved_checkpoints(self) -> list[str]:
        """Names of the checkpoints saved so far (``best``, ``last``, ``step_NNNNNN``)."""
        return sorted(p.stem for p in self.checkpoints.glob("*.pt"))

    def has_trained(self) -> bool:
        """True when the run saved a checkpoint (a run killed before may start over)."""
        return bool(self.saved_checkpoints())

    def _refuse_existing_run(self) -> None:
        if self.has_trained():
            raise InputError(
                f"{self.root} already holds a run; resume it (the Resume button, or "
                "--resume) or choose a new run directory"
            )

    def refuse_unless_new(self) -> None:
        """A new run goes into a missing or empty directory, or over a run that never saved a
        checkpoint: never among files it did not write (they would be overwritten)."""
        self._refuse_existing_run()
        if not self.root.is_dir() or self.has_run():
            return
        foreign = sorted(
            p.name
            for p in self.root.iterdir()
            if p.name not in STARTING_FILES and not p.name.startswith("requested-")
        )
        if foreign:
            raise InputError(
                f"{self.root} is not empty and holds no run ({', '.join(foreign[:4])}"
                f"{', …' if len(foreign) > 4 else ''}); a new run needs a new or empty "
                "directory, so that nothing there is overwritten"
            )

    def resume_checkpoint(self, name: str = "last") -> Path | None:
        """The checkpoint to resume from (``last``, ``best``, ``step_NNNNNN``); ``None`` when
        the run never saved one (it starts over)."""
        if not self.has_trained() and name == "last":
            return None
        path = self.checkpoints / f"{Path(name).name.removesuffix('.pt')}.pt"
        if not path.is_file():
            saved = ", ".join(self.saved_checkpoints()) or "none"
            raise InputError(f"{self.root} has no checkpoint {name!r}; saved: {saved}")
        return path

    def stage_pairs(self, pairs: PairSet, config: TrainConfig) -> TrainConfig:
        """Store in-memory pairs (e.g. napari layers) here; returns the config that reads them."""
        self._refuse_existing_run()
        self.root.mkdir(parents=True, exist_ok=True)
        pairs.save(self.pairs_path)
        return config.replace(data=DataConfig("pairs", str(self.pairs_path.resolve())))

    def stage_volume(self, image: Volume, mask: Volume, config: TrainConfig) -> TrainConfig:
        """Store an image volume and its labels (e.g. 3D napari layers) here as NIfTI with
        their spacing and origin; returns the config that reads them (3D runs, and slices
        with neighbouring-slice context, train on volumes)."""
        self._refuse_existing_run()
        self.root.mkdir(parents=True, exist_ok=True)
        paths = [self.root / name for name in VOLUME_FILES]
        for path, volume in zip(paths, (image, mask), strict=True):
            # uncompressed: staged from the viewer's thread in milliseconds
            write_nifti(path, volume.data, volume.spacing, volume.origin, overwrite=True)
        image_path, mask_path = (str(path.resolve()) for path in paths)
        data = replace(config.data, source="volume", path=image_path, mask_path=mask_path)
        return config.replace(data=data)

    def create(self, config: TrainConfig) -> None:
        """Start a new run; refuses to touch a directory that already holds one."""
        self._refuse_existing_run()
        self.root.mkdir(parents=True, exist_ok=True)
        self.checkpoints.mkdir(exist_ok=True)
        self.samples.mkdir(exist_ok=True)
        config.save(self.config_path)

    def record_training_data(self, pairs: PairSet | VolumeSet, masks: np.ndarray) -> None:
        """Write what the generator learns from: a fingerprint per pair (so an experiment can
        prove its test images were never seen) and the masks at the training size."""
        record = {
            "fingerprint": "sha256 of image and mask arrays (PairSet.fingerprints)",
            "pairs": [
                {"name": name, "sha256": digest}
                for name, digest in zip(pairs.provenance, pairs.fingerprints(), strict=True)
            ],
        }
        write_json(self.training_data_path, record, indent=1)
        save_npz(self.training_masks_path, masks=masks.astype(np.uint16))

    def training_fingerprints(self) -> set[str] | None:
        """Fingerprints of the pairs this run trained on (``None`` for runs that predate them)."""
        if not self.training_data_path.exists():
            return None
        record = json.loads(self.training_data_path.read_text())
        return {str(p["sha256"]) for p in record["pairs"]}

    def training_masks(self, size: int) -> np.ndarray:
        """The training masks at ``size`` px (re-read from the run's data for older runs)."""
        if self.training_masks_path.exists():
            with np.load(self.training_masks_path) as stored:
                return stored["masks"].astype(np.int64)
        config = self.load_config()
        pairs = pairset_from_config(config.data, config.seed)
        return pairs.training_arrays(size, pairs.fit_normaliser())[1].astype(np.int64)

    def load_config(self) -> TrainConfig:
        if not self.has_run():
            raise InputError(f"{self.root} holds no run (no config.yaml); start one first")
        return TrainConfig.load(self.config_path)

    def log_event(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one event to ``metrics.jsonl`` (flushed at once so followers see it)."""
        record = {"event": event, "time": time.time(), **fields}
        if not self._tail_checked:
            dropped = drop_torn_line(self.metrics_path)
            if dropped:
                record["dropped_torn_line"] = dropped  # a job killed mid-write left it
            self._tail_checked = True
        with open(self.metrics_path, "a") as handle:
            handle.write(json.dumps(record) + "\n")
            handle.flush()
        return record

    def read_events(self) -> list[dict[str, Any]]:
        """All complete events logged so far."""
        return list(read_events(self.metrics_path))

    def request_stop(self) -> None:
        """Ask a running job to save and stop at its next step."""
        self.stop_path.touch()

    def stop_requested(self) -> bool:
        return self.stop_path.exists()

    def clear_stop(self) -> None:
        self.stop_path.unlink(missing_ok=True)

    def sample_path(self, step: int) -> Path:
        return self.samples / f"step_{step:06d}.png"

    def latest_sample(self) -> Path | None:
        pngs = sorted(self.samples.glob("step_*.png"))
        return pngs[-1] if pngs else None


def drop_torn_line(path: Path) -> str:
    """Cut a half-written last line (a writer killed mid-line) off an event log, so the next
    event does not join it; returns what was cut."""
    if not path.exists():
        return ""
    with open(path, "rb+") as handle:
        data = handle.read()
        if not data or data.endswith(b"\n"):
            return ""
        keep = data.rfind(b"\n") + 1
        handle.truncate(keep)
    return data[keep:].decode(errors="replace")


def read_events(path: Path, end: int | None = None) -> Iterator[dict[str, Any]]:
    """Events of a ``metrics.jsonl`` up to byte ``end``; a half-written last line is skipped."""
    if not path.exists():
        return
    with open(path, "rb") as handle:
        data = handle.read() if end is None else handle.read(end)
    for line in data.decode().splitlines(keepends=True):
        if line.endswith("\n"):
            yield json.loads(line)
