"""A live Matplotlib plot of training losses, embedded as a Qt widget."""

from __future__ import annotations

from typing import Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure

from ..training.plots import draw_losses, loss_series


class LossPlotWidget(FigureCanvasQTAgg):
    """Generator/critic loss curves from a run's ``step`` events.

    New points update the existing lines (``set_data``) instead of rebuilding the axes: a
    full redraw costs tens of milliseconds on a small CPU, which the viewer would feel.
    """

    def __init__(self) -> None:
        self._figure = Figure(figsize=(4, 2.6), dpi=90, layout="tight")
        super().__init__(self._figure)
        self._axes = self._figure.add_subplot()
        self._events: list[dict[str, Any]] = []
        self._lines: dict[str, Any] = {}
        self.setMinimumHeight(200)
        draw_losses(self._axes, [])

    @property
    def events(self) -> list[dict[str, Any]]:
        return self._events

    def reset(self) -> None:
        self._events = []
        self._lines = {}
        draw_losses(self._axes, [])
        self.draw_idle()

    def add_events(self, events: list[dict[str, Any]]) -> None:
        self._events.extend(e for e in events if e.get("event") == "step")
        series = loss_series(self._events)
        if set(series) != set(self._lines):
            draw_losses(self._axes, self._events)
            self._lines = dict(zip(series, self._axes.lines, strict=True))
        else:
            for name, (steps, values) in series.items():
                self._lines[name].set_data(steps, values)
            self._axes.relim()
            self._axes.autoscale_view()
        self.draw_idle()
