"""Plugins ▸ GAN Augment ▸ Compare layers: Dice, IoU, HD95 (mm) and an FP/FN layer."""

from __future__ import annotations

import napari
import napari.layers
import numpy as np
from magicgui.widgets import Container, Label, PushButton, Table, create_widget
from napari.utils.colormaps import DirectLabelColormap
from napari.utils.notifications import show_error

from ..api import ERROR_COLOURS, FALSE_NEGATIVE, FALSE_POSITIVE, Comparison, compare_labels
from .tooltips import explain
from .workers import start_worker

LEGEND = (
    f"errors layer: <b style='color:{ERROR_COLOURS[FALSE_POSITIVE]}'>■ false positive</b> "
    f"(labelled, truth is background) · <b style='color:{ERROR_COLOURS[FALSE_NEGATIVE]}'>"
    "■ false negative</b> (truth missed or mislabelled)"
)


class CompareLayersWidget(Container):
    """Two Labels layers (a prediction and a ground truth) → metrics table + error layer.
    The metrics are computed off the main thread (``gan-augment compare`` is its twin)."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = napari_viewer
        self._worker = None
        self._prediction = create_widget(annotation=napari.layers.Labels, label="prediction")
        self._truth = create_widget(annotation=napari.layers.Labels, label="ground truth")
        self._prediction.tooltip = "the segmentation to score (e.g. a network's prediction)"
        self._truth.tooltip = "the reference segmentation; its scale gives the spacing in mm"
        self._compare_button = PushButton(text="Compare")
        self._compare_button.tooltip = "score the prediction and add a layer of its errors"
        self._legend = Label(value=LEGEND)
        self._legend.tooltip = "the colours of the error layer Compare adds"
        self._legend.native.setWordWrap(True)
        self._table = Table(value={"metric": [], "value": []})
        self._table.tooltip = "the prediction's scores against the ground truth, summary first"
        self.extend(
            [self._prediction, self._truth, self._compare_button, self._legend, self._table]
        )
        self._compare_button.clicked.connect(self._on_compare_clicked)
        explain(self)

    def reset_choices(self, *args: object) -> None:
        """Refresh the pickers; the two start on different layers when there are two."""
        super().reset_choices(*args)
        choices = [c for c in self._truth.choices if c is not None]
        if self._prediction.value is self._truth.value and len(choices) > 1:
            self._truth.value = next(c for c in choices if c is not self._prediction.value)

    def _on_compare_clicked(self) -> None:
        prediction, truth = self._prediction.value, self._truth.value
        if prediction is None or truth is None:
            show_error("choose a prediction and a ground-truth Labels layer")
            return
        if prediction is truth:
            show_error("choose two different Labels layers: a prediction and a ground truth")
            return
        self._compare_button.enabled = False
        self._worker = start_worker(
            compare_labels,
            np.asarray(prediction.data),
            np.asarray(truth.data),
            tuple(float(s) for s in truth.scale),
            returned=lambda result: self._show(result, prediction, truth),
            finished=lambda: setattr(self._compare_button, "enabled", True),
        )

    def _show(
        self,
        result: Comparison,
        prediction: napari.layers.Labels,
        truth: napari.layers.Labels,
    ) -> None:
        rows = result.rows()
        self._table.value = {"metric": [r[0] for r in rows], "value": [r[1] for r in rows]}
        name = f"{prediction.name} vs {truth.name} errors"
        metadata = {
            "false_positive": FALSE_POSITIVE,
            "false_negative": FALSE_NEGATIVE,
            "metrics": result.metrics,
        }
        if name in self._viewer.layers:
            self._viewer.layers[name].data = result.errors
            self._viewer.layers[name].metadata.update(metadata)
            return
        colours = {None: "transparent", 0: "transparent", **ERROR_COLOURS}
        self._viewer.add_labels(
            result.errors,
            name=name,
            scale=truth.scale,
            translate=truth.translate,
            colormap=DirectLabelColormap(color_dict=colours),
            metadata=metadata,
        )
