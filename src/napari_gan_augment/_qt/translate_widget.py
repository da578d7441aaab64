"""Plugins ▸ GAN Augment ▸ Translate image: a cyclegan run turns an image into the other class."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import napari.layers
import numpy as np
from magicgui.widgets import ComboBox, create_widget
from napari.utils.notifications import show_error

from ..api import load_generator, translate_images
from .model_tool import ModelToolWidget

if TYPE_CHECKING:
    import napari

DIRECTIONS = [("add the class (A → B)", "a2b"), ("remove the class (B → A)", "b2a")]


def translate_with_metadata(
    run_dir: str, device: str, image: np.ndarray, direction: str
) -> tuple[np.ndarray, dict[str, Any]]:
    """The translated image (or stack) and the metadata of the model that made it."""
    generator = load_generator(run_dir, device=device)
    translated = translate_images(generator, image, direction)
    return translated, {**generator.metadata, "direction": direction}


class TranslateWidget(ModelToolWidget):
    """Image layer (2D, or a stack of 2D slices) + cyclegan run → a new translated layer."""

    run_label, button_text = "cyclegan run", "Translate"

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        self._image_layer = create_widget(annotation=napari.layers.Image, label="image")
        self._direction = ComboBox(label="direction", choices=DIRECTIONS, value="a2b")
        super().__init__(napari_viewer, [self._image_layer, self._direction])

    def _on_run_clicked(self) -> None:
        image = self._image_layer.value
        if image is None:
            show_error("choose the Image layer to translate")
            return
        self._start(
            translate_with_metadata,
            np.asarray(image.data).copy(),
            self._direction.value,
            on_result=lambda result: self._add_result(image, *result),
        )

    def _add_result(
        self, source: napari.layers.Image, translated: np.ndarray, metadata: dict[str, Any]
    ) -> None:
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
