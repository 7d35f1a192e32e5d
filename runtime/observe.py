"""Observation at the library boundary: OpenTelemetry spans in, plain events out.

The system under verification never reports on itself. Its traffic is recorded where it
crosses a library: the Redis client (OpenTelemetry's redis instrumentation, with hooks that
keep the command arguments and replies the spans themselves sanitize away), the HTTP server
(OpenTelemetry's ASGI middleware around the app) and the database driver
(:mod:`~inkproof.runtime.dbtrace`). A span processor stamps each span with the component
that issued it (the context the harness runs each component in) and with its position on one
observation clock — a counter, not wall time, so moving the clock to expire TTLs can never
reorder what happened.

:func:`events_from_spans` turns the recorded spans into
:class:`~inkproof.runtime.events.Event` s, the only thing matching sees.
"""

from __future__ import annotations

import contextvars
import itertools
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.trace import SpanKind, Tracer

from inkproof.runtime.events import Event

#: Component names (see ``inkproof.model.Component``); ``harness`` is verification itself,
#: whose own reads of the system's state are never events.
CLIENT, API, DATABASE, CACHE, QUEUE, WORKER, HARNESS = (
    "client", "api", "database", "cache", "queue", "worker", "harness")

_component: contextvars.ContextVar[str] = contextvars.ContextVar("inkproof_component",
                                                                default="")


@contextmanager
def acting_as(component: str) -> Iterator[None]:
    """Run the enclosed code (and threads or tasks it starts) as ``component``."""
    token = _component.set(component)
    try:
        yield
    finally:
        _component.reset(token)


def current_component() -> str:
    return _component.get()


@dataclass(frozen=True)
class Recorded:
    """A finished span with its component and its start and end on the observation clock."""

    span: ReadableSpan
    component: str
    start: int
    end: int

    @property
    def attributes(self) -> Mapping[str, Any]:
        return self.span.attributes or {}

    @property
    def trace(self) -> str:
        return format(self.span.context.trace_id, "032x") if self.span.context else ""


class Recorder(SpanProcessor):
    """Keeps every finished span, stamped with component and clock positions."""

    def __init__(self) -> None:
        self._clock = itertools.count()
        self._lock = threading.Lock()
        self._starts: dict[int, tuple[str, int]] = {}
        self.finished: list[Recorded] = []

    def on_start(self, span: Span, parent_context: object = None) -> None:
        component = current_component() or "unknown"
        span.set_attribute("inkproof.component", component)
        with self._lock:
            self._starts[span.context.span_id] = (component, next(self._clock))

    def on_end(self, span: ReadableSpan) -> None:
        with self._lock:
            component, start = self._starts.pop(span.context.span_id, ("unknown", 0))
            self.finished.append(Recorded(span, component, start, next(self._clock)))

    def quiet(self, timeout: float = 5.0) -> bool:
        """Wait until no span is open. A server span ends after its response was sent, so
        a client holding the response can be a moment ahead of the record."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if not self._starts:
                    return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.001)

    def take(self) -> list[Recorded]:
        """The spans finished since the last call, in end order (after open ones ended)."""
        self.quiet()
        with self._lock:
            taken, self.finished = self.finished, []
        return taken


# ---- Redis: hooks keeping what the spans sanitize --------------------------------------

def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return str(value)


def _request_hook(span: Span, instance: Any, args: Sequence[object],
                  _kwargs: Mapping[str, object]) -> None:
    # The instrumentation records "SETEX ? ? ?": matching needs the real arguments.
    # Multi-word commands arrive as one first argument ("XGROUP CREATE"): split it.
    words = _text(args[0]).split() + [_text(a) for a in args[1:]] if args else []
    span.set_attribute("inkproof.redis.args", words)
    pool = getattr(instance, "connection_pool", None)
    name = getattr(pool, "connection_kwargs", {}).get("client_name")
    if name:  # the connection's CLIENT SETNAME, which the MONITOR witness sees too
        span.set_attribute("inkproof.redis.client", str(name))


def _response_hook(span: Span, _instance: object, response: object) -> None:
    span.set_attribute("inkproof.redis.nil", response is None)
    entries = _stream_entries(response)
    if entries is not None:
        span.set_attribute("inkproof.redis.entries",
                           [f"{mid}\t" + "\t".join(f"{k}={v}" for k, v in fields.items())
                            for mid, fields in entries])


def _stream_entries(response: object) -> list[tuple[str, dict[str, str]]] | None:
    """Messages of an XREADGROUP / XAUTOCLAIM / XCLAIM reply (as redis-py parses them)."""
    def entry(item: object) -> tuple[str, dict[str, str]] | None:
        if isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[1], dict):
            return _text(item[0]), {_text(k): _text(v) for k, v in item[1].items()}
        return None

    if isinstance(response, list | tuple):
        found = []
        for part in response:
            if (one := entry(part)) is not None:
                found.append(one)
            elif isinstance(part, list | tuple):
                # XREADGROUP: [[stream, [entries]]]; XAUTOCLAIM: [next, [entries], deleted]
                inner = part[1] if len(part) == 2 and isinstance(part[1], list) else part
                found.extend(e for e in map(entry, inner) if e is not None)
        return found
    if isinstance(response, dict):  # RESP3 XREADGROUP: {stream: [[entries]]}
        return [e for value in response.values() for group in value
                for e in map(entry, group) if e is not None]
    return None


def _observe_pipelines(tracer: Tracer) -> Any:
    """Commands sent in a pipeline or MULTI/EXEC are one span to the instrumentation, with
    their arguments sanitized away — traffic the picture could hide. Each becomes a span of
    its own here, with its arguments and its reply; returns what undoes the patch."""
    import redis.client

    original = redis.client.Pipeline.execute

    def execute(self: Any, raise_on_error: bool = True) -> Any:
        stack = [tuple(c.args if hasattr(c, "args") else c[0]) for c in self.command_stack]
        replies = original(self, raise_on_error)
        for args, reply in zip(stack, replies or (), strict=False):
            with tracer.start_as_current_span(_text(args[0]) if args else "redis",
                                              kind=SpanKind.CLIENT,
                                              attributes={"db.system": "redis",
                                                          "inkproof.redis.pipelined": True}
                                              ) as span:
                _request_hook(span, self, args, {})
                _response_hook(span, self, reply)
        return replies

    redis.client.Pipeline.execute = execute  # type: ignore[method-assign]
    return lambda: setattr(redis.client.Pipeline, "execute", original)


# ---- the observation session ------------------------------------------------------------

@dataclass
class Observation:
    """Instrumentation switched on for one verification run (``with Observation() as o``).

    OpenTelemetry instruments libraries process-wide, so one observation at a time: a second
    concurrent one would see the first one's traffic.
    """

    recorder: Recorder = field(default_factory=Recorder)
    provider: TracerProvider = field(init=False)
    _redis: RedisInstrumentor = field(default_factory=RedisInstrumentor)

    _active = threading.Lock()

    def __post_init__(self) -> None:
        self.provider = TracerProvider()
        self.provider.add_span_processor(self.recorder)

    @property
    def tracer(self) -> Tracer:
        return self.provider.get_tracer("inkproof.runtime")

    def __enter__(self) -> Observation:
        if not Observation._active.acquire(blocking=False):
            raise RuntimeError("another observation is running in this process")
        # before the instrumentation wraps execute, so that it unwraps cleanly on exit
        self._restore_pipelines = _observe_pipelines(self.tracer)
        self._redis.instrument(tracer_provider=self.provider, request_hook=_request_hook,
                               response_hook=_response_hook)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._redis.uninstrument()
        self._restore_pipelines()
        self.provider.shutdown()
        Observation._active.release()

    def asgi(self, app: Any) -> Any:
        """The app wrapped in OpenTelemetry's ASGI middleware (server spans per request)."""
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        return OpenTelemetryMiddleware(app, tracer_provider=self.provider,
                                       http_capture_headers_server_response=["content-type"],
                                       exclude_spans=["receive"])


# ---- spans → events ---------------------------------------------------------------------

#: Stream bookkeeping that belongs to the consume it follows (acknowledging, creating the
#: group, inspecting pending entries): never an interaction of its own.
QUEUE_BOOKKEEPING = frozenset({"XACK", "XGROUP", "XPENDING", "XINFO", "XLEN"})
STREAM_READS = frozenset({"XREADGROUP", "XREAD", "XAUTOCLAIM", "XCLAIM"})
#: Trace-context fields a producer adds to a message: transport, not payload.
TRACE_FIELDS = frozenset({"traceparent", "tracestate"})


@dataclass(frozen=True)
class RawEvent:
    """An event before it gets its index: ``at`` is the observation-clock position."""

    at: int
    source: str
    target: str
    kind: str
    tokens: tuple[str, ...]
    start: int
    end: int
    evidence: str
    trace: str


def _strip(word: str, prefix: str) -> str:
    return word[len(prefix):] if prefix and word.startswith(prefix) else word


def _http_events(rec: Recorded, answered: int | None) -> list[RawEvent]:
    """Request at the server span's start; response when it started to be sent (the
    server span itself ends a moment later, possibly after the client acted on it)."""
    a = rec.attributes
    method = str(a.get("http.request.method") or a.get("http.method") or "")
    scheme = str(a.get("url.scheme") or a.get("http.scheme") or "http").upper()
    path = str(a.get("url.path") or a.get("http.target") or "").split("?")[0]
    status = str(a.get("http.response.status_code") or a.get("http.status_code") or "")
    content_type = ";".join(a.get("http.response.header.content_type") or ())
    return [
        RawEvent(rec.start, CLIENT, rec.component, "request", (method, path), rec.start,
                 rec.end, f"{method} {path} over {scheme}", rec.trace),
        RawEvent(answered if answered is not None else rec.end, rec.component, CLIENT,
                 "response", (status, content_type),
                 rec.start, rec.end, f"{status} {content_type}".strip(), rec.trace),
    ]


def _redis_events(rec: Recorded, prefix: str) -> list[RawEvent]:
    words = [_strip(str(w), prefix) for w in rec.attributes.get("inkproof.redis.args", ())]
    if not words:
        return []
    verb = words[0].upper()
    who, trace = rec.component, rec.trace
    if verb in QUEUE_BOOKKEEPING:
        return []
    if verb == "XADD":  # XADD stream id f1 v1 f2 v2 ...
        pairs = [(k, v) for k, v in zip(words[3::2], words[4::2], strict=False)
                 if k not in TRACE_FIELDS]
        shown = " ".join(f"{k} {v}" for k, v in pairs)
        return [RawEvent(rec.start, who, QUEUE, "publish", tuple(k for k, _ in pairs),
                         rec.start, rec.end, f"XADD {words[1]} {shown}", trace)]
    if verb in STREAM_READS:
        events = []
        for entry in rec.attributes.get("inkproof.redis.entries", ()):
            message_id, *pairs = str(entry).split("\t")
            fields = dict(p.split("=", 1) for p in pairs)
            payload = {k: _strip(v, prefix) for k, v in fields.items() if k not in TRACE_FIELDS}
            events.append(RawEvent(
                rec.end, QUEUE, who, "consume", tuple(payload), rec.start, rec.end,
                f"{verb} → {message_id} " + " ".join(f"{k}={v}" for k, v in payload.items()),
                trace))
        return events
    command = RawEvent(rec.start, who, CACHE, "redis", tuple(words), rec.start, rec.end,
                       " ".join(words), trace)
    if verb != "GET":
        return [command]
    result = "miss" if rec.attributes.get("inkproof.redis.nil") else "hit"
    return [command, RawEvent(rec.end, CACHE, who, "redis_reply", ("GET", result), rec.start,
                              rec.end, f"GET {words[1] if len(words) > 1 else ''} → {result}",
                              trace)]


def _sql_events(records: Sequence[Recorded]) -> list[RawEvent]:
    """Statements grouped into transactions (BEGIN … COMMIT is one interaction), per
    connection; fetches become result events."""
    events: list[RawEvent] = []
    open_tx: dict[tuple[str, object], list[Recorded]] = {}

    def kind(statement: Recorded) -> str:
        operation = str(statement.attributes.get("db.operation", "")).upper()
        return operation if statement.span.status.is_ok else f"FAILED-{operation}"

    def transaction(statements: list[Recorded]) -> RawEvent:
        kinds = tuple(kind(s) for s in statements)
        first, last = statements[0], statements[-1]
        return RawEvent(first.start, first.component, DATABASE, "sql", kinds, first.start,
                        last.end, "; ".join(kinds), first.trace)

    for rec in sorted(records, key=lambda r: r.start):
        a = rec.attributes
        operation = str(a.get("db.operation", "")).upper()
        if not rec.span.status.is_ok:  # a statement that raised, e.g. a COMMIT that failed
            operation = f"FAILED-{operation}"
        connection = (rec.component, a.get("inkproof.db.connection"))
        if operation == "FETCH":
            rows = int(a.get("inkproof.db.rows", 0))
            events.append(RawEvent(rec.end, DATABASE, rec.component, "sql_result", (str(rows),),
                                   rec.start, rec.end, f"{rows} row(s)", rec.trace))
        elif connection in open_tx:
            open_tx[connection].append(rec)
            if operation.removeprefix("FAILED-") in ("COMMIT", "ROLLBACK"):
                events.append(transaction(open_tx.pop(connection)))
        elif operation == "BEGIN":
            open_tx[connection] = [rec]
        else:
            events.append(transaction([rec]))
    events.extend(transaction(statements) for statements in open_tx.values())  # unfinished
    return events


def events_from_spans(records: Sequence[Recorded], *, prefix: str = "",
                      components: Mapping[str, str] | None = None) -> list[Event]:
    """Events in observation order; ``components`` renames components to box ids, and
    the run's key ``prefix`` is stripped so keys read as the spec writes them."""
    raw: list[RawEvent] = []
    sql: list[Recorded] = []
    answered = {rec.span.parent.span_id: rec.start for rec in records
                if rec.span.parent is not None
                and rec.attributes.get("asgi.event.type") == "http.response.start"}
    for rec in records:
        if rec.component == HARNESS:
            continue
        a = rec.attributes
        if a.get("db.system") == "redis":
            raw.extend(_redis_events(rec, prefix))
        elif "inkproof.db.connection" in a:
            sql.append(rec)
        elif rec.span.kind == SpanKind.SERVER and ("http.method" in a
                                                   or "http.request.method" in a):
            raw.extend(_http_events(rec, answered.get(rec.span.context.span_id)))
    raw.extend(_sql_events(sql))
    raw.sort(key=lambda e: (e.at, e.kind))
    names = components or {}
    return [Event(i, names.get(e.source, e.source), names.get(e.target, e.target), e.kind,
                  e.tokens, float(e.start), float(e.end), e.evidence, e.trace)
            for i, e in enumerate(raw)]
