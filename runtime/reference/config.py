"""The reference system's own settings (deliberately not read from any spec)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

#: What the worker does with a key when an invalidation event arrives.
WorkerAction = Literal["delete", "unlink", "expire", "refresh"]


@dataclass(frozen=True)
class SystemConfig:
    ttl: int = 300  # seconds a cache fill lives
    key_pattern: str = "cache:key:{id}"
    version_key_pattern: str = "cache:version:{id}"  # for versioned keys
    prefix: str = ""  # every key and stream the system writes starts with it
    stream: str = "invalidations"
    group: str = "invalidation-workers"
    worker_action: WorkerAction = "delete"
    expire_seconds: int = 1  # for worker_action "expire": the shortened TTL
    write_through: bool = False  # the API also refreshes the cache right after COMMIT
    versioned_keys: bool = False  # keys carry a version tag bumped on every write
    redelivery_idle_ms: int = 1_000  # unacknowledged events are claimed again after this
    key_ttl: int = 3_600  # the stream and version keys expire too, so nothing lives forever

    def key(self, item_id: int, version: int | None = None) -> str:
        key = self.prefix + self.key_pattern.format(id=item_id)
        return key if version is None else f"{key}:v{version}"

    def version_key(self, item_id: int) -> str:
        return self.prefix + self.version_key_pattern.format(id=item_id)

    @property
    def stream_key(self) -> str:
        return self.prefix + self.stream

    def for_strategy(self, strategy: str | None) -> SystemConfig:
        """The deployment of this system that uses an invalidation strategy (by the name of
        the property a spec's strategy claims); None is the default, delete-on-write."""
        profiles: dict[str | None, dict[str, object]] = {
            None: {},
            "delete-on-write": {"worker_action": "delete"},
            "write-through-refresh": {"write_through": True, "worker_action": "refresh"},
            "ttl-backstop": {"worker_action": "expire"},
            "key-versioning": {"versioned_keys": True},
        }
        if strategy not in profiles:
            raise LookupError(f"the reference system has no {strategy!r} deployment")
        return replace(self, **profiles[strategy])  # type: ignore[arg-type]
