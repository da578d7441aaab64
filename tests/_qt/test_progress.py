"""The docks' progress bar paints with the rest of an event-loop turn, not on its own."""

from __future__ import annotations

from magicgui.widgets import ProgressBar
from qtpy.QtCore import QEvent, QObject

from napari_gan_augment._qt.progress import progress_bar


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, receiver, event) -> bool:  # noqa: N802 (Qt's name)
        self.paints += event.type() == QEvent.Type.Paint
        return False


def _paints_while_setting(qtbot, bar: ProgressBar) -> tuple[PaintCounter, int]:
    """Counts ``bar``'s paint events from just before ``bar.value = 40``; returns the counter
    and how many came during the assignment."""
    bar.max = 100
    bar.native.show()
    qtbot.waitExposed(bar.native)
    qtbot.wait(50)
    counter = PaintCounter()
    bar.native.installEventFilter(counter)
    bar.value = 40
    return counter, counter.paints


def test_setting_the_value_schedules_a_paint_instead_of_painting_at_once(qtbot):
    plain = ProgressBar(min=0, max=1, value=0)
    _, during = _paints_while_setting(qtbot, plain)
    assert during == 1  # Qt's QProgressBar.setValue repaints synchronously
    bar = progress_bar()
    counter, during = _paints_while_setting(qtbot, bar)
    assert during == 0
    qtbot.waitUntil(lambda: counter.paints > 0)  # painted in a later turn all the same
    assert bar.value == 40 and bar.native.value() == 40
    assert bar.native.updatesEnabled()
