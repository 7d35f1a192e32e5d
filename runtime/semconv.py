"""OpenTelemetry semantic conventions: which attribute says what, old names and new.

Instrumentations of different languages and ages name the same fact differently
(``http.request.method`` since semconv 1.21, ``http.method`` before; ``db.query.text``
since 1.25, ``db.statement`` before). Each fact is read through one tuple of names here,
newest first, so the rest of verification asks for "the method" and never for a string
an SDK happened to use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inkproof.runtime.otlp import SpanRecord

HTTP_METHOD = ("http.request.method", "http.method")
URL_PATH = ("url.path", "http.target", "http.url", "url.full")
HTTP_ROUTE = ("http.route",)
HTTP_STATUS = ("http.response.status_code", "http.status_code")
DB_SYSTEM = ("db.system.name", "db.system")
DB_TEXT = ("db.query.text", "db.statement")
DB_OPERATION = ("db.operation.name", "db.operation")
DB_ROWS = ("db.response.returned_rows",)
MESSAGING_SYSTEM = ("messaging.system",)
MESSAGING_OPERATION = ("messaging.operation.type", "messaging.operation")
MESSAGING_DESTINATION = ("messaging.destination.name", "messaging.destination")
SERVER_ADDRESS = ("server.address", "net.peer.name")

#: ``db.system`` values of SQL databases (old and new spellings).
SQL_SYSTEMS = frozenset({"postgresql", "sqlite", "mysql", "mariadb", "mssql",
                         "microsoft.sql_server", "oracle", "oracle.db", "cockroachdb",
                         "other_sql", "db2", "ibm.db2"})
#: Messaging operations that put a message on a queue, and those that take one off.
PUBLISHING = frozenset({"publish", "send", "create"})
CONSUMING = frozenset({"receive", "process", "deliver", "settle"})


@dataclass(frozen=True)
class HttpServer:
    method: str
    path: str
    status: str


def http_server(span: SpanRecord) -> HttpServer | None:
    """The request a server span answered, or None for any other span."""
    return _http_request(span) if span.kind == "server" else None


def http_client(span: SpanRecord) -> HttpServer | None:
    """The request a client span sent (one service calling another), or None."""
    return _http_request(span) if span.kind == "client" else None


def _http_request(span: SpanRecord) -> HttpServer | None:
    method = span.attribute(*HTTP_METHOD)
    if method is None:
        return None
    path = str(span.attribute(*URL_PATH) or "")
    if "://" in path:  # http.url / url.full: keep the path only
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    return HttpServer(str(method).upper(), path.split("?")[0],
                      str(span.attribute(*HTTP_STATUS) or ""))


def redis_words(span: SpanRecord) -> tuple[str, ...] | None:
    """The command of a Redis client span as words (``?`` where the instrumentation hid an
    argument), or None when the span is not a Redis command."""
    if str(span.attribute(*DB_SYSTEM) or "").lower() != "redis" or span.kind == "server":
        return None
    text = str(span.attribute(*DB_TEXT) or span.attribute(*DB_OPERATION) or span.name)
    # OpenTelemetry JS writes "set cache:key:7 [1 other arguments]": the count is a hint,
    # not an argument.
    text = re.sub(r"\[\d+ other arguments?\]", "", text)
    words = text.split()
    if not words:
        return None
    return (words[0].upper(), *words[1:])


#: Blocking reads a consumer repeats while it waits: each is a trace of its own.
POLLS = frozenset({"XREADGROUP", "XREAD", "BLPOP", "BRPOP", "BLMOVE", "BZPOPMIN",
                   "BZPOPMAX", "XAUTOCLAIM"})


def is_poll(span: SpanRecord) -> bool:
    """A consumer's idle poll (a root Redis span of a blocking read): it says nothing
    happened, so it never keeps a run from being quiet."""
    words = redis_words(span)
    return not span.parent_id and words is not None and words[0] in POLLS


def sql_kind(span: SpanRecord) -> str | None:
    """BEGIN, SELECT, UPDATE, COMMIT, … of an SQL client span (None for other spans)."""
    if str(span.attribute(*DB_SYSTEM) or "").lower() not in SQL_SYSTEMS:
        return None
    text = str(span.attribute(*DB_TEXT) or "")
    first = re.match(r"\s*(?:/\*.*?\*/\s*)*([A-Za-z]+)", text)
    operation = first.group(1) if first else span.attribute(*DB_OPERATION)
    if operation is None:  # no statement: a pool connect, a connection — not a query
        return None
    if str(operation).upper() == "FETCH":  # reading a result is part of its statement
        return None
    kind = str(operation).split()[0].upper() if str(operation).split() else ""
    if kind in ("START",):  # START TRANSACTION
        return "BEGIN"
    if kind == "END":
        return "COMMIT"
    return kind or None


def sql_rows(span: SpanRecord) -> int | None:
    value = span.attribute(*DB_ROWS)
    return int(value) if isinstance(value, int | float) or str(value).isdigit() else None


@dataclass(frozen=True)
class MessagingOperation:
    system: str
    direction: str  # publish | consume
    destination: str


def messaging(span: SpanRecord) -> MessagingOperation | None:
    system = span.attribute(*MESSAGING_SYSTEM)
    operation = str(span.attribute(*MESSAGING_OPERATION) or "").lower()
    if system is None or not operation:
        return None
    if operation in PUBLISHING:
        direction = "publish"
    elif operation in CONSUMING:
        direction = "consume"
    else:
        return None
    return MessagingOperation(str(system).lower(), direction,
                              str(span.attribute(*MESSAGING_DESTINATION) or ""))
