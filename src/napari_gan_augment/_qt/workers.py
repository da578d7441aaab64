"""Worker threads whose errors reach the user exactly once.

napari's ``thread_worker`` relays every error to its notification manager with a traceback, so
a widget that also shows the error's message made users see it twice. Workers here are
superqt's ``thread_worker`` (which napari's wraps) with errors routed through ``report_error``:
a ``GanAugmentError`` (bad input; its message says what to do) as one plain notification, any
other exception (a bug) once, with its traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from napari.utils.notifications import notification_manager, show_error
from superqt.utils import WorkerBase, thread_worker

from ..api import user_message


def report_error(exc: BaseException) -> None:
    message = user_message(exc)
    if message is not None:
        show_error(message)
    else:
        notification_manager.receive_error(type(exc), exc, exc.__traceback__)


def start_worker(
    function: Callable[..., Any],
    *args: Any,
    errored: Callable[[Exception], None] | None = None,
    **signals: Callable[..., None],
) -> WorkerBase:
    """Run ``function(*args)`` in a thread; ``signals`` maps signal names (``yielded``,
    ``returned``, ``finished``) to slots; ``errored`` runs after the error was reported."""
    worker = thread_worker(function, start_thread=False, ignore_errors=True)(*args)
    worker.errored.connect(report_error)
    if errored is not None:
        worker.errored.connect(errored)
    for name, slot in signals.items():
        getattr(worker, name).connect(slot)
    worker.start()
    return worker
