"""The reference system's own settings (deliberately not read from any spec)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: What the worker does with a key when an invalidation event arrives.
WorkerAction = Literal["delete", "unlink", "expire", "refresh"]


@dataclass(frozen=True)
class SystemConfig:
    ttl: int = 300  # seconds a cache fill lives
    key_pattern: str = "cache:key:{id}"
    prefix: str = ""  # every key and stream the system writes starts with it
    stream: str = "invalidations"
    group: str = "invalidation-workers"
    worker_action: WorkerAction = "delete"
    expire_seconds: int = 1  # for worker_action "expire": the shortened TTL
    write_through: bool = False  # the API also refreshes the cache right after COMMIT
    redelivery_idle_ms: int = 30_000  # unacknowledged events are claimed again after this

    def key(self, item_id: int) -> str:
        return self.prefix + self.key_pattern.format(id=item_id)

    @property
    def stream_key(self) -> str:
        return self.prefix + self.stream
