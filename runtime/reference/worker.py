"""The invalidation worker: consumes events from the stream's consumer group, applies the
configured action to the key, then acknowledges. Driven step by step (``drain``), because
blocking XREADGROUP is not reliable on fakeredis and verification wants determinism.

Every action is idempotent (deleting, expiring or refreshing a key twice leaves the same
state), so an event delivered again after a crash changes nothing; events left
unacknowledged longer than ``redelivery_idle_ms`` are claimed again with XAUTOCLAIM. Each
event is handled inside the trace context its producer put in the message, so the
invalidation shows up in the trace of the write that caused it.
"""

from __future__ import annotations

import json

import redis
from opentelemetry import context, propagate

from inkproof.runtime.reference.checkpoints import Checkpoints
from inkproof.runtime.reference.config import SystemConfig
from inkproof.runtime.reference.store import SqlStore

Entry = tuple[str, dict[str, str]]


class Worker:
    def __init__(self, config: SystemConfig, cache: redis.Redis, store: SqlStore,
                 name: str = "worker-1", checkpoints: Checkpoints | None = None):
        self.config, self.cache, self.store, self.name = config, cache, store, name
        self.checkpoints = checkpoints or Checkpoints()
        self.applied: list[Entry] = []  # (message id, fields)
        try:
            cache.xgroup_create(config.stream_key, config.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        # The stream (and its group) must not outlive the deployment forever; XADD keeps
        # a stream's TTL, so one EXPIRE right after creating it covers every event.
        cache.expire(config.stream_key, config.key_ttl)

    def drain(self, limit: int = 1000) -> int:
        """Handle every pending event (new ones and stale unacknowledged ones)."""
        handled = 0
        while handled < limit:
            batch = self._claim_stale() or self._read_new()
            if not batch:
                return handled
            for message_id, fields in batch:
                token = context.attach(propagate.extract(fields))
                try:
                    self.handle(message_id, fields)
                finally:
                    context.detach(token)
                handled += 1
        return handled

    def handle(self, message_id: str, fields: dict[str, str]) -> None:
        """Apply, then acknowledge: a crash in between means the event comes again."""
        self.apply(fields)
        self.checkpoints.reach("worker:before-ack")
        self.cache.xack(self.config.stream_key, self.config.group, message_id)
        self.applied.append((message_id, fields))

    def _read_new(self) -> list[Entry]:
        answer = self.cache.xreadgroup(self.config.group, self.name,
                                       {self.config.stream_key: ">"}, count=100)
        return [entry for _stream, entries in answer or [] for entry in entries]

    def _claim_stale(self) -> list[Entry]:
        _next, claimed, *_ = self.cache.xautoclaim(
            self.config.stream_key, self.config.group, self.name,
            min_idle_time=self.config.redelivery_idle_ms, start_id="0-0", count=100)
        return [entry for entry in claimed if entry and entry[1]]

    def apply(self, fields: dict[str, str]) -> None:
        """Apply the configured action for one event (idempotent)."""
        key = fields["key"]
        action = self.config.worker_action
        if action == "delete":
            self.cache.delete(key)
        elif action == "unlink":
            self.cache.unlink(key)
        elif action == "expire":
            self.cache.expire(key, self.config.expire_seconds)
        else:  # refresh: write the committed value through
            item = self.store.get(int(fields["entity_id"]))
            if item is None:
                self.cache.delete(key)
            else:
                self.cache.set(key, json.dumps(item.as_json()), ex=self.config.ttl)
