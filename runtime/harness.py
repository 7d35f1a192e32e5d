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
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis

from inkproof.errors import InkproofError
from inkproof.model import Flow, Step
from inkproof.runtime.dbtrace import traced_connect
from inkproof.runtime.events import Event
from inkproof.runtime.observe import API, HARNESS, WORKER, Observation, acting_as, events_from_spans
from inkproof.runtime.reference.checkpoints import SimulatedCrash
from inkproof.runtime.reference.server import LoopbackServer
from inkproof.runtime.system import (
    BackendDied,
    Database,
    DatabaseBackend,
    RedisBackend,
    System,
    SystemFactory,
    SystemFailed,
    Timers,
    Wiring,
    check_system,
    describe_exception,
    kept_thread_errors,
    raised_at,
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
    """One server for the whole session; each run plugs its (instrumented) app in.

    An exception in the app (its Redis died, say) becomes a 500 and is kept in ``errors``
    rather than logged with a traceback by the server: the harness judges what it means."""

    def __init__(self) -> None:
        self.target: Any = None
        self.errors: list[BaseException] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.target is None:
            raise RuntimeError("no system is being served")
        started = False

        async def watched_send(message: Any) -> None:
            nonlocal started
            started = started or message.get("type") == "http.response.start"
            await send(message)

        try:
            await self.target(scope, receive, watched_send)
        except Exception as exc:
            self.errors.append(exc)
            if scope.get("type") == "http" and not started:
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"text/plain")]})
                await send({"type": "http.response.body", "body": b"Internal Server Error"})


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

    def can_advance(self, seconds: float) -> bool:
        """Whether waiting ``seconds`` is possible here (always: travel, or a short
        timer the harness asked the system for)."""
        return True

    def advance(self, seconds: float) -> None:
        if self._coordinates is not None:
            self._coordinates.shift(seconds)
        else:
            time.sleep(seconds)


class Session:
    """One verification session (``with Session(factory, backends) as session``)."""

    def __init__(self, factory: SystemFactory, backends: Backends = Backends(),
                 name: str | None = None):
        self.factory, self.backends = factory, backends
        #: how messages name the factory: ``module:function``
        self.name = name or (f"{getattr(factory, '__module__', '?')}:"
                             f"{getattr(factory, '__qualname__', type(factory).__name__)}")
        #: the strategy the factory's default deployment runs, if it says so
        self.default_strategy: str | None = getattr(factory, "default_strategy", None)
        from inkproof.runtime.properties import Sampling

        #: how widely claims about every write are checked (``--repeat`` widens it)
        self.sampling = Sampling()
        #: every event this session's runs observed (claims about every fill look again)
        self.observed: list[Event] = []
        self._stack = ExitStack()
        self.observation = Observation()
        self.witness: MonitorWitness | None = None
        self.leftovers: list[str] = []  # what a run could not clean up (its backend died)
        #: exceptions of the session's helper threads (a paused reader, say): kept, never
        #: printed as a traceback; what they meant shows in the verdict of their check
        self.thread_errors: list[BaseException] = []

    def __enter__(self) -> Session:
        try:
            workdir = Path(self._stack.enter_context(
                tempfile.TemporaryDirectory(prefix="inkproof-verify-")))
            self.redis = RedisBackend(self.backends.redis_url)
            self.database = DatabaseBackend(self.backends.db_url, workdir)
            self.clock = self._stack.enter_context(Clock(self.redis.real))
            self._stack.enter_context(kept_thread_errors(self.thread_errors))
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
                system = check_system(self._build(wiring), f"the system factory {self.name}")
            except NotExercised:
                harness_client.close()
                raise
            except BaseException:
                # What the factory made before failing: its keys, maybe its tables.
                Run(self, _Unbuilt(), wiring, harness_client).cleanup(best_effort=True)
                raise
        run = Run(self, system, wiring, harness_client,
                  components_of(flow) if flow is not None else {})
        run.backstop()
        self._dispatch.target = self.observation.asgi(system.app)
        run.http = self.http
        try:
            yield run
        except BaseException:
            self._dispatch.target = None
            with acting_as(HARNESS):
                run.cleanup(best_effort=True)
            raise
        self._dispatch.target = None
        with acting_as(HARNESS):
            run.cleanup()

    def _build(self, wiring: Wiring) -> Any:
        """Call the factory; what it raises is a located error, not a traceback."""
        try:
            return self.factory(wiring)
        except LookupError as exc:  # no deployment for this strategy
            raise NotExercised(str(exc).strip("'\"")) from None
        except (InkproofError, NotExercised):
            raise
        except Exception as exc:
            raise SystemFailed(f"the system factory {self.name} raised "
                               f"{describe_exception(exc)} at {raised_at(exc)}") from exc

    # ---- faults -------------------------------------------------------------------------

    def dead_backend(self) -> BackendDied | None:
        """Probe Redis, then the database (fresh connections, short timeouts): the first
        that no longer answers, or None."""
        for backend in (self.redis, self.database):
            cause = backend.dead()
            if cause is not None:
                return BackendDied(backend.name, cause)
        return None

    @contextmanager
    def watch(self, where: str) -> Iterator[None]:
        """Around one scenario or property check: an error while a backend is dead is that
        backend's death (named, with ``where``), whatever the error looked like."""
        try:
            yield
        except BackendDied as died:
            raise died.located(where, self._leftovers()) from None
        except NotExercised:
            raise
        except Exception:
            died = self.dead_backend()
            if died is None:
                raise
            raise died.located(where, self._leftovers()) from None

    def ensure_alive(self, where: str) -> None:
        """After a result that failed: was it a backend dying rather than drift?"""
        died = self.dead_backend()
        if died is not None:
            raise died.located(where, self._leftovers())

    def _leftovers(self) -> tuple[str, ...]:
        leftovers, self.leftovers = tuple(self.leftovers), []
        return leftovers

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
    _backstopped: set[str] = field(default_factory=set)  # keys given the backstop TTL

    def __post_init__(self) -> None:
        # One absolute expiry for every backstopped key: it tells them apart from a TTL
        # the system set itself (see ttl_ms).
        self._backstop_at = int(time.time() * 1000) + self.wiring.key_ttl * 1000

    # ---- driving ------------------------------------------------------------------------

    def request(self, method: str, path: str, json: Any = None) -> httpx.Response:
        """One request; a 5xx while a backend is dead stops the run (in the main thread:
        the harness's own threads report through the verdict instead)."""
        response = self.http.request(method, path, json=json)
        if response.status_code >= 500 and threading.current_thread() is threading.main_thread():
            died = self.session.dead_backend()
            if died is not None:
                raise died
        return response

    def drain(self, crash_before_ack: bool = False) -> bool:
        """Let the worker run; with ``crash_before_ack`` it dies after applying one event
        and before acknowledging it. Returns whether it crashed."""
        points = self.system.checkpoints
        if crash_before_ack:
            if points is None:
                raise NotExercised("the system has no pause points (checkpoints)")
            points.crash("worker:before-ack")
        try:
            with acting_as(WORKER), self._calling("drain()"):
                self.system.drain()
        except SimulatedCrash:
            return True
        return False

    def step(self, step: Step, *, crash_before_ack: bool = False) -> httpx.Response | None:
        """Drive one scenario step; a request step returns the response."""
        response = None
        if step.request is not None:
            method, path = step.request.split(maxsplit=1)
            body = dict(step.json_body) if step.json_body is not None else None
            response = self.request(method.split("|")[0], path, body)
        elif step.drain is not None:
            self.drain(crash_before_ack)
        elif step.advance is not None:
            self.session.clock.advance(step.advance)
        elif step.redeliver is not None:
            self.redeliver()
        self.backstop()
        return response

    def hold_fill(self) -> tuple[threading.Event, threading.Event]:
        """Pause the next read between its SELECT and its cache fill: (reached, release)."""
        points = self.system.checkpoints
        if points is None:
            raise NotExercised("the system has no pause points; the race cannot be staged")
        return points.hold("read:after-select")

    def replay_delivery(self) -> str:
        """In process the worker is crashed on cue instead (a stronger check)."""
        raise NotExercised("the reference system in process is crashed on cue instead")

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
        events = events_from_spans(spans, prefix=self.wiring.prefix,
                                   components=self.components)
        self.session.observed.extend(events)
        return events

    # ---- reading state (as the harness: never an event) ---------------------------------

    def key(self, key: str) -> str:
        return self.wiring.prefix + key

    def cached(self, key: str) -> str | None:
        with acting_as(HARNESS):
            return self.harness.get(self.key(key))

    def forget(self, keys: Sequence[str]) -> None:
        """Remove cache entries as the harness (never an event), so a read misses."""
        if keys:
            with acting_as(HARNESS):
                self.harness.delete(*(self.key(k) for k in keys))

    def ttl_ms(self, key: str) -> int:
        """Remaining TTL in ms; -1 without TTL (the system gave it none: the harness's
        backstop does not count), -2 when the key does not exist."""
        with acting_as(HARNESS):
            full = self.key(key)
            if full in self._backstopped and int(self.harness.pexpiretime(full)) == \
                    self._backstop_at:
                return -1
            return int(self.harness.pttl(full))

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
        with acting_as(HARNESS), self._calling("source_of_truth()"):
            return self.system.source_of_truth(item_id)

    @contextmanager
    def _calling(self, what: str) -> Iterator[None]:
        """Around a call into the system: its own exceptions become a located error."""
        try:
            yield
        except (SimulatedCrash, NotExercised, InkproofError):
            raise
        except Exception as exc:
            raise SystemFailed(f"{what} of the system {self.session.name} raised "
                               f"{describe_exception(exc)} at {raised_at(exc)}") from exc

    def backstop(self) -> None:
        """Give every key of this run that has no TTL the run's key TTL, so that a run
        killed before its cleanup leaves nothing that lives forever (a real server only:
        fakeredis dies with the process). ``ttl_ms`` still reports such keys as without
        TTL, so the backstop never proves a claim about TTLs."""
        if not self.session.redis.real:
            return
        with acting_as(HARNESS):
            try:
                keys = self._own_keys()
                if not keys:
                    return
                pipe = self.harness.pipeline(transaction=False)
                for key in keys:
                    pipe.pexpireat(key, self._backstop_at, nx=True)  # only where none is set
                # A server before Redis 7 has no NX: it answers errors, and no backstop.
                answers = pipe.execute(raise_on_error=False)
            except redis.RedisError:
                return  # a server that died: the step that needs it will say so
        for key, given in zip(keys, answers, strict=True):
            if given is True:
                self._backstopped.add(key)

    def _own_keys(self) -> list[str]:
        pattern = _glob_escape(self.wiring.prefix) + "*"
        return list(self.harness.scan_iter(match=pattern, count=500))

    def cleanup(self, best_effort: bool = False) -> None:
        """Remove this run's keys (only under its own prefix) and let the system drop its
        tables. Nothing else is touched: no FLUSH, no foreign key.

        ``best_effort`` (the run is failing, perhaps because a backend died): never raise;
        what could not be removed is noted in ``session.leftovers``."""
        try:
            try:
                keys = self._own_keys()
                for start in range(0, len(keys), 500):
                    self.harness.delete(*keys[start:start + 500])
            except Exception:
                if not best_effort:
                    raise
                self.session.leftovers.append(
                    f"keys under {self.wiring.prefix} were not deleted (they expire within "
                    f"{self.wiring.key_ttl // 60} min)")
            try:
                with self._calling("close()"):
                    self.system.close()
            except Exception:
                if not best_effort:
                    raise
                self.session.leftovers.append(
                    f"tables under {self.wiring.table_prefix} may remain (drop them when "
                    f"{self.session.database.name} is back)")
        finally:
            self.harness.close()
            self.session.observation.recorder.take()  # nothing leaks into the next run


class NotExercised(Exception):
    """A property could not be tried against this system (a missing capability)."""


class _Unbuilt:
    """Stands in for a system whose factory failed, so its keys can still be cleaned."""

    checkpoints = None
    app = None

    def drain(self) -> int:
        return 0

    def source_of_truth(self, item_id: int) -> None:
        return None

    def close(self) -> None:
        return None


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
