"""Plugins ▸ GAN Augment ▸ Inpaint: paint a region in a Labels layer, get it filled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import napari.layers
import numpy as np
from magicgui.widgets import ComboBox, Container, FileEdit, Label, PushButton, create_widget
from napari.qt.threading import thread_worker
from napari.utils.notifications import show_error

from ..devices import DEVICE_CHOICES
from ..errors import GanAugmentError
from ..synthesis import inpaint_region, load_generator
from .paint_widget import displayed_slice

if TYPE_CHECKING:
    import napari


def inpaint_or_message(
    run_dir: str, device: str, image: np.ndarray, hole: np.ndarray
) -> tuple[np.ndarray, dict[str, Any]] | str:
    """The filled image and its metadata, or a user-error message."""
    try:
        generator = load_generator(run_dir, device=device)
        return inpaint_region(generator, image, hole), dict(generator.metadata)
    except GanAugmentError as exc:
        return str(exc)


class InpaintWidget(Container):
    """Image layer + a Labels layer marking the hole (any label > 0) → a new, filled image."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = napari_viewer
        self._worker: Any = None
        self._run_dir = FileEdit(label="inpaint run", mode="d")
        self._image_layer = create_widget(annotation=napari.layers.Image, label="image")
        self._hole_layer = create_widget(annotation=napari.layers.Labels, label="hole")
        self._device = ComboBox(label="device", choices=list(DEVICE_CHOICES), value="auto")
        self._run_button = PushButton(text="Inpaint")
        self._status = Label(label="status", value="paint the region to fill in a Labels layer")
        self.extend(
            [
                self._run_dir,
                self._image_layer,
                self._hole_layer,
                self._device,
                self._run_button,
                self._status,
            ]
        )
        self._run_button.clicked.connect(self._on_run_clicked)

    def _on_run_clicked(self) -> None:
        image, hole = self._image_layer.value, self._hole_layer.value
        if image is None or hole is None:
            show_error("choose the Image layer and the Labels layer that marks the hole")
            return
        step = self._viewer.dims.current_step
        _, image_slice = displayed_slice(np.asarray(image.data), step)
        _, hole_slice = displayed_slice(np.asarray(hole.data), step)
        self._status.value = "inpainting…"
        self._run_button.enabled = False
        self._worker = thread_worker(inpaint_or_message)(
            str(self._run_dir.value), self._device.value, image_slice.copy(), hole_slice.copy()
        )
        self._worker.returned.connect(lambda result: self._on_returned(image, result))
        self._worker.finished.connect(lambda: setattr(self._run_button, "enabled", True))
        self._worker.start()

    def _on_returned(self, source: napari.layers.Image, result: Any) -> None:
        if isinstance(result, str):
            self._status.value = "failed"
            show_error(result)
            return
        filled, metadata = result
        self._viewer.add_image(
            filled,
            name=f"{source.name} inpainted",
            scale=tuple(source.scale)[-2:],
            translate=tuple(source.translate)[-2:],
            contrast_limits=source.contrast_limits,
            colormap=source.colormap,
            metadata=metadata,
        )
        self._status.value = "added the filled image"
