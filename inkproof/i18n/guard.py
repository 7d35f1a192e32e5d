"""What translation must not touch: code spans, placeholders, numbers and glossary terms.

A translator rephrases prose freely, but `GET cache:key:42` stays code, ``{{ ttl }}`` stays
a placeholder, 300 stays 300 and HTTPS stays HTTPS. Each rule returns a sentence saying
what changed, so ``inkproof i18n check`` can tell the translator exactly what to fix.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from inkproof.labels import LabelError, render_label, split_code_spans

_PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@functools.cache
def load_glossary(path: Path) -> tuple[str, ...]:
    """Terms kept verbatim (spec/glossary.yaml); an absent file means no terms."""
    if not path.is_file():
        return ()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(str(term) for term in data.get("terms", ()))


def _parts(source: str) -> tuple[list[str], str]:
    """Code spans, and the prose with placeholders removed."""
    spans = split_code_spans(source)
    code = [text for text, is_code in spans if is_code]
    prose = " ".join(text for text, is_code in spans if not is_code)
    return code, _PLACEHOLDER.sub(" ", prose)


def _has_term(text: str, term: str) -> bool:
    # Not \b: in Japanese or Chinese a term touches letters of another script.
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])", text) is not None


def problems(source: str, translation: str, glossary: Iterable[str] = (),
             variables: Mapping[str, Any] | None = None) -> list[str]:
    """Why ``translation`` cannot stand in for ``source`` (empty when it can)."""
    try:
        translated_code, translated_prose = _parts(translation)
    except LabelError as exc:
        return [str(exc)]
    code, prose = _parts(source)
    found = []
    if Counter(code) != Counter(translated_code):
        lost = sorted((Counter(code) - Counter(translated_code)).elements())
        added = sorted((Counter(translated_code) - Counter(code)).elements())
        found.append("code spans differ: "
                     + "; ".join([*(f"missing `{c}`" for c in lost),
                                  *(f"unexpected `{c}`" for c in added)]))
    wanted = Counter(m.strip() for m in _PLACEHOLDER.findall(source))
    got = Counter(m.strip() for m in _PLACEHOLDER.findall(translation))
    if wanted != got:
        found.append(f"placeholders differ: expected {sorted(wanted.elements())}, "
                     f"found {sorted(got.elements())}")
    numbers = Counter(_NUMBER.findall(prose))
    translated_numbers = Counter(_NUMBER.findall(translated_prose))
    if numbers != translated_numbers:
        found.append(f"numbers differ: expected {sorted(numbers.elements())}, "
                     f"found {sorted(translated_numbers.elements())} (digits stay digits)")
    for term in glossary:
        if _has_term(prose, term) and not _has_term(translated_prose, term):
            found.append(f"'{term}' must stay as it is (glossary)")
    if variables is not None and not found:
        try:
            render_label(translation, variables)
        except LabelError as exc:
            found.append(str(exc))
    return found
