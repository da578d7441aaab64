"""Plugins ▸ GAN Augment ▸ Paint → image: a mask → image model redraws the image as you paint."""

from __future__ import annotations

import time
from typing import Any

import napari
import napari.layers
import numpy as np
from magicgui.widgets import ComboBox, Container, FileEdit, Label, PushButton, create_widget
from napari.utils.notifications import show_error
from qtpy.QtCore import QTimer

from ..api import (
    DEVICE_CHOICES,
    GanAugmentError,
    InputError,
    LoadedGenerator,
    images_for_masks,
    load_generator,
    mask_model,
)
from .tooltips import explain
from .workers import start_worker

DEBOUNCE_MS = 30  # strokes arrive every few ms while dragging; one redraw per pause


def displayed_slice(
    layer: napari.layers.Layer, world_point: tuple[float, ...]
) -> tuple[tuple[int, ...], np.ndarray]:
    """Data index and 2D array of the layer's slice at the viewer's world position (the last
    two axes are displayed). World → data goes through the layer's own transform, so layers
    with other scales or translations than the rest of the viewer are sliced correctly."""
    data = layer.data
    point = np.asarray(layer.world_to_data(world_point))
    index = tuple(int(round(float(c))) for c in point[: data.ndim - 2])
    if any(not 0 <= i < n for i, n in zip(index, data.shape, strict=False)):
        raise InputError(
            f"the viewer shows a slice outside {layer.name!r}; move the slider into the layer"
        )
    return index, np.asarray(data[index])


class PaintToImageWidget(Container):
    """Follows a Labels layer: after each brush stroke, the image for the painted mask appears
    in a new Image layer (same shape, scale and translate), computed off the main thread."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = napari_viewer
        self._generator: LoadedGenerator | None = None
        self._followed: napari.layers.Labels | None = None
        self._busy = False
        self._dirty = False
        self._painted_at = 0.0
        self.latencies_ms: list[float] = []
        self._run_dir = FileEdit(label="model run", mode="d")
        self._device = ComboBox(label="device", choices=list(DEVICE_CHOICES), value="auto")
        self._labels_layer = create_widget(annotation=napari.layers.Labels, label="labels")
        self._follow_button = PushButton(text="Follow painting")
        self._status = Label(label="status", value="choose a pix2pix run and a Labels layer")
        self.extend(
            [self._run_dir, self._device, self._labels_layer, self._follow_button, self._status]
        )
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_debounced)
        self._follow_button.clicked.connect(self._on_follow_clicked)
        explain(self)

    @property
    def output_name(self) -> str:
        return f"{self._followed.name} → image" if self._followed is not None else "→ image"

    def _on_follow_clicked(self) -> None:
        layer = self._labels_layer.value
        try:
            if layer is None:
                raise GanAugmentError("choose the Labels layer to paint in")
            generator = load_generator(self._run_dir.value, device=self._device.value)
            mask_model(generator)
        except GanAugmentError as exc:
            show_error(str(exc))
            return
        if self._followed is not None:
            self._followed.events.paint.disconnect(self._on_paint)
        self._generator, self._followed = generator, layer
        layer.events.paint.connect(self._on_paint)
        self._status.value = f"following {layer.name}: paint to draw"
        self._on_paint()

    def _on_paint(self, event: Any = None) -> None:
        self._painted_at = time.perf_counter()
        self._timer.start()

    def _on_debounced(self) -> None:
        if self._busy:  # one computation at a time; the newest strokes are redone after it
            self._dirty = True
            return
        assert self._followed is not None and self._generator is not None
        try:
            index, mask = displayed_slice(self._followed, tuple(self._viewer.dims.point))
        except InputError as exc:
            self._status.value = str(exc)
            return
        self._busy, self._dirty = True, False
        start_worker(
            images_for_masks,
            self._generator,
            mask.copy(),
            returned=lambda image: self._on_image(index, image),
            errored=self._on_error,
            finished=self._on_finished,
        )

    def _on_image(self, index: tuple[int, ...], image: np.ndarray) -> None:
        labels = self._followed
        assert labels is not None and self._generator is not None
        if self.output_name not in self._viewer.layers:
            self._viewer.add_image(
                np.zeros(labels.data.shape, image.dtype),
                name=self.output_name,
                scale=labels.scale,
                translate=labels.translate,
                # the layer starts empty: take the contrast from the model's intensity window
                contrast_limits=(self._generator.normaliser.low, self._generator.normaliser.high),
                metadata=dict(self._generator.metadata),
            )
        layer = self._viewer.layers[self.output_name]
        layer.data[index] = image
        layer.refresh()
        self.latencies_ms.append((time.perf_counter() - self._painted_at) * 1000)
        self._status.value = f"redrawn in {self.latencies_ms[-1]:.0f} ms after the last stroke"

    def _on_error(self, exc: Exception) -> None:
        self._status.value = "failed (see the notification)"

    def _on_finished(self) -> None:
        self._busy = False
        if self._dirty:
            self._on_debounced()
