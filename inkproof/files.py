"""Writing files all-or-nothing: readers see the old files or the new ones, never half.

Each file is written to a temporary sibling and renamed into place only once every file of
the batch has been written, so a failure half-way leaves the previous outputs untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from inkproof.errors import InkproofError


def _mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_all(files: Iterable[tuple[Path, bytes]]) -> list[Path]:
    """Write every (path, data) pair atomically as one batch; returns the paths written."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            if not path.parent.is_dir():
                if path.parent.exists():
                    raise InkproofError(f"{path.parent} is not a folder")
                path.parent.mkdir(parents=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                                 suffix=".tmp")
            staged.append((Path(temporary), path))
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.chmod(temporary, _mode())  # mkstemp makes 0600; published files are readable
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, path in staged:
        os.replace(temporary, path)
    return [path for _, path in staged]


def write_atomically(path: Path, data: bytes, *, create_parent: bool = False) -> None:
    """Write one file atomically; its folder must exist unless ``create_parent``."""
    if not create_parent and not path.parent.is_dir():
        raise InkproofError(f"{path.parent}: no such folder")
    write_all([(path, data)])


def check_writable(path: Path, *, folder: bool, what: str) -> None:
    """Refuse, before any work, a target that could not be written at the end.

    ``folder``: ``path`` is an output folder (created if absent), else a file (its folders
    are created if absent). The nearest existing ancestor must be a writable folder.
    """
    if path.exists() and path.is_dir() != folder:
        raise InkproofError(f"{what} {path} is {'not ' if folder else ''}a folder")
    ancestor = path if folder and path.exists() else path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InkproofError(f"{what} {path}: {ancestor} is not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InkproofError(f"{what} {path}: {ancestor} is not writable")
