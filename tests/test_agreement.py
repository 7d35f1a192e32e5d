"""What the picture says is what is checked: a label or legend step that states a key, a
verb, a TTL or a status its expectation does not check is a spec error, with both texts."""

from __future__ import annotations

import pytest

from inkproof import parse_flow
from inkproof.agreement import checked_by, disagreements, stated_by
from inkproof.errors import SpecError
from inkproof.i18n.guard import problems as guard_problems
from inkproof.labels import render_label
from inkproof.model import Expect
from tests.conftest import ROOT

BEGINNER = ROOT / "spec/flows/redis-cache-invalidation-beginner.yaml"


def _said(label: str, expect: dict, variables: dict | None = None) -> list[str]:
    variables = variables or {}
    checked = checked_by(Expect.model_validate(expect, context={"vars": variables}))
    return disagreements(stated_by(render_label(label, variables)), checked)


AGREE = [
    ("`SETEX cache:key:42` TTL 300s", {"redis": "SETEX cache:key:42 300 *"}),
    ("`SETEX cache:key:42` TTL 5 min", {"redis": "SETEX cache:key:42 300 *"}),
    ("`SET key` TTL 5m", {"redis": "SET cache:key:42 * PX 300000"}),  # PX is milliseconds
    ("`GET cache:key`", {"redis": "GET cache:key:42"}),  # a prefix at a separator
    ("`DEL key` or `UNLINK key`", {"redis": "DEL|UNLINK cache:key:42"}),
    ("`HTTPS GET /item/42`", {"request": "GET /item/42"}),
    ("`GET /callback?code`", {"request": "GET /callback"}),
    ("200 OK JSON", {"response": {"status": 200}}),
    ("`XADD invalidations`", {"publish": {"fields": ["key"]}}),  # the stream is not checked
    ("Retry after 30 s", {"request": "POST /hooks"}),  # no time is checked: prose
    ("Top 10 for user 8", {"request": "GET /recommend/8"}),
    ("TTL ٣٠٠ ثانية", {"redis": "SETEX k 300 *"}),  # native digits, by value
]

DISAGREE = [
    ("`SETEX cache:key:7` TTL 30s", {"redis": "SETEX cache:key:42 300 *"},
     ["names cache:key:7, but the check is on cache:key:42", "30s is 30 s, but the TTL "
      "checked is 300 s"]),
    ("`SET key` TTL 30s", {"redis": "SET cache:key:42 * PX 300000"}, ["the TTL checked is 300 s"]),
    ("`GET cache:item`", {"redis": "GET cache:key:42"}, ["names cache:item"]),
    ("`EXPIRE key`", {"redis": "DEL|UNLINK cache:key:42"}, ["names EXPIRE, which is not checked"]),
    ("`HTTPS PUT /item/42`", {"request": "GET /item/42"}, ["names PUT"]),
    ("`GET /items/42`", {"request": "GET /item/42"}, ["names /items/42"]),
    ("404 Not Found", {"response": {"status": 200}}, ["404 is not the status checked (200)"]),
    ("`BEGIN; UPDATE row; COMMIT`", {"sql": ["UPDATE", "COMMIT"]}, ["names BEGIN"]),
    ("`EXPIRE rl:17 90`", {"redis": "EXPIRE rl:17 60"}, ["says 90, which is not checked"]),
    ("TTL ٣٠ s", {"redis": "SETEX k 300 *"}, ["is 30 s"]),
]


@pytest.mark.parametrize(("label", "expect"), AGREE)
def test_labels_that_say_what_is_checked_agree(label: str, expect: dict) -> None:
    assert _said(label, expect) == []


@pytest.mark.parametrize(("label", "expect", "phrases"), DISAGREE)
def test_labels_that_say_something_else_are_named(label: str, expect: dict,
                                                  phrases: list[str]) -> None:
    found = " ".join(_said(label, expect))
    for phrase in phrases:
        assert phrase in found, found


def _loaded(text: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        parse_flow(text, "edited.yaml")
    return caught.value


def test_a_lying_label_is_a_spec_error_at_its_line_with_both_texts() -> None:
    text = BEGINNER.read_text()
    old = 'label: "`SETEX {{ key }}` TTL {{ ttl }}s"'
    assert text.count(old) == 1
    error = _loaded(text.replace(old, 'label: "`SETEX cache:key:7` TTL 30s"'))
    (problem,) = error.problems
    assert problem.line == text[:text.index(old)].count("\n") + 1
    assert 'its label says "SETEX cache:key:7 TTL 30s"' in problem.message
    assert 'its expect checks "SETEX cache:key:42 300 *"' in problem.message


def test_a_legend_step_must_speak_of_its_own_arrows() -> None:
    """Step 3's "200 OK JSON" belongs to its read-reply arrow; moved to a step whose arrows
    answer nothing, or changed to another status, it is refused."""
    text = BEGINNER.read_text()
    step = next(line for line in text.splitlines() if "200 OK" in line and "text:" in line)
    wrong = _loaded(text.replace(step, step.replace("200 OK", "404 Not Found")))
    assert any("legend step" in p.message and "404 is not the status checked" in p.message
               for p in wrong.problems), wrong.problems


def test_a_translation_cannot_restate_a_fact() -> None:
    """Each language inherits the English facts: the guard refuses a translation that
    changes a code span or a number, so checking the English checks every catalog."""
    source = "`SETEX {{ key }}` TTL {{ ttl }}s"
    variables = {"key": "cache:key:42", "ttl": 300}
    assert guard_problems(source, "`SETEX {{ key }}` TTL {{ ttl }} Sek.", variables=variables) == []
    assert guard_problems(source, "`SETEX cache:key:7` TTL {{ ttl }} Sek.", variables=variables)
    assert guard_problems(source, "`SETEX {{ key }}` TTL 30 Sek.", variables=variables)
