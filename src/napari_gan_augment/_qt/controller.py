"""Drive the plugin's widgets from a script, as a user would: dock one, set its fields,
press a button, wait for its job.

    viewer = napari.Viewer()
    train = WidgetDriver(viewer, "Train generator")
    train.set(steps=200, run_dir="runs/brain")
    train.press("start")
    assert train.wait_for_job() == "finished"

A field is named as in the widget's code without the underscore (``steps``, ``run_dir``);
``fields()`` lists them. The widgets are the real ones, docked in the real viewer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from magicgui.widgets import FileEdit, PushButton
from magicgui.widgets.bases import ValueWidget
from qtpy.QtWidgets import QApplication

from ..api import InputError

if TYPE_CHECKING:
    import napari

PLUGIN = "napari-gan-augment"


def _is_field(widget: Any) -> bool:
    """A value a user sets (a file field is a container in magicgui), not a button."""
    return isinstance(widget, ValueWidget | FileEdit) and not isinstance(widget, PushButton)


class WidgetDriver:
    """One docked widget of this plugin, by its menu name (e.g. ``"Synthesize pairs"``)."""

    def __init__(self, viewer: napari.Viewer, name: str) -> None:
        _, docked = viewer.window.add_plugin_dock_widget(PLUGIN, name)
        self.widget = getattr(docked, "content", docked)  # tall widgets sit in a scroll area
        self._outcome: tuple[str, str] | None = None
        job = getattr(self.widget, "job", None)
        if job is not None:
            job.finished.connect(self._on_finished)

    def fields(self) -> list[str]:
        return sorted(k[1:] for k, v in vars(self.widget).items() if _is_field(v))

    def set(self, **values: Any) -> WidgetDriver:
        """Set fields as a user would (their change handlers run); ``data__source`` sets
        the ``source`` field of the widget's ``data`` part (the data-source picker)."""
        for name, value in values.items():
            part, _, inner = name.rpartition("__")
            owner = vars(self.widget).get(f"_{part}") if part else None
            field = getattr(owner, inner, None) if part else vars(self.widget).get(f"_{name}")
            if not _is_field(field):
                raise InputError(f"{type(self.widget).__name__} has no field {name!r}; its "
                                 f"fields are {', '.join(self.fields())}")  # fmt: skip
            field.value = value
        return self

    def get(self, name: str) -> Any:
        return vars(self.widget)[f"_{name}"].value

    def press(self, button: str) -> WidgetDriver:
        """Click ``button`` (``"start"``, ``"run"``, ``"export"`` …: ``_<name>_button``)."""
        widget = vars(self.widget).get(f"_{button}_button")
        if not isinstance(widget, PushButton):
            raise InputError(f"{type(self.widget).__name__} has no {button!r} button")
        self._outcome = None
        widget.native.click()
        return self

    def wait_for_job(self, timeout: float = 600) -> str:
        """Process Qt events until the widget's job ends; returns its status."""
        self.wait_until(lambda: self._outcome is not None, timeout)
        assert self._outcome is not None
        return self._outcome[0]

    def _on_finished(self, job: Any, status: str, message: str) -> None:
        self._outcome = (status, message)

    @staticmethod
    def wait_until(condition: Callable[[], bool], timeout: float = 600) -> None:
        """Process Qt events until ``condition()`` holds (e.g. a layer was added)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"not done within {timeout:.0f} s")
            QApplication.processEvents()
            time.sleep(0.02)
