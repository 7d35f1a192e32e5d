"""Labels: code spans stay code, placeholders render strictly and inside a sandbox."""

from __future__ import annotations

import re

import pytest

from inkproof.labels import LabelError, Span, placeholders, render_label

VARS = {"key": "cache:key:42", "ttl": 300, "id": 42}


def test_code_spans_and_prose_are_separate_runs() -> None:
    label = render_label("`SETEX {{ key }}` TTL {{ ttl }}s", VARS)
    assert label.spans == (Span("SETEX cache:key:42", code=True), Span(" TTL 300s"))
    assert label.text == "SETEX cache:key:42 TTL 300s"
    assert label.source == "`SETEX {{ key }}` TTL {{ ttl }}s"


def test_several_code_spans() -> None:
    label = render_label("`DEL key` or `UNLINK key`", VARS)
    assert [s.code for s in label.spans] == [True, False, True]
    assert label.text == "DEL key or UNLINK key"


def test_placeholders_are_listed_from_every_span() -> None:
    assert placeholders("`GET {{ key }}` within {{ ttl }}s") == {"key", "ttl"}


def test_unclosed_code_span() -> None:
    with pytest.raises(LabelError, match="unclosed code span"):
        render_label("`GET key", VARS)


def test_undefined_variable_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(LabelError, match="undefined variable 'tll' — did you mean 'ttl'"):
        render_label("TTL {{ tll }}", VARS)


def test_undefined_attribute_is_an_error() -> None:
    with pytest.raises(LabelError, match="placeholder failed"):
        render_label("{{ key.nothing_here }}", VARS)


@pytest.mark.parametrize("source", [
    "{{ key.__class__.__mro__ }}",
    "{{ ''.__class__.__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
])
def test_sandbox_refuses_python_internals(source: str) -> None:
    with pytest.raises(LabelError):
        render_label(source, VARS)


def test_statements_are_not_allowed() -> None:
    with pytest.raises(LabelError, match=re.escape("only {{ placeholders }}")):
        render_label("{% for x in [1,2] %}{{ x }}{% endfor %}", VARS)


def test_syntax_error_in_placeholder() -> None:
    with pytest.raises(LabelError, match="bad placeholder"):
        render_label("{{ key ", VARS)


def test_errors_raised_by_the_expression_become_label_errors() -> None:
    with pytest.raises(LabelError, match="ZeroDivisionError"):
        render_label("{{ ttl / 0 }}", VARS)


def test_markup_is_kept_as_text_not_interpreted() -> None:
    # Escaping for SVG is the renderer's job; the label keeps the text exactly.
    assert render_label("<script>alert(1)</script>", VARS).text == "<script>alert(1)</script>"


def test_unknown_filter_is_a_label_error() -> None:
    # Found by the property tests: Jinja reports unknown filters when compiling, not parsing.
    with pytest.raises(LabelError, match="No filter named 'nope'"):
        render_label("{{ key | nope }}", VARS)


def test_deeply_nested_expression_is_a_label_error() -> None:
    with pytest.raises(LabelError):
        render_label("{{ " + "(" * 2000 + "1" + ")" * 2000 + " }}", VARS)


def test_expression_too_deep_for_python_is_a_label_error() -> None:
    # Found by the property tests: Jinja compiles this into Python that CPython rejects.
    with pytest.raises(LabelError, match=r"too complex|nested too deeply"):
        render_label("{{ " + "-" * 300 + "key }}", VARS)


@pytest.mark.parametrize(("source", "message"), [
    # Reported by the property-test helper: each took seconds to minutes before.
    ("{{ 9 ** 9999999 }}", "exponent larger than 64"),
    ("{{ 'ab' * 100000000 }}", "repetition longer than"),
    ("{{ key" + "|e" * 195 + " }}", "too complex"),
    ("{{ " + "-" * 198 + "key }}", "too complex"),
    ("{{ key * 2000 }}", "repetition longer than"),
])
def test_expensive_placeholders_fail_fast(source: str, message: str) -> None:
    import time

    start = time.perf_counter()
    with pytest.raises(LabelError, match=message):
        render_label(source, VARS)
    assert time.perf_counter() - start < 1.0


def test_ordinary_arithmetic_still_works() -> None:
    assert render_label("{{ ttl // 60 }} min, {{ 2 ** 10 }}, {{ '-' * 3 }}", VARS).text == (
        "5 min, 1024, ---")
