"""What translation must not touch: code spans, placeholders, numbers and glossary terms.

A translator rephrases prose freely, but `GET cache:key:42` stays code, ``{{ ttl }}`` stays
a placeholder, 300 stays 300 and HTTPS stays HTTPS. The guard compares what the two texts
*render to*, not how they are spelled: both are parsed and rendered by :mod:`inkproof.labels`
(the renderer's own code), so a placeholder spread over lines, one hidden in a comment or an
expression such as ``{{ ttl + ttl }}`` cannot slip past a pattern. Each rule returns a
sentence saying what changed and both values, so ``inkproof i18n check`` can tell the
translator exactly what to fix.
"""

from __future__ import annotations

import functools
import os
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inkproof.errors import Problem, SpecError
from inkproof.labels import (
    LabelError,
    label_placeholders,
    parse_template,
    render_label,
    split_code_spans,
)
from inkproof.reading import read_bounded
from inkproof.yamlsource import read_yaml

# \d is every Unicode decimal digit (Arabic-Indic, fullwidth, Devanagari …) and int() reads
# them all, so numbers compare by value: native digits may replace ASCII ones, not change them.
_DIGITS = re.compile(r"\d+")


#: A glossary is a list of terms; a few KiB in practice.
GLOSSARY_LIMIT = 256 * 1024


@functools.cache
def load_glossary(path: Path) -> tuple[str, ...]:
    """Terms kept verbatim (spec/glossary.yaml); an absent file means no terms.

    Read like a spec (size checked before reading, YAML aliases and nesting bounded), since
    a glossary comes from the same untrusted checkout.
    """
    if not os.path.lexists(path):
        return ()
    data, _ = read_yaml(read_bounded(path, GLOSSARY_LIMIT, "glossary"), str(path))
    terms = data.get("terms", []) if isinstance(data, dict) else None
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise SpecError([Problem(str(path), 1, 1, "a glossary is a mapping with `terms:`, a "
                                 "list of strings", "terms: [HTTPS, Redis, TTL]")])
    return tuple(terms)


@dataclass(frozen=True)
class _Facts:
    """What a label says that translation must keep."""

    code: Counter[str]  # rendered code spans
    numbers: Counter[int]  # digit runs of the rendered prose, by value
    prose: str  # rendered prose, for the glossary


def _facts(source: str, variables: Mapping[str, Any] | None) -> _Facts:
    """Render ``source`` (with ``variables``, or each placeholder as itself) and take its facts.

    Raises LabelError when the text is not a valid label.
    """
    if variables is None:  # a catalog checked without its flow: placeholders stand for themselves
        spans = [("".join(p if isinstance(p, str) else f"{{{{ {p} }}}}"
                          for p in parse_template(part)), code)
                 for part, code in split_code_spans(source)]
    else:
        spans = [(span.text, span.code) for span in render_label(source, variables).spans]
    prose = " ".join(text for text, code in spans if not code)
    return _Facts(code=Counter(text for text, code in spans if code),
                  numbers=Counter(int(run) for run in _DIGITS.findall(prose)),
                  prose=prose)


def _has_term(text: str, term: str) -> bool:
    # Not \b: in Japanese or Chinese a term touches letters of another script.
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])", text) is not None


def _listing(counts: Counter[Any]) -> str:
    return "[" + ", ".join(sorted(str(item) for item in counts.elements())) + "]"


def _difference(what: str, wanted: Counter[Hashable], got: Counter[Hashable],
                show: str = "{}") -> str | None:
    if wanted == got:
        return None
    lost = sorted(show.format(x) for x in (wanted - got).elements())
    added = sorted(show.format(x) for x in (got - wanted).elements())
    return (f"{what} differ: " + "; ".join([*(f"missing {x}" for x in lost),
                                             *(f"unexpected {x}" for x in added)]))


def problems(source: str, translation: str, glossary: Iterable[str] = (),
             variables: Mapping[str, Any] | None = None) -> list[str]:
    """Why ``translation`` cannot stand in for ``source`` (empty when it can).

    With ``variables`` (the flow's vars) both texts are rendered as the picture would draw
    them; without, each placeholder stands for itself.
    """
    try:
        wanted = Counter(label_placeholders(source))
    except LabelError as exc:
        return [f"the English text is not a valid label: {exc}"]
    try:
        got = Counter(label_placeholders(translation))
    except LabelError as exc:
        return [str(exc)]
    found: list[str | None] = [_difference("placeholders", wanted, got, "{{{{ {} }}}}")]
    # With other placeholders the translation may not render at all (an undefined name):
    # then compare the rest with each placeholder standing for itself.
    if found[0]:
        variables = None
    try:
        english = _facts(source, variables)
    except LabelError as exc:
        return [f"the English text is not a valid label: {exc}"]
    try:
        translated = _facts(translation, variables)
    except LabelError as exc:
        return [str(exc)]
    found.append(_difference("code spans", english.code, translated.code, "`{}`"))
    if english.numbers != translated.numbers:
        found.append(f"numbers differ: expected {_listing(english.numbers)}, found "
                     f"{_listing(translated.numbers)} (a number keeps its value; digits "
                     "stay digits)")
    for term in glossary:
        if _has_term(english.prose, term) and not _has_term(translated.prose, term):
            found.append(f"'{term}' must stay as it is (glossary)")
    return [reason for reason in found if reason]
