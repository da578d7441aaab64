"""Plugins ▸ GAN Augment ▸ Train generator."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import napari.layers
import numpy as np
from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    FileEdit,
    FloatSpinBox,
    Label,
    PushButton,
    SpinBox,
)
from napari.utils.notifications import show_error, show_info

from ..api import (
    DEVICE_CHOICES,
    GUIDANCE,
    PRECISION_CHOICES,
    GanAugmentError,
    Job,
    RunDirectory,
    TrainConfig,
    available_families,
    get_family,
    loss_points,
    start_training_process,
)
from .data_source import DataSourcePicker
from .job_model import JobModel, threads_box
from .live_plot import LivePlot
from .placement import beside_data, next_turn, show_layer
from .progress import progress_bar
from .tooltips import explain

if TYPE_CHECKING:
    import napari

#: the sizes offered: squares for 2D, cubes (patches of a volume) for 3D
SIZES = {2: [32, 64, 128, 256], 3: [16, 32, 64, 128]}


class TrainWidget(Container):
    """Train a GAN on layers, a folder or a volume, in a child process, with live feedback."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = napari_viewer
        self.job = JobModel()

        self._data = DataSourcePicker()
        self._family = ComboBox(label="family", choices=available_families(), value="pix2pix")
        self._dims = ComboBox(
            label="dims", choices=[("2D (images, slices)", 2), ("3D (volume patches)", 3)], value=2
        )
        self._context = SpinBox(label="slice context", min=0, max=8, value=0)
        self._patches = SpinBox(label="patches", min=8, max=100_000, value=256)
        self._size = ComboBox(label="size", choices=SIZES[2], value=64)
        self._steps = SpinBox(label="steps", min=1, max=1_000_000, value=800)
        self._batch = SpinBox(label="batch", min=1, max=1024, value=16)
        self._lr_generator = FloatSpinBox(
            label="lr generator", min=1e-6, max=1, step=1e-5, value=1e-4
        )
        self._lr_critic = FloatSpinBox(label="lr critic", min=1e-6, max=1, step=1e-5, value=1e-4)
        self._device = ComboBox(label="device", choices=list(DEVICE_CHOICES), value="auto")
        self._precision = ComboBox(label="precision", choices=list(PRECISION_CHOICES), value="auto")
        self._compile = CheckBox(label="compile", value=False)
        self._guidance = ComboBox(label="guidance", choices=list(GUIDANCE), value="none")
        self._threads = threads_box()
        self._run_dir = FileEdit(
            label="run dir",
            mode="d",
            value=Path.cwd() / "runs" / time.strftime("run-%Y%m%d-%H%M%S"),
        )
        self._start_button = PushButton(text="Start")
        self._stop_button = PushButton(text="Stop", enabled=False)
        self._resume_button = PushButton(text="Resume", enabled=False)
        self._progress = progress_bar()
        self._status = Label(label="status", value="idle")
        self.extend(
            [
                self._data,
                self._family,
                self._dims,
                self._context,
                self._patches,
                self._size,
                self._steps,
                self._batch,
                self._lr_generator,
                self._lr_critic,
                self._device,
                self._precision,
                self._compile,
                self._guidance,
                self._threads,
                self._run_dir,
                Container(
                    widgets=[self._start_button, self._stop_button, self._resume_button],
                    layout="horizontal",
                    labels=False,
                ),
                self._progress,
                self._status,
            ]
        )
        self._preview: tuple[np.ndarray, int, Path] | None = None  # the grid due on screen
        self._loss_plot = LivePlot(
            loss_points, "generator step", "loss", "losses of the running job, updated live"
        )
        self.native.layout().addWidget(self._loss_plot)

        self._family.changed.connect(self._on_family_changed)
        self._dims.changed.connect(self._on_dims_changed)
        self._data.source.changed.connect(lambda *_: self._on_dims_changed(self._dims.value))
        self._start_button.clicked.connect(self._on_start_clicked)
        self._stop_button.clicked.connect(self._on_stop_clicked)
        self._resume_button.clicked.connect(self._on_resume_clicked)
        self._run_dir.changed.connect(self._on_run_dir_changed)
        self.job.started.connect(self._on_job_started)
        self.job.event.connect(self._on_event)
        self.job.finished.connect(self._on_job_finished)
        self.job.guard_close(napari_viewer, self.native)
        self._on_family_changed(self._family.value)
        self._on_dims_changed(self._dims.value)
        self._on_run_dir_changed()
        explain(self)

    # ----------------------------------------------------------------- building inputs
    def _on_family_changed(self, name: str) -> None:
        optimiser = get_family(name).optimiser
        self._lr_generator.value = optimiser["lr_generator"]
        self._lr_critic.value = optimiser["lr_critic"]
        guided = get_family(name).guidance  # only families that can take it offer it
        self._guidance.visible = guided
        if not guided:
            self._guidance.value = "none"

    def _on_dims_changed(self, dims: int) -> None:
        """3D trains on cubic patches of volumes; 2D slices may take neighbouring slices."""
        size = self._size.value
        self._size.choices = ()  # emptied first: magicgui would keep old items in front
        self._size.choices = SIZES[dims]
        self._size.value = size if size in SIZES[dims] else 32
        self._patches.visible = dims == 3
        self._context.visible = self._context_applies()

    def _context_applies(self) -> bool:
        """Neighbouring slices exist for 2D training on volumes (not on a pair folder)."""
        return self._dims.value == 2 and self._data.source.value != "folder"

    def build_config(self) -> TrainConfig:
        """The TrainConfig the current settings describe."""
        data = self._data.data_config()
        if self._context_applies() and self._context.value:
            data = replace(data, context=self._context.value)
        return TrainConfig(
            family=self._family.value,
            data=data,
            spatial_dims=self._dims.value,
            patches=self._patches.value,
            image_size=self._size.value,
            steps=self._steps.value,
            batch_size=self._batch.value,
            lr_generator=self._lr_generator.value,
            lr_critic=self._lr_critic.value,
            device=self._device.value,
            precision=self._precision.value,
            compile=self._compile.value,
            guidance=self._guidance.value,
            sample_every=max(1, min(100, self._steps.value // 10)),
            log_every=max(1, min(5, self._steps.value // 100)),
        )

    # ----------------------------------------------------------------- job control
    def _on_start_clicked(self) -> None:
        try:
            config = self.build_config()
            pairs = volume = None
            if self._data.source.value == "layers" and (
                config.spatial_dims == 3 or config.data.context
            ):
                volume = self._data.layer_volume()  # trains on the volume, not its slices
            elif self._data.source.value == "layers":
                pairs = self._data.layer_pairs()
                pairs.check_training_size(config.image_size)
            job = start_training_process(
                self._run_dir.value,
                config,
                pairs=pairs,
                threads=self._threads.value,
                volume=volume,
            )
        except GanAugmentError as exc:
            show_error(str(exc))
            return
        self.job.follow(job)

    def _on_run_dir_changed(self, *_: Any) -> None:
        """Attach to a job already running in the chosen directory (started by an earlier
        viewer or a terminal): its progress, loss curve and Stop come back."""
        if self.job.running:
            return
        job = self.job.attach(self._run_dir.value)
        if job is not None:
            self._status.value = f"attached to the running job (PID {job.pid})"
            return
        self._resume_button.enabled = RunDirectory(self._run_dir.value).has_run()

    def _on_resume_clicked(self) -> None:
        try:
            job = start_training_process(
                self._run_dir.value,
                resume=True,
                steps=self._steps.value,
                threads=self._threads.value,
            )
        except GanAugmentError as exc:
            show_error(str(exc))
            return
        self.job.follow(job)

    def _on_stop_clicked(self) -> None:
        self.job.stop()
        self._status.value = "stopping at the next step…"

    def _on_job_started(self, job: Job) -> None:
        self._loss_plot.clear_curves()  # a resumed run's history arrives as the first event
        self._set_running(True)
        self._status.value = "starting…"

    def _set_running(self, running: bool) -> None:
        self._start_button.enabled = not running
        self._resume_button.enabled = not running and RunDirectory(self._run_dir.value).has_run()
        self._stop_button.enabled = running
        if running:
            self._progress.value = 0

    # ----------------------------------------------------------------- feedback (main thread)
    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        self._loss_plot.add(event["events"] if kind == "history" else [event])
        if kind == "start":
            self._progress.max = event["steps"]
            self._progress.value = event["step"]
            self._status.value = f"training {event['family']} on {event['device']}"
        elif kind == "step":
            self._progress.value = event["step"]
            self._status.value = (
                f"step {event['step']}/{self._progress.max} · "
                f"{event['steps_per_second']:.2f} steps/s"
            )
        elif kind == "sample" and "grid" in event:
            self._show_preview(event["grid"], event["step"])
        elif kind == "end":
            self._status.value = f"{event['status']} at step {event['step']} {event['message']}"

    def _show_preview(self, grid: np.ndarray, step: int) -> None:
        """Show the latest grid on a later event-loop turn than the batch's loss curves (the
        two repaints are one stall otherwise); grids that arrive meanwhile replace it."""
        root = self.job.job.root if self.job.job is not None else Path("run")
        due = self._preview is not None
        self._preview = (grid, step, root)
        if not due:
            next_turn(self._put_preview)

    def _put_preview(self) -> None:
        assert self._preview is not None
        (grid, step, root), self._preview = self._preview, None
        name = f"{root.name} preview"
        metadata = {"run_dir": str(root), "step": step}
        if name in self._viewer.layers:
            layer = self._viewer.layers[name]
            layer.data = grid
            layer.metadata.update(metadata)
            return
        translate = beside_data(self._viewer, grid.shape[:2], (1.0, 1.0))
        layer = self._viewer.add_image(
            grid, name=name, rgb=True, translate=translate, metadata=metadata
        )
        # framed once, on the next turn: later grids update it in place
        next_turn(lambda: show_layer(self._viewer, layer))

    def _on_job_finished(self, job: Job, status: str, message: str) -> None:
        self._set_running(False)
        if status == "error":
            self._status.value = message  # also shown once as a notification by the model
        else:
            show_info(f"training job {status}")
