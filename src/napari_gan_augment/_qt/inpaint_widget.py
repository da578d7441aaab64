"""Plugins ▸ GAN Augment ▸ Inpaint: paint a region in a Labels layer, get it filled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import napari.layers
import numpy as np
from magicgui.widgets import create_widget
from napari.utils.notifications import show_error

from ..api import GanAugmentError, InputError, RunDirectory, inpaint_region, load_generator
from .model_tool import ModelToolWidget
from .paint_widget import displayed_slice

if TYPE_CHECKING:
    import napari


def inpaint_with_metadata(
    run_dir: str, device: str, image: np.ndarray, hole: np.ndarray
) -> tuple[np.ndarray, dict[str, Any]]:
    """The filled image and the metadata of the model that filled it."""
    generator = load_generator(run_dir, device=device)
    return inpaint_region(generator, image, hole), dict(generator.metadata)


class InpaintWidget(ModelToolWidget):
    """Image layer + a Labels layer marking the hole (any label > 0) → a new, filled image."""

    run_label, button_text = "inpaint run", "Inpaint"
    hint = "paint the region to fill in a Labels layer"

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        self._image_layer = create_widget(annotation=napari.layers.Image, label="image")
        self._hole_layer = create_widget(annotation=napari.layers.Labels, label="hole")
        super().__init__(napari_viewer, [self._image_layer, self._hole_layer])

    def _on_run_clicked(self) -> None:
        image, hole = self._image_layer.value, self._hole_layer.value
        if image is None or hole is None:
            show_error("choose the Image layer and the Labels layer that marks the hole")
            return
        if image.ndim == hole.ndim == 3 and self._run_is_3d():
            self._start(  # a 3D run fills the hole in the whole volume
                inpaint_with_metadata,
                np.asarray(image.data).copy(),
                np.asarray(hole.data).copy(),
                on_result=lambda result: self._add_result(image, *result),
            )
            return
        point = tuple(self._viewer.dims.point)
        try:  # each layer sliced through its own transform: scales may differ
            _, image_slice = displayed_slice(image, point)
            _, hole_slice = displayed_slice(hole, point)
        except InputError as exc:
            show_error(str(exc))
            return
        self._start(
            inpaint_with_metadata,
            image_slice.copy(),
            hole_slice.copy(),
            on_result=lambda result: self._add_result(image, *result),
        )

    def _run_is_3d(self) -> bool:
        try:
            return RunDirectory(self._run_dir.value).load_config().spatial_dims == 3
        except (GanAugmentError, OSError):
            return False  # a bare checkpoint file: loading it will say what it is

    def _add_result(
        self, source: napari.layers.Image, filled: np.ndarray, metadata: dict[str, Any]
    ) -> None:
        dims = filled.ndim
        self._viewer.add_image(
            filled,
            name=f"{source.name} inpainted",
            scale=tuple(source.scale)[-dims:],
            translate=tuple(source.translate)[-dims:],
            contrast_limits=source.contrast_limits,
            colormap=source.colormap,
            metadata=metadata,
        )
        self._status.value = "added the filled image"
