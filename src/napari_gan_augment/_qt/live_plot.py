"""Live plots of a running job: pyqtgraph curves extended in place on the main thread.

Matplotlib was tried twice and froze the viewer both times: redrawing on a Qt canvas costs
50–130 ms on the main thread, and rendering with Agg in the follower thread holds Python's GIL
for 100–400 ms per redraw, which the main thread waits out just the same (measured:
docs/benchmarks.md). pyqtgraph paints with QPainter and only appends points to existing curves,
about a millisecond per update (plus the window's repaint). Reports (PNG files) still use
Matplotlib, off the viewer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

import numpy as np
import pyqtgraph as pg
from matplotlib.colors import TABLEAU_COLORS
from qtpy.QtCore import QSize

HEIGHT_PX = 230
#: what the plot asks for: pyqtgraph's own hint (640 px) would widen a napari dock past the
#: 350–450 px docks usually take; it still grows with a wider dock
WIDTH_PX = 360

Point = tuple[Hashable, str, float, float]  # line, legend label (one colour each), x, y
Points = Callable[[dict[str, Any]], Iterable[Point]]


class LivePlot(pg.PlotWidget):
    """Curves of a job's events; ``points(event)`` says which points an event adds, and
    ``add`` updates only the curves that got points."""

    def __init__(self, points: Points, x_label: str, y_label: str, tooltip: str) -> None:
        super().__init__(background=None)
        self._points = points
        self._data: dict[Hashable, tuple[str, list[float], list[float]]] = {}
        self._curves: dict[Hashable, pg.PlotDataItem] = {}
        self._colours: dict[str, str] = {}
        item = self.getPlotItem()
        item.setLabel("bottom", x_label)
        item.setLabel("left", y_label)
        item.showGrid(x=True, y=True, alpha=0.3)
        item.addLegend(offset=(-5, 5), labelTextSize="8pt")
        self.setMinimumHeight(HEIGHT_PX // 2)
        self.setToolTip(tooltip)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(WIDTH_PX, HEIGHT_PX)

    def add(self, events: Iterable[dict[str, Any]]) -> None:
        changed = set()
        for event in events:
            for line, label, x, y in self._points(event):
                _, xs, ys = self._data.setdefault(line, (label, [], []))
                xs.append(x)
                ys.append(y)
                changed.add(line)
        for line in changed:
            label, xs, ys = self._data[line]
            if line not in self._curves:
                self._curves[line] = self._new_curve(label)
            self._curves[line].setData(np.asarray(xs), np.asarray(ys))

    def clear_curves(self) -> None:
        self._data, self._colours = {}, {}
        for curve in self._curves.values():
            self.getPlotItem().removeItem(curve)
        self._curves = {}

    def drawn(self) -> dict[Hashable, tuple[np.ndarray, np.ndarray]]:
        """What the curves show now: ``{line: (x, y)}``."""
        return {line: curve.getData() for line, curve in self._curves.items()}

    def _new_curve(self, label: str) -> pg.PlotDataItem:
        first = label not in self._colours
        colour = self._colours.setdefault(
            label, list(TABLEAU_COLORS.values())[len(self._colours) % len(TABLEAU_COLORS)]
        )
        curve = self.getPlotItem().plot(
            pen=pg.mkPen(colour, width=1.5), name=label if first else None
        )
        curve.setDownsampling(auto=True, method="peak")  # long runs stay cheap to paint
        curve.setClipToView(True)
        return curve
