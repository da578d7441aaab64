"""The shared shell of the editing tools: a run, inputs, a device, one button, new layers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from magicgui.widgets import ComboBox, Container, FileEdit, Label, PushButton, Widget
from napari.qt.threading import thread_worker
from napari.utils.notifications import show_error

from ..devices import DEVICE_CHOICES
from ..errors import GanAugmentError

if TYPE_CHECKING:
    import napari


@dataclass(frozen=True)
class _UserError:
    message: str


class ModelToolWidget(Container):
    """Runs one core function off the main thread and hands its result to ``on_result``.

    Subclasses set ``run_label``, ``button_text`` and ``hint``, pass their input widgets, and
    call :meth:`_start` from ``_on_run_clicked``. A :class:`GanAugmentError` raised by the
    work becomes a notification and a "failed" status; nothing is added then.
    """

    run_label: ClassVar[str] = "run"
    button_text: ClassVar[str] = "Run"
    hint: ClassVar[str] = ""

    def __init__(self, napari_viewer: napari.Viewer, inputs: Sequence[Widget]) -> None:
        super().__init__(labels=True)
        self._viewer = napari_viewer
        self._worker: Any = None
        self._run_dir = FileEdit(label=self.run_label, mode="d")
        self._device = ComboBox(label="device", choices=list(DEVICE_CHOICES), value="auto")
        self._run_button = PushButton(text=self.button_text)
        self._status = Label(label="status", value=self.hint)
        self.extend([self._run_dir, *inputs, self._device, self._run_button, self._status])
        self._run_button.clicked.connect(self._on_run_clicked)

    def _on_run_clicked(self) -> None:
        raise NotImplementedError

    def _start(
        self, work: Callable[..., Any], *args: Any, on_result: Callable[[Any], None]
    ) -> None:
        """Call ``work(run_dir, device, *args)`` in a worker thread."""
        run_dir, device = str(self._run_dir.value), self._device.value

        def guarded() -> Any:
            try:
                return work(run_dir, device, *args)
            except GanAugmentError as exc:
                return _UserError(str(exc))

        self._status.value = "working…"
        self._run_button.enabled = False
        self._worker = thread_worker(guarded)()
        self._worker.returned.connect(lambda result: self._on_returned(result, on_result))
        self._worker.finished.connect(lambda: setattr(self._run_button, "enabled", True))
        self._worker.start()

    def _on_returned(self, result: Any, on_result: Callable[[Any], None]) -> None:
        if isinstance(result, _UserError):
            self._status.value = "failed"
            show_error(result.message)
            return
        on_result(result)
