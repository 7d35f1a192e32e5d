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
