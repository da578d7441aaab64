"""The live loss plot: drawn off the main thread, shown as a picture on it.

Even an incremental Matplotlib redraw on a Qt canvas costs 50–130 ms on a small CPU, once a
second while training (measured: docs/benchmarks.md), and the viewer feels every one. So the
worker thread that follows the job also renders the plot with Matplotlib's Agg backend
(a private ``Figure``, thread-safe as long as no other thread touches it), and the main thread
only swaps in the finished pixels (well under a millisecond).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from qtpy.QtGui import QImage, QPixmap
from qtpy.QtWidgets import QLabel, QSizePolicy
from skimage import io as skio

from ..jobs import follow_events
from ..training.plots import draw_losses
from ..training.run_dir import RunDirectory, read_events

REDRAW_EVERY_S = 0.5
WIDTH_PX, HEIGHT_PX, DPI = 360, 230, 90


class LossPlotRenderer:
    """A private Agg figure; ``render(events)`` returns its pixels (H × W × 4, uint8)."""

    def __init__(self) -> None:
        self._figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="tight")
        self._canvas = FigureCanvasAgg(self._figure)
        self._axes = self._figure.add_subplot()

    def render(self, events: list[dict[str, Any]]) -> np.ndarray:
        draw_losses(self._axes, events)
        self._canvas.draw()
        return np.asarray(self._canvas.buffer_rgba()).copy()


def follow_with_plot(
    run_dir: str | Path, is_alive: Callable[[], bool], offset: int
) -> Iterator[dict[str, Any]]:
    """``follow_events`` from byte ``offset``, plus a ``{"event": "plot", "image", "events"}``
    at most every ``REDRAW_EVERY_S`` while new losses arrive (and once at the end); the plot
    includes earlier sessions' losses (a resumed run). Meant for a ``thread_worker``: reading
    the history and rendering happen in the worker's thread."""
    renderer = LossPlotRenderer()
    history = read_events(RunDirectory(run_dir).metrics_path, offset)
    steps = [e for e in history if e.get("event") == "step"]
    dirty, last = True, 0.0
    for event in follow_events(run_dir, is_alive, offset):
        if event["event"] == "step":
            steps.append(event)
            dirty = True
        elif event["event"] == "sample" and Path(event["path"]).exists():
            event = {**event, "grid": skio.imread(event["path"])}  # PNG decoding off-thread
        yield event
        now = time.monotonic()
        if dirty and (event["event"] != "step" or now - last > REDRAW_EVERY_S):
            yield {"event": "plot", "image": renderer.render(steps), "events": list(steps)}
            dirty, last = False, now
    if dirty:
        yield {"event": "plot", "image": renderer.render(steps), "events": list(steps)}


class LossPlotWidget(QLabel):
    """Shows the rendered loss plot; ``events`` are the step events it shows."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []
        self.setMinimumHeight(HEIGHT_PX // 2)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setToolTip("generator and critic losses of the running job, updated live")
        self.show_plot(LossPlotRenderer().render([]), [])

    def show_plot(self, image: np.ndarray, events: list[dict[str, Any]]) -> None:
        height, width = image.shape[:2]
        qimage = QImage(image.data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
        self.setPixmap(QPixmap.fromImage(qimage))  # copies the pixels: `image` may go
        self.events = events
