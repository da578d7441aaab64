"""A folder of written files is either finished or says it is not.

Writers of many files (a generated pair set, images for a folder of masks) put an
``INCOMPLETE`` marker into the folder before the first file and remove it after the last, so
a set cut short (a full disk, a kill, a crash) can never be read back as a complete one: the
readers refuse a marked folder. Each file inside is written atomically on its own
(``data.io``), so what a marked folder holds is whole files, only too few of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError, storage_problem

MARKER = "INCOMPLETE"


@contextmanager
def marked_incomplete(folder: Path, what: str) -> Iterator[None]:
    """Keep ``folder/INCOMPLETE`` while the block writes ``what`` into ``folder``; a block
    that raises leaves the marker (and a full or read-only disk says so in one line)."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / MARKER
    marker.write_text(
        f"napari-gan-augment was writing {what} here and did not finish; the files are whole "
        "but too few. Generate the set again into a new folder, or delete this file to use "
        "the files as they are.\n"
    )
    try:
        yield
    except OSError as exc:
        problem = storage_problem(exc)
        if problem is None:
            raise
        raise InputError(f"{folder} is unfinished and marked {MARKER}: {problem}") from exc
    marker.unlink()


def refuse_incomplete(folder: Path) -> None:
    """A clear error for a folder whose writer did not finish (see :func:`marked_incomplete`)."""
    if (Path(folder) / MARKER).exists():
        raise InputError(
            f"{folder} holds an unfinished set of files (its writer stopped early: see "
            f"{Path(folder) / MARKER}); generate it again into a new folder, or delete "
            f"{MARKER} to use the files it holds"
        )
