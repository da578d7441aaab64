"""Plugins ▸ GAN Augment ▸ Compare layers: Dice, IoU, HD95 (mm) and an FP/FN layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import napari.layers
import numpy as np
from magicgui.widgets import Container, PushButton, Table, create_widget
from napari.utils.notifications import show_error

from ..errors import GanAugmentError
from ..evaluation import segmentation_metrics

if TYPE_CHECKING:
    import napari

FALSE_POSITIVE, FALSE_NEGATIVE = 1, 2


def error_map(prediction: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """1 where the prediction labels a pixel differently and the truth says background (FP),
    2 where the truth has an object the prediction misses or mislabels (FN), 0 elsewhere."""
    errors = np.zeros(truth.shape, np.uint8)
    wrong = prediction != truth
    errors[wrong & (truth == 0)] = FALSE_POSITIVE
    errors[wrong & (truth > 0)] = FALSE_NEGATIVE
    return errors


class CompareLayersWidget(Container):
    """Two Labels layers (a prediction and a ground truth) → metrics table + error layer."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = napari_viewer
        self._prediction = create_widget(annotation=napari.layers.Labels, label="prediction")
        self._truth = create_widget(annotation=napari.layers.Labels, label="ground truth")
        self._compare_button = PushButton(text="Compare")
        self._table = Table(value={"metric": [], "value": []})
        self.extend([self._prediction, self._truth, self._compare_button, self._table])
        self._compare_button.clicked.connect(self._on_compare_clicked)

    def _on_compare_clicked(self) -> None:
        prediction, truth = self._prediction.value, self._truth.value
        if prediction is None or truth is None:
            show_error("choose a prediction and a ground-truth Labels layer")
            return
        try:
            spacing = tuple(float(s) for s in truth.scale)
            metrics = segmentation_metrics(
                np.asarray(prediction.data), np.asarray(truth.data), spacing
            )
        except GanAugmentError as exc:
            show_error(str(exc))
            return
        self._table.value = {
            "metric": list(metrics),
            "value": [f"{v:.4g}" for v in metrics.values()],
        }
        errors = error_map(np.asarray(prediction.data), np.asarray(truth.data))
        name = f"{prediction.name} vs {truth.name} errors"
        metadata = {
            "false_positive": FALSE_POSITIVE,
            "false_negative": FALSE_NEGATIVE,
            "metrics": metrics,
        }
        if name in self._viewer.layers:
            self._viewer.layers[name].data = errors
            self._viewer.layers[name].metadata.update(metadata)
        else:
            self._viewer.add_labels(
                errors, name=name, scale=truth.scale, translate=truth.translate, metadata=metadata
            )
