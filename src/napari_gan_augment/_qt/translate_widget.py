"""Plugins ▸ GAN Augment ▸ Translate image: a cyclegan run turns an image into the other class."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import napari.layers
import numpy as np
from magicgui.widgets import ComboBox, Container, FileEdit, Label, PushButton, create_widget
from napari.qt.threading import thread_worker
from napari.utils.notifications import show_error

from ..devices import DEVICE_CHOICES
from ..errors import GanAugmentError
from ..synthesis import load_generator, translate_images

if TYPE_CHECKING:
    import napari

DIRECTIONS = [("add the class (A → B)", "a2b"), ("remove the class (B → A)", "b2a")]


def translate_or_message(
    run_dir: str, device: str, image: np.ndarray, direction: str
) -> tuple[np.ndarray, dict[str, Any]] | str:
    """The translated image (or stack) and its metadata, or a user-error message."""
    try:
        generator = load_generator(run_dir, device=device)
        translated = translate_images(generator, image, direction)
    except GanAugmentError as exc:
        return str(exc)
    return translated, {**generator.metadata, "direction": direction}


class TranslateWidget(Container):
    """Image layer (2D, or a stack of 2D slices) + cyclegan run → a new translated layer."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = napari_viewer
        self._worker: Any = None
        self._run_dir = FileEdit(label="cyclegan run", mode="d")
        self._image_layer = create_widget(annotation=napari.layers.Image, label="image")
        self._direction = ComboBox(label="direction", choices=DIRECTIONS, value="a2b")
        self._device = ComboBox(label="device", choices=list(DEVICE_CHOICES), value="auto")
        self._run_button = PushButton(text="Translate")
        self._status = Label(label="status", value="")
        self.extend(
            [
                self._run_dir,
                self._image_layer,
                self._direction,
                self._device,
                self._run_button,
                self._status,
            ]
        )
        self._run_button.clicked.connect(self._on_run_clicked)

    def _on_run_clicked(self) -> None:
        image = self._image_layer.value
        if image is None:
            show_error("choose the Image layer to translate")
            return
        self._status.value = "translating…"
        self._run_button.enabled = False
        self._worker = thread_worker(translate_or_message)(
            str(self._run_dir.value),
            self._device.value,
            np.asarray(image.data).copy(),
            self._direction.value,
        )
        self._worker.returned.connect(lambda result: self._on_returned(image, result))
        self._worker.finished.connect(lambda: setattr(self._run_button, "enabled", True))
        self._worker.start()

    def _on_returned(self, source: napari.layers.Image, result: Any) -> None:
        if isinstance(result, str):
            self._status.value = "failed"
            show_error(result)
            return
        translated, metadata = result
        self._viewer.add_image(
            translated,
            name=f"{source.name} {metadata['direction']}",
            scale=source.scale,
            translate=source.translate,
            contrast_limits=source.contrast_limits,
            colormap=source.colormap,
            metadata=metadata,
        )
        self._status.value = "added the translated image"
