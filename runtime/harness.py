"""The harness: build a system, serve it, drive it, observe it, clean up after it.

A :class:`Session` is one ``inkproof verify`` invocation: it owns the Redis and database
backends, the observation (OpenTelemetry instrumentation), the clock, one HTTP(S) server on
127.0.0.1 and, against a real Redis, the MONITOR witness. Each scenario or property gets a
fresh :class:`Run` — a new system under a new key prefix — so runs cannot see each other's
state, and everything a run created is removed when it ends (only keys under its own
prefix; nothing is ever flushed).
"""

from __future__ import annotations

import secrets
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from inkproof.model import Flow, Step
from inkproof.runtime.dbtrace import traced_connect
from inkproof.runtime.events import Event
from inkproof.runtime.observe import API, HARNESS, WORKER, Observation, acting_as, events_from_spans
from inkproof.runtime.reference.checkpoints import SimulatedCrash
from inkproof.runtime.reference.server import LoopbackServer
from inkproof.runtime.system import (
    Database,
    DatabaseBackend,
    RedisBackend,
    System,
    SystemFactory,
    Timers,
    Wiring,
    safe_url,
)
from inkproof.runtime.topology import components_of
from inkproof.runtime.witness import MonitorWitness


@dataclass(frozen=True)
class Backends:
    """Where the system's infrastructure lives: ``None`` means the embedded default."""

    redis_url: str | None = None
    db_url: str | None = None
    https: bool = False


class _Dispatch:
    """One server for the whole session; each run plugs its (instrumented) app in."""

    def __init__(self) -> None:
        self.target: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.target is None:
            raise RuntimeError("no system is being served")
        await self.target(scope, receive, send)


class Clock:
    """Moves time forward for TTLs and redelivery: by travelling (fakeredis, whose expiry
    reads ``time.time``) or by waiting (a real server keeps its own clock)."""

    def __init__(self, real_server: bool):
        self.real_server = real_server
        self._travel: Any = None
        self._coordinates: Any = None

    def __enter__(self) -> Clock:
        if not self.real_server:
            import time_machine

            self._travel = time_machine.travel(time.time(), tick=True)
            self._coordinates = self._travel.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._travel is not None:
            self._travel.stop()

    def advance(self, seconds: float) -> None:
        if self._coordinates is not None:
            self._coordinates.shift(seconds)
        else:
            time.sleep(seconds)


class Session:
    """One verification session (``with Session(factory, backends) as session``)."""

    def __init__(self, factory: SystemFactory, backends: Backends = Backends()):
        self.factory, self.backends = factory, backends
        self._stack = ExitStack()
        self.observation = Observation()
        self.witness: MonitorWitness | None = None

    def __enter__(self) -> Session:
        try:
            workdir = Path(self._stack.enter_context(
                tempfile.TemporaryDirectory(prefix="inkproof-verify-")))
            self.redis = RedisBackend(self.backends.redis_url)
            self.database = DatabaseBackend(self.backends.db_url, workdir)
            self.clock = self._stack.enter_context(Clock(self.redis.real))
            self._stack.enter_context(self.observation)
            self._dispatch = _Dispatch()
            tls, self._verify = (None, True)
            if self.backends.https:
                tls, self._verify = _throwaway_certificate(workdir)
            with acting_as(API):
                self._server = LoopbackServer(self._dispatch, tls=tls)
            self.url = self._stack.enter_context(self._server)
            self.http = self._stack.enter_context(
                httpx.Client(base_url=self.url, timeout=10, verify=self._verify))
            if self.redis.real:
                with acting_as(HARNESS):
                    self.witness = self._stack.enter_context(
                        MonitorWitness(self.redis.client("inkproof-witness")))
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stack.close()

    @contextmanager
    def run(self, strategy: str | None = None, timers: Timers | None = None,
            flow: Flow | None = None) -> Iterator[Run]:
        """A fresh system, under a fresh prefix, served and observed."""
        token = secrets.token_hex(4)
        prefix = f"inkproof:{token}:"
        with acting_as(HARNESS):
            harness_client = self.redis.client(f"{prefix}harness")
        database = Database(traced_connect(self.database.raw_connect,
                                           self.observation.tracer, self.database.system),
                            self.database.placeholder, self.database.system)
        wiring = Wiring(prefix=prefix, table_prefix=f"inkproof_{token}_",
                        redis=lambda component: self.redis.client(f"{prefix}{component}"),
                        database=database, strategy=strategy, timers=timers)
        with acting_as(HARNESS):
            try:
                system = self.factory(wiring)
            except LookupError as exc:  # no deployment for this strategy
                harness_client.close()
                raise NotExercised(str(exc).strip("'\"")) from None
        run = Run(self, system, wiring, harness_client,
                  components_of(flow) if flow is not None else {})
        self._dispatch.target = self.observation.asgi(system.app)
        run.http = self.http
        try:
            yield run
        finally:
            self._dispatch.target = None
            with acting_as(HARNESS):
                run.cleanup()

    def describe(self) -> str:
        redis_part = (f"Redis at {safe_url(self.backends.redis_url)}"
                      if self.backends.redis_url else "fakeredis")
        db_part = "PostgreSQL" if self.backends.db_url else "SQLite"
        http = "HTTPS" if self.backends.https else "HTTP"
        return f"{redis_part} + {db_part}, {http} on 127.0.0.1"

    def short_ttl(self) -> Timers | None:
        """The timers to ask for when a property must wait for a TTL: a real server's clock
        cannot be moved, so its TTLs are made short; fakeredis's clock travels."""
        return Timers(ttl=1) if self.redis.real else None


@dataclass
class Run:
    """One system under test: drive it with steps, read what was observed."""

    session: Session
    system: System
    wiring: Wiring
    harness: Any  # the harness's own Redis client (its commands are never events)
    components: Mapping[str, str] = field(default_factory=dict)
    http: httpx.Client = field(init=False)
    _spans: list[Any] = field(default_factory=list)

    # ---- driving ------------------------------------------------------------------------

    def request(self, method: str, path: str, json: Any = None) -> httpx.Response:
        return self.http.request(method, path, json=json)

    def drain(self, crash_before_ack: bool = False) -> bool:
        """Let the worker run; with ``crash_before_ack`` it dies after applying one event
        and before acknowledging it. Returns whether it crashed."""
        points = self.system.checkpoints
        if crash_before_ack:
            if points is None:
                raise NotExercised("the system has no pause points (checkpoints)")
            points.crash("worker:before-ack")
        try:
            with acting_as(WORKER):
                self.system.drain()
        except SimulatedCrash:
            return True
        return False

    def step(self, step: Step, *, crash_before_ack: bool = False) -> httpx.Response | None:
        """Drive one scenario step; a request step returns the response."""
        if step.request is not None:
            method, path = step.request.split(maxsplit=1)
            body = dict(step.json_body) if step.json_body is not None else None
            return self.request(method.split("|")[0], path, body)
        if step.drain is not None:
            self.drain(crash_before_ack)
        elif step.advance is not None:
            self.session.clock.advance(step.advance)
        elif step.redeliver is not None:
            self.redeliver()
        return None

    def redeliver(self) -> None:
        """Wait out the redelivery idle time, then let the worker claim what is pending."""
        self.session.clock.advance(self.redelivery_wait())
        self.drain()

    def redelivery_wait(self) -> float:
        timers = self.wiring.timers
        idle_ms = timers.redelivery_idle_ms if timers and timers.redelivery_idle_ms else 1000
        return idle_ms / 1000 + 0.05

    # ---- observing ----------------------------------------------------------------------

    def take(self) -> list[Event]:
        """Events observed since the last call (in observation order)."""
        spans = self.session.observation.recorder.take()
        self._spans.extend(spans)
        if self.session.witness is not None:
            with acting_as(HARNESS):
                self.session.witness.check(spans, self.wiring.prefix, self.harness)
        return events_from_spans(spans, prefix=self.wiring.prefix,
                                 components=self.components)

    # ---- reading state (as the harness: never an event) ---------------------------------

    def key(self, key: str) -> str:
        return self.wiring.prefix + key

    def cached(self, key: str) -> str | None:
        with acting_as(HARNESS):
            return self.harness.get(self.key(key))

    def ttl_ms(self, key: str) -> int:
        """Remaining TTL in ms; -1 without TTL, -2 when the key does not exist."""
        with acting_as(HARNESS):
            return int(self.harness.pttl(self.key(key)))

    def snapshot(self) -> dict[str, tuple[str, str]]:
        """Every key of this run (prefix stripped) → (type, value) for strings and
        counters; other types by type only."""
        state: dict[str, tuple[str, str]] = {}
        with acting_as(HARNESS):
            for key in sorted(self._own_keys()):
                kind = self.harness.type(key)
                value = self.harness.get(key) if kind == "string" else ""
                state[key[len(self.wiring.prefix):]] = (kind, value or "")
        return state

    def truth(self, item_id: int) -> Mapping[str, object] | None:
        with acting_as(HARNESS):
            return self.system.source_of_truth(item_id)

    def _own_keys(self) -> list[str]:
        pattern = _glob_escape(self.wiring.prefix) + "*"
        return list(self.harness.scan_iter(match=pattern, count=500))

    def cleanup(self) -> None:
        """Remove this run's keys (only under its own prefix) and let the system drop its
        tables. Nothing else is touched: no FLUSH, no foreign key."""
        try:
            keys = self._own_keys()
            for start in range(0, len(keys), 500):
                self.harness.delete(*keys[start:start + 500])
        finally:
            try:
                self.system.close()
            finally:
                self.harness.close()
                self.session.observation.recorder.take()  # nothing leaks into the next run


class NotExercised(Exception):
    """A property could not be tried against this system (a missing capability)."""


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def _throwaway_certificate(workdir: Path) -> tuple[tuple[Path, Path], Any]:
    """A CA and a 127.0.0.1 certificate made for this session only (trustme)."""
    import ssl

    import trustme

    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    cert, key = workdir / "server.pem", workdir / "server.key"
    certificate.private_key_and_cert_chain_pem.write_to_path(str(cert))
    certificate.private_key_pem.write_to_path(str(key))
    context = ssl.create_default_context()
    authority.configure_trust(context)
    return (cert, key), context


def scenario_steps(flow: Flow) -> tuple[Step | None, Step | None]:
    """The flow's first read (GET) step and first write (PUT/POST) step, which property
    checks reuse so they talk to the same resource the scenarios do."""
    read = write = None
    for scenario in flow.scenarios:
        for step in (*scenario.setup, *scenario.steps):
            if step.request is None:
                continue
            method = step.request.split()[0]
            if read is None and method == "GET":
                read = step
            if write is None and method.split("|")[0] in ("PUT", "POST", "PATCH"):
                write = step
    return read, write
