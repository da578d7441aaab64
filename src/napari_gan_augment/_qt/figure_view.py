"""A matplotlib figure drawn off the main thread and shown as a picture.

A ``FigureCanvasQTAgg`` draws on the main thread whenever it is shown or resized: the
Evaluate dock's two result plots spent 150–250 ms there (``bench_viewer.py --why``,
2026-12-04), a freeze at the end of every experiment. Here matplotlib's Agg canvas renders
the figure to an RGBA buffer in a worker thread (its Python parts give up the GIL every few
milliseconds, so the event loop keeps turning) and a ``QLabel`` shows the result. Measured on
the Evaluate plots (6 seeds × 4 arms): the longest event-loop gap while it renders is 15–17 ms,
against 150–167 ms for the same figure on a ``FigureCanvasQTAgg`` (2-core EPYC, 2026-12-04).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from qtpy.QtCore import Qt
from qtpy.QtGui import QImage, QPixmap
from qtpy.QtWidgets import QLabel
from superqt.utils import WorkerBase

from .workers import start_worker

Draw = Callable[[Figure], None]


class FigureView(QLabel):
    """Shows :attr:`figure`; :meth:`redraw` changes and renders it in a worker thread."""

    def __init__(self, size: tuple[float, float], dpi: int) -> None:
        super().__init__()
        self.figure = Figure(figsize=size, dpi=dpi, layout="tight")
        FigureCanvasAgg(self.figure)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(round(size[1] * dpi))  # the whole picture: never cut off
        self._worker: WorkerBase | None = None
        self._pending: Draw | None = None

    @property
    def busy(self) -> bool:
        """A redraw is running or waiting."""
        return self._worker is not None

    def redraw(self, draw: Draw) -> None:
        """Run ``draw(figure)`` and render it, in a worker thread. One render at a time (a
        figure is not thread-safe); of the requests made meanwhile only the latest runs."""
        if self._worker is not None:
            self._pending = draw
            return
        self._worker = start_worker(self._render, draw, returned=self._show, finished=self._next)

    def _render(self, draw: Draw) -> np.ndarray:
        draw(self.figure)
        self.figure.canvas.draw()
        return np.asarray(self.figure.canvas.buffer_rgba()).copy()  # type: ignore[attr-defined]

    def _show(self, rgba: np.ndarray) -> None:
        height, width = rgba.shape[:2]
        image = QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
        self.setPixmap(QPixmap.fromImage(image))  # a copy: ``rgba`` may go

    def _next(self) -> None:
        self._worker = None
        if self._pending is not None:
            draw, self._pending = self._pending, None
            self.redraw(draw)
