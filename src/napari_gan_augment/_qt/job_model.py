"""The one job a widget controls, as a small model the widget listens to.

A widget starts (or attaches to) a :class:`~napari_gan_augment.jobs.Job` and hands it to its
``JobModel``; the model follows the job's event log in a worker thread and emits psygnal
signals on the main thread: ``started(job)``, ``event(dict)`` (first a ``history`` event with
the run's earlier sessions, e.g. before a resume; never the polling ``idle`` events) and
``finished(job, status, message)``. Reading the log and decoding sample grids happen in the
worker thread. A failed job's message is shown once, as a
plain notification. The model also guards the viewer's close: with a job running it asks
whether to stop the job or leave it running.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from magicgui.widgets import SpinBox
from napari.utils.notifications import show_error
from psygnal import Signal
from qtpy.QtCore import QEvent, QObject
from qtpy.QtWidgets import QMessageBox, QWidget
from skimage import io as skio

from ..api import Job, attach, default_threads, follow_events, read_events
from .workers import start_worker

if TYPE_CHECKING:
    import napari

POLL_SECONDS = 0.5  # how often the viewer shows a job's progress


def threads_box() -> SpinBox:
    """The thread-count setting every job widget shows."""
    box = SpinBox(label="CPU threads", min=1, max=max(1, default_threads() + 1))
    box.value = default_threads()
    box.tooltip = "CPU threads the job may use; one core is left to the viewer by default"
    return box


class _CloseFilter(QObject):
    """Ignores the watched window's Close when ``allow_close()`` returns False."""

    def __init__(self, allow_close: Callable[[], bool]) -> None:
        super().__init__()
        self._allow_close = allow_close

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Close and not self._allow_close():
            event.ignore()
            return True
        return False


class JobModel:
    """The job a widget follows."""

    started = Signal(object)
    event = Signal(dict)
    finished = Signal(object, str, str)

    def __init__(self) -> None:
        self.job: Job | None = None
        self.worker: Any = None
        self._close_filter: _CloseFilter | None = None

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.is_running()

    def follow(self, job: Job) -> None:
        """Follow ``job`` (just started here, or attached) until it ends."""
        self.job = job
        self.worker = start_worker(
            self._follow_to_exit, job, yielded=self._on_yielded, finished=self._on_finished
        )
        self.started.emit(job)

    def _follow_to_exit(self, job: Job) -> Iterator[list[dict[str, Any]]]:
        """The job's events in batches, one per poll of its log, then (still in the worker
        thread) the wait for its process to exit: a child may take seconds to shut down after
        its last event. One batch reaches the main thread at a time, so everything it changes
        is repainted once: under software OpenGL each repaint of the window costs 10–40 ms."""
        history = list(read_events(job.events_path, job.events_offset))
        batch: list[dict[str, Any]] = [{"event": "history", "events": history}]
        for event in follow_events(job, poll_seconds=POLL_SECONDS):
            if event["event"] == "idle":
                yield batch  # also when empty: the worker's chance to be cancelled
                batch = []
            elif event["event"] == "sample" and Path(event["path"]).exists():
                batch.append({**event, "grid": skio.imread(event["path"])})
            else:
                batch.append(event)
        yield batch
        if job.process is not None:
            job.process.wait()

    def attach(self, root: str | Path) -> Job | None:
        """Follow the job running in ``root`` (started by any process), if there is one."""
        job = attach(root)
        if job is not None:
            self.follow(job)
        return job

    def stop(self) -> None:
        if self.job is not None:
            self.job.request_stop()

    def _on_yielded(self, batch: list[dict[str, Any]]) -> None:
        for event in batch:
            self.event.emit(event)

    def _on_finished(self) -> None:
        job = self.job
        if job is None:
            return
        status, message = job.outcome()
        if status == "error":
            show_error(message)
        self.finished.emit(job, status, message)

    # ----------------------------------------------------------------- closing the viewer
    def guard_close(self, viewer: napari.Viewer, parent: QWidget) -> None:
        """Ask about a running job when the viewer's window is closed."""
        # napari has no public "about to close" event: watch its main window's Close.
        window = getattr(viewer.window, "_qt_window", None)
        if window is not None:
            self._close_filter = _CloseFilter(lambda: self.allow_close(parent))
            window.installEventFilter(self._close_filter)

    def allow_close(self, parent: QWidget) -> bool:
        """Asks what to do with a running job; returns False to keep the viewer open."""
        job = self.job
        if job is None or not job.is_running():
            return True
        choice = self.ask(parent, job)
        if choice == "cancel":
            return False
        if choice == "stop":
            job.request_stop()
        if self.worker is not None:  # the widgets go away with the viewer: stop following
            self.worker.yielded.disconnect()
            self.worker.finished.disconnect()
            self.worker.quit()
        return True

    def ask(self, parent: QWidget, job: Job) -> str:
        """ "stop", "leave" or "cancel", asked in a dialog."""
        box = QMessageBox(parent)
        box.setWindowTitle(f"A {job.kind} job is running")
        box.setText(
            f"The {job.kind} in {job.root} (PID {job.pid}) is still running.\n\n"
            "Stop it, or leave it running: it goes on without the viewer; to follow or stop "
            "it later, choose this directory again in the same widget, or create the file "
            "STOP in it."
        )
        stop = box.addButton("Stop the job", QMessageBox.ButtonRole.AcceptRole)
        leave = box.addButton("Leave it running", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        return "stop" if clicked is stop else "leave" if clicked is leave else "cancel"
