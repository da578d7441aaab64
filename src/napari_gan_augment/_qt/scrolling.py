"""Tall widgets in a scroll area, so a dock never grows past the screen.

napari docks a magicgui widget's inner ``native`` widget, which drops the scroll area of a
``Container(scrollable=True)``; so the plugin's widget contributions for tall widgets are
wrapped here instead (classes: napari passes the viewer to a widget class's ``__init__``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from magicgui.widgets import Container
from qtpy.QtGui import QShowEvent
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
        self.setWidget(content.native)
        self._fit_width()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        self._fit_width()  # again: napari's stylesheet, applied when docked, widens the fields
        super().showEvent(event)

    def _fit_width(self) -> None:
        """Wide enough for the content and the vertical scroll bar, so nothing is cut off."""
        scroll_bar = self.verticalScrollBar().sizeHint().width()
        self.setMinimumWidth(self.content.native.sizeHint().width() + scroll_bar + 4)

    def reset_choices(self, *args: Any) -> None:
        self.content.reset_choices()


class TrainDock(Scrolling):
    def __init__(self, napari_viewer: napari.Viewer) -> None:
        from .train_widget import TrainWidget

        super().__init__(TrainWidget(napari_viewer))


class EvaluateDock(Scrolling):
    def __init__(self, napari_viewer: napari.Viewer) -> None:
        from .evaluate_widget import EvaluateWidget

        super().__init__(EvaluateWidget(napari_viewer))


class QualityDock(Scrolling):
    def __init__(self, napari_viewer: napari.Viewer) -> None:
        from .quality_widget import QualityWidget

        super().__init__(QualityWidget(napari_viewer))
