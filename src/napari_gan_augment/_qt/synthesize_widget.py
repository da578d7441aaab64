"""Plugins ▸ GAN Augment ▸ Synthesize pairs: a trained run → new Image + Labels layers, or,
for a mask → image run and a Labels layer (a painted mask volume), the image volume for it.

The pairs are drawn by a child-process job (``gan-augment generate --format npy``) into a new
folder under the run directory, so the viewer's process neither computes them nor holds the
GPU; when the job ends, its two stacks become the layers, added one per event-loop turn. A
mask layer goes to ``gan-augment generate --masks`` the same way (a 3D run draws the volume
by sliding window, a 2D run slice by slice along the chosen axis); the image comes back as a
new layer at the mask's place, read off the main thread.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
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
    create_widget,
)
from qtpy.QtWidgets import QSizePolicy

from ..api import (
    DEVICE_CHOICES,
    GanAugmentError,
    GateSettings,
    Job,
    RunDirectory,
    SynthesisConfig,
    interpolate_painted_slices,
    is_bundle,
    read_image_file,
    spatial_dims_of,
    start_synthesis_job,
    start_volume_synthesis_job,
    synthesis_home,
)
from .job_model import JobModel, threads_box
from .placement import next_turn, one_per_turn, show_layer, stack_placement
from .progress import progress_bar
from .tooltips import explain
from .workers import report_error, start_worker

if TYPE_CHECKING:
    import napari


class SynthesizeWidget(Container):
    """Draw N pairs from a run's checkpoint into a new Image layer and a new Labels layer."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = napari_viewer
        self.job = JobModel()
        #: the Image and Labels layers the last draw of pairs added (the next draw reuses them)
        self._shown: tuple[Any, Any] | None = None
        self._run_dir = FileEdit(label="run dir", mode="d")  # or a bundle folder (ours)
        self._checkpoint = ComboBox(label="checkpoint", choices=["last.pt"], value="last.pt")
        self._mask_run = FileEdit(label="mask run", mode="d", value="")
        self._mask_run.tooltip = (
            "for a pix2pix run: a mask run (mask-dcgan) whose generator draws the masks; "
            "empty: the run's own training masks, randomly deformed"
        )
        self._mask_layer = create_widget(
            annotation=napari.layers.Labels | None, label="for mask layer", value=None
        )
        self._axis = ComboBox(label="slice axis", choices=[0, 1, 2], value=0)
        self._axis.tooltip = (
            "a 2D run draws a mask volume slice by slice along this axis (2.5D); filled in "
            "with the axis it trained on. A 3D run draws the volume whole"
        )
        self._view_3d = CheckBox(text="view volume in 3D", value=True)
        self._fill_button = PushButton(text="Fill between painted slices")
        self._fill_button.tooltip = (
            "paint the structure on a few slices (at least its first and last), then fill "
            "the slices between by shape-based interpolation, into a new Labels layer; slices "
            "along the axis the viewer now slides through"
        )
        #: the Labels layer a running volume job draws for (None: a pairs job)
        self._volume_for: napari.layers.Labels | None = None
        self._count = SpinBox(label="count", min=1, max=100_000, value=16)
        self._seed = SpinBox(label="seed", min=0, max=2**31 - 1, value=0)
        self._cleanup = SpinBox(label="mask clean-up px", min=0, max=10_000, value=0)
        self._cleanup.tooltip = (
            "relabel generated mask specks and holes smaller than this many pixels (0 = off)"
        )
        self._gate = CheckBox(text="quality gate", value=False)
        self._gate.tooltip = (
            "keep only pairs whose mask a U-Net trained on the run's real training pairs "
            "agrees with, and no near-copies of training images (draws up to twice the count)"
        )
        self._gate_dice = FloatSpinBox(
            label="gate min Dice", min=0.0, max=1.0, step=0.05, value=GateSettings.min_fidelity
        )
        self._gate_dice.tooltip = "the lowest Dice between a pair's mask and the U-Net's reading"
        self._device = ComboBox(label="device", choices=list(DEVICE_CHOICES), value="auto")
        self._threads = threads_box()
        self._run_button = PushButton(text="Synthesize")
        self._cancel_button = PushButton(text="Cancel", enabled=False)
        self._progress = progress_bar()
        self._status = Label(label="status", value="")
        self._status.native.setWordWrap(True)  # a long line would widen the dock
        # nor may its width hint: a wider dock narrows the canvas after the camera was fitted
        self._status.native.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.extend(
            [
                self._run_dir,
                self._checkpoint,
                self._mask_layer,
                self._fill_button,
                self._axis,
                self._view_3d,
                self._mask_run,
                self._count,
                self._seed,
                self._cleanup,
                self._gate,
                self._gate_dice,
                self._device,
                self._threads,
                Container(
                    widgets=[self._run_button, self._cancel_button],
                    layout="horizontal",
                    labels=False,
                ),
                self._progress,
                self._status,
            ]
        )
        self._run_dir.changed.connect(self._on_run_dir_changed)
        self._mask_layer.changed.connect(self._on_mask_layer_changed)
        self._on_mask_layer_changed(None)
        self._run_button.clicked.connect(self._on_run_clicked)
        self._fill_button.clicked.connect(self._on_fill_clicked)
        self._cancel_button.clicked.connect(self._on_cancel_clicked)
        self.job.event.connect(self._on_event)
        self.job.finished.connect(self._on_job_finished)
        self.job.guard_close(napari_viewer, self.native)
        explain(self)

    def _on_run_dir_changed(self, path: Path) -> None:
        if is_bundle(path):  # one network, no checkpoints to choose from
            self._checkpoint.choices = ["model.pt"]
            self._checkpoint.value = "model.pt"
            return
        found = sorted(p.name for p in (Path(path) / "checkpoints").glob("*.pt"))
        self._checkpoint.choices = found or ["last.pt"]
        self._checkpoint.value = "last.pt" if "last.pt" in found else (found or ["last.pt"])[-1]
        try:  # a 2D run draws a volume along the axis it trained on, unless told otherwise
            self._axis.value = RunDirectory(path).load_config().data.axis
        except (GanAugmentError, OSError):
            pass

    def _on_mask_layer_changed(self, layer: napari.layers.Labels | None) -> None:
        """A mask layer: draw its image; none: draw pairs (and show their settings)."""
        for widget in (self._mask_run, self._count, self._seed, self._cleanup, self._gate):
            widget.visible = layer is None
        self._gate_dice.visible = layer is None
        self._axis.visible = self._view_3d.visible = layer is not None
        self._fill_button.visible = layer is not None and layer.ndim == 3

    def painted_axis(self, layer: napari.layers.Labels) -> int:
        """The layer axis the viewer slides through (the one the user painted along)."""
        dims = self._viewer.dims
        axis = dims.order[-3] - (dims.ndim - layer.ndim) if dims.ndim >= 3 else -1
        if dims.ndisplay != 2 or axis not in (0, 1, 2):
            raise GanAugmentError(
                "view the mask in 2D, sliding through the axis you painted along, to fill "
                "the slices between the painted ones"
            )
        return int(axis)

    def _on_fill_clicked(self) -> None:
        """A new Labels layer: the painted slices, and those between filled in (a worker:
        distance transforms of a large volume take longer than a frame)."""
        layer = self._mask_layer.value
        try:
            axis = self.painted_axis(layer)
        except GanAugmentError as exc:
            report_error(exc)
            return
        self._status.value = f"filling {layer.name} between its slices along axis {axis}…"

        def added(filled: np.ndarray) -> None:
            new = self._viewer.add_labels(
                filled,
                name=f"{layer.name} filled",
                scale=layer.scale,
                translate=layer.translate,
                metadata={"filled_from": layer.name, "axis": axis},
            )
            self._mask_layer.reset_choices()
            self._mask_layer.value = new
            self._status.value = f"added {new.name}; Synthesize draws its image"

        start_worker(
            interpolate_painted_slices,
            np.asarray(layer.data).copy(),  # the user's layer is read, never changed
            axis,
            tuple(layer.scale),
            returned=added,
        )

    def _mask_run_path(self) -> str:
        # the typed text: FileEdit.value turns an emptied field into "." (the working folder)
        value = str(self._mask_run.line_edit.value).strip()
        return "" if value in ("", ".") else value

    def _on_run_clicked(self) -> None:
        if self._mask_layer.value is not None:
            self._start_volume(self._mask_layer.value)
            return
        gate = GateSettings(min_fidelity=self._gate_dice.value) if self._gate.value else None
        run_dir = Path(self._run_dir.value)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out_dir = synthesis_home(run_dir) / f"seed{self._seed.value}-{stamp}"
        try:
            settings = SynthesisConfig(
                count=self._count.value,
                seed=self._seed.value,
                checkpoint=self._checkpoint.value,
                device=self._device.value,
            )
            job = start_synthesis_job(
                run_dir,
                out_dir,
                settings,
                mask_run=self._mask_run_path() or None,
                mask_cleanup=self._cleanup.value,
                gate=gate,
                threads=self._threads.value,
            )
        except GanAugmentError as exc:
            report_error(exc)
            self._status.value = "failed (see the notification)"
            return
        self._progress.max = self._count.value
        self._progress.value = 0
        self._status.value = "loading generator…" + (
            " and training the gate's U-Net on the run's real pairs…" if gate else ""
        )
        self._run_button.enabled, self._cancel_button.enabled = False, True
        self.job.follow(job)

    def _start_volume(self, layer: napari.layers.Labels) -> None:
        """The image for a painted mask (2D or 3D), as a job."""
        run_dir = Path(self._run_dir.value)
        out_dir = synthesis_home(run_dir) / f"{layer.name}-{time.strftime('%Y%m%d-%H%M%S')}"
        try:
            spatial = spatial_dims_of(run_dir)
            job = start_volume_synthesis_job(
                run_dir,
                np.asarray(layer.data),
                tuple(layer.scale),
                tuple(layer.translate),
                out_dir,
                axis=self._axis.value if spatial == 2 and layer.ndim == 3 else None,
                device=self._device.value,
                threads=self._threads.value,
            )
        except GanAugmentError as exc:
            report_error(exc)
            self._status.value = "failed (see the notification)"
            return
        self._volume_for = layer
        self._progress.max, self._progress.value = 1, 0
        self._status.value = f"drawing the image for {layer.name}…"
        self._run_button.enabled, self._cancel_button.enabled = False, True
        self.job.follow(job)

    def _on_volume_read(self, volume: Any) -> None:
        layer = self._volume_for
        assert layer is not None
        self._volume_for = None
        metadata = json.loads((volume.path.parent / "provenance.json").read_text())
        added = self._viewer.add_image(
            volume.data,
            name=f"{layer.name} → synthetic image",
            scale=layer.scale,
            translate=layer.translate,
            metadata=metadata | {"file": str(volume.path)},
        )
        if self._view_3d.value and added.ndim == 3:
            self._viewer.dims.ndisplay = 3
        self._progress.value = 1
        self._status.value = f"added {added.name}; its files are in the run's synthesized folder"
        self._status.tooltip = str(volume.path.parent)
        self._run_button.enabled, self._cancel_button.enabled = True, False
        # framed on a later event-loop turn: the new layer's controls and the status line may
        # resize the canvas first
        next_turn(lambda: show_layer(self._viewer, added))

    def _on_cancel_clicked(self) -> None:
        self.job.stop()
        self._status.value = "cancelling…"

    def _on_event(self, event: dict[str, Any]) -> None:
        if event["event"] == "progress" and self._volume_for is not None:
            self._progress.max, self._progress.value = event["total"], event["done"]
        elif event["event"] == "progress":
            self._progress.value = event["done"]
            self._status.value = f"{event['done']}/{event['total']} pairs"

    def _on_job_finished(self, job: Job, status: str, message: str) -> None:
        if status == "finished" and self._volume_for is not None:
            path = job.root / "mask_synthetic.nii.gz"
            start_worker(_read_volume, path, returned=self._on_volume_read)
            return
        self._volume_for = None
        if status != "finished":
            self._status.value = (
                "cancelled" if status == "stopped" else "failed (see the notification)"
            )
            self._run_button.enabled, self._cancel_button.enabled = True, False
            return
        # copy-on-write maps: nothing is read up front, painting the masks never touches the file
        images = np.load(job.root / "images.npy", mmap_mode="c")
        masks = np.load(job.root / "masks.npy", mmap_mode="c")
        metadata = json.loads((job.root / "provenance.json").read_text())
        metadata["folder"] = str(job.root)
        name = f"{Path(metadata['run']).name} seed {metadata['seed']}"
        low, high = metadata["value_range"]
        limits = (low, max(high, low + 1e-6))
        gate = metadata.get("gate")
        kept = f" (gate kept {gate['kept']} of {gate['drawn']} drawn)" if gate else ""
        shown, added = self._shown, []
        shown_again = shown is not None and all(layer in self._viewer.layers for layer in shown)
        if shown is not None and shown_again:
            # a later draw goes into the layers the last one added (new data, name and
            # provenance; same place and own slider) instead of piling up two more per run
            lead = (1,) * (shown[0].ndim - 3)  # the length-1 axes of the stack's own slider

            def put(target: Any, data: np.ndarray, suffix: str) -> None:
                target.data = data.reshape((len(data), *lead, *data.shape[1:]))
                target.metadata = metadata
                target.scale = (*target.scale[:-2], *metadata["spacing"])
                target.name = f"{name} {suffix}"
                if suffix == "images":
                    target.contrast_limits = limits

            done = f"replaced the pairs in {name} images with {len(images)} new ones"
            steps = [lambda: put(shown[0], images, "images"), lambda: put(shown[1], masks, "masks")]
        else:
            place = stack_placement(self._viewer, images.shape, metadata["spacing"])
            placed = {
                "scale": place.scale,
                "translate": place.translate,
                "axis_labels": place.axis_labels,
                "metadata": metadata,
            }
            done = f"added {len(images)} pairs"
            steps = [
                lambda: added.append(
                    self._viewer.add_image(
                        place.view(images), name=f"{name} images", contrast_limits=limits, **placed
                    )
                ),
                lambda: added.append(
                    self._viewer.add_labels(place.view(masks), name=f"{name} masks", **placed)
                ),
            ]

        def finish() -> None:
            if not shown_again:
                self._shown = (added[0], added[1])
            assert self._shown is not None
            show_layer(self._viewer, self._shown[0])
            self._status.value = f"{done}, kept in {job.root}{kept}"
            self._run_button.enabled, self._cancel_button.enabled = True, False

        one_per_turn([*steps, finish])


@dataclass(frozen=True)
class _ReadVolume:
    path: Path
    data: np.ndarray


def _read_volume(path: Path) -> _ReadVolume:
    """Read in a worker thread: decompressing a volume takes longer than a frame."""
    return _ReadVolume(path, read_image_file(path).data)
