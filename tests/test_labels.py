"""Labels: code spans stay code, placeholders are strict lookups that cost next to nothing."""

from __future__ import annotations

import re

import pytest

from inkproof.labels import (
    MAX_SOURCE,
    LabelError,
    Span,
    label_placeholders,
    placeholders,
    render_label,
    render_template,
)

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


def test_markup_is_kept_as_text_not_interpreted() -> None:
    # Escaping for SVG is the renderer's job; the label keeps the text exactly.
    assert render_label("<script>alert(1)</script>", VARS).text == "<script>alert(1)</script>"


def test_values_print_as_before() -> None:
    # What Jinja printed, so no picture changes: ints, floats and booleans as Python writes them.
    variables = {**VARS, "ratio": 0.5, "on": True}
    assert render_label("{{ ttl }}s, {{ ratio }}, {{ on }}", variables).text == "300s, 0.5, True"
    assert render_template("{{ key }}\r\n", VARS) == "cache:key:42\n"  # Jinja's newlines


def test_fields_and_allowed_filters() -> None:
    variables = {"item": {"id": 7, "name": " Cache "}, "keys": ["a", "b"]}
    label = render_label("`{{ item.id }}` {{ item['name']|trim|upper }} {{ keys[1] }}",
                         variables)
    assert label.text == "7 CACHE b"
    assert [str(p) for p in label_placeholders(label.source)] == [
        "item.id", "item.name|trim|upper", "keys[1]"]


def test_placeholders_are_the_same_however_they_are_spaced() -> None:
    assert label_placeholders("{{\n  ttl\n}}") == label_placeholders("{{ttl}}")
    assert label_placeholders("{{ item['id'] }}") == label_placeholders("{{ item.id }}")


def test_missing_field_is_an_error() -> None:
    with pytest.raises(LabelError, match="placeholder failed: 'item' has no field 'nope'"):
        render_label("{{ item.nope }}", {"item": {"id": 1}})


def test_unknown_filter_is_a_label_error() -> None:
    with pytest.raises(LabelError, match="filter 'nope' is not allowed"):
        render_label("{{ key | nope }}", VARS)


@pytest.mark.parametrize(("source", "message"), [
    ("{{ ttl + ttl }}", r"found '\+'"),
    ("{{ ttl // 60 }}", "found '//'"),
    ("{{ 2 ** 10 }}", "found the constant 2"),
    ("{{ '-' * 3 }}", "found the constant '-'"),
    ('{{ "x" }}', "found the constant 'x'"),
    ("{{ key ~ key }}", "found '~'"),
    ("{{ ttl / 0 }}", "found '/'"),
    ("{{ key.upper() }}", r"found '\('"),
    ("{{ key|center(9) }}", "filter 'center' is not allowed"),
    ("{{ key|e }}", "filter 'e' is not allowed"),
    ("{{ key is defined }}", "found 'is'"),
    ("{{ key if ttl else id }}", "found 'if'"),
    ("{{ keys[-1] }}", "found '-'"),
    ("{{ keys[id] }}", "found 'id'"),
    ("{{ key._secret }}", "starts with '_'"),
    ("{{- key }}", "whitespace control"),
    ("{# a comment #}", "not {# comments #}"),
    ("{% raw %}{{ key }}{% endraw %}", "not {% raw %} blocks"),
    ("{{ " + "-" * 300 + "key }}", "found '-'"),
    ("x" * (MAX_SOURCE + 1), "at most 2,000"),
    ("{{ key" + "|upper" * 9 + " }}", "more than 8 fields and filters"),
    ("{{ key|upper.x }}", "found '.'"),
])
def test_anything_but_lookups_and_cheap_filters_is_refused(source: str, message: str) -> None:
    with pytest.raises(LabelError, match=message) as caught:
        render_label(source, VARS)
    if "found" in message:  # the message says what a placeholder may be
        assert "a placeholder is a variable ({{ ttl }})" in str(caught.value)


def test_a_long_value_is_refused_before_any_filter_runs() -> None:
    with pytest.raises(LabelError, match="more than 1,000 characters"):
        render_label("{{ big|upper }}", {"big": "ß" * 600})  # 600 < 1000, upper: 1200
    with pytest.raises(LabelError, match="more than 1,000 characters"):
        render_label("{{ key }}" * 100, VARS)


#: Labels reported by the probe of issue 10 (seconds to minutes, up to gigabytes, each),
#: and the limits of the format: the longest label, the most placeholders, deep nesting.
HOSTILE = [
    "{{ 'a'|center(999999999) }}",
    "{{ range(10**8)|list }}",
    "{{ '%999999999s' % 1 }}",
    "{{ lipsum(10000) }}",
    "{{ key.zfill(10**9) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ key|indent(999999999) }}",
    "{{ 9 ** 9999999 }}",
    "{{ 'ab' * 100000000 }}",
    "{{ key * 2000 }}",
    "{{ " + " ~ ".join(["key"] * 2000) + " }}",
    "{{ " + " ~ ".join(["key"] * 300) + " }}",
    "{{ " + "(" * 5000 + "key" + ")" * 5000 + " }}",
    "{{ " + "(" * 990 + "key" + ")" * 990 + " }}",
    "{{ key" + "|upper" * 330 + " }}",
    "{{ key" + ".a" * 990 + " }}",
    "{{ key|lower|upper|trim }}" * 76,
    "{{ key }}" * 10000,
    "{{ id }}" * 222,
    "a " * 250000,
    "{" * 500000,
    "{" * MAX_SOURCE,
    "`{{ key }}` {{ " * 130,
]


def test_hostile_labels_cost_milliseconds_and_little_memory() -> None:
    import time
    import tracemalloc

    tracemalloc.start()
    start = time.perf_counter()
    rendered = []
    for source in HOSTILE:
        try:
            rendered.append(len(render_label(source, VARS).text))
        except LabelError:
            rendered.append(0)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Generous bounds for a loaded machine; measured: about 0.05 s and 1 MB for all of them.
    assert elapsed < 2.0, elapsed
    assert peak < 20_000_000, peak
    # Only what a spec may write renders; everything else is refused.
    assert [n for n in rendered if n] == [12 * 76, 2 * 222], rendered
