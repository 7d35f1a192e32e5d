"""Observation at the library boundary: spans from real clients become the right events."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import fakeredis
import pytest

from inkproof.runtime.dbtrace import traced_connect
from inkproof.runtime.observe import HARNESS, Observation, acting_as, events_from_spans


@pytest.fixture
def observation():
    with Observation() as observed:
        yield observed


def test_redis_commands_keep_their_arguments_and_replies(observation: Observation) -> None:
    cache = fakeredis.FakeRedis(decode_responses=True)
    with acting_as("api"):
        cache.get("run:cache:key:42")
        cache.execute_command("SETEX", "run:cache:key:42", 300, '{"id": 42}')
        cache.get("run:cache:key:42")
    events = events_from_spans(observation.recorder.take(), prefix="run:",
                               components={"api": "api-box", "cache": "cache-box"})
    assert [(e.source, e.target, e.kind, e.tokens) for e in events] == [
        ("api-box", "cache-box", "redis", ("GET", "cache:key:42")),
        ("cache-box", "api-box", "redis_reply", ("GET", "miss")),
        ("api-box", "cache-box", "redis", ("SETEX", "cache:key:42", "300", '{"id": 42}')),
        ("api-box", "cache-box", "redis", ("GET", "cache:key:42")),
        ("cache-box", "api-box", "redis_reply", ("GET", "hit")),
    ]
    assert [e.index for e in events] == list(range(5))


def test_stream_traffic_becomes_publish_and_consume(observation: Observation) -> None:
    cache = fakeredis.FakeRedis(decode_responses=True)
    with acting_as("worker"):
        cache.xgroup_create("s", "g", id="0", mkstream=True)
    with acting_as("api"):
        cache.xadd("s", {"entity_id": "42", "key": "cache:key:42", "traceparent": "00-x"})
    with acting_as("worker"):
        [(_, [(message_id, _fields)])] = cache.xreadgroup("g", "c", {"s": ">"})
        cache.xack("s", "g", message_id)
        cache.xreadgroup("g", "c", {"s": ">"})  # nothing new: no event
    events = events_from_spans(observation.recorder.take())
    assert [(e.source, e.target, e.kind, e.tokens) for e in events] == [
        ("api", "queue", "publish", ("entity_id", "key")),  # trace context is transport
        ("queue", "worker", "consume", ("entity_id", "key")),
    ]
    assert message_id in events[1].evidence


def test_the_component_follows_threads_that_copy_the_context(observation: Observation) -> None:
    import contextvars

    cache = fakeredis.FakeRedis(decode_responses=True)
    with acting_as("worker"):
        context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(cache.delete, "k"))
    thread.start()
    thread.join()
    with acting_as(HARNESS):
        cache.get("k")  # the harness's own reads are never events
    cache.get("k")  # no component: reported as such, not silently attributed
    events = events_from_spans(observation.recorder.take())
    assert [(e.source, e.tokens[0]) for e in events if e.kind == "redis"] == [
        ("worker", "DEL"), ("unknown", "GET")]


def _traced_db(observation: Observation, path: Path):
    connect = traced_connect(lambda: sqlite3.connect(path, isolation_level=None),
                             observation.tracer, "sqlite")
    db = connect()
    cursor = db.cursor()
    return db, cursor


def test_a_transaction_is_one_interaction_and_rows_are_counted(observation: Observation,
                                                               tmp_path: Path) -> None:
    _db, cursor = _traced_db(observation, tmp_path / "x.db")
    with acting_as(HARNESS):
        cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        cursor.execute("INSERT INTO t VALUES (1, 'a')")
    with acting_as("api"):
        cursor.execute("SELECT v FROM t WHERE id = ?", (1,))
        cursor.fetchone()
        cursor.execute("BEGIN")
        cursor.execute("UPDATE t SET v = 'b' WHERE id = 1")
        cursor.execute("COMMIT")
    events = events_from_spans(observation.recorder.take())
    assert [(e.source, e.target, e.kind, e.tokens) for e in events] == [
        ("api", "database", "sql", ("SELECT",)),
        ("database", "api", "sql_result", ("1",)),
        ("api", "database", "sql", ("BEGIN", "UPDATE", "COMMIT")),
    ]
    commit = events[2]
    assert commit.start < commit.end  # the COMMIT span ends after the commit returned


def test_a_commit_that_fails_is_not_a_commit(observation: Observation, tmp_path: Path) -> None:
    _db, cursor = _traced_db(observation, tmp_path / "fk.db")
    with acting_as(HARNESS):
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        cursor.execute("CREATE TABLE child (parent INTEGER REFERENCES parent(id) "
                       "DEFERRABLE INITIALLY DEFERRED)")
    with acting_as("api"):
        cursor.execute("BEGIN")
        cursor.execute("INSERT INTO child VALUES (7)")  # checked only at COMMIT
        with pytest.raises(sqlite3.IntegrityError):
            cursor.execute("COMMIT")
    [event] = events_from_spans(observation.recorder.take())
    assert event.tokens == ("BEGIN", "INSERT", "FAILED-COMMIT")


def test_one_observation_at_a_time(observation: Observation) -> None:
    with pytest.raises(RuntimeError, match="another observation"), Observation():
        pass


def test_pipelined_and_transaction_commands_are_each_observed(observation: Observation) -> None:
    """A pipeline is one span to the stock instrumentation, arguments sanitized: traffic a
    picture could hide. Each command must still become its own event, replies included."""
    cache = fakeredis.FakeRedis(decode_responses=True)
    with acting_as("api"):
        cache.pipeline(transaction=True).set("run:k", "v", ex=5).delete("run:j").execute()
        cache.pipeline(transaction=False).get("run:k").get("run:missing").execute()
    events = events_from_spans(observation.recorder.take(), prefix="run:")
    assert [(e.kind, e.tokens) for e in events] == [
        ("redis", ("SET", "k", "v", "EX", "5")),
        ("redis", ("DEL", "j")),
        ("redis", ("GET", "k")),
        ("redis_reply", ("GET", "hit")),
        ("redis", ("GET", "missing")),
        ("redis_reply", ("GET", "miss")),
    ]
