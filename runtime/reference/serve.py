"""The reference system as a service of its own processes, traced like any other.

``python -m inkproof.runtime.reference.serve`` runs the API (uvicorn on 127.0.0.1:$PORT)
and starts the worker as a second process (``serve worker``); both export their spans over
OTLP/HTTP to ``OTEL_EXPORTER_OTLP_ENDPOINT`` with the stock Redis and ASGI
instrumentations, so ``inkproof verify --config …`` proves the seed flows against it
through exactly the path a Node.js or Go service takes: no harness, no ``drain()``, no
pause points.

Environment: ``PORT``, ``REDIS_URL``, ``DATABASE_URL`` (``postgresql://…`` or a SQLite
file path), ``INKPROOF_STRATEGY`` (a deployment of :class:`SystemConfig`),
``INKPROOF_MUTANT`` (one of :data:`~inkproof.runtime.reference.mutants.MUTANTS`: the same
broken system as ``--mutant``), ``CACHE_TTL_SECONDS``, ``REDELIVERY_IDLE_MS`` and the
standard ``OTEL_*`` variables.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from typing import Any

#: Items the service starts with (its own demo data).
ITEMS = {item_id: f"Widget {item_id}" for item_id in range(1, 101)}


def _provider(default_name: str) -> Any:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME") or default_name
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def _mutant() -> Any:
    from inkproof.runtime.reference.mutants import MUTANTS, Mutant

    name = os.environ.get("INKPROOF_MUTANT") or ""
    if name and name not in MUTANTS:
        sys.exit(f"INKPROOF_MUTANT={name!r}: expected one of {', '.join(MUTANTS)}")
    return MUTANTS[name] if name else Mutant("", "nothing")


def _parts(provider: Any) -> tuple[Any, Any, Any]:
    import redis
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    from inkproof.runtime.dbtrace import traced_connect
    from inkproof.runtime.reference.store import SqlStore

    RedisInstrumentor().instrument(tracer_provider=provider)
    config = _mutant().config.for_strategy(os.environ.get("INKPROOF_STRATEGY") or None)
    if os.environ.get("CACHE_TTL_SECONDS"):
        config = replace(config, ttl=int(os.environ["CACHE_TTL_SECONDS"]))
    if os.environ.get("REDELIVERY_IDLE_MS"):
        config = replace(config, redelivery_idle_ms=int(os.environ["REDELIVERY_IDLE_MS"]))
    database = os.environ.get("DATABASE_URL", "reference.db")
    tracer = provider.get_tracer("inkproof.reference")
    if database.startswith(("postgresql://", "postgres://")):
        import psycopg

        connect = traced_connect(lambda: psycopg.connect(database, autocommit=True), tracer,
                                 "postgresql")
        store = SqlStore(connect, placeholder="%s")
    else:
        connect = traced_connect(lambda: sqlite3.connect(database, isolation_level=None,
                                                         timeout=5), tracer, "sqlite")
        store = SqlStore(connect)
    cache = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                                 decode_responses=True)
    return config, cache, store


def serve_api() -> None:
    import uvicorn
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    provider = _provider("reference-api")
    config, cache, store = _parts(provider)
    store.create(ITEMS)
    traced = OpenTelemetryMiddleware(_mutant().api_class(config, cache, store).app(),
                                     tracer_provider=provider, exclude_spans=["receive"])

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/healthz":  # readiness, untraced
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"ok": true}'})
            return
        await traced(scope, receive, send)

    worker = subprocess.Popen([sys.executable, "-m", "inkproof.runtime.reference.serve",
                               "worker"])
    try:
        uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8080")),
                    log_level="warning", access_log=False, lifespan="off")
    finally:
        worker.terminate()
        worker.wait(timeout=10)
        provider.shutdown()


def serve_worker() -> None:
    provider = _provider("reference-worker")
    config, cache, store = _parts(provider)
    worker = _mutant().worker_class(config, cache, store)
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping:
            if worker.drain() == 0:
                time.sleep(0.02)
    finally:
        provider.shutdown()


if __name__ == "__main__":
    serve_worker() if sys.argv[1:] == ["worker"] else serve_api()
