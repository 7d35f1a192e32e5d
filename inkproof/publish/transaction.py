"""Swapping a published set into its folder so that a crash at any instant is recoverable.

A plain folder cannot replace several entries in one atomic step, and the user-visible
layout (``<flow-id>/<lang>.png``, ``manifest.json``, ``index.html`` directly in the output
folder) is documented, so the swap is a small journaled transaction:

1. the new set is written into ``.inkproof-staging-<id>/`` and fsynced (a kill here leaves
   the previous set untouched; the next run removes the staging folder);
2. ``.inkproof-journal.json`` — which names are replaced and which removed — is written to a
   temporary file, fsynced and renamed into place: the commit point;
3. the renames run: the old ``manifest.json`` is moved out first, then every other entry
   (old → ``.inkproof-previous-<id>/``, new → final), and the new ``manifest.json`` goes in
   last; then the journal is deleted and the previous entries are removed.

Every step of 3 is decided by what is on disk, not by a counter, so it can be redone after
a kill at any point (rolling forward), and undone the same way (rolling back, when the
swap fails with an exception in this process). The one window a reader can see is between
the first and the last rename of step 3, a few renames long: there is no ``manifest.json``
then, so no manifest ever describes a mixed set, and the journal on disk says how to finish.
``recover`` (run at the start of every publish) finishes it.

Everything here renames or deletes only entries directly inside the output folder or inside
its own staging and previous folders, and never follows a symbolic link.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from inkproof.errors import InkproofError

JOURNAL = ".inkproof-journal.json"
STAGING_PREFIX = ".inkproof-staging-"
PREVIOUS_PREFIX = ".inkproof-previous-"
_TEMPORARY_SUFFIX = ".tmp"
_LEFTOVER = re.compile(r"^\.inkproof-(staging|previous)-[A-Za-z0-9-]{1,64}$")


class TransactionError(InkproofError):
    """The swap could not be finished or undone; the journal stays for the next run."""


@dataclass(frozen=True)
class Journal:
    """The intent of one swap: names relative to the output folder, in the order applied."""

    staging: str
    previous: str
    place: tuple[str, ...]  # staged entries to move into the folder; the last one goes last
    remove: tuple[str, ...]  # entries of the previous set that the new set does not have

    def to_json(self) -> bytes:
        return json.dumps({"format": 1, "staging": self.staging, "previous": self.previous,
                           "place": list(self.place), "remove": list(self.remove)},
                          indent=1).encode() + b"\n"

    @classmethod
    def from_json(cls, data: object, is_entry: Callable[[str], bool]) -> Journal:
        """A journal read back from disk; anything unexpected is a ValueError. ``is_entry``
        says which names of the output folder a publish may replace or remove."""
        if not isinstance(data, dict) or data.get("format") != 1:
            raise ValueError("not an inkproof journal of format 1")
        staging, previous = data.get("staging"), data.get("previous")
        if not (isinstance(staging, str) and _LEFTOVER.match(staging)
                and staging.startswith(STAGING_PREFIX)):
            raise ValueError(f"staging folder {staging!r} is not one inkproof makes")
        if not (isinstance(previous, str) and _LEFTOVER.match(previous)
                and previous.startswith(PREVIOUS_PREFIX)):
            raise ValueError(f"previous folder {previous!r} is not one inkproof makes")
        names = []
        for key in ("place", "remove"):
            value = data.get(key)
            if not isinstance(value, list) or not all(
                    isinstance(n, str) and is_entry(n) for n in value):
                raise ValueError(f"{key} must list names a publish writes")
            names.append(tuple(value))
        if not names[0]:
            raise ValueError("nothing to place")
        return cls(staging, previous, names[0], names[1])


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's entry to disk (a rename is durable once its folder is)."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, data: bytes) -> None:
    """Write a new file and flush it, so a staged set is on disk before the journal is."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folders(root: Path) -> None:
    """Flush every folder under ``root`` (its files were flushed as they were written)."""
    for folder, _dirs, _files in os.walk(root):
        fsync_path(Path(folder))


def remove_entry(path: Path) -> None:
    """Delete a file, a symbolic link (never what it points to) or a folder tree."""
    if not _exists(path):
        return
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path)  # the fd-based rmtree does not follow links inside the tree


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the output folder for one publish: a second one at the same time would remove
    this one's staging folder as a leftover. The lock (flock on the folder itself, so no
    file is added) is released by the kernel when the process dies, even by kill -9."""
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            raise InkproofError(f"{out}: another inkproof publish is writing into this "
                                "folder; wait for it to finish") from None
        yield
    finally:
        os.close(fd)


def new_staging(out: Path) -> Path:
    """A fresh, empty staging folder inside ``out`` (same file system: renames are atomic)."""
    staging = out / f"{STAGING_PREFIX}{os.getpid()}"
    remove_entry(staging)
    staging.mkdir()
    return staging


def _rename(source: Path, target: Path) -> None:
    """Move an entry; the target must be free (so a confused state stops, never clobbers)."""
    if _exists(target):
        raise OSError(errno.EEXIST, "already exists", str(target))
    os.rename(source, target)


def _forward(out: Path, journal: Journal) -> None:
    """Finish the swap from whatever point it reached: redoable after a kill at any step."""
    staging, previous = out / journal.staging, out / journal.previous
    previous.mkdir(exist_ok=True)
    last = journal.place[-1]  # manifest.json: out first, in last
    if _exists(staging / last) and _exists(out / last):
        _rename(out / last, previous / last)
    for name in journal.remove:
        if _exists(out / name):
            _rename(out / name, previous / name)
    for name in journal.place:
        if _exists(staging / name):  # not placed yet, so what is at out/name is the old one
            if _exists(out / name):
                _rename(out / name, previous / name)
            _rename(staging / name, out / name)
    fsync_path(out)


def _backward(out: Path, journal: Journal) -> None:
    """Undo the swap from whatever point it reached (the mirror of :func:`_forward`)."""
    staging, previous = out / journal.staging, out / journal.previous
    last = journal.place[-1]
    if not _exists(staging / last) and _exists(out / last):
        _rename(out / last, staging / last)  # no manifest while the old set comes back
    for name in reversed(journal.place):
        if not _exists(staging / name) and _exists(out / name):
            _rename(out / name, staging / name)
    for name in (*journal.remove, *journal.place):
        if _exists(previous / name):
            _rename(previous / name, out / name)
    fsync_path(out)


def _write_journal(out: Path, journal: Journal) -> None:
    temporary = out / (JOURNAL + _TEMPORARY_SUFFIX)
    remove_entry(temporary)
    write_durably(temporary, journal.to_json())
    os.replace(temporary, out / JOURNAL)  # the commit point
    fsync_path(out)


def _finish(out: Path, journal: Journal) -> None:
    (out / JOURNAL).unlink(missing_ok=True)
    fsync_path(out)
    remove_entry(out / journal.previous)
    remove_entry(out / journal.staging)


def commit(out: Path, staging: Path, place: Sequence[str],
           remove: Sequence[str]) -> list[str]:
    """Swap the complete, staged set in; ``place[-1]`` (the manifest) is moved in last.

    The staging folder is consumed either way. A failure in this process before the new
    set is in place rolls the swap back and re-raises; one while cleaning up afterwards is
    returned as a warning (the set is published; the next run removes what is left). A
    kill leaves the journal, and the next :func:`recover` rolls it forward."""
    journal = Journal(staging.name, f"{PREVIOUS_PREFIX}{os.getpid()}", tuple(place),
                      tuple(remove))
    try:
        fsync_folders(staging)
        remove_entry(out / journal.previous)
        _write_journal(out, journal)
        _forward(out, journal)
    except BaseException as failure:
        try:
            _backward(out, journal)
        except Exception as exc:
            raise TransactionError(
                f"{out}: publishing failed ({failure}) and undoing it failed too ({exc}); "
                f"the next inkproof publish into {out} finishes it") from failure
        _finish(out, journal)
        raise
    try:
        _finish(out, journal)
    except OSError as exc:
        return [f"{out}: published, but cleaning up failed ({exc}); the next publish into "
                "it finishes that"]
    return []


def recover(out: Path, is_entry: Callable[[str], bool]) -> list[str]:
    """Finish a swap a killed publish left half-done, then remove what interrupted runs
    left behind. Returns what was done, for the user to read (empty when nothing was).
    ``is_entry`` says which names a journal may list (see :meth:`Journal.from_json`)."""
    done = []
    path = out / JOURNAL
    if _exists(path):
        try:
            if path.is_symlink() or not path.is_file():
                raise ValueError("not a regular file")
            journal = Journal.from_json(json.loads(path.read_text(encoding="utf-8")),
                                        is_entry)
            if not _real_dir(out / journal.staging):  # it goes only after the journal
                raise ValueError(f"{journal.staging} is missing or not a folder")
            if _exists(out / journal.previous) and not _real_dir(out / journal.previous):
                raise ValueError(f"{journal.previous} is not a folder")
        except (OSError, ValueError) as exc:
            done.append(f"{path}: ignored and removed an invalid journal ({exc})")
            remove_entry(path)
        else:
            try:
                _forward(out, journal)
            except OSError as exc:
                raise TransactionError(
                    f"{out}: an interrupted publish could not be finished ({exc}); "
                    f"{path} says what it was doing") from exc
            _finish(out, journal)
            done.append(f"{out}: finished the swap of a publish that was interrupted")
    leftovers = sorted(p for p in out.iterdir()
                       if _LEFTOVER.match(p.name) or p.name == JOURNAL + _TEMPORARY_SUFFIX)
    for leftover in leftovers:
        remove_entry(leftover)
    if leftovers:
        done.append(f"{out}: removed what an interrupted publish left: "
                    + ", ".join(p.name for p in leftovers))
    return done
