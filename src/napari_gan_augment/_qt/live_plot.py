"""Live plots of a running job: drawn off the main thread, shown as a picture on it.

Even an incremental Matplotlib redraw on a Qt canvas costs 50–130 ms on a small CPU, once a
second while a job runs (measured: docs/benchmarks.md), and the viewer feels every one. So the
worker thread that follows the job also renders the plot with Matplotlib's Agg backend
(a private ``Figure``, thread-safe as long as no other thread touches it), and the main thread
only swaps in the finished pixels (well under a millisecond).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from qtpy.QtGui import QImage, QPixmap
from qtpy.QtWidgets import QLabel, QSizePolicy
from skimage import io as skio

from ..jobs import Job, follow_events
from ..training.run_dir import read_events

REDRAW_EVERY_S = 0.5
WIDTH_PX, HEIGHT_PX, DPI = 360, 230, 90

Draw = Callable[[Any, Sequence[dict[str, Any]]], None]


class AggPlot:
    """A private Agg figure; ``render(events)`` draws them with ``draw(axes, events)`` and
    returns the pixels (H × W × 4, uint8)."""

    def __init__(self, draw: Draw) -> None:
        self._draw = draw
        self._figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="tight")
        self._canvas = FigureCanvasAgg(self._figure)
        self._axes = self._figure.add_subplot()

    def render(self, events: list[dict[str, Any]]) -> np.ndarray:
        self._draw(self._axes, events)
        self._canvas.draw()
        return np.asarray(self._canvas.buffer_rgba()).copy()


def follow_with_plot(job: Job, draw: Draw, plotted: str) -> Iterator[dict[str, Any]]:
    """``follow_events(job)``, plus a ``{"event": "plot", "image", "events"}`` of the
    ``plotted`` events (``step``: losses; ``epoch``: validation curves) at most every
    ``REDRAW_EVERY_S`` while new ones arrive, and once at the end. The plot includes earlier
    sessions' events (a resumed run). Meant for a ``thread_worker``: reading the history,
    decoding sample grids and rendering happen in the worker's thread."""
    renderer = AggPlot(draw)
    history = read_events(job.events_path, job.events_offset)
    points = [e for e in history if e.get("event") == plotted]
    dirty, last = True, 0.0
    for event in follow_events(job):
        if event["event"] == plotted:
            points.append(event)
            dirty = True
        elif event["event"] == "sample" and Path(event["path"]).exists():
            event = {**event, "grid": skio.imread(event["path"])}  # PNG decoding off-thread
        yield event
        now = time.monotonic()
        if dirty and (event["event"] != plotted or now - last > REDRAW_EVERY_S):
            yield {"event": "plot", "image": renderer.render(points), "events": list(points)}
            dirty, last = False, now
    if dirty:
        yield {"event": "plot", "image": renderer.render(points), "events": list(points)}


class PlotPicture(QLabel):
    """Shows a rendered plot; ``events`` are the events it shows."""

    def __init__(self, draw: Draw, tooltip: str) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []
        self.setMinimumHeight(HEIGHT_PX // 2)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setToolTip(tooltip)
        self.show_plot(AggPlot(draw).render([]), [])

    def show_plot(self, image: np.ndarray, events: list[dict[str, Any]]) -> None:
        height, width = image.shape[:2]
        qimage = QImage(image.data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
        self.setPixmap(QPixmap.fromImage(qimage))  # copies the pixels: `image` may go
        self.events = events
