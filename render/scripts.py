"""Unicode script of each character, resolved into runs (UAX #24), for shaping.

HarfBuzz shapes one script at a time, and the script decides the shaping: Devanagari
reorders the i-matra and forms the reph, Arabic joins, Thai stacks marks. A label such as
``API सर्विस`` mixes Latin and Devanagari, so the text is cut into script runs before it is
shaped. Python's :mod:`unicodedata` has no Script property; ``fontTools.unicodedata`` ships
the UCD's Scripts.txt, so the data follows the Unicode release fontTools carries.

Common characters (spaces, digits, punctuation) and Inherited ones (combining marks, ZWJ,
ZWNJ) belong to the run around them: they take the script of the text before them, and at
the start of a text the script of the first character that has one. A closing bracket takes
the script of its opening bracket, so ``सर्विस (API)`` keeps its ``)`` with the Devanagari.
"""

from __future__ import annotations

import functools
import unicodedata

from fontTools import unicodedata as ucd

COMMON, INHERITED, UNKNOWN = "Zyyy", "Zinh", "Zzzz"
_NEUTRAL = frozenset((COMMON, INHERITED, UNKNOWN))


def script_of(char: str) -> str:
    """ISO 15924 code of a character's Script property (``Latn``, ``Deva``, ``Zyyy``)."""
    return str(ucd.script(char))


def is_rtl(script: str) -> bool:
    """True for scripts written right to left (Arabic, Hebrew...)."""
    return script in ucd.RTL_SCRIPTS


@functools.cache
def _closing_of(opening: str) -> str | None:
    """The closing bracket paired with an opening one, from the character names
    (``LEFT PARENTHESIS`` → ``RIGHT PARENTHESIS``, ``LEFT CORNER BRACKET``...)."""
    name = unicodedata.name(opening, "")
    for left, right in (("LEFT", "RIGHT"), ("OPENING", "CLOSING")):
        if left in name:
            try:
                return unicodedata.lookup(name.replace(left, right))
            except KeyError:
                return None
    return None


def resolve(text: str) -> list[str]:
    """The script each character of ``text`` is shaped with (one code per character).

    A text with no character of any script (``200``, `` / ``) stays Common.
    """
    resolved: list[str] = []
    current = COMMON  # the script of the run being built
    pending = 0  # leading characters still waiting for the first real script
    brackets: list[tuple[str, int]] = []  # open brackets: (expected closing, index)
    for index, char in enumerate(text):
        script = script_of(char)
        if script in _NEUTRAL:
            category = unicodedata.category(char)
            if category == "Ps" and (closing := _closing_of(char)):
                brackets.append((closing, index))
            elif category == "Pe":
                match = next((i for i in range(len(brackets) - 1, -1, -1)
                              if brackets[i][0] == char), None)
                if match is not None:
                    opened = brackets[match][1]
                    del brackets[match:]
                    if resolved[opened] != COMMON:
                        current = resolved[opened]
            resolved.append(current)
            if current == COMMON:
                pending += 1
            continue
        if pending:  # leading neutrals (and brackets opened among them) take this script
            resolved[:pending] = [script] * pending
            pending = 0
        current = script
        resolved.append(script)
    return resolved


def runs(text: str) -> list[tuple[str, str]]:
    """``text`` cut into maximal (script, substring) runs."""
    result: list[tuple[str, str]] = []
    for char, script in zip(text, resolve(text), strict=True):
        if result and result[-1][0] == script:
            result[-1] = (script, result[-1][1] + char)
        else:
            result.append((script, char))
    return result
