"""The shared shell of the editing tools: a run, inputs, a device, one button, new layers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from magicgui.widgets import ComboBox, Container, FileEdit, Label, PushButton, Widget

from ..api import DEVICE_CHOICES
from .tooltips import explain
from .workers import start_worker

if TYPE_CHECKING:
    import napari


class ModelToolWidget(Container):
    """Runs one core function off the main thread and hands its result to ``on_result``.

    Subclasses set ``run_label``, ``button_text`` and ``hint``, pass their input widgets, and
    call :meth:`_start` from ``_on_run_clicked``. An error raised by the work becomes one
    notification and a "failed" status; nothing is added then.
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
        explain(self)

    def _on_run_clicked(self) -> None:
        raise NotImplementedError

    def _start(
        self, work: Callable[..., Any], *args: Any, on_result: Callable[[Any], None]
    ) -> None:
        """Call ``work(run_dir, device, *args)`` in a worker thread."""
        run_dir, device = str(self._run_dir.value), self._device.value

        self._status.value = "working…"
        self._run_button.enabled = False
        self._worker = start_worker(
            work,
            run_dir,
            device,
            *args,
            returned=on_result,
            errored=lambda exc: setattr(self._status, "value", "failed (see the notification)"),
            finished=lambda: setattr(self._run_button, "enabled", True),
        )
