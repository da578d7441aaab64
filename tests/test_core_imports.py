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


def test_no_module_imports_itself_back() -> None:
    """A house without circles: no chain of imports (at the top or inside functions, typing
    ones too) leads from a module back to itself."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    root = Path(__file__).parents[1] / "src" / "napari_gan_augment"
    modules: dict[str, tuple[Path, bool]] = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if package else parts)] = (path, package)
    names = sorted(modules)
    edges = set()
    for name, (path, package) in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = name.split(".")[: len(name.split(".")) - node.level + int(package)]
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                imported = f"{target}.{alias.name}"
                found = imported if imported in modules else target
                if found in modules and found != name:
                    edges.add((names.index(name), names.index(found)))
    rows, cols = zip(*edges, strict=True)
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(names),) * 2)
    _, component = connected_components(graph, directed=True, connection="strong")
    circles = [
        [n for n, c in zip(names, component, strict=True) if c == label]
        for label in set(component.tolist())
        if (component == label).sum() > 1
    ]
    assert circles == []
