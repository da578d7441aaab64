"""GAN families: one module per family, all reachable through :mod:`.registry`."""

from __future__ import annotations

from .registry import FamilyInfo, available_families, get_family

__all__ = ["FamilyInfo", "available_families", "get_family"]
