"""GAN-based augmentation of biomedical images (napari plugin, Python API, ``gan-augment`` CLI).

Importing this package loads neither Qt nor napari; the viewer parts live in ``_qt`` and
``_napari`` and are imported only by napari through ``napari.yaml``.
"""

from __future__ import annotations

__version__ = "0.2.0"
