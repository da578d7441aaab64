"""Plugins ▸ GAN Augment ▸ Evaluate: configure, run, follow and read an experiment.

The experiment is a child-process job (``gan-augment evaluate``) in its run directory, so
its networks' memory (GPU included) is freed when it ends and the viewer's thread is never
starved; Stop ends it after the current epoch and keeps the finished arms. Choosing the
directory of a running experiment attaches to it; results of a finished run (from here or
the CLI) can be opened too.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    FileEdit,
    Label,
    PushButton,
    Select,
    SpinBox,
    Table,
)
from napari.utils.notifications import show_error, show_info
from qtpy.QtWidgets import QStackedWidget
from skimage import io as skio

from ..api import (
    AUGMENTATION_LEVELS,
    BOX_METRICS,
    DEVICE_CHOICES,
    LOSSES,
    PRIMARY,
    SEGMENTERS,
    ExperimentConfig,
    GanAugmentError,
    Job,
    curve_points,
    draw_arm_distribution,
    draw_curves,
    get_family,
    matched_files,
    read_curves,
    read_image_file,
    refuse_busy,
    require_checkpoint,
    start_experiment_job,
)
from .data_source import DataSourcePicker
from .figure_view import FigureView
from .job_model import JobModel, threads_box
from .live_plot import LivePlot
from .placement import beside_data, show_layer
from .progress import progress_bar
from .tooltips import explain

if TYPE_CHECKING:
    import napari

ARM_CHOICES = ("real", "real+synthetic", "synthetic", "mix:8-8", "mix:4-12", "mix:0-16")
AUGMENT = {
    "without": (False,),
    "with": (True,),
    "both": (False, True),
    "with, tuned": (True,),
    "both, tuned": (False, True),
}
#: 2D: image (or slice) sides; 3D: sides of the cubic training patches
SIZES = {2: [32, 64, 128, 256], 3: [16, 32, 64]}


#: Where the synthetic pairs come from: a given run, or a family the experiment trains on
#: each split's training pool (pix2pix first: the measured best route).
GENERATOR_CHOICES: dict[str, dict[str, str] | None] = {
    "a trained run": None,
    "train pix2pix": {"family": "pix2pix"},
    "train guided pix2pix": {"family": "pix2pix", "guidance": "segmentation"},
    "train pair-wgan": {"family": "pair-wgan"},
    "train fastgan": {"family": "fastgan"},
}


class EvaluateWidget(Container):
    """Arms × seeds experiments with a live curve plot, a results table and a verdict."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = napari_viewer
        self.job = JobModel()
        self._curves: list[dict[str, Any]] = []
        self._summary: dict[str, Any] | None = None

        self._data = DataSourcePicker(default="sample")
        self._dims = ComboBox(
            label="dims",
            choices=[("2D (images, slices)", 2), ("3D (whole volumes)", 3)],
            value=2,
        )
        self._dims.tooltip = (
            "3D: each test is a whole held-out volume of the folder, scored by sliding window "
            "(Dice, HD95 in mm); the segmenters train on cubic patches"
        )
        self._patches = SpinBox(label="patches", min=4, max=100_000, value=64)
        self._patches.tooltip = (
            "3D: real training patches per network, half centred on labels (synthetic "
            "patches are added on top)"
        )
        self._task = ComboBox(label="task", choices=["segmentation", "classification"])
        self._generator = ComboBox(label="generator", choices=list(GENERATOR_CHOICES))
        self._generator.tooltip = (
            "a trained run (refused if it saw a test image), or train one per split on the "
            "split's training images only"
        )
        self._generator_steps = SpinBox(label="GAN steps", min=10, max=100_000, value=1500)
        self._synthetic_run = FileEdit(label="synthetic run", mode="d")
        self._other_run = FileEdit(label="second run", mode="d")
        self._arms = Select(label="arms", choices=ARM_CHOICES, value=["real", "real+synthetic"])
        self._augment = ComboBox(label="augmentation", choices=list(AUGMENT), value="without")
        self._seeds = SpinBox(label="seeds", min=1, max=50, value=10)
        self._folds = SpinBox(label="folds", min=1, max=10, value=1)
        self._epochs = SpinBox(label="max epochs", min=1, max=1000, value=30)
        self._patience = SpinBox(label="patience", min=1, max=100, value=5)
        self._batch = SpinBox(label="batch", min=2, max=256, value=8)
        self._steps = SpinBox(label="batches/epoch", min=0, max=10_000, value=0)
        self._count = SpinBox(label="GAN pairs", min=1, max=100_000, value=64)
        self._size = ComboBox(label="size", choices=[32, 64, 128, 256], value=64)
        self._network = ComboBox(label="network", choices=list(SEGMENTERS), value="unet")
        self._loss = ComboBox(label="loss", choices=list(LOSSES), value="dicece")
        self._largest = CheckBox(text="keep largest component", value=False)
        self._device = ComboBox(label="device", choices=list(DEVICE_CHOICES), value="auto")
        self._threads = threads_box()
        self._run_dir = FileEdit(
            label="run dir",
            mode="d",
            value=Path.cwd() / "runs" / time.strftime("experiment-%Y%m%d-%H%M%S"),
        )
        self._start_button = PushButton(text="Start")
        self._stop_button = PushButton(text="Stop", enabled=False)
        self._open_button = PushButton(text="Open results")
        self._progress = progress_bar()
        self._status = Label(label="status", value="idle")
        self._verdict = Label(label="verdict", value="")
        self._plot_metric = ComboBox(
            label="plot", choices=[m for m, _ in BOX_METRICS["segmentation"]], value="mean_dice"
        )
        self._table = Table(value={"arm": [], "seed": []})
        self._export_button = PushButton(text="Export table (CSV)…")
        self._predictions_button = PushButton(text="Add predictions as layers")
        self.extend(
            [
                self._data,
                self._dims,
                self._patches,
                self._task,
                self._generator,
                self._generator_steps,
                self._synthetic_run,
                self._other_run,
                self._arms,
                self._augment,
                self._seeds,
                self._folds,
                self._epochs,
                self._patience,
                self._batch,
                self._steps,
                self._count,
                self._size,
                self._network,
                self._loss,
                self._largest,
                self._device,
                self._threads,
                self._run_dir,
                Container(
                    widgets=[self._start_button, self._stop_button, self._open_button],
                    layout="horizontal",
                    labels=False,
                ),
                self._progress,
                self._status,
                self._verdict,
                self._plot_metric,
            ]
        )
        for label in (self._status, self._verdict):
            label.native.setWordWrap(True)  # a long line wraps instead of widening the dock
        self._live_plot = LivePlot(
            curve_points, "epoch", "validation loss", "validation loss per epoch, updated live"
        )
        self._plot_view = FigureView((4.5, 5), dpi=90)  # drawn off the main thread
        self._arm_axes = self._plot_view.figure.add_subplot(2, 1, 1)
        self._curve_axes = self._plot_view.figure.add_subplot(2, 1, 2)
        # one place, one size for the result plots and the live plot: switching between them
        # at Start relays out nothing (hiding one and showing the other resized the dock and
        # made the viewer repaint its canvas: a 568 ms stall, docs/benchmarks.md)
        self._plots = QStackedWidget()
        self._plots.addWidget(self._plot_view)
        self._plots.addWidget(self._live_plot)
        self.native.layout().addWidget(self._plots)
        self._table.native.setSortingEnabled(True)
        self._table.tooltip = "every arm's score per seed; click a column header to sort"
        self._table.native.setMinimumHeight(180)
        self.extend([self._table, self._export_button, self._predictions_button])

        self._task.changed.connect(self._on_task_changed)
        self._generator.changed.connect(self._on_generator_changed)
        self._on_generator_changed(self._generator.value)
        self._dims.changed.connect(self._on_dims_changed)
        self._on_dims_changed(self._dims.value)
        self.job.started.connect(lambda job: self._set_running(True))
        self.job.event.connect(self._on_event)
        self.job.finished.connect(self._on_finished)
        self.job.guard_close(napari_viewer, self.native)
        self._run_dir.changed.connect(self._on_run_dir_changed)
        self._start_button.clicked.connect(self._on_start_clicked)
        self._stop_button.clicked.connect(self._on_stop_clicked)
        self._open_button.clicked.connect(self._on_open_clicked)
        self._export_button.clicked.connect(self._on_export_clicked)
        self._predictions_button.clicked.connect(self.add_prediction_layers)
        self._plot_metric.changed.connect(lambda _: self._draw_plots())
        explain(self)

    # ----------------------------------------------------------------- configuration
    def _on_task_changed(self, task: str) -> None:
        segmentation = task == "segmentation"
        self._arms.choices = ARM_CHOICES if segmentation else ("real", "real+synthetic")
        for widget in (self._network, self._loss, self._largest):
            widget.visible = segmentation
        if not segmentation:
            self._data.empty_fraction.value = max(self._data.empty_fraction.value, 0.5)

    def _on_dims_changed(self, dims: int) -> None:
        """3D: whole volumes of a folder, patch-trained segmenters, 3D generators only."""
        volumes = dims == 3
        size = self._size.value
        self._size.choices = ()  # emptied first: magicgui would keep old items in front
        self._size.choices = SIZES[dims]
        self._size.value = size if size in SIZES[dims] else 32
        self._patches.visible = volumes
        self._generator.choices = ()
        self._generator.choices = [
            choice
            for choice, trained in GENERATOR_CHOICES.items()
            if trained is None
            or (
                dims in get_family(trained["family"]).spatial_dims
                and not (dims == 3 and "guidance" in trained)
            )
        ]
        if volumes:
            self._task.value = "segmentation"
            self._data.source.value = "folder"
        self._task.enabled = not volumes

    def _on_generator_changed(self, choice: str) -> None:
        given = GENERATOR_CHOICES[choice] is None
        self._synthetic_run.visible = given
        self._generator_steps.visible = not given

    def build_config(self, run_dir: Path) -> ExperimentConfig:
        """The ExperimentConfig the current settings describe (layers saved into run_dir).

        With a second run, every synthetic arm is run for both generators, named
        ``<arm>@<folder name>``, on the same seeds and test set."""
        chosen = lambda edit: str(edit.value) not in ("", ".")  # noqa: E731
        trained = GENERATOR_CHOICES[self._generator.value]
        family = trained["family"] if trained else None
        dims = self._dims.value
        generator = (
            {
                **trained,
                "steps": self._generator_steps.value,
                "image_size": self._size.value,
                "spatial_dims": dims,
            }
            if trained
            else None
        )
        if dims == 3 and self._data.source.value != "folder":
            raise GanAugmentError(
                "a 3D experiment tests on whole held-out volumes: choose a folder whose "
                "images/ and masks/ hold several volumes (NIfTI)"
            )
        synthetic = (
            str(self._synthetic_run.value) if chosen(self._synthetic_run) and not family else None
        )
        needs_run = any(arm != "real" for arm in self._arms.value)
        arms = list(self._arms.value)
        others: dict[str, str] = {}
        if chosen(self._other_run) and needs_run:
            other = Path(self._other_run.value)
            others[other.name] = str(other)
            arms += [f"{arm}@{other.name}" for arm in self._arms.value if arm != "real"]
        for path in [synthetic, *others.values()] if needs_run else []:
            if path is not None:
                require_checkpoint(path)
        return ExperimentConfig(
            data=self._data.data_config_in(run_dir),
            task=self._task.value,
            synthetic_run=synthetic if needs_run else None,
            generator=generator if needs_run else None,
            synthetic_runs=others,
            synthetic_count=self._count.value,
            arms=tuple(arms),
            augment=AUGMENT[self._augment.value],
            augmentation_levels=(
                tuple(AUGMENTATION_LEVELS) if self._augment.value.endswith("tuned") else ()
            ),
            seeds=self._seeds.value,
            folds=self._folds.value,
            network=self._network.value,
            loss=self._loss.value,
            largest_component=self._largest.value,
            image_size=self._size.value,
            spatial_dims=dims,
            patches=self._patches.value,
            epochs=self._epochs.value,
            patience=self._patience.value,
            batch_size=self._batch.value,
            steps_per_epoch=self._steps.value or None,
            device=self._device.value,
        )

    # ----------------------------------------------------------------- job control
    def _on_start_clicked(self) -> None:
        run_dir = Path(self._run_dir.value)
        try:
            refuse_busy(run_dir)  # before layers are saved into it
            if (run_dir / "experiment.json").exists():
                raise GanAugmentError(
                    f"{run_dir} already holds an experiment; choose a new run directory"
                )
            job = start_experiment_job(self.build_config(run_dir), run_dir, self._threads.value)
        except GanAugmentError as exc:
            show_error(str(exc))
            return
        self._clear_results()
        self._status.value = "loading data and the generator…"
        self.job.follow(job)

    def _on_run_dir_changed(self, *_: Any) -> None:
        """Attach to an experiment running in the chosen directory (started by an earlier
        viewer or a terminal): its progress, live curves and Stop come back."""
        if not self.job.running and (job := self.job.attach(self._run_dir.value)) is not None:
            self._clear_results()
            self._status.value = f"attached to the running experiment (PID {job.pid})"

    def _clear_results(self) -> None:
        self._curves, self._summary = [], None
        self._live_plot.clear_curves()
        self._table.value = {"arm": [], "seed": []}
        self._verdict.value = ""
        self._progress.value = 0

    def _on_stop_clicked(self) -> None:
        self.job.stop()
        self._status.value = "stopping after the current epoch…"

    def _set_running(self, running: bool) -> None:
        self._start_button.enabled = self._open_button.enabled = not running
        self._stop_button.enabled = running
        self._plots.setCurrentWidget(self._live_plot if running else self._plot_view)

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        self._live_plot.add(event["events"] if kind == "history" else [event])
        if kind == "epoch":
            self._curves.append(event)
            self._status.value = (
                f"{event['arm']} · seed {event['seed']} · fold {event['fold']} · "
                f"epoch {event['epoch'] + 1} · val loss {event['val_loss']:.3f}"
            )
        elif kind == "generator" and event["kind"] == "step":
            self._status.value = (
                f"training {event.get('generator', 'the generator')} of fold {event['fold']}: "
                f"step {event['step']}"
            )
        elif kind == "tuned":
            self._status.value = (
                f"augmentation tuned for fold {event['fold']}: {event['chosen']} (lowest "
                "validation loss)"
            )
        elif kind == "arm":
            self._progress.max = event["total"]
            self._progress.value = event["done"]

    def _on_finished(self, job: Job, status: str, message: str) -> None:
        self._set_running(False)
        if status == "finished" and (job.root / "summary.json").exists():
            self.load_results(job.root)
        elif status == "stopped":
            self._status.value = "stopped; finished arms are in results.csv"
        else:
            self._status.value = message or "failed"

    # ----------------------------------------------------------------- reading results
    def _on_open_clicked(self) -> None:
        try:
            self.load_results(Path(self._run_dir.value))
        except (OSError, KeyError, ValueError) as exc:
            show_error(f"{self._run_dir.value} holds no finished experiment ({exc})")

    def load_results(self, run_dir: Path) -> None:
        """Show a finished run: per-seed table, plots, verdict."""
        summary = json.loads((run_dir / "summary.json").read_text())
        self._summary = summary
        self._results_dir = run_dir
        per_seed = summary["per_seed"]
        metrics = list(per_seed)
        arms = list(per_seed[metrics[0]])
        rows: dict[str, list[Any]] = {"arm": [], "seed": []} | {m: [] for m in metrics}
        for arm in arms:
            for seed in range(len(per_seed[metrics[0]][arm])):
                rows["arm"].append(arm)
                rows["seed"].append(seed)
                for metric in metrics:
                    rows[metric].append(round(per_seed[metric][arm][seed], 4))
        self._table.native.setSortingEnabled(False)
        self._table.value = rows
        self._table.native.setSortingEnabled(True)
        verdicts = [c["verdict"] for c in summary["comparisons"].values()]
        budgets = summary.get("minibatches_per_epoch", {})
        if len(set(budgets.values())) > 1:
            verdicts.append("(arms differ in minibatches per epoch; set batches/epoch to equalise)")
        self._verdict.value = "\n".join(verdicts) or "one arm or one seed: nothing to compare"
        self._curves = read_curves(run_dir)
        self._plot_metric.choices = [m for m, _ in BOX_METRICS[summary["task"]] if m in per_seed]
        self._plot_metric.value = PRIMARY[summary["task"]]
        self._progress.max, self._progress.value = 1, 1
        self._draw_plots()
        self._status.value = f"done: {run_dir / 'report.html'}"

    def _draw_plots(self) -> None:
        """The chosen metric per arm and the validation curves, drawn in a worker thread."""
        if self._summary is None or self._plot_metric.value is None:
            return
        metric = self._plot_metric.value
        per_arm, label = self._summary["per_seed"][metric], dict(BOX_METRICS[self._summary["task"]])
        curves, arm_axes, curve_axes = list(self._curves), self._arm_axes, self._curve_axes

        def draw(_: Any) -> None:
            draw_arm_distribution(arm_axes, per_arm, label[metric])
            draw_curves(curve_axes, curves)

        self._plot_view.redraw(draw)

    def export_table(self, path: str | Path) -> Path:
        """Write the per-seed table as CSV."""
        table = self._table.to_dict("list")
        columns = list(table)
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(zip(*(table[c] for c in columns), strict=True))
        return Path(path)

    def _on_export_clicked(self) -> None:
        from qtpy.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self.native, "Export results", "", "CSV (*.csv)")
        if path:
            show_info(f"wrote {self.export_table(path)}")

    def add_prediction_layers(self) -> None:
        """Test images, ground truth and each arm's seed-0 predictions as new layers (plus the
        report's grid of them as a hidden RGB layer)."""
        run_dir = getattr(self, "_results_dir", None)
        if run_dir is not None and (run_dir / "predictions").is_dir():
            self._add_volume_predictions(run_dir)
            return
        if run_dir is None or not (run_dir / "predictions.npz").exists():
            show_error("no segmentation predictions yet: run or open a segmentation experiment")
            return
        name = run_dir.name
        with np.load(run_dir / "predictions.npz") as saved:
            translate = beside_data(self._viewer, saved["images"].shape, (1.0, 1.0, 1.0))
            images = self._viewer.add_image(
                saved["images"], name=f"{name} test images", colormap="gray", translate=translate
            )
            self._viewer.add_labels(
                saved["masks"], name=f"{name} ground truth", translate=translate
            )
            for key in saved.files:
                if key.endswith("/seed0"):
                    arm = key.removesuffix("/seed0")
                    self._viewer.add_labels(
                        saved[key],
                        name=f"{name} {arm} prediction",
                        metadata={"run_dir": str(run_dir), "arm": arm, "seed": 0},
                        translate=translate,
                        visible=False,
                    )
        show_layer(self._viewer, images)
        grid = run_dir / "plots" / "predictions.png"
        if grid.exists():  # the report's grid: image, truth and each arm's prediction
            self._viewer.add_image(
                skio.imread(str(grid)), name=f"{name} prediction grid", rgb=True, visible=False
            )

    def _add_volume_predictions(self, run_dir: Path) -> None:
        """A 3D experiment: the first test volume, its truth and each arm's seed-0
        prediction, at the volume's place (every prediction was written with its affine)."""
        with open(run_dir / "results.csv") as handle:
            first = next(csv.DictReader(handle))["image"]
        folder = json.loads((run_dir / "experiment.json").read_text())["data"]["path"]
        image_path, mask_path = next(
            (image, mask) for image, mask in matched_files(folder) if image.name == first
        )
        stem = first.split(".")[0]
        image = read_image_file(image_path)
        where = {"scale": image.spacing, "translate": image.origin}
        shown = self._viewer.add_image(
            image.data, name=f"{run_dir.name} {stem}", colormap="gray", **where
        )
        self._viewer.add_labels(
            read_image_file(mask_path).data, name=f"{run_dir.name} {stem} truth", **where
        )
        for arm_dir in sorted((run_dir / "predictions").iterdir()):
            predicted = arm_dir / "seed0" / f"{stem}.nii.gz"
            if predicted.exists():
                self._viewer.add_labels(
                    read_image_file(predicted).data,
                    name=f"{run_dir.name} {arm_dir.name} prediction",
                    metadata={"run_dir": str(run_dir), "arm": arm_dir.name, "seed": 0},
                    visible=False,
                    **where,
                )
        show_layer(self._viewer, shown, middle=True)
