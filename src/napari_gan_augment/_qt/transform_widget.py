"""Plugins ▸ GAN Augment ▸ Transform region: draw rectangles, a ugan model adds its object."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import napari.layers
import numpy as np
from magicgui.widgets import FloatSpinBox, SpinBox, create_widget
from napari.utils.notifications import show_error

from ..api import transform_image_regions
from .model_tool import ModelToolWidget

if TYPE_CHECKING:
    import napari


def rectangles_in_data_coordinates(
    shapes: napari.layers.Shapes, image: napari.layers.Image
) -> list[tuple[int, int, int, int]]:
    """``(row0, col0, row1, col1)`` boxes of the rectangles, in the image's pixel grid."""
    boxes = []
    for vertices, kind in zip(shapes.data, shapes.shape_type, strict=True):
        if kind != "rectangle":
            continue
        points = np.array([image.world_to_data(shapes.data_to_world(v)) for v in vertices])
        low, high = np.floor(points.min(0)[-2:]), np.ceil(points.max(0)[-2:])
        boxes.append((int(low[0]), int(low[1]), int(high[0]), int(high[1])))
    return boxes


def _transform(run_dir: str, device: str, image: np.ndarray, boxes, seeds, feather_px: float):
    """``ModelToolWidget`` calls its work with the run and device first."""
    return transform_image_regions(run_dir, image, boxes, seeds, feather_px, device)


class TransformRegionWidget(ModelToolWidget):
    """Image + rectangles (Shapes layer) + ugan run → new Image and Labels layers."""

    run_label, button_text = "ugan run", "Transform"
    hint = "draw rectangles in a Shapes layer"

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        self._image_layer = create_widget(annotation=napari.layers.Image, label="image")
        self._shapes_layer = create_widget(annotation=napari.layers.Shapes, label="regions")
        self._seed = SpinBox(label="seed", min=0, max=1_000_000, value=0)
        self._samples = SpinBox(label="samples", min=1, max=32, value=1)
        self._feather = FloatSpinBox(label="feather (px)", min=0, max=20, step=0.5, value=0)
        super().__init__(
            napari_viewer,
            [self._image_layer, self._shapes_layer, self._seed, self._samples, self._feather],
        )

    def _on_run_clicked(self) -> None:
        image, shapes = self._image_layer.value, self._shapes_layer.value
        if image is None or shapes is None:
            show_error("choose an Image layer and a Shapes layer with rectangles")
            return
        boxes = rectangles_in_data_coordinates(shapes, image)
        if not boxes:
            show_error(f"{shapes.name} holds no rectangles; draw one around the region")
            return
        seeds = list(range(self._seed.value, self._seed.value + self._samples.value))
        self._start(
            _transform,
            np.asarray(image.data).copy(),
            boxes,
            seeds,
            self._feather.value,
            on_result=lambda result: self._add_result(image, *result),
        )

    def _add_result(
        self,
        source: napari.layers.Image,
        images: np.ndarray,
        masks: np.ndarray,
        metadata: dict[str, Any],
    ) -> None:
        single = len(images) == 1
        scale = tuple(source.scale) if single else (1.0, *source.scale)
        translate = tuple(source.translate) if single else (0.0, *source.translate)
        name = f"{source.name} transformed seed {metadata['seeds'][0]}"
        self._viewer.add_image(
            images[0] if single else images,
            name=name,
            scale=scale,
            translate=translate,
            contrast_limits=source.contrast_limits,
            colormap=source.colormap,
            metadata=metadata,
        )
        self._viewer.add_labels(
            masks[0] if single else masks,
            name=f"{name} mask",
            scale=scale,
            translate=translate,
            metadata=metadata,
        )
        self._status.value = f"added {len(images)} sample(s)"
