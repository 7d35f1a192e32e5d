"""OpenTelemetry spans for a DB-API driver, at the driver boundary.

Why not OpenTelemetry's own dbapi instrumentation: it records neither the rows a query
returned (the picture's "result set" arrow) nor a COMMIT that ends only once the commit
succeeded (``connection.commit()`` is not traced at all), and both are what the callouts
claim. This proxy records one span per statement — ``COMMIT`` executed as a statement ends
after the database confirmed it — one ``FETCH`` span per fetch with the row count, and a
``COMMIT`` span around ``connection.commit()`` for drivers used that way.

Wrap a driver's connect function: ``traced_connect(sqlite3.connect, tracer, "sqlite")``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry.trace import SpanKind, Tracer

_connection_ids = itertools.count(1)


def operation_of(statement: str) -> str:
    """The statement kind: first keyword, upper-case (``SELECT``, ``BEGIN`` …)."""
    words = statement.split(None, 1)
    return words[0].upper().rstrip(";") if words else ""


class TracedCursor:
    def __init__(self, cursor: Any, connection: TracedConnection):
        self._cursor, self._connection = cursor, connection

    def execute(self, statement: str, parameters: Sequence[Any] = ()) -> TracedCursor:
        with self._connection.span(operation_of(statement), statement):
            self._cursor.execute(statement, parameters)
        return self

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> TracedCursor:
        with self._connection.span(operation_of(statement), statement):
            self._cursor.executemany(statement, rows)
        return self

    def fetchone(self) -> Any:
        with self._connection.span("FETCH", "") as span:
            row = self._cursor.fetchone()
            span.set_attribute("inkproof.db.rows", 0 if row is None else 1)
            span.set_attribute("db.response.returned_rows", 0 if row is None else 1)
        return row

    def fetchall(self) -> list[Any]:
        with self._connection.span("FETCH", "") as span:
            rows = list(self._cursor.fetchall())
            span.set_attribute("inkproof.db.rows", len(rows))
            span.set_attribute("db.response.returned_rows", len(rows))
        return rows

    def __getattr__(self, name: str) -> Any:  # rowcount, description, close …
        return getattr(self._cursor, name)


class TracedConnection:
    def __init__(self, connection: Any, tracer: Tracer, system: str):
        self._connection, self._tracer, self._system = connection, tracer, system
        self._id = next(_connection_ids)

    def span(self, operation: str, statement: str) -> Any:
        return self._tracer.start_as_current_span(
            operation or "SQL", kind=SpanKind.CLIENT,
            attributes={"db.system": self._system, "db.operation": operation,
                        "db.statement": statement, "inkproof.db.connection": self._id})

    def cursor(self) -> TracedCursor:
        return TracedCursor(self._connection.cursor(), self)

    def commit(self) -> None:
        with self.span("COMMIT", "COMMIT"):
            self._connection.commit()

    def __getattr__(self, name: str) -> Any:  # close, rollback, autocommit …
        return getattr(self._connection, name)


def traced_connect(connect: Callable[[], Any], tracer: Tracer,
                   system: str) -> Callable[[], TracedConnection]:
    """``connect`` whose connections record spans through ``tracer``."""
    return lambda: TracedConnection(connect(), tracer, system)
