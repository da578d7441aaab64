"""Qt/napari widgets: thin shells that build configs and start core jobs."""

import importlib.util

# The core installs without the viewer; say which extra brings it instead of a deep traceback.
_MISSING = [
    name for name in ("napari", "magicgui", "qtpy") if importlib.util.find_spec(name) is None
]
if _MISSING:
    raise ImportError(
        f"the napari widgets need {', '.join(_MISSING)}, which this install lacks: "
        "pip install 'napari-gan-augment[all]' (napari with PyQt6), or "
        "'napari-gan-augment[napari]' beside a Qt binding you already have"
    )
