"""Exceptions that carry a message meant for the user: what is wrong and how to fix it."""

from __future__ import annotations


class GanAugmentError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(GanAugmentError, ValueError):
    """The user's images, masks, files or settings cannot be used as given."""


class CheckpointError(GanAugmentError):
    """A checkpoint or run directory is missing, corrupt or belongs to another model."""
