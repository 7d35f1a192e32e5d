"""The PostgreSQL proxy against a real server: what drivers send untraced is on its record.

The oracle is PostgreSQL itself: its answers reach the client through the proxy unchanged
(the rows, the errors), and what the proxy records is compared with what the client did
— an implicit DB-API transaction (psycopg opens it with a BEGIN of its own, ``commit()``
sends COMMIT), a failed statement, a commit the server turns into ROLLBACK, a simple query
holding two statements, a TLS request declined.
"""

from __future__ import annotations

import pytest

from inkproof.runtime.assemble import BoxMap, assemble, sql_disagreements
from inkproof.runtime.pgwire import PostgresProxy, SqlStatement
from tests.test_assemble import BEGINNER, MS, span


@pytest.fixture
def proxy(postgres_url: str):
    with PostgresProxy(postgres_url) as running:
        yield running


def _kinds(statements: list[SqlStatement]) -> list[str]:
    return [s.kind for s in statements]


def test_an_implicit_transaction_shows_its_begin_and_commit(proxy: PostgresProxy) -> None:
    import psycopg

    with psycopg.connect(proxy.url, application_name="items-api") as conn:
        conn.execute("CREATE TEMP TABLE t (id int PRIMARY KEY, name text)")
        conn.commit()
        proxy.record.take()
        conn.execute("INSERT INTO t VALUES (%s, %s)", (1, "a"))
        conn.execute("UPDATE t SET name = %s WHERE id = %s", ("b", 1))
        rows = conn.execute("SELECT name FROM t WHERE id = %s", (1,)).fetchall()
        conn.commit()
    assert rows == [("b",)]  # the server's answer came through unchanged
    statements = proxy.record.take()
    assert _kinds(statements) == ["BEGIN", "INSERT", "UPDATE", "SELECT", "COMMIT"]
    assert statements[3].rows == 1 and statements[2].tag == "UPDATE 1"
    assert "UPDATE t SET name" in statements[2].text
    assert {s.application for s in statements} == {"items-api"}
    assert all(s.sent_ns <= s.done_ns for s in statements)
    assert [s.sent_ns for s in statements] == sorted(s.sent_ns for s in statements)


def test_failures_and_a_refused_commit_are_told_apart(proxy: PostgresProxy) -> None:
    import psycopg

    with psycopg.connect(proxy.url) as conn:
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("UPDATE missing_table SET x = 1")
        conn.rollback()
        conn.execute("SELECT 1")
        conn.commit()
    kinds = _kinds(proxy.record.take())
    assert kinds == ["BEGIN", "FAILED-UPDATE", "ROLLBACK", "BEGIN", "SELECT", "COMMIT"]

    # COMMIT of an aborted transaction: the server answers with the tag ROLLBACK
    with psycopg.connect(proxy.url, autocommit=True) as conn:
        conn.execute("BEGIN")
        with pytest.raises(psycopg.errors.DivisionByZero):
            conn.execute("SELECT 1/0")
        conn.execute("COMMIT")
    assert _kinds(proxy.record.take()) == ["BEGIN", "FAILED-SELECT", "ROLLBACK"]


def test_a_simple_query_with_two_statements_and_a_declined_tls_request(
        proxy: PostgresProxy) -> None:
    import psycopg

    # sslmode=prefer asks for TLS first; the proxy declines and the client goes on
    with psycopg.connect(proxy.url + "?sslmode=prefer", autocommit=True) as conn:
        conn.execute("SELECT 1; SELECT 2", prepare=False)
        conn.pgconn.exec_(b"BEGIN; SELECT 3; COMMIT")
    kinds = _kinds(proxy.record.take())
    assert kinds[-3:] == ["BEGIN", "SELECT", "COMMIT"]
    assert kinds.count("SELECT") == 3, kinds


def test_the_wire_groups_transactions_and_finds_their_box(proxy: PostgresProxy) -> None:
    """Assembled as the target path does: each implicit transaction is one `sql` event of
    the box its application_name names, with the row count of its SELECT."""
    import psycopg

    flow = BEGINNER
    with psycopg.connect(proxy.url, application_name="api") as conn:
        conn.execute("SELECT 1 WHERE false")
        conn.commit()
        conn.execute("SELECT generate_series(1, 3)")
    events = assemble(flow, BoxMap(flow), [], [], None, proxy.record.take())
    sql = [e for e in events if e.kind == "sql"]
    # the second transaction is committed by leaving the `with` block: no commit() call
    assert [e.tokens for e in sql] == [("BEGIN", "SELECT", "COMMIT")] * 2
    assert {e.source for e in sql} == {"api"}
    results = [e.tokens for e in events if e.kind == "sql_result"]
    assert results == [("0",), ("3",)]


def _statement(at: int, kind: str, connection: str = "127.0.0.1:1") -> SqlStatement:
    return SqlStatement(connection, "", f"{kind} …", kind, at * MS, (at + 1) * MS)


def test_sql_spans_the_wire_does_not_show_are_named() -> None:
    """The second opinion on hand-written records: an UPDATE span agrees with the wire's
    UPDATE inside it; a span with no statement on the wire (a driver that bypassed the
    proxy, a span of a statement never sent) is named with its service."""
    spans = [span("items-api", "UPDATE", "client", 10, 13,
                  **{"db.system": "postgresql", "db.statement": "UPDATE items …"}),
             span("items-api", "DELETE", "client", 20, 23,
                  **{"db.system": "postgresql", "db.statement": "DELETE FROM items"})]
    wire = [_statement(9, "BEGIN"), _statement(11, "UPDATE 1"), _statement(14, "COMMIT")]
    missing, agreed = sql_disagreements(wire, spans, BoxMap(BEGINNER))
    assert agreed == 1
    assert missing == ["items-api: OpenTelemetry saw DELETE but the database's wire has "
                       "no such statement from it"]
    # the same spans over a wire that shows both: no disagreement
    missing, agreed = sql_disagreements([*wire, _statement(21, "DELETE 1")], spans,
                                        BoxMap(BEGINNER))
    assert (missing, agreed) == ([], 2)
