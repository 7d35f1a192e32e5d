"""Mutants: variants of the reference system that each break one promise of the picture.

Verification must reject every one of them and name the arrow or callout that no longer
holds (``inkproof verify SPEC --mutant NAME``); that is how the harness shows it can fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import JSONResponse

from inkproof.runtime.reference.config import SystemConfig
from inkproof.runtime.reference.service import CacheAsideApi
from inkproof.runtime.reference.store import Item
from inkproof.runtime.reference.system import DEFAULT_CONFIG, ReferenceSystem, build_with
from inkproof.runtime.reference.worker import Worker
from inkproof.runtime.system import Wiring


class PublishBeforeCommit(CacheAsideApi):
    """Publishes the invalidation first, then commits: a reader can refill the cache with
    the old row between the two."""

    def _write(self, identifier: int, name: str) -> JSONResponse:
        self.publish(identifier, self.cache_key(identifier))  # too early
        item = self.commit(identifier, name)
        if item is None:
            return JSONResponse({"error": "no such item"}, status_code=404)
        self.checkpoints.reach("write:after-commit")
        self.refresh(item)
        return JSONResponse(item.as_json())


class NoTtl(CacheAsideApi):
    """Fills the cache without a TTL: a lost invalidation leaves stale data forever."""

    def fill(self, key: str, item: Item) -> None:
        self.cache.set(key, json.dumps(item.as_json()))


class SkippedInvalidation(CacheAsideApi):
    """Commits but never publishes the invalidation event."""

    def publish(self, item_id: int, key: str) -> None:
        return None


class LaggingReplica(CacheAsideApi):
    """Reads on a miss come from a replica one write behind: every command is the one
    drawn (GET, SELECT, SET), but the value refilled after an invalidation is the old
    row — only comparing what reads return with the source of truth shows it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.behind: dict[int, Item] = {}  # the row as it was before the last write

    def commit(self, item_id: int, name: str) -> Item | None:
        before = self.store.get(item_id)
        item = super().commit(item_id, name)
        if before is not None and item is not None:
            self.behind[item_id] = before
        return item

    def load(self, item_id: int) -> Item | None:
        current = super().load(item_id)  # the replica's SELECT
        return self.behind.get(item_id, current)


class ShardWithoutTtl(CacheAsideApi):
    """Items from id 60 up live on a second shard whose fill path forgets the TTL: the
    picture's own item (42) is fine; only a claim checked on other ids sees it."""

    def fill(self, key: str, item: Item) -> None:
        if item.id >= 60:
            self.cache.set(key, json.dumps(item.as_json()))
        else:
            super().fill(key, item)


class EveryThirdWriteUnpublished(CacheAsideApi):
    """Every third write commits but publishes nothing (a batching bug): one write of the
    picture's item is fine; repeated writes in one run see it."""

    writes = 0

    def publish(self, item_id: int, key: str) -> None:
        self.writes += 1
        if self.writes % 3:
            super().publish(item_id, key)


class CountingWorker(Worker):
    """Counts invalidations in Redis on every delivery: a redelivered event counts twice."""

    def apply(self, fields: dict[str, str]) -> None:
        super().apply(fields)
        self.cache.incr(f"{self.config.prefix}stats:invalidations:{fields['entity_id']}")


class AckBeforeApply(Worker):
    """Acknowledges an event before applying it: a crash in between loses the event."""

    def handle(self, message_id: str, fields: dict[str, str]) -> None:
        self.cache.xack(self.config.stream_key, self.config.group, message_id)
        self.apply(fields)
        self.checkpoints.reach("worker:before-ack")
        self.applied.append((message_id, fields))


@dataclass(frozen=True)
class Mutant:
    """One thing broken in the reference system: its settings or one of its parts swapped,
    so that it runs in process (``factory``) and as its own processes (``serve.py`` with
    ``INKPROOF_MUTANT``) alike."""

    name: str
    breaks: str  # what it breaks, for --list-mutants and reports
    config: SystemConfig = DEFAULT_CONFIG
    api_class: type[CacheAsideApi] = CacheAsideApi
    worker_class: type[Worker] = Worker

    @property
    def factory(self) -> Callable[[Wiring], ReferenceSystem]:
        return build_with(self.config, api_class=self.api_class,
                          worker_class=self.worker_class)


MUTANTS: dict[str, Mutant] = {m.name: m for m in (
    Mutant("publish-before-commit", "the invalidation is published before the COMMIT",
           api_class=PublishBeforeCommit),
    Mutant("no-ttl", "cache fills carry no TTL", api_class=NoTtl),
    Mutant("wrong-key", "the cache key is cache:item:{id}, not the one drawn",
           SystemConfig(key_pattern="cache:item:{id}")),
    Mutant("non-idempotent-consumer", "the worker counts every delivery (INCR)",
           worker_class=CountingWorker),
    Mutant("skipped-invalidation", "writes commit but never publish an invalidation",
           api_class=SkippedInvalidation),
    Mutant("ack-before-apply", "the worker acknowledges events before applying them",
           worker_class=AckBeforeApply),
    Mutant("lagging-replica", "reads on a miss come from a replica one write behind",
           api_class=LaggingReplica),
    Mutant("shard-without-ttl", "fills of ids from 60 up carry no TTL",
           api_class=ShardWithoutTtl),
    Mutant("every-third-write-unpublished", "every third write publishes no invalidation",
           api_class=EveryThirdWriteUnpublished),
)}
