"""Plugins ▸ GAN Augment ▸ Quality check: FD/KID, diversity, mask fidelity, near-copies.

The measures train small networks, so they run as a child-process job (``gan-augment
quality``) in the report folder: the viewer stays responsive and their memory is freed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from magicgui.widgets import ComboBox, Container, FileEdit, Label, PushButton, SpinBox
from magicgui.widgets import Table as MagicTable
from napari.utils.notifications import show_error
from skimage import io as skio

from ..api import (
    DEVICE_CHOICES,
    GanAugmentError,
    Job,
    QualityConfig,
    refuse_busy,
    require_checkpoint,
    start_quality_job,
)
from .data_source import DataSourcePicker
from .job_model import JobModel, threads_box
from .placement import beside_data, show_layer
from .progress import progress_bar
from .tooltips import explain

if TYPE_CHECKING:
    import napari


def quality_rows(report: dict[str, Any]) -> dict[str, list[Any]]:
    """The report's numbers as table columns (what, measure, value)."""
    rows: dict[str, list[Any]] = {"what": [], "measure": [], "value": []}

    def add(what: str, measure: str, value: float) -> None:
        rows["what"].append(what)
        rows["measure"].append(measure)
        rows["value"].append(round(float(value), 5))

    for name, values in report["distances"].items():
        for measure, value in values.items():
            add(name, measure, value)
    if "diversity" in report:
        add("images", "SSIM among samples", report["diversity"]["synthetic"])
        add("images", "SSIM among real images", report["diversity"]["real"])
    if "mask_speckle" in report:
        add("masks", "components per class, synthetic", report["mask_speckle"]["synthetic"])
        add("masks", "components per class, real", report["mask_speckle"]["real"])
    if "mask_fidelity" in report:
        add("pairs", "mask fidelity (Dice)", report["mask_fidelity"]["synthetic_mask_dice"])
        add("pairs", "segmenter Dice on real", report["mask_fidelity"]["real_heldout_dice"])
    for space, audit in report.get("memorisation", {}).items():
        if isinstance(audit, dict):
            add(f"near-copies ({space})", "share", audit["near_copy_share"])
    for measure, value in report.get("inpainting", {}).items():
        add("holes", measure, value)
    yardstick = report.get("train_on_synthetic", {})
    if "ratio" in yardstick:
        add("train on synthetic", "Dice ratio synthetic / real", yardstick["ratio"])
        add("train on synthetic", "Dice, trained on synthetic", yardstick["synthetic_dice"])
        add("train on synthetic", "Dice, trained on real", yardstick["real_dice"])
    return rows


class QualityWidget(Container):
    """Score a trained run against real pairs; the closest pairs come in as an image layer."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = napari_viewer
        self.job = JobModel()
        self._data = DataSourcePicker(default="sample")
        self._run = FileEdit(label="run", mode="d")
        self._count = SpinBox(label="samples", min=2, max=100_000, value=2000)
        self._size = ComboBox(label="size", choices=[32, 64, 128, 256], value=64)
        self._device = ComboBox(label="device", choices=list(DEVICE_CHOICES), value="auto")
        self._threads = threads_box()
        self._out = FileEdit(
            label="report dir",
            mode="d",
            value=Path.cwd() / "runs" / time.strftime("quality-%Y%m%d-%H%M%S"),
        )
        self._run_button = PushButton(text="Measure")
        self._stop_button = PushButton(text="Stop", enabled=False)
        self._progress = progress_bar()
        self._status = Label(label="status", value="idle")
        self._status.native.setWordWrap(True)
        self._yardstick = Label(label="yardstick", value="")
        self._yardstick.native.setWordWrap(True)
        self._table = MagicTable(value={"what": [], "measure": [], "value": []})
        self._table.native.setMinimumHeight(220)
        self._table.tooltip = "every measure of the report (quality.md explains each one)"
        self.extend(
            [
                self._data,
                self._run,
                self._count,
                self._size,
                self._device,
                self._threads,
                self._out,
                Container(
                    widgets=[self._run_button, self._stop_button],
                    layout="horizontal",
                    labels=False,
                ),
                self._progress,
                self._status,
                self._yardstick,
                self._table,
            ]
        )
        self._run_button.clicked.connect(self._on_run_clicked)
        self._stop_button.clicked.connect(self.job.stop)
        self._out.changed.connect(self._on_out_changed)
        self.job.started.connect(self._on_started)
        self.job.finished.connect(self._on_finished)
        self.job.guard_close(napari_viewer, self.native)
        explain(self)

    def _on_run_clicked(self) -> None:
        out = Path(self._out.value)
        run = str(self._run.value) if str(self._run.value) != "." else ""
        try:
            if not run:
                raise GanAugmentError("choose the run to measure (a trained run directory)")
            require_checkpoint(run)  # before layers are copied into the report folder
            refuse_busy(out)
            if (out / "quality.json").exists():
                raise GanAugmentError(f"{out} already holds a quality report; choose a new folder")
            config = QualityConfig(
                data=self._data.data_config_in(out),
                synthetic_run=run,
                count=self._count.value,
                image_size=self._size.value,
                device=self._device.value,
            )
            job = start_quality_job(config, out, self._threads.value)
        except GanAugmentError as exc:
            show_error(str(exc))
            return
        self.job.follow(job)

    def _on_out_changed(self, *_: Any) -> None:
        """Attach to a quality check running in the chosen folder."""
        if not self.job.running:
            self.job.attach(self._out.value)

    def _on_started(self, job: Job) -> None:
        self._run_button.enabled, self._stop_button.enabled = False, True
        self._progress.max = 0  # busy indicator: the measures report no steps
        self._status.value = f"training the feature extractors and the segmenter (PID {job.pid})…"

    def _on_finished(self, job: Job, status: str, message: str) -> None:
        self._run_button.enabled, self._stop_button.enabled = True, False
        self._progress.max, self._progress.value = 1, 1
        if status == "finished":
            self.show_report(job.root)
        else:
            self._status.value = message or status

    def show_report(self, out: Path) -> None:
        """The report in ``out`` as table rows, the yardstick sentence and figure layers."""
        report = json.loads((out / "quality.json").read_text())
        self._table.value = quality_rows(report)
        self._status.value = f"done: {out / 'quality.md'}"
        yardstick = report.get("train_on_synthetic", {})
        self._yardstick.value = yardstick.get("sentence") or (
            f"train on synthetic: not measured ({yardstick['skipped']})" if yardstick else ""
        )
        for name in ("closest_pairs", "nearest_distances"):
            png = out / "plots" / f"{name}.png"
            if png.exists():
                figure = skio.imread(str(png))
                layer = self._viewer.add_image(
                    figure,
                    name=f"{out.name} {name.replace('_', ' ')}",
                    rgb=True,
                    translate=beside_data(self._viewer, figure.shape[:2], (1.0, 1.0)),
                    metadata={"report": str(out / "quality.json")},
                )
                show_layer(self._viewer, layer)
