"""Plugins ▸ GAN Augment ▸ Export bundle: a training run as a MONAI bundle (folder or zip)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from magicgui.widgets import CheckBox, Container, FileEdit, Label, PushButton

from ..api import export_bundle
from .tooltips import explain
from .workers import start_worker

if TYPE_CHECKING:
    import napari


class ExportBundleWidget(Container):
    """Run directory (+ optional experiment or quality-check folder) → a new bundle.

    Export scripts the network to TorchScript (seconds), so it runs in a worker thread."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        self._run_dir = FileEdit(label="run dir", mode="d")
        self._out = FileEdit(label="bundle", mode="w", value="bundle")
        self._zip = CheckBox(text="as one .zip", value=False)
        self._evidence = FileEdit(label="evidence", mode="d", value="")
        self._export_button = PushButton(text="Export bundle")
        self._status = Label(label="status", value="")
        super().__init__(
            widgets=[self._run_dir, self._out, self._zip, self._evidence,
                     self._export_button, self._status]
        )  # fmt: skip
        self._evidence.tooltip = (
            "optional: an experiment or quality-check folder that measured this run; its "
            "numbers go into the bundle's eval_metrics"
        )
        self._export_button.clicked.connect(self._on_export_clicked)
        explain(self)

    def _evidence_folders(self) -> list[str]:
        value = str(self._evidence.line_edit.value).strip()  # an emptied field reads "."
        return [] if value in ("", ".") else [value]

    def _on_export_clicked(self) -> None:
        self._export_button.enabled = False
        self._status.value = "exporting…"
        start_worker(
            export_bundle,
            Path(self._run_dir.value),
            Path(self._out.value),
            "last.pt",
            self._zip.value,
            self._evidence_folders(),
            returned=self._on_written,
            errored=self._on_failed,
        )

    def _on_written(self, path: Path) -> None:
        self._export_button.enabled = True
        self._status.value = f"wrote {path.name}"
        self._status.tooltip = str(path)

    def _on_failed(self, _: Exception) -> None:
        self._export_button.enabled = True
        self._status.value = "failed (see the notification)"
