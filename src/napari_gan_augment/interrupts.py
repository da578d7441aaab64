"""SIGTERM and Ctrl-C as one orderly stop.

The first signal raises ``KeyboardInterrupt`` so the job ends at a Python boundary and saves
what it has; every later one is ignored from then on — the process is on its way out — so
impatient repeats can neither cut that save short, nor print a traceback, nor kill the
process before it reports how it stopped. (A stuck job still yields to SIGKILL.) Python's
own SIGINT handler would raise again on each Ctrl-C, hence this.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stop_once_on_signals() -> Iterator[Callable[[], None]]:
    """Within this block the first SIGTERM/SIGINT raises ``KeyboardInterrupt`` and later ones
    are ignored, also after the block. Without a stop the previous handlers come back at its
    end. Main thread only (as for :func:`signal.signal`).

    Yields ``stopping``: call it when a stop arrived another way (a STOP file) — a signal
    sent with it may still be on its way, and must not kill the process after the block."""
    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    stopping = False

    def interrupt(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for number in STOP_SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        raise KeyboardInterrupt

    def stopping_otherwise() -> None:
        nonlocal stopping
        stopping = True
        for number in STOP_SIGNALS:
            signal.signal(number, signal.SIG_IGN)

    for number in STOP_SIGNALS:
        signal.signal(number, interrupt)
    try:
        yield stopping_otherwise
    finally:
        if not stopping:
            for number, handler in previous.items():
                signal.signal(number, handler)
