"""The translation guard compares what a translation renders to what the English renders.

Each translation in ``CHANGED_FACTS`` passed the earlier guard, which matched placeholders
with a regular expression over the source: a comment, a raw block or a placeholder broken
over lines was invisible to it, yet drawn (or not drawn) by the renderer.
"""

from __future__ import annotations

import time

import pytest
from babel.messages.catalog import Catalog

from inkproof import load_flow
from inkproof.i18n import catalog, guard
from inkproof.i18n.messages import messages
from tests.conftest import ROOT
from tests.test_labels import HOSTILE

VARS = {"key": "cache:key:42", "ttl": 300, "id": 42}
SETEX = "`SETEX {{ key }}` TTL {{ ttl }}s"
SENIOR = ROOT / "spec" / "flows" / "redis-cache-invalidation.yaml"


@pytest.mark.parametrize(("source", "translation", "reason"), [
    # The comment shows the regex its {{ ttl }}; the picture draws "TTL s".
    (SETEX, "`SETEX {{ key }}` TTL {# {{ ttl }} #}s", "not {# comments #}"),
    # ... and a placeholder broken over lines draws 600 where the English says 300.
    (SETEX, "`SETEX {{ key }}` TTL {# {{ ttl }} #}{{ ttl\n+ ttl }}s", "not {# comments #}"),
    (SETEX, "`SETEX {{ key }}` TTL {{ ttl }}s {{ ttl\n+ ttl }}", r"found '+'"),
    # 30 instead of 300, spelled without a digit the number rule could see.
    (SETEX, "`SETEX {{ key }}` TTL {# {{ ttl }} #}{{ (ttl ~ '')|first\n~ (ttl ~ '')|last }}s",
     "not {# comments #}"),
    # {{ key }} replaced by {{ id }}.
    ("API checks Redis for {{ key }}", "API prüft Redis auf {# {{ key }} #}{{ id\n|trim }}",
     "not {# comments #}"),
    ("API checks Redis for {{ key }}", "API prüft Redis auf {{ id }}",
     "placeholders differ: missing {{ key }}; unexpected {{ id }}"),
    # An extra placeholder, even of a defined variable, even with an allowed filter.
    (SETEX, "`SETEX {{ key }}` TTL {{ ttl }}s {{ key\n|lower }}",
     "placeholders differ: unexpected {{ key|lower }}"),
    # A raw block: the picture would draw the braces.
    (SETEX, "`SETEX {{ key }}` TTL {% raw %}{{ ttl }}{% endraw %}s", "not {% raw %} blocks"),
])
def test_a_translation_cannot_change_the_facts(source: str, translation: str,
                                               reason: str) -> None:
    found = guard.problems(source, translation, (), VARS)
    assert any(reason in problem for problem in found), found


def test_placeholders_compare_as_parsed_not_as_spelled() -> None:
    assert guard.problems(SETEX, "`SETEX {{key}}` mit TTL {{\n  ttl\n}}s", (), VARS) == []
    assert guard.problems(SETEX, "`SETEX {{ key }}` mit TTL {{ ttl }}s", (), VARS) == []


def test_code_spans_compare_as_rendered() -> None:
    found = guard.problems("`EXPIRE {{ key }} 300`", "`EXPIRE {{ key }} 30`", (), VARS)
    assert found == ["code spans differ: missing `EXPIRE cache:key:42 300`; "
                     "unexpected `EXPIRE cache:key:42 30`"]


@pytest.mark.parametrize("translation", ["٢٠٠ OK JSON", "２００ OK JSON", "२०० OK JSON"])
def test_numbers_compare_by_value_so_native_digits_can_come(translation: str) -> None:
    assert guard.problems("200 OK JSON", translation, (), VARS) == []


def test_a_changed_number_names_both_values() -> None:
    assert guard.problems("TTL 300 s, 2 retries", "TTL 30 s, 2 Versuche", (), VARS) == [
        "numbers differ: expected [2, 300], found [2, 30] (a number keeps its value; "
        "digits stay digits)"]


def test_without_vars_placeholders_stand_for_themselves() -> None:
    assert guard.problems(SETEX, "TTL {{ ttl }}s: `SETEX {{ key }}`") == []
    assert guard.problems(SETEX, "TTL {{ ttl }}s: `SET {{ key }}`") == [
        "code spans differ: missing `SETEX {{ key }}`; unexpected `SET {{ key }}`"]


def _catalog_with(context: str, english: str, translation: str) -> Catalog:
    po = Catalog(locale="de")
    po.add(english, translation, context=context)
    return po


def test_check_and_translator_refuse_a_hostile_translation_quickly() -> None:
    flow = load_flow(SENIOR)
    arrow = next(a for a in flow.arrows if "{{ ttl }}" in a.label.source)
    context = f"arrow.{arrow.id}.label"
    assert context in {m.context for m in messages(flow)}
    for hostile in HOSTILE:
        po = Catalog(locale="de")
        po.add(arrow.label.source, hostile, context=context)
        start = time.perf_counter()
        report = catalog.check(flow, po, "de", SENIOR, ("TTL",))
        translate = catalog.Translator(flow, po, ("TTL",))
        drawn = translate(context, arrow.label)
        assert time.perf_counter() - start < 0.5, hostile[:60]
        assert {c for c, _ in report.invalid} == {context}, hostile[:60]
        assert drawn is arrow.label and translate.fallbacks == {context: "invalid"}
