"""Items API: cache-aside reads from Redis in front of PostgreSQL.

GET  /item/<id>  Redis GET cache:key:<id>; on a miss read the row and fill the cache.
PUT  /item/<id>  update the row in one transaction (DB-API style: commit()), then publish an
                 invalidation on the Redis stream ``invalidations`` (the worker deletes
                 the cache key).
GET  /healthz    readiness; not traced.

Run it with gunicorn (see gunicorn.conf.py and run.sh).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time

import psycopg
import redis
import telemetry
from flask import Flask, Response, jsonify, request
from opentelemetry import propagate
from opentelemetry.instrumentation.flask import FlaskInstrumentor

telemetry.setup("items-api")

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CACHE_TTL_SECONDS = int(os.environ.get("CACHE_TTL_SECONDS", "300"))
STREAM = "invalidations"
GROUP = "invalidation-workers"
SEED_ITEMS = 100

log = logging.getLogger("items-api")
cache = redis.Redis.from_url(REDIS_URL, decode_responses=True)


def cache_key(item_id: int) -> str:
    return f"cache:key:{item_id}"


def connect() -> psycopg.Connection:
    # psycopg opens a transaction before the first statement; `with` closes the
    # connection and commits what is still open (PUT commits explicitly, before it
    # publishes).
    return psycopg.connect(DATABASE_URL)


def row_json(row: tuple) -> str:
    item_id, name, version = row
    return json.dumps({"id": item_id, "name": name, "version": version})


def _stop_waiting(signum, frame):
    raise SystemExit(0)


def init_storage(timeout: float = 30.0) -> None:
    """Create and seed the table and the stream's consumer group, waiting for both
    servers to come up (they may start at the same time as we do). A SIGTERM while we
    wait stops the process at once instead of after gunicorn's graceful timeout."""
    try:
        previous = signal.signal(signal.SIGTERM, _stop_waiting)
    except ValueError:  # not the main thread: keep the server's handler
        previous = None
    try:
        _init_storage(timeout)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _init_storage(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with connect() as conn, conn.cursor() as cur:
                cur.execute(
                    "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY,"
                    " name TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)")
                cur.executemany(
                    "INSERT INTO items (id, name, version) VALUES (%s, %s, 1)"
                    " ON CONFLICT DO NOTHING",
                    [(i, f"Widget {i}") for i in range(1, SEED_ITEMS + 1)])
            try:
                cache.xgroup_create(STREAM, GROUP, id="$", mkstream=True)
            except redis.ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise
            return
        except (psycopg.OperationalError, redis.ConnectionError) as error:
            if time.monotonic() > deadline:
                raise
            log.warning("storage not ready yet (%s); retrying", error)
            time.sleep(0.5)


def create_app() -> Flask:
    app = Flask(__name__)
    FlaskInstrumentor().instrument_app(
        app, excluded_urls=os.environ.get("OTEL_PYTHON_FLASK_EXCLUDED_URLS", "healthz"))

    @app.get("/healthz")
    def healthz():
        return jsonify(ok=True)

    @app.get("/item/<int:item_id>")
    def get_item(item_id: int):
        key = cache_key(item_id)
        cached = cache.get(key)
        if cached is not None:
            return Response(cached, mimetype="application/json")
        with connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT id, name, version FROM items WHERE id = %s", (item_id,))
            row = cur.fetchone()
        if row is None:
            return jsonify(error="not found", id=item_id), 404
        body = row_json(row)
        cache.set(key, body, ex=CACHE_TTL_SECONDS)
        return Response(body, mimetype="application/json")

    @app.put("/item/<int:item_id>")
    def put_item(item_id: int):
        payload = request.get_json(silent=True)
        name = payload.get("name") if isinstance(payload, dict) else None
        if not isinstance(name, str) or not name.strip():
            return jsonify(error='body must be JSON {"name": "<non-empty string>"}'), 400
        with connect() as conn:
            cur = conn.execute(
                "UPDATE items SET name = %s, version = version + 1 WHERE id = %s",
                (name, item_id))
            if cur.rowcount == 0:
                conn.rollback()
                return jsonify(error="not found", id=item_id), 404
            row = conn.execute("SELECT id, name, version FROM items WHERE id = %s",
                               (item_id,)).fetchone()
            conn.commit()
        # Only after the commit: tell the workers to drop the cached copy. The trace
        # context travels in the message so the worker's span joins this trace.
        fields = {"entity_id": str(item_id), "key": cache_key(item_id)}
        propagate.inject(fields)
        cache.xadd(STREAM, fields)
        return Response(row_json(row), mimetype="application/json")

    return app


logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
init_storage()
app = create_app()
