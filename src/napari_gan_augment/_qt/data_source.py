"""Where the real pairs come from, shared by the Train and Evaluate widgets."""

from __future__ import annotations

from pathlib import Path

import napari.layers
import numpy as np
from magicgui.widgets import ComboBox, Container, FileEdit, FloatSpinBox, SpinBox, create_widget

from ..api import DataConfig, GanAugmentError, PairSet, SliceSettings, Volume

SOURCES = {
    "layers": "Image + Labels layers",
    "folder": "folder (images/ + masks/)",
    "volume": "3D volume files",
    "sample": "bundled MNI152 sample",
}


class DataSourcePicker(Container):
    """Layers, a folder, volume files or the bundled sample, with slicing settings."""

    def __init__(self, default: str = "layers") -> None:
        super().__init__(labels=True)
        self.margins = (0, 0, 0, 0)
        self.source = ComboBox(
            label="source", choices=[(v, k) for k, v in SOURCES.items()], value=default
        )
        self.image_layer = create_widget(annotation=napari.layers.Image, label="image")
        self.labels_layer = create_widget(annotation=napari.layers.Labels, label="labels")
        self.folder = FileEdit(label="folder", mode="d")
        self.volume_image = FileEdit(label="volume", filter="*.nii *.nii.gz *.tif *.tiff")
        self.volume_mask = FileEdit(label="volume mask", filter="*.nii *.nii.gz *.tif *.tiff")
        self.axis = SpinBox(label="slice axis", min=0, max=2, value=0)
        self.step = SpinBox(label="slice step", min=1, max=100, value=1)
        self.min_foreground = FloatSpinBox(
            label="min foreground", min=0, max=1, step=0.01, value=0.05
        )
        self.empty_fraction = FloatSpinBox(label="empty share", min=0, max=1, step=0.05, value=0.0)
        self.extend(
            [
                self.source,
                self.image_layer,
                self.labels_layer,
                self.folder,
                self.volume_image,
                self.volume_mask,
                self.axis,
                self.step,
                self.min_foreground,
                self.empty_fraction,
            ]
        )
        self.source.changed.connect(self._on_source_changed)
        self._on_source_changed(self.source.value)

    def _on_source_changed(self, source: str) -> None:
        self.image_layer.visible = self.labels_layer.visible = source == "layers"
        self.folder.visible = source == "folder"
        self.volume_image.visible = self.volume_mask.visible = source == "volume"
        for widget in (self.axis, self.step, self.min_foreground, self.empty_fraction):
            widget.visible = source in ("layers", "volume", "sample")

    def slice_settings(self) -> SliceSettings:
        return SliceSettings(
            self.axis.value, self.step.value, self.min_foreground.value, self.empty_fraction.value
        )

    def data_config(self) -> DataConfig:
        """The source as a DataConfig (layers are handed over separately, see layer_pairs)."""
        source = self.source.value
        slicing = {
            "axis": self.axis.value,
            "step": self.step.value,
            "min_foreground": self.min_foreground.value,
            "empty_fraction": self.empty_fraction.value,
        }
        if source == "folder":
            return DataConfig("folder", str(self.folder.value))
        if source == "volume":
            return DataConfig(
                "volume", str(self.volume_image.value), str(self.volume_mask.value), **slicing
            )
        return DataConfig("sample", **slicing)

    def layer_pairs(self) -> PairSet:
        image, labels = self.image_layer.value, self.labels_layer.value
        if image is None or labels is None:
            raise GanAugmentError("choose an Image layer and a Labels layer (or another source)")
        # Copies: the user's layers are read, never modified.
        return PairSet.from_arrays(
            image.data.copy(),
            labels.data.copy(),
            tuple(image.scale),
            image.name,
            labels.name,
            self.slice_settings(),
        )

    def layer_volume(self) -> tuple[Volume, Volume]:
        """The chosen 3D layers as an image volume and its labels, at their place (scale →
        spacing, translate → origin); copies, so the layers are never modified."""
        image, labels = self.image_layer.value, self.labels_layer.value
        if image is None or labels is None:
            raise GanAugmentError("choose an Image layer and a Labels layer (or another source)")
        if image.ndim != 3 or labels.ndim != 3:
            raise GanAugmentError(
                f"3D training and neighbouring-slice context need 3D layers; {image.name!r} "
                f"is {image.ndim}D and {labels.name!r} {labels.ndim}D"
            )
        return tuple(  # type: ignore[return-value]
            Volume(np.asarray(layer.data).copy(), tuple(layer.scale), tuple(layer.translate))
            for layer in (image, labels)
        )

    def data_config_in(self, folder: Path) -> DataConfig:
        """A DataConfig a job can read; layers are saved to ``folder/pairs.npz`` first."""
        if self.source.value != "layers":
            return self.data_config()
        Path(folder).mkdir(parents=True, exist_ok=True)
        return DataConfig("pairs", str(self.layer_pairs().save(Path(folder) / "pairs.npz")))
