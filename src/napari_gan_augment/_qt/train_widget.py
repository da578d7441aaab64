"""Plugins ▸ GAN Augment ▸ Train generator."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import napari.layers
import numpy as np
from magicgui.widgets import (
    ComboBox,
    Container,
    FileEdit,
    FloatSpinBox,
    Label,
    ProgressBar,
    PushButton,
    SpinBox,
)
from napari.utils.notifications import show_error, show_info
from qtpy.QtCore import QEvent, QObject
from qtpy.QtWidgets import QMessageBox

from ..config import TrainConfig
from ..devices import DEVICE_CHOICES
from ..errors import GanAugmentError
from ..jobs import TrainingProcess, attach, start_training_process
from ..models.registry import available_families, get_family
from ..training.run_dir import RunDirectory
from .data_source import DataSourcePicker
from .loss_plot import LossPlotWidget, follow_with_plot
from .placement import beside_data, show_layer
from .workers import start_worker

if TYPE_CHECKING:
    import napari


def job_error_message(run: RunDirectory) -> str:
    """The job's own error line from ``job.log`` (or where to look)."""
    lines = run.log_path.read_text(errors="replace").splitlines() if run.log_path.exists() else []
    errors = [line for line in lines if line.startswith("gan-augment: error:")]
    detail = errors[-1].removeprefix("gan-augment: error: ") if errors else "see the log"
    return f"training failed: {detail} ({run.log_path})"


class CloseFilter(QObject):
    """Calls ``allow_close()`` when the watched window is asked to close; ignores the close
    when it returns False."""

    def __init__(self, allow_close: Callable[[], bool]) -> None:
        super().__init__()
        self._allow_close = allow_close

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Close and not self._allow_close():
            event.ignore()
            return True
        return False


class TrainWidget(Container):
    """Train a GAN on layers, a folder or a volume, in a child process, with live feedback."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = napari_viewer
        self._process: TrainingProcess | None = None
        self._worker: Any = None

        self._data = DataSourcePicker()
        self._family = ComboBox(label="family", choices=available_families(), value="pair-wgan")
        self._size = ComboBox(label="size", choices=[32, 64, 128, 256], value=64)
        self._steps = SpinBox(label="steps", min=1, max=1_000_000, value=800)
        self._batch = SpinBox(label="batch", min=1, max=1024, value=16)
        self._lr_generator = FloatSpinBox(
            label="lr generator", min=1e-6, max=1, step=1e-5, value=1e-4
        )
        self._lr_critic = FloatSpinBox(label="lr critic", min=1e-6, max=1, step=1e-5, value=1e-4)
        self._device = ComboBox(label="device", choices=list(DEVICE_CHOICES), value="auto")
        self._run_dir = FileEdit(
            label="run dir",
            mode="d",
            value=Path.cwd() / "runs" / time.strftime("run-%Y%m%d-%H%M%S"),
        )
        self._start_button = PushButton(text="Start")
        self._stop_button = PushButton(text="Stop", enabled=False)
        self._resume_button = PushButton(text="Resume", enabled=False)
        self._progress = ProgressBar(label="progress", min=0, max=1, value=0)
        self._status = Label(label="status", value="idle")
        self.extend(
            [
                self._data,
                self._family,
                self._size,
                self._steps,
                self._batch,
                self._lr_generator,
                self._lr_critic,
                self._device,
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
        self._loss_plot = LossPlotWidget()
        self.native.layout().addWidget(self._loss_plot)

        self._family.changed.connect(self._on_family_changed)
        self._start_button.clicked.connect(self._on_start_clicked)
        self._stop_button.clicked.connect(self._on_stop_clicked)
        self._resume_button.clicked.connect(self._on_resume_clicked)
        self._run_dir.changed.connect(self._on_run_dir_changed)
        self._on_family_changed(self._family.value)
        self._on_run_dir_changed()
        # napari has no public "about to close" event: watch its main window's Close.
        self._close_filter = CloseFilter(self._on_viewer_closing)
        window = getattr(napari_viewer.window, "_qt_window", None)
        if window is not None:
            window.installEventFilter(self._close_filter)

    # ----------------------------------------------------------------- building inputs
    def _on_family_changed(self, name: str) -> None:
        optimiser = get_family(name).optimiser
        self._lr_generator.value = optimiser["lr_generator"]
        self._lr_critic.value = optimiser["lr_critic"]

    def build_config(self) -> TrainConfig:
        """The TrainConfig the current settings describe."""
        return TrainConfig(
            family=self._family.value,
            data=self._data.data_config(),
            image_size=self._size.value,
            steps=self._steps.value,
            batch_size=self._batch.value,
            lr_generator=self._lr_generator.value,
            lr_critic=self._lr_critic.value,
            device=self._device.value,
            sample_every=max(1, min(100, self._steps.value // 10)),
            log_every=max(1, min(5, self._steps.value // 100)),
        )

    # ----------------------------------------------------------------- job control
    def _on_start_clicked(self) -> None:
        try:
            config = self.build_config()
            pairs = self._data.layer_pairs() if self._data.source.value == "layers" else None
            if pairs is not None:
                pairs.check_training_size(config.image_size)
            self._process = start_training_process(self._run_dir.value, config, pairs=pairs)
        except GanAugmentError as exc:
            show_error(str(exc))
            return
        self._follow()

    def _on_run_dir_changed(self, *_: Any) -> None:
        """Attach to a job already running in the chosen directory (started by an earlier
        viewer or a terminal): its progress, loss curve and Stop come back."""
        if self._process is not None and self._process.is_running():
            return
        job = attach(self._run_dir.value)
        if job is not None:
            self._process = job
            self._follow()
            self._status.value = f"attached to the running job (PID {job.pid})"
            return
        self._resume_button.enabled = RunDirectory(self._run_dir.value).has_run()

    def _on_resume_clicked(self) -> None:
        try:
            self._process = start_training_process(
                self._run_dir.value, resume=True, steps=self._steps.value
            )
        except GanAugmentError as exc:
            show_error(str(exc))
            return
        self._follow()

    def _on_stop_clicked(self) -> None:
        if self._process is not None:
            self._process.request_stop()
            self._status.value = "stopping at the next step…"

    def _follow(self) -> None:
        process = self._process
        assert process is not None
        self._set_running(True)
        self._status.value = "starting…"
        self._worker = start_worker(
            follow_with_plot,
            process.run.root,
            process.is_running,
            process.events_offset,
            yielded=self._on_event,
            finished=self._on_job_finished,
        )

    def _set_running(self, running: bool) -> None:
        self._start_button.enabled = not running
        self._resume_button.enabled = not running and RunDirectory(self._run_dir.value).has_run()
        self._stop_button.enabled = running
        if running:
            self._progress.value = 0

    def _on_viewer_closing(self) -> bool:
        """Asks what to do with a running job; returns False to keep the viewer open."""
        job = self._process
        if job is None or not job.is_running():
            return True
        choice = self.ask_about_running_job(job)
        if choice == "cancel":
            return False
        if choice == "stop":
            job.request_stop()
        if self._worker is not None:  # the widgets go away with the viewer: stop following
            self._worker.yielded.disconnect()
            self._worker.finished.disconnect()
            self._worker.quit()
        return True

    def ask_about_running_job(self, job: TrainingProcess) -> str:
        """ "stop", "leave" or "cancel", asked in a dialog."""
        box = QMessageBox(self.native)
        box.setWindowTitle("A training job is running")
        box.setText(
            f"Training in {job.run.root} (PID {job.pid}) is still running.\n\n"
            "Stop it (it saves a checkpoint first), or leave it running: it goes on without "
            "the viewer; to follow or stop it later, choose this run directory in the Train "
            "widget, or create the file STOP in it."
        )
        stop = box.addButton("Stop the job", QMessageBox.ButtonRole.AcceptRole)
        leave = box.addButton("Leave it running", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        return "stop" if clicked is stop else "leave" if clicked is leave else "cancel"

    # ----------------------------------------------------------------- feedback (main thread)
    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event["event"]
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
        elif kind == "plot":
            self._loss_plot.show_plot(event["image"], event["events"])
        elif kind == "end":
            self._status.value = f"{event['status']} at step {event['step']} {event['message']}"

    def _show_preview(self, grid: np.ndarray, step: int) -> None:
        name = f"{Path(self._process.run.root).name} preview" if self._process else "preview"
        metadata = {"run_dir": str(self._process.run.root) if self._process else "", "step": step}
        if name in self._viewer.layers:
            layer = self._viewer.layers[name]
            layer.data = grid
            layer.metadata.update(metadata)
        else:
            translate = beside_data(self._viewer, grid.shape[:2], (1.0, 1.0))
            layer = self._viewer.add_image(
                grid, name=name, rgb=True, translate=translate, metadata=metadata
            )
            show_layer(self._viewer, layer)  # once: later grids update it in place

    def _on_job_finished(self) -> None:
        self._set_running(False)
        if self._process is not None and self._process.failed():
            self._status.value = job_error_message(self._process.run)
            show_error(self._status.value)
        else:
            show_info("training job ended")
