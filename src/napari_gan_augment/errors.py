"""Exceptions that carry a message meant for the user: what is wrong and how to fix it."""

from __future__ import annotations


class GanAugmentError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(GanAugmentError, ValueError):
    """The user's images, masks, files or settings cannot be used as given."""


class CheckpointError(GanAugmentError):
    """A checkpoint or run directory is missing, corrupt or belongs to another model."""


class InputNotice(UserWarning):
    """Input was read in a documented, non-obvious way (e.g. 0/255 masks as 0/1): the user
    should know, but nothing is wrong. Shown by the CLI on stderr and by napari as a notice."""
