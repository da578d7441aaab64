"""A live Matplotlib plot of training losses, embedded as a Qt widget."""

from __future__ import annotations

from typing import Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure

from ..training.plots import draw_losses


class LossPlotWidget(FigureCanvasQTAgg):
    """Redraws the generator/critic loss curves from a run's ``step`` events."""

    def __init__(self) -> None:
        self._figure = Figure(figsize=(4, 2.6), dpi=90, layout="tight")
        super().__init__(self._figure)
        self._axes = self._figure.add_subplot()
        self._events: list[dict[str, Any]] = []
        self.setMinimumHeight(200)
        draw_losses(self._axes, [])

    @property
    def events(self) -> list[dict[str, Any]]:
        return self._events

    def reset(self) -> None:
        self._events = []
        draw_losses(self._axes, [])
        self.draw_idle()

    def add_events(self, events: list[dict[str, Any]]) -> None:
        self._events.extend(e for e in events if e.get("event") == "step")
        draw_losses(self._axes, self._events)
        self.draw_idle()
