"""GAN families: one module per family, all reachable through :mod:`.registry`."""

from __future__ import annotations

from .family import FamilyInfo, Kind
from .registry import available_families, get_family

__all__ = ["FamilyInfo", "Kind", "available_families", "get_family"]
