"""The reference system over real HTTP on 127.0.0.1, with fakeredis and SQLite."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import fakeredis
import httpx
import pytest

from inkproof.runtime.reference.checkpoints import Checkpoints
from inkproof.runtime.reference.config import SystemConfig
from inkproof.runtime.reference.server import LoopbackServer
from inkproof.runtime.reference.service import create_app
from inkproof.runtime.reference.store import SqliteStore
from inkproof.runtime.reference.worker import Worker


@dataclass
class System:
    url: str
    http: httpx.Client
    cache: fakeredis.FakeRedis
    store: SqliteStore
    config: SystemConfig
    checkpoints: Checkpoints

    def worker(self, name: str = "worker-1", **changes: object) -> Worker:
        return Worker(replace(self.config, **changes), self.cache, self.store, name)


def start(tmp_path: Path, **settings: object) -> Iterator[System]:
    config = SystemConfig(prefix="inkproof-test:", **settings)
    cache = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
    store = SqliteStore(tmp_path / "primary.db")
    store.create({42: "Widget"})
    checkpoints = Checkpoints()
    Worker(config, cache, store)  # creates the consumer group before anything is published
    with LoopbackServer(create_app(config, cache, store, checkpoints)) as url, \
            httpx.Client(base_url=url, timeout=10) as http:
        yield System(url, http, cache, store, config, checkpoints)


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    yield from start(tmp_path)


KEY = "inkproof-test:cache:key:42"


def test_served_over_real_http_on_loopback(system: System) -> None:
    assert system.url.startswith("http://127.0.0.1:")


def test_read_misses_fills_with_ttl_then_hits(system: System) -> None:
    first = system.http.get("/item/42")
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    assert first.json() == {"id": 42, "name": "Widget", "version": 1}
    assert json.loads(system.cache.get(KEY)) == first.json()
    assert 0 < system.cache.ttl(KEY) <= 300
    system.store.update(42, "changed behind the cache's back")
    assert system.http.get("/item/42").json()["name"] == "Widget"  # a hit: no database read


def test_write_commits_then_publishes_and_the_worker_deletes(system: System) -> None:
    system.http.get("/item/42")
    response = system.http.put("/item/42", json={"name": "Widget v2"})
    assert response.status_code == 200 and response.json()["version"] == 2
    assert system.store.get(42).name == "Widget v2"
    events = system.cache.xrange("inkproof-test:invalidations")
    assert [fields for _, fields in events] == [{"entity_id": "42", "key": KEY}]
    assert system.cache.exists(KEY)  # invalidation is asynchronous...
    assert system.worker().drain() == 1
    assert not system.cache.exists(KEY)  # ...until the worker ran
    assert system.http.get("/item/42").json()["name"] == "Widget v2"


@pytest.mark.parametrize("action", ["unlink", "expire", "refresh"])
def test_other_worker_actions(system: System, action: str) -> None:
    system.http.get("/item/42")
    system.http.put("/item/42", json={"name": "Widget v2"})
    system.worker(worker_action=action).drain()
    if action == "unlink":
        assert not system.cache.exists(KEY)
    elif action == "expire":
        assert 0 < system.cache.ttl(KEY) <= 1
    else:
        assert json.loads(system.cache.get(KEY))["name"] == "Widget v2"
        assert 0 < system.cache.ttl(KEY) <= 300


def test_an_event_applied_twice_changes_nothing(system: System) -> None:
    system.http.put("/item/42", json={"name": "Widget v2"})
    worker = system.worker(worker_action="refresh")
    worker.drain()
    state = (system.cache.get(KEY), system.cache.ttl(KEY))
    worker.apply(worker.applied[0][1])  # the same event, delivered again
    assert (system.cache.get(KEY), system.cache.ttl(KEY)) == state


def test_unacknowledged_events_are_claimed_again(system: System) -> None:
    system.http.get("/item/42")
    system.http.put("/item/42", json={"name": "Widget v2"})
    crashed = system.worker("crashed")
    assert crashed._read_new()  # read, then died before acknowledging
    assert system.cache.exists(KEY)
    assert system.worker("rescuer", redelivery_idle_ms=0).drain() == 1
    assert not system.cache.exists(KEY)
    assert system.cache.xpending("inkproof-test:invalidations",
                                 system.config.group)["pending"] == 0


def test_write_through_refreshes_the_cache_at_commit(tmp_path: Path) -> None:
    for running in start(tmp_path, write_through=True):
        running.http.get("/item/42")
        running.http.put("/item/42", json={"name": "Widget v2"})
        assert json.loads(running.cache.get(KEY))["name"] == "Widget v2"


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("GET", "/item/7", None, 404),
    ("GET", "/item/abc", None, 400),
    ("PUT", "/item/42", {"nom": "x"}, 400),
    ("PUT", "/item/42", {"name": ""}, 400),  # a name, but empty
    ("PUT", "/item/42", {"name": 5}, 400),  # not a text
    ("PUT", "/item/abc", {"name": "x"}, 400),
    ("PUT", "/item/7", {"name": "x"}, 404),
])
def test_bad_requests(system: System, method: str, path: str, body: object,
                      status: int) -> None:
    assert system.http.request(method, path, json=body).status_code == status
    assert not system.cache.xrange("inkproof-test:invalidations")  # nothing published


def test_the_stale_read_race_reproduced_and_bounded_by_the_ttl(system: System) -> None:
    """Reader misses and reads v1; writer commits v2 and the worker deletes the key; the
    reader then fills v1: the cache serves stale data until the TTL expires."""
    reached, release = system.checkpoints.hold("read:after-select")
    reader = threading.Thread(target=system.http.get, args=("/item/42",))
    reader.start()
    assert reached.wait(10)  # the reader has v1 in hand, not yet in the cache
    with httpx.Client(base_url=system.url, timeout=10) as writer:
        writer.put("/item/42", json={"name": "Widget v2"})
    system.worker().drain()  # invalidation ran before the stale fill
    release.set()
    reader.join(10)
    assert json.loads(system.cache.get(KEY))["name"] == "Widget"  # stale
    assert system.store.get(42).name == "Widget v2"
    assert 0 < system.cache.ttl(KEY) <= 300  # ...but only for one TTL
