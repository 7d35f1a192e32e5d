"""The REST API: cache-aside reads and commit-then-publish writes (Starlette).

GET /item/{id}: Redis GET; on a miss, SELECT from the primary database, SET with the TTL
(``SET … EX``, which Redis treats as SETEX), then 200 OK JSON. PUT /item/{id}: BEGIN;
UPDATE; COMMIT in the database, then publish an invalidation event (entity id and cache
key) to a Redis stream.

Like any instrumented service, it carries the current trace context inside the messages it
publishes (W3C ``traceparent``), so the worker's handling joins the writer's trace. With no
tracing configured that adds nothing.

Each step is a method, so the mutants in :mod:`~inkproof.runtime.reference.mutants` can
break exactly one thing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import redis
from opentelemetry import propagate
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from inkproof.runtime.reference.checkpoints import Checkpoints
from inkproof.runtime.reference.config import SystemConfig
from inkproof.runtime.reference.store import Item, SqlStore


class CacheAsideApi:
    def __init__(self, config: SystemConfig, cache: redis.Redis, store: SqlStore,
                 checkpoints: Checkpoints | None = None):
        self.config, self.cache, self.store = config, cache, store
        self.checkpoints = checkpoints or Checkpoints()

    # ---- the steps ----------------------------------------------------------------------

    def cache_key(self, item_id: int) -> str:
        if not self.config.versioned_keys:
            return self.config.key(item_id)
        version = self.cache.get(self.config.version_key(item_id))
        return self.config.key(item_id, int(version or 0))

    def fill(self, key: str, item: Item) -> None:
        self.cache.set(key, json.dumps(item.as_json()), ex=self.config.ttl)

    def load(self, item_id: int) -> Item | None:
        """The row a cache miss reads (the primary database)."""
        return self.store.get(item_id)

    def commit(self, item_id: int, name: str) -> Item | None:
        return self.store.update(item_id, name)

    def publish(self, item_id: int, key: str) -> None:
        fields = {"entity_id": str(item_id), "key": key}
        propagate.inject(fields)
        self.cache.xadd(self.config.stream_key, fields)

    def refresh(self, item: Item) -> None:
        """What a committed change sets off in the cache besides invalidation: a version
        bump (versioned keys) and the write-through refresh."""
        if self.config.versioned_keys:
            self.cache.incr(self.config.version_key(item.id))  # keeps the seeded TTL
        if self.config.write_through:
            self.fill(self.cache_key(item.id), item)

    def seed_versions(self, item_ids: Iterable[int]) -> None:
        """Versioned keys: every item's version tag exists from the start, with a TTL
        (INCR keeps it), so no tag is ever a key that lives forever."""
        for item_id in item_ids:
            self.cache.set(self.config.version_key(item_id), 0, ex=self.config.key_ttl,
                           nx=True)

    # ---- the endpoints ------------------------------------------------------------------

    def read(self, request: Request) -> JSONResponse:
        identifier = _item_id(request)
        if identifier is None:
            return JSONResponse({"error": "item id must be a number"}, status_code=400)
        key = self.cache_key(identifier)
        cached = self.cache.get(key)
        if cached is not None:
            return JSONResponse(json.loads(cached))
        item = self.load(identifier)
        if item is None:
            return JSONResponse({"error": "no such item"}, status_code=404)
        self.checkpoints.reach("read:after-select")  # the stale-read race opens here
        self.fill(key, item)
        return JSONResponse(item.as_json())

    async def write(self, request: Request) -> JSONResponse:
        identifier = _item_id(request)
        if identifier is None:
            return JSONResponse({"error": "item id must be a number"}, status_code=400)
        try:
            body = await request.json()
            name = body["name"]
            if not isinstance(name, str) or not name:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": 'expected JSON {"name": "..."}'}, status_code=400)
        # Blocking database and Redis calls stay off the event loop, as Starlette does for
        # plain (sync) endpoints.
        return await run_in_threadpool(self._write, identifier, name)

    def _write(self, identifier: int, name: str) -> JSONResponse:
        old_key = self.cache_key(identifier)
        item = self.commit(identifier, name)  # BEGIN; UPDATE; COMMIT
        if item is None:
            return JSONResponse({"error": "no such item"}, status_code=404)
        self.checkpoints.reach("write:after-commit")
        self.refresh(item)
        self.publish(item.id, old_key)  # only once the change is durable
        return JSONResponse(item.as_json())

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/item/{item_id}", self.read, methods=["GET"]),
                                 Route("/item/{item_id}", self.write, methods=["PUT", "POST"])])


def _item_id(request: Request) -> int | None:
    raw = request.path_params["item_id"]
    return int(raw) if raw.isdigit() else None


def create_app(config: SystemConfig, cache: redis.Redis, store: SqlStore,
               checkpoints: Checkpoints | None = None) -> Starlette:
    """The API as an ASGI app (kept for callers that need only the app)."""
    return CacheAsideApi(config, cache, store, checkpoints).app()
