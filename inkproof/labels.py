"""Label text: ``{{ var }}`` placeholders and `` `code` `` spans.

A label's *source* is what authors and translators edit (``"`SETEX {{ key }}` TTL {{ ttl }}s"``);
its *spans* are what gets drawn: prose runs, which translation may rewrite, and code runs,
which no translation touches and which are drawn in the code style. Placeholders render
through a sandboxed Jinja2 environment with strict undefined variables, so a label can
never run arbitrary code nor silently print an empty string for a typo.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from inkproof.errors import did_you_mean

Scalar = str | int | float | bool

#: A label's rendered text is at most this long, and its expression this many AST nodes:
#: a spec must not be able to make `inkproof check` run for minutes.
MAX_RENDERED = 1000
MAX_EXPRESSION_NODES = 48


class _LabelSandbox(SandboxedEnvironment):
    """Jinja's sandbox, also bounding arithmetic that could eat time or memory."""

    intercepted_binops = frozenset({"**", "*"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise jinja2.exceptions.SecurityError("exponent larger than 64")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and (
                        len(seq) * times > MAX_RENDERED):
                    raise jinja2.exceptions.SecurityError("repetition longer than "
                                                          f"{MAX_RENDERED} characters")
        return super().call_binop(context, operator, left, right)


# optimized=False: Jinja's optimizer folds constants while compiling, outside the sandbox's
# reach (`{{ 9 ** 9999999 }}` would be computed at load time).
_ENV = _LabelSandbox(undefined=jinja2.StrictUndefined, autoescape=False,
                     keep_trailing_newline=True, optimized=False)


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


def split_code_spans(source: str) -> list[tuple[str, bool]]:
    """Split source on backticks into (template, is_code) parts; an odd backtick is an error."""
    parts = source.split("`")
    if len(parts) % 2 == 0:
        raise LabelError("unclosed code span: a backtick (`) has no closing partner")
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


@functools.lru_cache(maxsize=4096)
def _compile(template: str) -> tuple[jinja2.Template, frozenset[str]]:
    try:
        tree = _ENV.parse(template)
        # Only expressions and plain text: a label with {% if %} or {% for %} could not be
        # translated sentence by sentence, and would hide text from the catalog.
        for body_node in tree.body:
            if not isinstance(body_node, nodes.Output):
                raise LabelError("only {{ placeholders }} are allowed in labels, "
                                 "not {% tags %}")
        size = sum(1 for _ in tree.find_all(nodes.Node))
        if size > MAX_EXPRESSION_NODES:
            raise LabelError(f"placeholder expression is too complex ({size} parts; at most "
                             f"{MAX_EXPRESSION_NODES})")
        # Compiling can fail too (an unknown filter is only noticed here).
        return _ENV.from_string(tree), frozenset(meta.find_undeclared_variables(tree))
    except jinja2.TemplateSyntaxError as exc:
        raise LabelError(f"bad placeholder: {exc.message}") from None
    except (RecursionError, SyntaxError):
        # Jinja turns expressions into Python source; CPython refuses very deep nesting
        # with a plain SyntaxError ("too many nested parentheses").
        raise LabelError("placeholder expression is nested too deeply") from None


def placeholders(source: str) -> frozenset[str]:
    """Variable names a label source uses."""
    names: set[str] = set()
    for part, _ in split_code_spans(source):
        names |= _compile(part)[1]
    return frozenset(names)


def render_template(template: str, variables: Mapping[str, Any]) -> str:
    """Render one template with strict, sandboxed Jinja2."""
    compiled, names = _compile(template)
    missing = sorted(names - variables.keys())
    if missing:
        hint = did_you_mean(missing[0], variables)
        known = ", ".join(sorted(variables)) or "none"
        raise LabelError(f"undefined variable '{missing[0]}' — "
                         + (hint or f"vars defines: {known}"))
    try:
        text = compiled.render(variables)
    except jinja2.exceptions.SecurityError as exc:
        raise LabelError(f"placeholder not allowed: {exc}") from None
    except jinja2.UndefinedError as exc:
        raise LabelError(f"placeholder failed: {exc.message}") from None
    except Exception as exc:  # e.g. {{ ttl / 0 }}: the author's expression, not our bug
        raise LabelError(f"placeholder failed: {type(exc).__name__}: {exc}") from None
    if len(text) > MAX_RENDERED:
        raise LabelError(f"label renders to {len(text):,} characters; at most {MAX_RENDERED:,}")
    return text


def render_label(source: str, variables: Mapping[str, Any]) -> Label:
    """Render a label source into spans. Raises LabelError on any malformed part."""
    spans = tuple(Span(render_template(part, variables), code)
                  for part, code in split_code_spans(source))
    return Label(source, tuple(s for s in spans if s.text))
