"""The core must import without Qt or napari (DESIGN.md, house style rule 1)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE_MODULES = [
    "napari_gan_augment.api",
    "napari_gan_augment.cli",
    "napari_gan_augment.demo",
    "napari_gan_augment.data",
    "napari_gan_augment.models",
    "napari_gan_augment.training",
    "napari_gan_augment.synthesis",
    "napari_gan_augment.jobs",
]


def test_core_imports_load_neither_qt_nor_napari() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE_MODULES)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('qtpy', 'napari', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'magicgui'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_every_public_api_name_exists() -> None:
    from napari_gan_augment import api

    for name in api.__all__:
        assert name.isupper() or callable(getattr(api, name)), name  # constants are UPPER_CASE


def test_widgets_reach_the_core_only_through_the_api() -> None:
    """Thin front ends: a widget builds a config and calls ``api`` (or starts a job through
    it); nothing in ``_qt`` imports a core module directly."""
    qt = Path(__file__).parents[1] / "src" / "napari_gan_augment" / "_qt"
    for path in qt.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                assert node.module == "api", f"{path.name} imports ..{node.module}"
