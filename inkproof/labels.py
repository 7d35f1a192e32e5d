"""Label text: ``{{ var }}`` placeholders and `` `code` `` spans.

A label's *source* is what authors and translators edit (``"`SETEX {{ key }}` TTL {{ ttl }}s"``);
its *spans* are what gets drawn: prose runs, which translation may rewrite, and code runs,
which no translation touches and which are drawn in the code style.

A placeholder is a lookup, not a program: a variable (``{{ ttl }}``), its fields
(``{{ item.id }}``, ``{{ item['id'] }}``) and at most the few cheap filters of
:data:`FILTERS`. Anything else (arithmetic, calls, other filters, literals, ``{% tags %}``,
``{# comments #}``) is a :class:`LabelError`. Jinja2's lexer tokenizes the text, so
``{{``/``}}`` mean what they always meant, but nothing is evaluated by Jinja: the accepted
tokens are read by a loop in this module and rendered by another, so a label costs time and
memory linear in its length, whatever it holds (a general template engine let single
labels run for a minute and take gigabytes). Undefined variables are errors, never empty
strings.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.lexer import Token

from inkproof.errors import did_you_mean

Scalar = str | int | float | bool

#: A label's source is at most this long (spec labels are at most 400 characters; this
#: leaves room for languages that need more words), and it renders to at most MAX_RENDERED.
MAX_SOURCE = 2000
MAX_RENDERED = 1000
#: Fields and filters of one placeholder (``item.id|upper`` has two); real labels use none.
MAX_STEPS = 8

#: The filters a placeholder may use: each is one pass over a value of at most
#: MAX_RENDERED characters and at most triples it (Unicode case mappings such as 'ﬃ' → 'FFI').
FILTERS: Mapping[str, Callable[[str], str]] = {
    "capitalize": str.capitalize,
    "lower": str.lower,
    "trim": str.strip,
    "upper": str.upper,
}

# The lexer only; keep_trailing_newline so a label's text is kept exactly.
_LEXER = jinja2.Environment(keep_trailing_newline=True, autoescape=False).lexer

_ALLOWED = ("a placeholder is a variable ({{ ttl }}), its fields ({{ item.id }}, "
            "{{ item['id'] }}) and the filters " + ", ".join(sorted(FILTERS)))

#: Tokens that open Jinja syntax other than a placeholder, and how to name them.
_FORBIDDEN = {
    "block_begin": "{% tags %}",
    "raw_begin": "{% raw %} blocks",
    "comment_begin": "{# comments #}",
    "linestatement_begin": "line statements",
    "linecomment_begin": "line comments",
}


class LabelError(ValueError):
    """The label source is malformed; the message says how, without location."""


@dataclass(frozen=True)
class Span:
    """A run of drawn text; ``code`` runs are kept verbatim in every language."""

    text: str
    code: bool = False


@dataclass(frozen=True)
class Label:
    """A rendered label: its source template and the spans it renders to."""

    source: str
    spans: tuple[Span, ...]

    @property
    def text(self) -> str:
        """The label as a reader sees it (backticks removed, placeholders filled)."""
        return "".join(span.text for span in self.spans)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Placeholder:
    """One ``{{ … }}``: a variable, the fields looked up in it and the filters applied.

    Equal placeholders render equally, so the translation guard compares them directly;
    ``str()`` is the canonical spelling (``item.id|upper``) used in messages.
    """

    name: str
    fields: tuple[str | int, ...] = ()
    filters: tuple[str, ...] = ()

    def __str__(self) -> str:
        path = "".join(f".{f}" if isinstance(f, str) and f.isidentifier() else f"[{f!r}]"
                       for f in self.fields)
        return self.name + path + "".join(f"|{name}" for name in self.filters)

    def render(self, variables: Mapping[str, Any]) -> str:
        """The placeholder's text; the variable must exist (the caller checked)."""
        value = variables[self.name]
        where = self.name
        for field in self.fields:
            found = (field in value if isinstance(field, str) and isinstance(value, Mapping)
                     else isinstance(field, int) and isinstance(value, list | tuple)
                     and -len(value) <= field < len(value))
            if not found:
                raise LabelError(f"placeholder failed: '{where}' has no field {field!r}")
            value = value[field]
            where = f"{where}.{field}"
        if not isinstance(value, Scalar):
            raise LabelError(f"placeholder failed: '{where}' is not a single value "
                             "(a text or a number)")
        text = str(value)  # what Jinja printed: 300 → "300", True → "True"
        for name in self.filters:
            _check_length(text)
            text = FILTERS[name](text)
        _check_length(text)
        return text


#: A template part: literal text and placeholders, in order.
Piece = str | Placeholder


def _check_length(text: str) -> None:
    if len(text) > MAX_RENDERED:
        raise LabelError(f"label renders to more than {MAX_RENDERED:,} characters")


def split_code_spans(source: str) -> list[tuple[str, bool]]:
    """Split source on backticks into (template, is_code) parts; an odd backtick is an error."""
    if len(source) > MAX_SOURCE:
        raise LabelError(f"label is {len(source):,} characters long; at most {MAX_SOURCE:,}")
    parts = source.split("`")
    if len(parts) % 2 == 0:
        raise LabelError("unclosed code span: a backtick (`) has no closing partner")
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


def _tokens(template: str) -> Iterator[Token]:
    """Jinja's tokens of a template, refusing every construct other than ``{{ }}`` early."""
    raw = _LEXER.tokeniter(template, None)

    def checked() -> Iterator[tuple[int, str, str]]:
        for lineno, kind, value in raw:
            if kind in _FORBIDDEN:
                raise LabelError(f"only {{{{ placeholders }}}} are allowed in labels, "
                                 f"not {_FORBIDDEN[kind]}")
            if kind in ("variable_begin", "variable_end") and value not in ("{{", "}}"):
                raise LabelError(f"whitespace control ('{value}') is not allowed; {_ALLOWED}")
            yield lineno, kind, value

    return _LEXER.wrap(checked())


def _describe(token: Token) -> str:
    if token.type in ("string", "integer", "float"):
        return f"the constant {token.value!r}"
    if token.type == "lparen":
        return "'(' (no calls, no parentheses)"
    if token.type == "variable_end":
        return "'}}' too early"
    return f"'{token.value}'"


def _placeholder(tokens: Iterator[Token]) -> Placeholder:
    """Read ``name (.field | [key])* (|filter)* }}`` after a ``{{``; anything else is an error."""
    def expected(token: Token | None) -> LabelError:
        if token is None:
            return LabelError("bad placeholder: '{{' has no closing '}}'")
        return LabelError(f"placeholder not allowed: found {_describe(token)}; {_ALLOWED}")

    token = next(tokens, None)
    if token is None or token.type != "name":
        raise expected(token)
    name = token.value
    fields: list[str | int] = []
    filters: list[str] = []
    token = next(tokens, None)
    while token is not None and token.type in ("dot", "lbracket", "pipe"):
        if len(fields) + len(filters) == MAX_STEPS:
            raise LabelError(f"placeholder not allowed: more than {MAX_STEPS} fields and "
                             "filters")
        if token.type == "pipe":
            token = next(tokens, None)
            if token is None or token.type != "name":
                raise expected(token)
            if token.value not in FILTERS:
                raise LabelError(f"filter '{token.value}' is not allowed; {_ALLOWED}")
            filters.append(token.value)
            token = next(tokens, None)
            continue
        if filters:  # a field of a filtered text: filters come last
            raise expected(token)
        key = next(tokens, None)
        if token.type == "dot" and key is not None and key.type in ("name", "integer"):
            fields.append(key.value)
        elif token.type == "lbracket" and key is not None and key.type in ("string", "integer"):
            close = next(tokens, None)
            if close is None or close.type != "rbracket":
                raise expected(close)
            fields.append(key.value)
        else:
            raise expected(key)
        token = next(tokens, None)
    if token is None or token.type != "variable_end":
        raise expected(token)
    for part in (name, *fields):
        if isinstance(part, str) and part.startswith("_"):
            raise LabelError(f"placeholder not allowed: '{part}' starts with '_'; {_ALLOWED}")
    return Placeholder(name, tuple(fields), tuple(filters))


@functools.lru_cache(maxsize=4096)
def parse_template(template: str) -> tuple[Piece, ...]:
    """A template's literal text and placeholders, in order. Raises LabelError."""
    if len(template) > MAX_SOURCE:
        raise LabelError(f"label is {len(template):,} characters long; at most {MAX_SOURCE:,}")
    pieces: list[Piece] = []
    try:
        tokens = _tokens(template)
        for token in tokens:
            if token.type == "data":
                pieces.append(token.value)
            elif token.type == "variable_begin":
                pieces.append(_placeholder(tokens))
            else:  # pragma: no cover - the lexer yields data or a construct checked above
                raise LabelError(f"unexpected {token.value!r}")
    except jinja2.TemplateSyntaxError as exc:
        raise LabelError(f"bad placeholder: {exc.message}") from None
    return tuple(pieces)


def _render_pieces(pieces: Sequence[Piece], variables: Mapping[str, Any]) -> str:
    names = {p.name for p in pieces if isinstance(p, Placeholder)}
    missing = sorted(names - variables.keys())
    if missing:
        hint = did_you_mean(missing[0], variables)
        known = ", ".join(sorted(variables)) or "none"
        raise LabelError(f"undefined variable '{missing[0]}' — "
                         + (hint or f"vars defines: {known}"))
    out: list[str] = []
    size = 0
    for piece in pieces:
        text = piece if isinstance(piece, str) else piece.render(variables)
        size += len(text)
        if size > MAX_RENDERED:
            raise LabelError(f"label renders to more than {MAX_RENDERED:,} characters")
        out.append(text)
    return "".join(out)


def placeholders(source: str) -> frozenset[str]:
    """Variable names a label source uses."""
    return frozenset(p.name for p in label_placeholders(source))


def label_placeholders(source: str) -> list[Placeholder]:
    """Every placeholder of a label source, code spans included, in order."""
    return [piece for part, _ in split_code_spans(source) for piece in parse_template(part)
            if isinstance(piece, Placeholder)]


def render_template(template: str, variables: Mapping[str, Any]) -> str:
    """Render one template (no code spans: an expectation, a request path)."""
    return _render_pieces(parse_template(template), variables)


def render_label(source: str, variables: Mapping[str, Any]) -> Label:
    """Render a label source into spans. Raises LabelError on any malformed part."""
    spans = tuple(Span(render_template(part, variables), code)
                  for part, code in split_code_spans(source))
    return Label(source, tuple(s for s in spans if s.text))
