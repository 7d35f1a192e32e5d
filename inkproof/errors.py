"""Errors a user can cause, each pinned to a place in a file.

A spec mistake must read like a compiler message (``file:line:col: what is wrong — hint``)
and must never surface as a traceback, so every stage raises :class:`SpecError` carrying
all the :class:`Problem` s it found rather than stopping at the first.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

# Control characters (ESC starts terminal escape sequences; CR overwrites the line) and the
# bidi embedding, override and isolate controls (they reorder what a reader sees). Newlines
# and tabs stay: messages span lines.
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\u202e``),
    so that input quoted in a message can never drive the terminal it is printed on."""
    return _HIDDEN.sub(lambda m: (f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                  else f"\\u{ord(m.group()):04x}"), text)


@dataclass(frozen=True, order=True)
class Problem:
    """One located mistake in a spec file. Lines and columns count from 1."""

    file: str
    line: int
    column: int
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.message}"
        return printable(f"{text} — {self.hint}" if self.hint else text)


class InkproofError(Exception):
    """Base class of every error that is the user's to fix (exit code 2, no traceback)."""


class SpecError(InkproofError):
    """A spec (or catalog) file failed to load; ``problems`` lists every mistake found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems)))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type, tuple[tuple[Problem, ...]]]:
        # Errors cross process boundaries (parallel rendering): rebuild from the problems.
        return (type(self), (self.problems,))


def did_you_mean(word: object, candidates: Iterable[str]) -> str | None:
    """Return ``"did you mean 'x'?"`` for the closest candidate, or None if none is close."""
    if not isinstance(word, str):
        return None
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None
