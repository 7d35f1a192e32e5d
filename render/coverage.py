"""Which characters of a flow's labels no installed font can draw, per language.

``inkproof check --lang`` asks this before anything is rendered, so a translator learns of a
missing font from the checker, with the element and the character, not from a failed render.
A character counts as covered when every stack it may be drawn with has a face for it: prose
is drawn in the regular and the bold hand of the language (titles and box names are bold),
code spans in the code stack.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from inkproof.labels import Label
from inkproof.render.fonts import CODE, FontSource, face, script_for


@dataclass(frozen=True)
class Uncovered:
    """A character of a label that no face of one of its stacks has."""

    context: str
    char: str
    text: str

    def __str__(self) -> str:
        return (f"{self.context}: no installed font has the character {self.char!r} "
                f"(U+{ord(self.char):04X}) in {self.text!r}")


def _covered(char: str, stack: Iterable[FontSource]) -> bool:
    return any(face(source).covers(char) for source in stack)  # a space too: no .notdef


def uncovered(labels: Iterable[tuple[str, Label]], lang: str) -> list[Uncovered]:
    """Every (context, label) character the language's font stacks cannot draw, once each."""
    script = script_for(lang)
    found: list[Uncovered] = []
    for context, label in labels:
        seen: set[str] = set()
        for span in label.spans:
            stacks = (CODE,) if span.code else (script.hand, script.hand_bold)
            for char in span.text:
                if char in seen:
                    continue
                seen.add(char)
                if not all(_covered(char, stack) for stack in stacks):
                    found.append(Uncovered(context, char, label.text))
    return found
