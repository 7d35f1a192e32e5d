"""Reading an input file with a size limit, without ever blocking or reading too much.

A spec, a catalog or a glossary is a small regular file. Anything else named in its place —
a FIFO (which would block ``open`` and ``read`` forever), ``/dev/zero`` (endless), a folder,
a socket or a 1 GB file — is refused from its metadata alone, before a byte is read, with a
message saying what the path is. The file is opened non-blocking, so even opening a FIFO
with no writer returns at once, and it is checked with ``fstat`` on the opened descriptor,
so what is checked is what is read.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat

from inkproof.errors import Problem, SpecError

#: What a path is, for a non-regular file, in words.
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_CHUNK = 64 * 1024


def too_large(file: str, size: int, limit: int, what: str, hint: str | None = None
              ) -> SpecError:
    """The one message for an input over its size limit (used before and after reading)."""
    return SpecError([Problem(file, 1, 1, f"{what} is {size:,} bytes; the limit is {limit:,}",
                              hint)])


def _kind(mode: int) -> str | None:
    return next((name for test, name in _KINDS if test(mode)), None)


def read_bounded(path: str | os.PathLike[str], limit: int, what: str,
                 hint: str | None = None) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises SpecError (at ``path:1:1``) naming ``what`` (``"spec file"``, ``"catalog"``) when
    the path cannot be opened, is not a regular file, or is larger than ``limit``; at most
    ``limit + 1`` bytes are ever read, even from a file that grows while it is read.
    """
    file = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        kind = None
        if exc.errno == errno.ENXIO:  # a socket (or a device without a driver)
            with contextlib.suppress(OSError):
                kind = _kind(os.stat(path).st_mode)
        if kind is not None:
            raise _not_regular(file, what, kind) from None
        raise SpecError([Problem(file, 1, 1, f"cannot read {what}: {exc.strerror}")]) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(file, what, _kind(info.st_mode) or "an unusual file")
        if info.st_size > limit:
            raise too_large(file, info.st_size, limit, what, hint)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            try:
                chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            except OSError as exc:
                raise SpecError([Problem(file, 1, 1, f"cannot read {what}: {exc.strerror}")]
                                ) from None
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise too_large(file, size, limit, what, hint)  # it grew since fstat
        return b"".join(chunks)
    finally:
        os.close(fd)


def _not_regular(file: str, what: str, kind: str) -> SpecError:
    return SpecError([Problem(file, 1, 1, f"cannot read {what}: it is {kind}, not a regular "
                              "file", "name a regular file")])
