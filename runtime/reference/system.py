"""The reference system assembled from its parts, as a verification factory.

``build(wiring)`` is what ``inkproof verify`` runs by default; ``build_with(config)`` makes
a factory for other settings; the mutants reuse it with one part swapped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from inkproof.runtime.reference.checkpoints import Checkpoints
from inkproof.runtime.reference.config import SystemConfig
from inkproof.runtime.reference.service import CacheAsideApi
from inkproof.runtime.reference.store import SqlStore
from inkproof.runtime.reference.worker import Worker
from inkproof.runtime.system import Wiring

#: The items the system starts with (its own demo data, not the spec's).
ITEMS = {item_id: f"Widget {item_id}" for item_id in range(1, 101)}


@dataclass
class ReferenceSystem:
    api: CacheAsideApi
    worker: Worker
    store: SqlStore
    checkpoints: Checkpoints

    @property
    def app(self) -> Any:
        return self.api.app()

    def drain(self) -> int:
        return self.worker.drain()

    def source_of_truth(self, item_id: int) -> Mapping[str, object] | None:
        item = self.store.get(item_id)
        return None if item is None else json.loads(json.dumps(item.as_json()))

    def close(self) -> None:
        self.store.drop()


DEFAULT_CONFIG = SystemConfig()
#: What the default deployment (no strategy asked for) runs: claims of this strategy are
#: proven on the deployment a flow's strategy-less scenarios run on.
DEFAULT_STRATEGY = "delete-on-write"


def build_with(config: SystemConfig = DEFAULT_CONFIG, *,
               api_class: type[CacheAsideApi] = CacheAsideApi,
               worker_class: type[Worker] = Worker) -> Callable[[Wiring], ReferenceSystem]:
    def build(wiring: Wiring) -> ReferenceSystem:
        settings = replace(config.for_strategy(wiring.strategy), prefix=wiring.prefix,
                           key_ttl=wiring.key_ttl)
        timers = wiring.timers
        if timers is not None and timers.ttl is not None:
            settings = replace(settings, ttl=timers.ttl)
        if timers is not None and timers.redelivery_idle_ms is not None:
            settings = replace(settings, redelivery_idle_ms=timers.redelivery_idle_ms)
        db = wiring.database
        store = SqlStore(db.connect, placeholder=db.placeholder,
                         table=f"{wiring.table_prefix}items")
        store.create(ITEMS)
        checkpoints = Checkpoints()
        api = api_class(settings, wiring.redis("api"), store, checkpoints)
        if settings.versioned_keys:
            api.seed_versions(ITEMS)
        worker = worker_class(settings, wiring.redis("worker"), store,
                              checkpoints=checkpoints)
        return ReferenceSystem(api, worker, store, checkpoints)

    build.default_strategy = DEFAULT_STRATEGY  # type: ignore[attr-defined]
    return build


build = build_with()
