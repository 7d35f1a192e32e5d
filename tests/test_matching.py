"""Matching observed events against the arrows of the seed flows (runtime/matching.py)."""

from __future__ import annotations

import pytest

from inkproof import load_flow
from inkproof.runtime.events import Event
from inkproof.runtime.matching import (
    arrow_matches,
    canonical_redis,
    match_scenario,
    tokens_match,
    undocumented,
)
from tests.conftest import ROOT

BEGINNER = load_flow(ROOT / "spec" / "flows" / "redis-cache-invalidation-beginner.yaml")
SENIOR = load_flow(ROOT / "spec" / "flows" / "redis-cache-invalidation.yaml")
JSON = '{"id":42,"name":"Widget"}'


def stream(*rows: tuple[str, str, str, tuple[str, ...]]) -> list[Event]:
    return [Event(i, s, t, k, tokens) for i, (s, t, k, tokens) in enumerate(rows)]


def read_miss(fill: tuple[str, ...] = ("SETEX", "cache:key:42", "300", JSON)) -> list[Event]:
    return stream(
        ("browser", "api", "request", ("GET", "/item/42")),
        ("api", "cache", "redis", ("GET", "cache:key:42")),
        ("cache", "api", "redis_reply", ("GET", "miss")),
        ("api", "db", "sql", ("SELECT",)),
        ("db", "api", "sql_result", ("1",)),
        ("api", "cache", "redis", fill),
        ("api", "browser", "response", ("200", "application/json; charset=utf-8")),
    )


def scenario(flow, scenario_id):
    return next(s for s in flow.scenarios if s.id == scenario_id)


def test_read_miss_is_proven_arrow_by_arrow() -> None:
    result = match_scenario(BEGINNER, scenario(BEGINNER, "read-miss"), read_miss())
    assert result.ok, result
    assert [(v.arrow, v.event.index) for v in result.verdicts] == [
        ("read-request", 0), ("cache-get", 1), ("db-select", 3), ("db-row", 4),
        ("cache-fill", 5), ("read-response", 6)]


@pytest.mark.parametrize("fill", [
    ("SET", "cache:key:42", JSON, "EX", "300"),
    ("set", "cache:key:42", JSON, "ex", "300"),
])
def test_setex_and_set_ex_are_the_same_command(fill: tuple[str, ...]) -> None:
    assert match_scenario(BEGINNER, scenario(BEGINNER, "read-miss"), read_miss(fill)).ok


@pytest.mark.parametrize(("fill", "why"), [
    (("SETEX", "cache:key:42", "600", JSON), "another TTL"),
    (("SET", "cache:key:42", JSON), "no TTL"),
    (("SETEX", "cache:key:43", "300", JSON), "another key"),
])
def test_a_wrong_cache_fill_leaves_the_arrow_unproven(fill: tuple[str, ...], why: str) -> None:
    result = match_scenario(BEGINNER, scenario(BEGINNER, "read-miss"), read_miss(fill))
    verdict = next(v for v in result.verdicts if v.arrow == "cache-fill")
    assert verdict.status == "missing", why
    assert [e.tokens for e in result.undocumented] == [fill]  # and the traffic is named


def test_invalidation_by_del_or_unlink_but_not_expire() -> None:
    arrow = BEGINNER.arrow("cache-delete")
    for verb in ("DEL", "UNLINK", "unlink"):
        assert arrow_matches(arrow, Event(0, "worker", "cache", "redis", (verb, "cache:key:42")))
    assert not arrow_matches(arrow, Event(0, "worker", "cache", "redis",
                                          ("EXPIRE", "cache:key:42", "5")))
    assert not arrow_matches(arrow, Event(0, "api", "cache", "redis", ("DEL", "cache:key:42")))


def write_invalidate(publish_first: bool = False) -> list[Event]:
    rows = [("browser", "api", "request", ("PUT", "/item/42")),
            ("api", "db", "sql", ("BEGIN", "UPDATE", "COMMIT")),
            ("api", "queue", "publish", ("entity_id", "key", "traceparent")),
            ("api", "browser", "response", ("200", "application/json")),
            ("queue", "worker", "consume", ("entity_id", "key", "traceparent")),
            ("worker", "cache", "redis", ("DEL", "cache:key:42"))]
    if publish_first:
        rows[1], rows[2] = rows[2], rows[1]
    return stream(*rows)


def test_write_path_in_order_is_proven() -> None:
    result = match_scenario(BEGINNER, scenario(BEGINNER, "write-invalidate"),
                            write_invalidate())
    assert result.ok, result


def test_publish_before_commit_is_out_of_order() -> None:
    result = match_scenario(BEGINNER, scenario(BEGINNER, "write-invalidate"),
                            write_invalidate(publish_first=True))
    assert not result.ok
    statuses = {v.arrow: v.status for v in result.verdicts}
    assert statuses["db-update"] == "proven" and statuses["publish"] == "out-of-order"


def test_a_cache_hit_must_not_touch_the_database() -> None:
    hit = stream(("browser", "api", "request", ("GET", "/item/42")),
                 ("api", "cache", "redis", ("GET", "cache:key:42")),
                 ("cache", "api", "redis_reply", ("GET", "hit")),
                 ("api", "db", "sql", ("SELECT",)),
                 ("api", "browser", "response", ("200", "application/json")))
    result = match_scenario(BEGINNER, scenario(BEGINNER, "read-hit"), hit)
    assert all(v.ok for v in result.verdicts)
    assert [(arrow, e.index) for arrow, e in result.forbidden] == [("db-select", 3)]
    assert not result.ok


def test_undocumented_traffic_is_reported_but_replies_are_not() -> None:
    events = [*read_miss(), Event(9, "api", "cache", "redis", ("FLUSHALL",))]
    assert [e.tokens for e in undocumented(BEGINNER, events)] == [("FLUSHALL",)]
    # the "miss" reply (index 2) has no arrow of its own, yet belongs to the GET arrow


def test_a_reversed_arrow_does_not_match() -> None:
    arrow = SENIOR.arrow("db-result")  # db → api
    assert arrow_matches(arrow, Event(0, "db", "api", "sql_result", ("3",)))
    assert not arrow_matches(arrow, Event(0, "api", "db", "sql_result", ("3",)))
    assert not arrow_matches(arrow, Event(0, "db", "api", "sql_result", ("0",)))


def test_senior_write_request_accepts_put_or_post_only() -> None:
    arrow = SENIOR.arrow("write-request")
    assert arrow_matches(arrow, Event(0, "browser", "api", "request", ("POST", "/item/42")))
    assert not arrow_matches(arrow, Event(0, "browser", "api", "request",
                                          ("DELETE", "/item/42")))


def test_pattern_primitives() -> None:
    assert canonical_redis(["SETEX", "k", "5", "v"]) == ("SET", "k", "v", "EX", "5")
    assert canonical_redis(["psetex", "k", "5", "v"]) == ("SET", "k", "v", "PX", "5")
    assert canonical_redis(["PSETEX", "k", "300000", "v"]) == ("SET", "k", "v", "EX", "300")
    assert canonical_redis(["set", "k", "v", "px", "300000"]) == ("SET", "k", "v", "EX", "300")
    assert canonical_redis(["SET", "k", "v", "PX", "1500"]) == ("SET", "k", "v", "PX", "1500")
    assert tokens_match(["GET|HEAD", "*"], ["HEAD", "/x"])
    assert not tokens_match(["GET", "*"], ["GET", "/x", "extra"])


def test_events_reject_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown event kind"):
        Event(0, "api", "cache", "rpc", ())


def test_senior_read_miss_proves_the_reply_arrow_with_a_miss() -> None:
    events = read_miss(("SET", "cache:key:42", JSON, "EX", "300"))
    result = match_scenario(SENIOR, scenario(SENIOR, "read-miss"), events)
    assert result.ok, result
    assert next(v for v in result.verdicts if v.arrow == "cache-reply").event.tokens == (
        "GET", "miss")


def test_setex_set_ex_and_whole_second_px_are_one_fact() -> None:
    """The beginner flow's fill (``SETEX key 300 *``) is proven by every spelling of a
    300-second fill, and by none with another TTL."""
    fill = BEGINNER.arrow("cache-fill")
    for tokens in (("SETEX", "cache:key:42", "300", "{}"),
                   ("SET", "cache:key:42", "{}", "EX", "300"),
                   ("SET", "cache:key:42", "{}", "PX", "300000"),
                   ("PSETEX", "cache:key:42", "300000", "{}")):
        assert arrow_matches(fill, Event(0, "api", "cache", "redis", tokens)), tokens
    for tokens in (("SET", "cache:key:42", "{}", "PX", "300"),
                   ("SET", "cache:key:42", "{}", "EX", "30"),
                   ("SET", "cache:key:42", "{}")):
        assert not arrow_matches(fill, Event(0, "api", "cache", "redis", tokens)), tokens
