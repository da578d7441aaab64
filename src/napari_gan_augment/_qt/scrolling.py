"""Tall widgets in a scroll area, so a dock never grows past the screen.

napari docks a magicgui widget's inner ``native`` widget, which drops the scroll area of a
``Container(scrollable=True)``; so the plugin's widget contributions for tall widgets are
wrapped here instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from magicgui.widgets import Container
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QScrollArea

if TYPE_CHECKING:
    import napari


class Scrolling(QScrollArea):
    """``content`` (a magicgui Container) in a vertical scroll area; ``reset_choices`` is
    passed on so layer pickers stay in sync with the viewer."""

    def __init__(self, content: Container) -> None:
        super().__init__()
        self.content = content
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(content.native)
        self.setMinimumWidth(content.native.minimumSizeHint().width() + 20)

    def reset_choices(self, *args: Any) -> None:
        self.content.reset_choices()


def train_dock(napari_viewer: napari.Viewer) -> Scrolling:
    from .train_widget import TrainWidget

    return Scrolling(TrainWidget(napari_viewer))


def evaluate_dock(napari_viewer: napari.Viewer) -> Scrolling:
    from .evaluate_widget import EvaluateWidget

    return Scrolling(EvaluateWidget(napari_viewer))


def quality_dock(napari_viewer: napari.Viewer) -> Scrolling:
    from .quality_widget import QualityWidget

    return Scrolling(QualityWidget(napari_viewer))
