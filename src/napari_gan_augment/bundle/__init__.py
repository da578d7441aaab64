"""MONAI bundles: export a run (``export_bundle``) and read one back (``read_bundle``)."""

from .export import export_bundle

__all__ = ["export_bundle"]
