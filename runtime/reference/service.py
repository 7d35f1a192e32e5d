"""The REST API: cache-aside reads and commit-then-publish writes (Starlette).

GET /item/{id}: Redis GET; on a miss, SELECT from the primary database, SETEX with the
TTL, then 200 OK JSON. PUT /item/{id}: BEGIN; UPDATE; COMMIT in the database, then
publish an invalidation event (entity id and cache key) to a Redis stream.
"""

from __future__ import annotations

import json

import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from inkproof.runtime.reference.checkpoints import Checkpoints
from inkproof.runtime.reference.config import SystemConfig
from inkproof.runtime.reference.store import SqliteStore


def create_app(config: SystemConfig, cache: redis.Redis, store: SqliteStore,
               checkpoints: Checkpoints | None = None) -> Starlette:
    points = checkpoints or Checkpoints()

    def item_id(request: Request) -> int | None:
        raw = request.path_params["item_id"]
        return int(raw) if raw.isdigit() else None

    def read(request: Request) -> JSONResponse:
        identifier = item_id(request)
        if identifier is None:
            return JSONResponse({"error": "item id must be a number"}, status_code=400)
        key = config.key(identifier)
        cached = cache.get(key)
        if cached is not None:
            return JSONResponse(json.loads(cached))
        item = store.get(identifier)
        if item is None:
            return JSONResponse({"error": "no such item"}, status_code=404)
        points.reach("read:after-select")  # the stale-read race opens here
        cache.set(key, json.dumps(item.as_json()), ex=config.ttl)  # SET … EX ≡ SETEX
        return JSONResponse(item.as_json())

    async def write(request: Request) -> JSONResponse:
        identifier = item_id(request)
        if identifier is None:
            return JSONResponse({"error": "item id must be a number"}, status_code=400)
        try:
            body = await request.json()
            name = body["name"]
            if not isinstance(name, str) or not name:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": 'expected JSON {"name": "..."}'}, status_code=400)
        item = store.update(identifier, name)
        if item is None:
            return JSONResponse({"error": "no such item"}, status_code=404)
        points.reach("write:after-commit")
        if config.write_through:
            cache.set(config.key(identifier), json.dumps(item.as_json()), ex=config.ttl)
        cache.xadd(config.stream_key, {"entity_id": str(identifier),
                                       "key": config.key(identifier)})
        return JSONResponse(item.as_json())

    return Starlette(routes=[Route("/item/{item_id}", read, methods=["GET"]),
                             Route("/item/{item_id}", write, methods=["PUT", "POST"])])
