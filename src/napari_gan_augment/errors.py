"""Exceptions that carry a message meant for the user: what is wrong and how to fix it."""

from __future__ import annotations

import errno

# The storage itself refused (full, quota, read-only, permissions): the user's to fix.
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


class GanAugmentError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(GanAugmentError, ValueError):
    """The user's images, masks, files or settings cannot be used as given."""


class CheckpointError(GanAugmentError):
    """A checkpoint or run directory is missing, corrupt or belongs to another model."""


class InputNotice(UserWarning):
    """Input was read in a documented, non-obvious way (e.g. 0/255 masks as 0/1): the user
    should know, but nothing is wrong. Shown by the CLI on stderr and by napari as a notice."""


def storage_problem(exc: BaseException) -> str | None:
    """One line for an OSError the storage caused (see ``STORAGE_ERRNOS``), else None."""
    if not isinstance(exc, OSError) or exc.errno not in STORAGE_ERRNOS:
        return None
    where = f" {exc.filename}" if exc.filename else ""
    return (
        f"cannot write{where}: {exc.strerror}; free some space or choose a writable folder "
        "(files already there were left as they were)"
    )


def user_message(exc: BaseException) -> str | None:
    """The one line to show for a mistake or a condition the user can fix (bad input, a full
    or read-only disk); None for a bug, which deserves its traceback."""
    if isinstance(exc, GanAugmentError):
        return str(exc)
    return storage_problem(exc)
