"""Events of a system in other processes, assembled from hand-written spans, wire records
and exchanges: attribution, replayed replies, windows and the order they allow."""

from __future__ import annotations

from pathlib import Path

import pytest

from inkproof.loader import load_flow
from inkproof.runtime.assemble import BoxMap, Exchange, WireView, assemble, attribute_connections
from inkproof.runtime.matching import match_scenario
from inkproof.runtime.otlp import SpanRecord
from inkproof.runtime.status import Status
from inkproof.runtime.wire import KeyReplay, WireCommand, parse_arguments, parse_line, xadd_fields

ROOT = Path(__file__).resolve().parents[1]
BEGINNER = load_flow(ROOT / "spec/flows/redis-cache-invalidation-beginner.yaml")
MS = 1_000_000
TRACE = "a" * 32


def span(service: str, name: str, kind: str, start: int, end: int, parent: str = "",
         span_id: str = "", trace: str = TRACE, **attributes: object) -> SpanRecord:
    return SpanRecord(service, trace, span_id or f"{start:016x}", parent, name, kind,
                      start * MS, end * MS, attributes)


def cmd(at: int, client: str, *words: str) -> WireCommand:
    return WireCommand(at * MS, client, words)


def test_monitor_lines_keep_arguments_with_spaces_quotes_and_escapes() -> None:
    line = ('1700000000.123456 [0 127.0.0.1:50312] "SET" "cache:key:7" '
            '"{\\"id\\": 7, \\"name\\": \\"Widget 7\\"}" "EX" "300" "\\xe2\\x9c\\x93"')
    command = parse_line(line)
    assert command is not None
    assert command.client == "127.0.0.1:50312"
    assert command.time_ns == 1700000000_123456000
    assert command.words[:5] == ("SET", "cache:key:7", '{"id": 7, "name": "Widget 7"}', "EX",
                                 "300")
    assert parse_arguments('"a\\nb" "c\\\\d"') == ("a\nb", "c\\d")
    assert parse_line("OK") is None


def test_xadd_options_are_not_fields() -> None:
    words = ("XADD", "events", "NOMKSTREAM", "MAXLEN", "~", "1000", "*", "entity_id", "7",
             "key", "cache:key:7")
    assert xadd_fields(words) == ("events", [("entity_id", "7"), ("key", "cache:key:7")])


def test_get_replies_are_replayed_from_a_known_start() -> None:
    replay = KeyReplay({"k": False})
    assert replay.apply(cmd(1, "c", "GET", "k")) == "miss"
    replay.apply(cmd(2, "c", "SET", "k", "v", "EX", "1"))
    assert replay.apply(cmd(3, "c", "GET", "k")) == "hit"
    assert replay.apply(cmd(1003, "c", "GET", "k")) == "miss"  # its second ran out
    replay.apply(cmd(1004, "c", "SETEX", "k", "60", "v"))
    replay.apply(cmd(1005, "c", "DEL", "k"))
    assert replay.apply(cmd(1006, "c", "GET", "k")) == "miss"
    assert replay.apply(cmd(1007, "c", "GET", "other")) is None  # never known: unknown
    replay.apply(cmd(1008, "c", "SET", "k", "v", "PX", "5"))
    assert replay.apply(cmd(1012, "c", "GET", "k")) == "hit"
    assert replay.apply(cmd(1014, "c", "GET", "k")) == "miss"


def _boxes(**services: str) -> BoxMap:
    return BoxMap(BEGINNER, services)


def test_services_map_to_boxes_by_config_box_id_or_one_word_of_the_name() -> None:
    boxes = _boxes(worker="invalidator-7")
    assert boxes.for_service("invalidator-7") == "worker"
    assert boxes.for_service("items-api") == "api"
    assert boxes.for_service("api") == "api"
    assert boxes.for_service("billing") is None
    assert boxes.for_service("api-worker") is None  # two boxes fit: no guess


def test_connections_are_attributed_by_name_then_by_spans() -> None:
    commands = [cmd(10, "127.0.0.1:1", "GET", "cache:key:42"),
                cmd(20, "127.0.0.1:2", "DEL", "cache:key:42"),
                cmd(30, "127.0.0.1:3", "GET", "cache:key:42")]
    spans = [span("items-worker", "DEL", "client", 19, 21, **{"db.system": "redis",
                                                                "db.statement": "DEL ?"})]
    owners = attribute_connections(commands, {"127.0.0.1:1": "catalog-api"}, spans, _boxes())
    assert owners == {"127.0.0.1:1": "api", "127.0.0.1:2": "worker"}  # :3 stays unknown


def _write_scenario(xadd_at: int, commit_at: int) -> tuple[list, object]:
    """A PUT whose transaction commits at ``commit_at`` and publishes at ``xadd_at``; the
    worker consumes and deletes meanwhile (before the API's response is sent)."""
    server = span("items-api", "PUT /item/<id>", "server", 0, 100, span_id="1" * 16,
                  **{"http.method": "PUT", "http.target": "/item/42",
                     "http.status_code": 200})
    sql = [span("items-api", kind, "client", start, start + 1, parent="1" * 16,
                **{"db.system": "postgresql", "db.statement": kind})
           for kind, start in (("BEGIN", 10), ("UPDATE", 12), ("COMMIT", commit_at))]
    xadd = span("items-api", "XADD", "client", xadd_at, xadd_at + 60, parent="1" * 16,
                **{"db.system": "redis", "db.statement": "XADD ? ? ? ? ? ? ?"})
    wire = WireView(
        commands=[cmd(xadd_at + 1, "127.0.0.1:1", "XADD", "invalidations", "*", "entity_id",
                      "42", "key", "cache:key:42"),
                  cmd(xadd_at + 3, "127.0.0.1:2", "DEL", "cache:key:42"),
                  cmd(xadd_at + 4, "127.0.0.1:2", "XACK", "invalidations", "workers",
                      f"{xadd_at + 1}-0")],
        names={"127.0.0.1:2": "items-worker"}, replay=KeyReplay({"cache:key:42": True}),
        acknowledged={("invalidations", f"{xadd_at + 1}-0"): {"entity_id": "42",
                                                              "key": "cache:key:42"}})
    exchange = Exchange("PUT", "/item/42", TRACE, 0, 101 * MS, 200, "application/json")
    events = assemble(BEGINNER, _boxes(), [exchange], [server, *sql, xadd], wire)
    scenario = next(s for s in BEGINNER.scenarios if s.id == "write-invalidate")
    return events, match_scenario(BEGINNER, scenario, events)


def test_a_worker_racing_the_response_is_in_order() -> None:
    events, result = _write_scenario(xadd_at=30, commit_at=20)
    assert result.ok, [(v.arrow, v.status) for v in result.verdicts]
    publish = next(e for e in events if e.kind == "publish")
    assert publish.trace == TRACE  # the wire command took the trace of its client span
    consume = next(e for e in events if e.kind == "consume")
    response = next(e for e in events if e.kind == "response")
    assert consume.window is not None and response.window is not None
    assert consume.window[0] < response.window[0]  # the race the rule allows


def test_a_publish_that_provably_precedes_the_commit_is_out_of_order() -> None:
    _events, result = _write_scenario(xadd_at=3, commit_at=90)
    status = {v.arrow: v.status for v in result.verdicts}
    assert status["publish"] == Status.OUT_OF_ORDER


def test_without_the_wire_spans_tell_what_they_can() -> None:
    get = span("items-api", "GET", "client", 5, 6, **{"db.system": "redis",
                                                       "db.statement": "GET ?"})
    events = assemble(BEGINNER, _boxes(), [], [get], None)
    (event,) = events
    assert event.tokens == ("GET", "?") and "hidden by the instrumentation" in event.evidence


@pytest.mark.parametrize("rows, inferred", [(3, False), (None, True)])
def test_select_rows_come_from_the_trace_or_are_said_to_be_inferred(rows: int | None,
                                                                     inferred: bool) -> None:
    attributes = {"db.system": "postgresql", "db.statement": "SELECT * FROM items"}
    if rows is not None:
        attributes["db.response.returned_rows"] = rows
    select = span("items-api", "SELECT", "client", 5, 6, **attributes)
    exchange = Exchange("GET", "/item/1", TRACE, 0, 10 * MS, 200, "application/json")
    result = next(e for e in assemble(BEGINNER, _boxes(), [exchange], [select], None)
                  if e.kind == "sql_result")
    assert result.tokens == (str(rows or 1),)
    assert ("not traced" in result.evidence) is inferred
    failed = Exchange("GET", "/item/1", TRACE, 0, 10 * MS, 500, "text/plain")
    others = assemble(BEGINNER, _boxes(), [failed], [select], None)
    assert any(e.kind == "sql_result" for e in others) is not inferred


def test_one_service_calling_another_is_a_request_between_their_boxes() -> None:
    """An HTTP client span answered by a server span of another service (its child)."""
    from inkproof.model import Flow

    flow = Flow.model_validate({
        "inkproof": 1, "id": "checkout", "title": "Checkout",
        "boxes": [{"id": "browser", "name": "Browser", "role": "r", "icon": "web-window"},
                  {"id": "orders", "name": "Orders", "role": "r", "icon": "server-rack",
                   "component": "api"},
                  {"id": "payments", "name": "Payments", "role": "r", "icon": "gear",
                   "component": "payments"}],
        "arrows": [{"id": "charge", "from": "orders", "to": "payments", "label": "charge",
                    "path": "write",
                    "expect": {"request": "POST /charges"}}]})
    call = span("orders-api", "POST", "client", 10, 20, span_id="c" * 16,
                **{"http.request.method": "POST", "url.full": "http://127.0.0.1:9/charges"})
    answer = span("payments", "POST /charges", "server", 11, 19, parent="c" * 16,
                  **{"http.method": "POST", "http.target": "/charges", "http.status_code": 201})
    outside = span("orders-api", "GET", "client", 30, 31,
                   **{"http.method": "GET", "http.url": "http://api.example/rates",
                      "server.address": "api.example"})
    events = assemble(flow, BoxMap(flow), [], [call, answer, outside], None)
    pairs = [(e.source, e.target, e.kind, e.tokens) for e in events]
    assert ("orders", "payments", "request", ("POST", "/charges")) in pairs
    assert ("payments", "orders", "response", ("201", "")) in pairs
    assert ("orders", "host api.example", "request", ("GET", "/rates")) in pairs
    charge = next(e for e in events if e.kind == "request" and e.target == "payments")
    from inkproof.runtime.matching import arrow_matches

    assert arrow_matches(flow.arrow("charge"), charge)


def test_the_traces_are_a_second_opinion_on_the_wire() -> None:
    from inkproof.runtime.assemble import wire_disagreements

    get = span("catalog-api", "get", "client", 10, 11, **{"db.system.name": "redis",
                                                          "db.query.text": "get cache:key:42"})
    lost = span("catalog-api", "set", "client", 20, 21, **{
        "db.system.name": "redis", "db.query.text": "set cache:key:42 [3 other arguments]"})
    hidden = span("items-api", "DEL", "client", 30, 31, **{"db.system": "redis",
                                                            "db.statement": "DEL ?"})
    view = WireView([cmd(10, "127.0.0.1:5", "GET", "cache:key:42")],
                    {"127.0.0.1:5": "catalog-api"}, KeyReplay({}), {})
    missing, agreed = wire_disagreements(view, [get, lost, hidden], _boxes())
    assert agreed == 1
    assert missing == ["catalog-api: OpenTelemetry saw SET cache:key:42 but the server's "
                       "record has no such command from it"]
    assert wire_disagreements(view, [get, lost], _boxes(), held=("SET", "cache:key:42")) \
        == ([], 1)


def test_a_message_whose_fields_are_not_traced_is_shown_beside_the_missing_arrow() -> None:
    """Kafka, RabbitMQ and NATS spans say that a message went to a destination, not what
    it held: the publish arrow stays unproven, and says what was seen instead."""
    from inkproof.runtime.matching import near_miss

    produce = span("items-api", "orders publish", "producer", 5, 6, **{
        "messaging.system": "kafka", "messaging.operation.type": "send",
        "messaging.destination.name": "invalidations"})
    events = assemble(BEGINNER, _boxes(), [], [produce], None)
    (event,) = events
    assert (event.source, event.target, event.kind, event.tokens) == ("api", "queue",
                                                                       "publish", ())
    publish = BEGINNER.arrow("publish")
    scenario = next(s for s in BEGINNER.scenarios if s.id == "write-invalidate")
    result = match_scenario(BEGINNER, scenario, events)
    assert {v.arrow: v.status for v in result.verdicts}["publish"] == Status.MISSING
    instead = near_miss(publish, result.undocumented)
    assert instead is not None and "message fields are not traced" in instead.evidence
