"""The docks' progress bar: magicgui's, without Qt's synchronous repaint.

``QProgressBar::setValue`` calls ``repaint()``, not ``update()``: the window is composed then
and there, and under software OpenGL that is the whole window, canvas included (80–140 ms
beside busy processes, ``bench_viewer.py --why``, 2026-12-04), once per batch of job events,
before the turn's other changes are painted again. With updates off during the call the
repaint does nothing, and turning them back on schedules an ordinary ``update()`` that Qt
paints together with the rest of the turn's changes.
"""

from __future__ import annotations

from typing import Any

from magicgui.widgets import ProgressBar


class DeferredProgressBar(ProgressBar):
    @property  # type: ignore[override]
    def value(self) -> Any:
        return ProgressBar.value.fget(self)  # type: ignore[attr-defined]

    @value.setter
    def value(self, value: Any) -> None:
        native = self.native
        native.setUpdatesEnabled(False)
        try:
            ProgressBar.value.fset(self, value)  # type: ignore[attr-defined]
        finally:
            native.setUpdatesEnabled(True)


def progress_bar() -> DeferredProgressBar:
    return DeferredProgressBar(label="progress", min=0, max=1, value=0)
