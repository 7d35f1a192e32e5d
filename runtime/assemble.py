"""Events of a system in other processes: spans, the wire and inkproof's own requests.

Pure functions over plain data (:class:`~inkproof.runtime.otlp.SpanRecord`,
:class:`~inkproof.runtime.wire.WireCommand`, :class:`Exchange`), so every rule is tested
on hand-written records:

- HTTP: what inkproof sent and what it received (status, content type) is the client's
  own record; the server span in the trace inkproof started says which service answered.
- Redis: the server's record (MONITOR) when there is one — every argument, every client —
  attributed to boxes by connection name, by the spans the commands line up with, or to
  the flow's only Redis client; otherwise the client spans, as far as they tell.
- SQL: the database's wire when inkproof stands between the system and PostgreSQL
  (:mod:`~inkproof.runtime.pgwire`), else client spans; statements grouped into
  transactions (BEGIN … COMMIT).
- Queues: XADD and XACK on the wire (the fields of an acknowledged message read back from
  the stream), or messaging spans by their conventions (Kafka, RabbitMQ, NATS, …).

Every event carries the wall-clock window in which it happened (``Event.window``), since
separate processes share no observation order.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from inkproof.model import Component, Flow
from inkproof.runtime.events import MESSAGE_ID, MESSAGE_VALUE, UNATTRIBUTED, Event
from inkproof.runtime.observe import QUEUE_BOOKKEEPING, STREAM_READS, TRACE_FIELDS
from inkproof.runtime.otlp import SpanRecord
from inkproof.runtime.pgwire import SqlStatement
from inkproof.runtime.semconv import (
    DB_OPERATION,
    POLLS,
    SERVER_ADDRESS,
    http_client,
    http_server,
    messaging,
    redis_words,
    sql_kind,
    sql_rows,
)
from inkproof.runtime.topology import components_of
from inkproof.runtime.wire import HARNESS_NAME, HOUSEKEEPING, KeyReplay, WireCommand, xadd_fields

#: How far a server's timestamp may lie outside the client span of the same command
#: (clock reads on one machine, rounding to µs).
SLACK_NS = 2_000_000


@dataclass(frozen=True)
class Exchange:
    """One request inkproof sent to the target, and what came back."""

    method: str
    path: str
    trace_id: str  # the trace inkproof started for it (W3C traceparent)
    sent_ns: int
    received_ns: int
    status: int
    content_type: str
    scheme: str = "http"


@dataclass
class BoxMap:
    """Which box of the flow stands for a service, a component or a Redis connection."""

    flow: Flow
    services: Mapping[str, str] = field(default_factory=dict)  # box id → service.name
    components: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.components = components_of(self.flow)

    def component(self, kind: str) -> str:
        return self.components.get(kind, kind)

    def for_service(self, service: str) -> str | None:
        """The box of ``service``: named in the config, by the box (``service:``), by id,
        or by one word of the name (``items-api`` → the box whose id or component is
        ``api``) when exactly one box fits."""
        for box_id, name in self.services.items():
            if name == service:
                return box_id
        for box in self.flow.boxes:
            if box.service == service or box.id == service:
                return box.id
        words = set(re.split(r"[-_.]", service.lower()))
        fitting = {box.id for box in self.flow.boxes if box.id in words}
        fitting |= {self.components[word] for word in words if word in self.components}
        return fitting.pop() if len(fitting) == 1 else None

    def clients_of(self, *kinds: Component) -> set[str]:
        """Boxes the flow draws talking to a store of these kinds (as the side that acts)."""
        stores = {self.components.get(kind) for kind in kinds}
        stores.discard(None)
        clients = {a.source for a in self.flow.arrows if a.target in stores}
        clients |= {a.target for a in self.flow.arrows if a.source in stores}
        return clients - stores


def _box_of_span(boxes: BoxMap, span: SpanRecord) -> str:
    return boxes.for_service(span.service) or f"service {span.service}"


# ---- HTTP --------------------------------------------------------------------------------

def _descendants_end(span: SpanRecord, children: Mapping[str, list[SpanRecord]]) -> int:
    """When the last piece of work under ``span`` ended (its response was sent after)."""
    latest, stack = span.start_ns, list(children.get(span.span_id, ()))
    while stack:
        child = stack.pop()
        if child.service == span.service:
            latest = max(latest, child.end_ns)
            stack.extend(children.get(child.span_id, ()))
    return latest


def http_events(exchanges: Sequence[Exchange], spans: Sequence[SpanRecord],
                boxes: BoxMap) -> list[tuple[int, int, Event]]:
    client = boxes.component(Component.CLIENT)
    children: dict[str, list[SpanRecord]] = defaultdict(list)
    for span in spans:
        children[span.parent_id].append(span)
    servers: dict[str, SpanRecord] = {}
    for span in spans:
        if http_server(span) is not None and span.trace_id not in servers:
            servers[span.trace_id] = span
    found = []
    for exchange in exchanges:
        server = servers.get(exchange.trace_id)
        box = (boxes.for_service(server.service) if server else None) or \
            boxes.component(Component.API)
        served = f" (served by {server.service})" if server else " (no server span)"
        arrived = server.start_ns if server else exchange.sent_ns
        request = Event(0, client, box, "request", (exchange.method, exchange.path),
                        evidence=f"{exchange.method} {exchange.path} over "
                                 f"{exchange.scheme.upper()}{served}",
                        trace=exchange.trace_id)
        answered = _descendants_end(server, children) if server else exchange.sent_ns
        response = Event(0, box, client, "response",
                         (str(exchange.status), exchange.content_type),
                         evidence=f"{exchange.status} {exchange.content_type}".strip(),
                         trace=exchange.trace_id)
        found += [(arrived, arrived, request), (answered, exchange.received_ns, response)]
    return found


def service_call_events(spans: Sequence[SpanRecord],
                        boxes: BoxMap) -> list[tuple[int, int, Event]]:
    """One service calling another over HTTP: the caller's client span, answered by the
    server span that is its child (the callee's box), or by a host outside the flow."""
    answered_by = {s.parent_id: s for s in spans if http_server(s) is not None}
    found: list[tuple[int, int, Event]] = []
    for span in spans:
        call = http_client(span)
        if call is None:
            continue
        server = answered_by.get(span.span_id)
        caller = _box_of_span(boxes, span)
        callee = (_box_of_span(boxes, server) if server is not None else
                  f"host {span.attribute(*SERVER_ADDRESS) or '?'}")
        found.append((span.start_ns, span.start_ns, Event(
            0, caller, callee, "request", (call.method, call.path), float(span.start_ns),
            float(span.end_ns), f"{call.method} {call.path} ({span.service} → "
                                f"{server.service if server else callee})", span.trace_id)))
        served = http_server(server) if server is not None else None
        status = call.status or (served.status if served else "")
        found.append((span.end_ns, span.end_ns, Event(
            0, callee, caller, "response", (status, ""), float(span.start_ns),
            float(span.end_ns), status, span.trace_id)))
    return found


# ---- SQL ---------------------------------------------------------------------------------

#: Statements that change rows: outside BEGIN … COMMIT in the traces, their commit is unseen.
WRITE_STATEMENTS = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE"})

def sql_events(spans: Sequence[SpanRecord], boxes: BoxMap,
               answered_ok: set[str]) -> list[tuple[int, int, Event]]:
    """Statements grouped per service and trace into transactions; a SELECT's rows as a
    result event (from ``db.response.returned_rows``, or — where the instrumentation does
    not record rows — inferred from a SELECT that succeeded in a request answered 2xx, and
    said so in the evidence)."""
    database = boxes.component(Component.DATABASE)
    found: list[tuple[int, int, Event]] = []
    open_tx: dict[tuple[str, str], list[tuple[SpanRecord, str]]] = {}

    def transaction(statements: list[tuple[SpanRecord, str]]) -> tuple[int, int, Event]:
        first, last = statements[0][0], statements[-1][0]
        kinds = tuple(kind for _span, kind in statements)
        evidence = "; ".join(kinds)
        if kinds[0] in WRITE_STATEMENTS and len(kinds) == 1:
            evidence += (" (no BEGIN or COMMIT traced around it: drivers do not trace "
                         "commit(); the database's wire shows it when inkproof starts the "
                         "service with --db PostgreSQL)")
        event = Event(0, _box_of_span(boxes, first), database, "sql", kinds,
                      float(first.start_ns), float(last.end_ns), evidence, first.trace_id)
        # the interaction is complete when its last statement (the COMMIT) ended
        return last.start_ns, last.end_ns, event

    ordered = sorted(spans, key=lambda s: s.start_ns)
    # a driver that traces fetching apart from executing (DB-API cursors) says the rows there
    fetches = [s for s in ordered if sql_rows(s) is not None and sql_kind(s) is None
               and str(s.attribute(*DB_OPERATION) or "").upper() == "FETCH"]
    for span in ordered:
        kind = sql_kind(span)
        if kind is None:
            continue
        if span.error:
            kind = f"FAILED-{kind}"
        connection = (span.service, span.trace_id)
        if kind == "SELECT":
            rows = sql_rows(span)
            fetched = next((f for f in fetches if f.trace_id == span.trace_id
                            and f.service == span.service and f.start_ns >= span.start_ns), None)
            if rows is None and fetched is not None:
                rows = sql_rows(fetched)
                fetches.remove(fetched)
            if rows is not None:
                evidence = f"{rows} row(s)"
            elif span.trace_id in answered_ok:
                rows, evidence = 1, ("row count not traced (no db.response.returned_rows): "
                                     "the SELECT succeeded in a request answered 2xx")
            if rows is not None:
                found.append((span.end_ns, span.end_ns, Event(
                    0, database, _box_of_span(boxes, span), "sql_result", (str(rows),),
                    float(span.start_ns), float(span.end_ns), evidence, span.trace_id)))
        if connection in open_tx:
            open_tx[connection].append((span, kind))
            if kind.removeprefix("FAILED-") in ("COMMIT", "ROLLBACK"):
                found.append(transaction(open_tx.pop(connection)))
        elif kind == "BEGIN":
            open_tx[connection] = [(span, kind)]
        else:
            found.append(transaction([(span, kind)]))
    found.extend(transaction(statements) for statements in open_tx.values())
    return found


def _sql_span_of(statement: SqlStatement,
                 spans: Sequence[tuple[SpanRecord, str]]) -> SpanRecord | None:
    """The client span of a statement on the database's wire: the same kind, the wire's
    send and completion inside the span."""
    kind = statement.kind.removeprefix("FAILED-")
    return next((span for span, span_kind in spans
                 if span_kind.removeprefix("FAILED-") == kind
                 and span.start_ns - SLACK_NS <= statement.sent_ns
                 and statement.done_ns <= span.end_ns + SLACK_NS), None)


def _sql_spans(spans: Sequence[SpanRecord]) -> list[tuple[SpanRecord, str]]:
    return [(span, kind) for span in spans if (kind := sql_kind(span)) is not None]


def _sql_owners(statements: Sequence[SqlStatement], sql_spans: Sequence[tuple[SpanRecord, str]],
                boxes: BoxMap) -> dict[str, str]:
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for statement in statements:
        span = _sql_span_of(statement, sql_spans)
        if span is not None:
            votes[statement.connection][span.service] += 1
    names = {s.connection: s.application for s in statements if s.application}
    return _owners({s.connection for s in statements}, names, votes, boxes,
                   boxes.clients_of(Component.DATABASE))


def sql_disagreements(statements: Sequence[SqlStatement], spans: Sequence[SpanRecord],
                      boxes: BoxMap) -> tuple[list[str], int]:
    """The traces as a second opinion on the database's wire: each SQL client span must
    match a statement of its kind, from the same box, inside the span's time. Returns
    (what the wire has no record of, spans agreed)."""
    sql_spans = _sql_spans(spans)
    owners = _sql_owners(statements, sql_spans, boxes)
    missing, agreed = [], 0
    for span, kind in sql_spans:
        box = boxes.for_service(span.service)
        seen = any(_sql_span_of(s, [(span, kind)]) is span and owners.get(s.connection) == box
                   for s in statements)
        if seen:
            agreed += 1
        else:
            missing.append(f"{span.service}: OpenTelemetry saw {kind} but the database's "
                           "wire has no such statement from it")
    return missing, agreed


def sql_wire_events(statements: Sequence[SqlStatement], spans: Sequence[SpanRecord],
                    boxes: BoxMap) -> list[tuple[int, int, Event]]:
    """Transactions as the database's wire shows them (every BEGIN and COMMIT a driver
    sends, traced or not), each connection's statements grouped BEGIN … COMMIT/ROLLBACK;
    a SELECT's rows from the server's own tag. Connections belong to boxes by their
    application_name, by the SQL spans they line up with, or to the flow's only database
    client; a span that lines up lends its trace."""
    database = boxes.component(Component.DATABASE)
    sql_spans = _sql_spans(spans)
    owners = _sql_owners(statements, sql_spans, boxes)
    found: list[tuple[int, int, Event]] = []

    def transaction(group: list[SqlStatement]) -> list[tuple[int, int, Event]]:
        """The group as one event, then the rows its SELECTs returned: an answer of the
        transaction, complete when its last statement is."""
        first, last = group[0], group[-1]
        who = owners.get(first.connection, f"{UNATTRIBUTED} {first.connection}")
        traced = [span for s in group if (span := _sql_span_of(s, sql_spans)) is not None]
        kinds = tuple(s.kind for s in group)
        timed = [(last.sent_ns, last.done_ns, Event(
            0, who, database, "sql", kinds, float(first.sent_ns), float(last.done_ns),
            "; ".join(kinds) + " (on the database's wire)",
            traced[0].trace_id if traced else ""))]
        for statement in group:
            if statement.rows is None:
                continue
            span = _sql_span_of(statement, sql_spans)
            timed.append((last.done_ns, last.done_ns, Event(
                0, database, who, "sql_result", (str(statement.rows),),
                float(statement.sent_ns), float(last.done_ns),
                f"{statement.rows} row(s): the server's tag {statement.tag}",
                span.trace_id if span else "")))
        return timed

    open_tx: dict[str, list[SqlStatement]] = {}
    for statement in sorted(statements, key=lambda s: s.sent_ns):
        kind, connection = statement.kind, statement.connection
        if connection in open_tx:
            open_tx[connection].append(statement)
            if kind.removeprefix("FAILED-") in ("COMMIT", "ROLLBACK"):
                found += transaction(open_tx.pop(connection))
        elif kind == "BEGIN":
            open_tx[connection] = [statement]
        else:
            found += transaction([statement])
    for group in open_tx.values():
        found += transaction(group)
    return found


# ---- Redis and its streams ---------------------------------------------------------------

def _redis_spans(spans: Sequence[SpanRecord]) -> list[tuple[SpanRecord, tuple[str, ...]]]:
    return [(span, words) for span in spans if (words := redis_words(span)) is not None]


def _lines_up(span: SpanRecord, words: Sequence[str], command: WireCommand) -> bool:
    """Whether ``command`` on the wire is the one the client span ``span`` (``words``)
    sent: the same verb, the server's timestamp inside the span."""
    return words[0] == command.verb and \
        span.start_ns - SLACK_NS <= command.time_ns <= span.end_ns + SLACK_NS


def attribute_connections(commands: Sequence[WireCommand], names: Mapping[str, str],
                          spans: Sequence[SpanRecord], boxes: BoxMap) -> dict[str, str]:
    """Client address → box: by the connection's name, else by the Redis spans its
    commands line up with (same verb, the server's timestamp inside the client span),
    else — when the flow draws one Redis client only — that client."""
    redis_spans = _redis_spans(spans)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for command in commands:
        for span, words in redis_spans:
            if _lines_up(span, words, command):
                votes[command.client][span.service] += 1
    return _owners({c.client for c in commands}, names, votes, boxes,
                   boxes.clients_of(Component.CACHE, Component.QUEUE))


def _owners(addresses: set[str], names: Mapping[str, str],
            votes: Mapping[str, Counter[str]], boxes: BoxMap,
            only: set[str]) -> dict[str, str]:
    """Each connection's box: by the name it gave, by the service whose spans its traffic
    lined up with most, or the one box the flow draws as a client of that store."""
    found: dict[str, str] = {}
    for address in addresses:
        name = names.get(address, "")
        box = boxes.for_service(name) if name else None
        if box is None and votes.get(address):
            box = boxes.for_service(votes[address].most_common(1)[0][0])
        if box is None and len(only) == 1:
            box = next(iter(only))
        if box is not None:
            found[address] = box
    return found


@dataclass(frozen=True)
class WireView:
    """What the wire adds to one run: its commands, connection names, the state of the
    flow's keys at the start, and the messages acknowledged (read back from the stream)."""

    commands: Sequence[WireCommand]
    names: Mapping[str, str]
    #: the run's key states, replayed on (it carries them from one stretch to the next)
    replay: KeyReplay
    acknowledged: Mapping[tuple[str, str], Mapping[str, str]]  # (stream, id) → fields
    #: what other witnesses knew as a command was sent (the proxy's taps), by its words
    facts: Mapping[tuple[str, ...], tuple[tuple[str, str], ...]] = field(default_factory=dict)


def _stream_ms(message_id: str) -> int | None:
    head = message_id.split("-")[0]
    return int(head) * 1_000_000 if head.isdigit() else None


def wire_events(view: WireView, spans: Sequence[SpanRecord],
                boxes: BoxMap) -> list[tuple[int, int, Event]]:
    cache, queue = boxes.component(Component.CACHE), boxes.component(Component.QUEUE)
    commands = [c for c in view.commands if view.names.get(c.client) != HARNESS_NAME
                and c.verb not in HOUSEKEEPING]
    owners = attribute_connections(commands, view.names, spans, boxes)
    redis_spans = _redis_spans(spans)
    added_at: dict[tuple[str, int], list[int]] = defaultdict(list)  # (stream, ms) → XADDs
    found: list[tuple[int, int, Event]] = []
    for command in commands:
        who = owners.get(command.client, f"{UNATTRIBUTED} {command.client}")
        reply = view.replay.apply(command)
        # the client span of this command, if one lines up: its trace, its interval
        span = next((s for s, words in redis_spans if _lines_up(s, words, command)
                     and boxes.for_service(s.service) == who), None)
        at = command.time_ns
        lo, hi, trace = (span.start_ns, span.end_ns, span.trace_id) if span else (at, at, "")
        text = " ".join(command.words)
        if command.verb == "XADD":
            stream, pairs = xadd_fields(command.words)
            added_at[(stream, at // 1_000_000)].append(at)
            pairs = [(k, v) for k, v in pairs if k not in TRACE_FIELDS]
            shown = " ".join(f"{k} {v}" for k, v in pairs)
            found.append((at, at, Event(0, who, queue, "publish", tuple(k for k, _ in pairs),
                                        float(lo), float(hi), f"XADD {stream} {shown}",
                                        trace, facts=view.facts.get(command.words, ()))))
        elif command.verb == "XACK":
            stream = command.words[1] if len(command.words) > 1 else ""
            for message_id in command.words[3:]:
                fields = {k: v for k, v in (view.acknowledged.get((stream, message_id)) or
                                            {}).items() if k not in TRACE_FIELDS}
                known = (stream, message_id) in view.acknowledged
                shown = (" ".join(f"{k}={v}" for k, v in fields.items()) if known
                         else "(fields no longer in the stream)")
                # delivered after its XADD (the id's millisecond), before its XACK
                ms = _stream_ms(message_id)
                same_ms = added_at.get((stream, ms // 1_000_000), []) if ms else []
                added = max(same_ms) if len(same_ms) == 1 else (ms or at)
                found.append((min(added, at), at, Event(
                    0, queue, who, "consume", tuple(fields), float(added), float(at),
                    f"{stream} → {message_id} {shown} (acknowledged: XACK)", trace,
                    facts=((MESSAGE_ID, message_id),
                           *((MESSAGE_VALUE, value) for value in fields.values())))))
        elif command.verb in QUEUE_BOOKKEEPING or command.verb in STREAM_READS \
                or command.verb in ("MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"):
            continue
        else:
            found.append((at, at, Event(0, who, cache, "redis", command.words, float(lo),
                                        float(hi), text, trace)))
            if command.verb == "GET":
                result = reply or "unknown"
                key = command.words[1] if len(command.words) > 1 else ""
                found.append((at, at, Event(
                    0, cache, who, "redis_reply", ("GET", result), float(lo), float(hi),
                    f"GET {key} → {result} (replayed from the server's record)", trace)))
    return found


def wire_disagreements(view: WireView, spans: Sequence[SpanRecord], boxes: BoxMap,
                       held: Sequence[str] = ()) -> tuple[list[str], int]:
    """The traces as a second opinion on the wire: each Redis client span that names its
    key must match a command the server received from the same box, same verb and key,
    inside the span's time. Returns (what the server has no record of, spans agreed)."""
    commands = [c for c in view.commands if view.names.get(c.client) != HARNESS_NAME]
    owners = attribute_connections(commands, view.names, spans, boxes)
    missing, agreed = [], 0
    for span, words in _redis_spans(spans):
        if len(words) < 2 or "?" in words[:2] or words[0] in POLLS:
            continue  # an instrumentation that hides the key gives no second opinion
        if tuple(words[:2]) == tuple(held[:2]):
            continue  # held on the wire by inkproof itself: it reached the server later
        box = boxes.for_service(span.service)
        seen = any(_lines_up(span, words, c) and c.words[1:2] == words[1:2]
                   and owners.get(c.client) == box for c in commands)
        if seen:
            agreed += 1
        else:
            missing.append(f"{span.service}: OpenTelemetry saw {words[0]} {words[1]} but the "
                           "server's record has no such command from it")
    return missing, agreed


def span_redis_events(spans: Sequence[SpanRecord],
                      boxes: BoxMap) -> list[tuple[int, int, Event]]:
    """Redis commands from client spans alone (no wire): arguments as far as the
    instrumentation kept them, no replies."""
    cache, queue = boxes.component(Component.CACHE), boxes.component(Component.QUEUE)
    found: list[tuple[int, int, Event]] = []
    for span, words in _redis_spans(spans):
        verb, who = words[0], _box_of_span(boxes, span)
        if verb in QUEUE_BOOKKEEPING or verb in STREAM_READS or verb in HOUSEKEEPING:
            continue
        hidden = " (arguments hidden by the instrumentation)" if "?" in words else ""
        if verb == "XADD":
            event = Event(0, who, queue, "publish", (), float(span.start_ns),
                          float(span.end_ns), " ".join(words) + hidden, span.trace_id)
        else:
            event = Event(0, who, cache, "redis", words, float(span.start_ns),
                          float(span.end_ns), " ".join(words) + hidden, span.trace_id)
        found.append((span.start_ns, span.end_ns, event))
    return found


def messaging_events(spans: Sequence[SpanRecord], boxes: BoxMap,
                     skip_systems: frozenset[str]) -> list[tuple[int, int, Event]]:
    """Publish and consume from messaging spans (their payload fields are not traced)."""
    queue = boxes.component(Component.QUEUE)
    found: list[tuple[int, int, Event]] = []
    for span in spans:
        operation = messaging(span)
        if operation is None or operation.system in skip_systems:
            continue
        who = _box_of_span(boxes, span)
        text = (f"{operation.system} {operation.direction} {operation.destination} "
                "(message fields are not traced)")
        source, target = (who, queue) if operation.direction == "publish" else (queue, who)
        found.append((span.start_ns, span.end_ns, Event(
            0, source, target, operation.direction, (), float(span.start_ns),
            float(span.end_ns), text, span.trace_id)))
    return found


# ---- all together ------------------------------------------------------------------------

def _millisecond_grained(spans: Sequence[SpanRecord]) -> frozenset[str]:
    """Services whose span starts are whole milliseconds (OpenTelemetry JS anchors each
    span at ``Date.now()``): their real times lie up to 1 ms after what they report."""
    starts: dict[str, list[int]] = defaultdict(list)
    for span in spans:
        starts[span.service].append(span.start_ns)
    return frozenset(service for service, values in starts.items()
                     if len(values) >= 3 and all(v % 1_000_000 == 0 for v in values))


def _widened(spans: Sequence[SpanRecord]) -> list[SpanRecord]:
    from dataclasses import replace

    coarse = _millisecond_grained(spans)
    return [replace(s, end_ns=s.end_ns + 1_000_000) if s.service in coarse else s
            for s in spans]


def assemble(flow: Flow, boxes: BoxMap, exchanges: Sequence[Exchange],
             spans: Sequence[SpanRecord], wire: WireView | None,
             sql: Sequence[SqlStatement] | None = None) -> list[Event]:
    """Every event of one run, in the order of their windows' starts. ``sql`` is the
    database's wire, when inkproof stands between the system and PostgreSQL: it replaces
    the SQL spans, which miss what drivers do untraced (BEGIN, ``commit()``)."""
    spans = _widened(spans)
    # the worker's handling joins the writer's trace: its SELECTs count as answered too
    answered_ok = {e.trace_id for e in exchanges if 200 <= e.status < 300}
    timed = http_events(exchanges, spans, boxes)
    if sql is not None:
        timed += sql_wire_events(sql, spans, boxes)
    else:
        timed += sql_events(spans, boxes, answered_ok)
    timed += service_call_events(spans, boxes)
    if wire is not None:
        timed += wire_events(wire, spans, boxes)
        timed += messaging_events(spans, boxes, frozenset({"redis"}))
    else:
        timed += span_redis_events(spans, boxes) + messaging_events(spans, boxes, frozenset())
    timed.sort(key=lambda item: (item[0], item[1]))
    events = []
    for index, (lo, hi, event) in enumerate(timed):
        events.append(Event(index, event.source, event.target, event.kind, event.tokens,
                            event.start or float(lo), event.end or float(hi), event.evidence,
                            event.trace, (lo, hi), event.facts))
    return events
