"""Verify a system that runs in its own processes, in any language: by URL, traces, wire.

A :class:`TargetSession` is the counterpart of :class:`~inkproof.runtime.harness.Session`
for a system inkproof does not build: it drives the flow's steps over HTTP against a URL,
listens for the system's OpenTelemetry traces (:mod:`~inkproof.runtime.otlp`), records
what a real Redis received (:mod:`~inkproof.runtime.wire`), and optionally starts the
system from its ``system:`` command line and stops it by PID. Its runs offer the same
interface the scenario driver and the property checks use (``step``, ``take``, ``drain``,
``cached``, ``ttl_ms``), so matching and reporting are shared, not twinned.

What differs is honest about a black box: there is one deployment, so each run starts by
removing the keys the flow names (with ``--redis`` only — nothing else is touched);
``drain: worker`` waits until the consumer group has nothing pending ("eventually within
T") instead of calling a worker; a property that needs a pause point, a crash on cue or a
moved clock is "not exercised", with the reason.
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from inkproof.errors import InkproofError
from inkproof.model import Flow, Step, SystemSection
from inkproof.redact import mask_text
from inkproof.runtime.assemble import (
    BoxMap,
    Exchange,
    WireView,
    assemble,
    sql_disagreements,
    wire_disagreements,
)
from inkproof.runtime.events import OPEN_WRITE_TRANSACTIONS, Event
from inkproof.runtime.harness import NotExercised
from inkproof.runtime.otlp import DEFAULT_PORT, OtlpReceiver
from inkproof.runtime.pgwire import PostgresProxy
from inkproof.runtime.process import StartedSystem
from inkproof.runtime.properties import Sampling
from inkproof.runtime.properties.reads import FILL_VERBS
from inkproof.runtime.proxy import Hold, RedisProxy
from inkproof.runtime.semconv import POLLS, is_poll
from inkproof.runtime.system import (
    BackendDied,
    ConnectionFailed,
    Timers,
    kept_thread_errors,
    safe_url,
)
from inkproof.runtime.system_config import environment_secrets, load_system_config
from inkproof.runtime.topology import flow_keys
from inkproof.runtime.wire import HARNESS_NAME, KeyReplay, WireRecord, WireRecorder

#: A run's spans have all arrived once none came for this long (exporters batch).
QUIET_SECONDS = 0.4


class TargetFailed(InkproofError):
    """The target stopped answering or its system exited (exit 2: not drift)."""


@dataclass(frozen=True)
class TargetOptions:
    """Where the system is and what inkproof may look at."""

    target: str | None = None  # --target: the API's base URL
    redis_url: str | None = None  # the Redis the system uses (MONITOR, key reads, reset)
    db_url: str | None = None
    otlp: tuple[str, int] = ("127.0.0.1", DEFAULT_PORT)
    system: SystemSection | None = None
    base: Path = field(default_factory=Path.cwd)  # relative paths of `system` resolve here


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TargetSession:
    """``with TargetSession(options, flow) as session``: one target, one flow."""

    def __init__(self, options: TargetOptions, flow: Flow):
        self.options, self.flow = options, flow
        self.config = options.system or SystemSection()
        self._stack = ExitStack()
        self.wire: WireRecord | None = None
        self.embedded: str | None = None  # the URL of fakeredis, when inkproof serves it
        self._sqlite: str | None = None
        self.harness: Any = None
        self.proxy: RedisProxy | None = None  # between a started system and its Redis
        self.pg_proxy: PostgresProxy | None = None  # ... and its PostgreSQL
        #: what the proxy's taps learnt as commands went out, by the command's words
        self.facts: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}
        self.clock = TargetClock(self.config.eventually)
        self.boxes = BoxMap(flow, dict(self.config.services))
        self.name = "target"
        self.thread_errors: list[BaseException] = []
        self._deployed_for: tuple[tuple[str, str], ...] = ()  # the overrides it runs with
        #: the traces' second opinion on the wire (the report's witness rows)
        self.witness = TraceWitness()
        self.no_traces = False  # set once a request's server span never arrived
        self.default_strategy = self.config.strategy.value if self.config.strategy else None
        #: fewer cases than in process: each costs a round of waiting for traces
        self.sampling = Sampling(deep=1, writes=2, wide=3)
        self.observed: list[Event] = []  # every event of every run (claims look again)

    # ---- starting and stopping --------------------------------------------------------

    def _fill(self, text: str, port: int, otlp: str) -> str:
        # a system inkproof starts reaches Redis through the proxy (races on the wire)
        redis_url = self.proxy.url if self.proxy is not None else self.options.redis_url
        db_url = self.pg_proxy.url if self.pg_proxy is not None else self.options.db_url
        values = {"port": str(port), "otlp": otlp, "redis": redis_url,
                  "db": db_url or self._embedded_db(), "python": sys.executable}
        for name, value in values.items():
            if "{" + name + "}" in text:
                if value is None:
                    raise InkproofError(f"the system section uses {{{name}}} but no "
                                        f"--{name} was given")
                text = text.replace("{" + name + "}", value)
        return text

    def _embedded_db(self) -> str | None:
        """A SQLite file of this session, for a started system without --db."""
        if self.config.command is None:
            return None
        if self._sqlite is None:
            folder = Path(self._stack.enter_context(_temporary_folder()))
            self._sqlite = str(folder / "primary.db")
        return self._sqlite

    def __enter__(self) -> TargetSession:
        try:
            self._stack.enter_context(kept_thread_errors(self.thread_errors))
            self.receiver = self._stack.enter_context(OtlpReceiver(self.options.otlp))
            if (self.options.target or self.config.target) is None:
                raise InkproofError("no target: give --target URL or `target:` in the "
                                    "system section")
            redis_url = self.options.redis_url
            if redis_url is None and self.config.command:
                redis_url = self._embedded_redis()  # the default a started system gets
            if redis_url is not None:
                self._connect_redis(redis_url, monitor=self.embedded is None)
            if self.config.command and redis_url is not None:
                self.proxy = self._stack.enter_context(_proxy_for(redis_url))
                if self.embedded is not None:  # fakeredis has no MONITOR: the proxy
                    self.wire = self.proxy.record = WireRecord()  # is the wire witness
                if self.options.db_url is not None:
                    self._watch_transactions(self.options.db_url)
            db_url = self.options.db_url
            if self.config.command and db_url is not None and _is_postgres(db_url):
                self.pg_proxy = self._stack.enter_context(PostgresProxy(db_url))
            self.deployment = self._deploy({})  # the one that runs now
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stack.close()

    def _deploy(self, overrides: Mapping[str, str]) -> Deployment:
        """One deployment: the running target, or the command started with the system
        section's environment plus ``overrides`` (a strategy's, short timers), on a port
        of its own."""
        port, otlp = _free_port(), self.receiver.endpoint
        target = self.options.target or self.config.target
        assert target is not None
        url = self._fill(target, port, otlp).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise InkproofError(f"--target {mask_text(url)}: expected an http:// or "
                                "https:// URL")
        started, trust = None, self._trust()
        if self.config.command:
            env = {key: self._fill(value, port, otlp)
                   for key, value in {**self.config.env, **overrides}.items()}
            # The SDKs' own variables: where to export, and promptly (their default
            # batches wait 5 s). A value the system section sets wins.
            defaults = {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp, "OTEL_TRACES_EXPORTER": "otlp",
                        "OTEL_BSP_SCHEDULE_DELAY": "200"}
            workdir = (self.options.base / (self.config.cwd or ".")).resolve()
            ready = self._fill(self.config.ready, port, otlp) if self.config.ready else url
            if ready.startswith("/"):
                ready = url + ready
            log_dir = Path(self._stack.enter_context(_temporary_folder()))
            started = self._stack.enter_context(StartedSystem(
                self._fill(self.config.command, port, otlp), workdir, {**defaults, **env},
                ready, self.config.timeout, log_dir / "system.log", trust))
            self.name = f"started: {mask_text(self.config.command)}"
        http = self._stack.enter_context(httpx.Client(base_url=url, timeout=10,
                                                      trust_env=False, verify=trust))
        deployment = Deployment(url, http, started)
        self._check_reachable(deployment)
        return deployment

    def _trust(self) -> Any:
        """What an https:// target's certificate is checked against (never skipped)."""
        if self.config.ca is None:
            return True
        import ssl

        path = (self.options.base / self.config.ca).resolve()
        try:
            return ssl.create_default_context(cafile=str(path))
        except (OSError, ssl.SSLError) as exc:
            raise InkproofError(f"system ca {path}: not a readable PEM certificate "
                                f"authority ({exc})") from None

    @property
    def url(self) -> str:
        return self.deployment.url

    @property
    def started(self) -> StartedSystem | None:
        return self.deployment.started

    def _watch_transactions(self, db_url: str) -> None:
        """Each publish through the proxy asks PostgreSQL, before it goes on, how many
        write transactions (other than inkproof's) are still open: a publish sent before
        its COMMIT is caught by the database's own record, whatever the clocks say."""
        import psycopg

        assert self.proxy is not None
        try:
            connection = psycopg.connect(db_url, autocommit=True, connect_timeout=3)
        except psycopg.Error as exc:
            raise ConnectionFailed(f"cannot reach PostgreSQL at {safe_url(db_url)}: "
                                   f"{str(exc).strip()}") from None
        self._stack.callback(connection.close)
        lock = threading.Lock()

        def look(words: tuple[str, ...]) -> None:
            with lock:
                row = connection.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL "
                    "AND pid <> pg_backend_pid() AND datname = current_database()"
                ).fetchone()
                self.facts[words] = ((OPEN_WRITE_TRANSACTIONS, str(row[0] if row else 0)),)

        self.proxy.tap(lambda words: bool(words) and words[0] in ("XADD", "PUBLISH"), look)

    def read_truth(self, item_id: int) -> Mapping[str, object] | None:
        """Item ``item_id`` as the database holds it, by the system section's ``truth``
        query, in a read-only transaction of inkproof's own connection (not through the
        proxy: it is never the system's traffic)."""
        query = self.config.truth
        assert query is not None
        db_url = self.options.db_url or self._sqlite
        if db_url is None:
            raise NotExercised("the truth query needs the database: give --db URL")
        try:
            if _is_postgres(db_url):
                columns, row = _read_postgres(db_url, query, item_id)
            else:
                columns, row = _read_sqlite(db_url, query, item_id)
        except Exception as exc:  # the driver's own errors, of either database
            raise InkproofError(f"the system section's truth query failed on "
                                f"{safe_url(db_url)}: {type(exc).__name__}: "
                                f"{mask_text(str(exc).strip())}") from None
        return None if row is None else {name: _json_value(value)
                                          for name, value in zip(columns, row, strict=True)}

    def _embedded_redis(self) -> str:
        """fakeredis served over TCP on 127.0.0.1, for a system started without --redis."""
        import fakeredis

        server = fakeredis.TcpFakeServer(("127.0.0.1", 0), server_type="redis")
        thread = threading.Thread(target=server.serve_forever, name="inkproof-fakeredis",
                                  daemon=True)
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

        self._stack.callback(stop)
        host, port = server.server_address[:2]
        self.embedded = f"redis://{host}:{port}/0"
        return self.embedded

    def _connect_redis(self, url: str, monitor: bool) -> None:
        import redis

        try:
            self.harness = redis.Redis.from_url(url, decode_responses=True,
                                                client_name=HARNESS_NAME,
                                                socket_connect_timeout=3, socket_timeout=10)
            self.harness.ping()
            monitor_client = redis.Redis.from_url(url, client_name=HARNESS_NAME,
                                                  socket_connect_timeout=3)
        except (redis.RedisError, ValueError, OSError) as exc:
            raise ConnectionFailed(f"cannot reach Redis at {safe_url(url)}: {exc}") from None
        self._stack.callback(self.harness.close)
        if monitor:
            self.wire = self._stack.enter_context(WireRecorder(client=monitor_client))
            self.wire.learn_names(self.harness.client_list())
        else:
            monitor_client.close()

    def _check_reachable(self, deployment: Deployment) -> None:
        try:
            deployment.http.get("/", headers={
                "traceparent": _traceparent(secrets.token_hex(16))})
        except httpx.HTTPError as exc:
            raise TargetFailed(f"the target {mask_text(deployment.url)} does not answer: "
                               f"{type(exc).__name__}: {exc}") from None

    # ---- what verify_flow and the properties ask of a session -------------------------

    def describe(self) -> str:
        parts = [f"target {mask_text(self.url)}",
                 f"OTLP on {self.options.otlp[0]}:{self.receiver.endpoint.rsplit(':', 1)[1]}"]
        if self.options.redis_url:
            parts.append(f"Redis at {safe_url(self.options.redis_url)} (MONITOR)")
        elif self.embedded:
            parts.append("fakeredis over TCP (embedded; the wire by inkproof's proxy)")
        return ", ".join(parts)

    def short_ttl(self) -> Timers | None:
        """A 1-s TTL where the system section says which variable sets it (waited out
        for real: the target keeps its own clock)."""
        return Timers(ttl=1) if "ttl" in self.config.timers else None

    @contextmanager
    def watch(self, where: str) -> Iterator[None]:
        try:
            yield
        except (NotExercised, BackendDied, TargetFailed):
            raise
        except httpx.HTTPError as exc:
            raise TargetFailed(f"the target stopped answering during {where}: "
                               f"{type(exc).__name__}") from None

    def ensure_alive(self, where: str) -> None:
        started = self.started
        if started is not None and started.process is not None and \
                started.process.poll() is not None:
            raise TargetFailed(f"the system exited (code {started.process.returncode}) "
                               f"during {where}; its output ends:\n{started.tail()}")

    @contextmanager
    def run(self, strategy: str | None = None, timers: Timers | None = None,
            flow: Flow | None = None) -> Iterator[TargetRun]:
        run = TargetRun(self, self._deployment_for(strategy, timers))
        run.begin()
        yield run

    def _deployment_for(self, strategy: str | None, timers: Timers | None) -> Deployment:
        """The deployment that runs ``strategy`` with ``timers``: the running one, or one
        started with the environment the system section gives for them (on demand; it
        replaces the one running)."""
        overrides: dict[str, str] = {}
        declared = self.default_strategy
        if strategy is not None and strategy != declared:
            known = {key.value: env for key, env in self.config.strategies.items()}
            if strategy not in known or not self.config.command:
                runs = (f"runs {declared}" if declared else
                        "does not say which strategy it runs (system: strategy:)")
                raise NotExercised(f"the target {runs} and has no deployment for {strategy} "
                                   f"([system.strategies.{strategy}] with its environment)")
            overrides.update(known[strategy])
        for timer, value in (("ttl", timers.ttl if timers else None),
                             ("redelivery_idle_ms",
                              timers.redelivery_idle_ms if timers else None)):
            if value is None:
                continue
            variable = self.config.timers.get(timer)  # type: ignore[call-overload]
            if variable is None or not self.config.command:
                raise NotExercised(f"the target's {timer.replace('_', ' ')} cannot be "
                                   f"shortened: no [system.timers] {timer} names the variable "
                                   "the system reads it from")
            overrides[variable] = str(value)
        key = tuple(sorted(overrides.items()))
        if key != self._deployed_for:
            # One deployment at a time: two would share the queue's consumer group, and one
            # deployment's worker would handle the other's events. (Only a started system
            # gets here: the overrides above need a command.)
            assert self.started is not None
            self.started.stop()
            self.deployment.http.close()
            self.deployment, self._deployed_for = self._deploy(overrides), key
        return self.deployment


def _read_postgres(url: str, query: str, item_id: int) -> tuple[list[str], Any]:
    import psycopg

    with psycopg.connect(url, connect_timeout=3) as connection:
        connection.read_only = True
        cursor = connection.execute(query.replace(":id", "%(id)s"), {"id": item_id})
        row = cursor.fetchone()
        connection.rollback()
        return [column.name for column in cursor.description or ()], row


def _read_sqlite(path: str, query: str, item_id: int) -> tuple[list[str], Any]:
    import sqlite3
    from contextlib import closing
    from urllib.parse import quote

    with closing(sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=5)) as db:
        cursor = db.execute(query, {"id": item_id})
        return [column[0] for column in cursor.description or ()], cursor.fetchone()


def _json_value(value: object) -> object:
    """A database value as the API's JSON would carry it (NUMERIC → number, dates → ISO
    text), so that the two compare by value."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _is_postgres(url: str) -> bool:
    return url.split("://", 1)[0] in ("postgres", "postgresql")


def _proxy_for(url: str) -> RedisProxy:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    auth = parts.netloc.rpartition("@")[0]
    return RedisProxy((parts.hostname or "127.0.0.1", parts.port or 6379),
                      parts.path or "/0", f"{auth}@" if auth else "")


@dataclass(frozen=True)
class TargetClock:
    """A target keeps its own clock: inkproof can only wait, and only briefly."""

    limit: float  # the flow's eventually window

    def can_advance(self, seconds: float) -> bool:
        return seconds <= self.limit

    def advance(self, seconds: float) -> None:
        if not self.can_advance(seconds):
            raise NotExercised(f"the target keeps its own clock: waiting {seconds:g} s is "
                               f"longer than the flow's eventually window ({self.limit:g} s)")
        time.sleep(seconds)


@contextmanager
def _temporary_folder() -> Iterator[str]:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="inkproof-target-") as folder:
        yield folder


def _traceparent(trace_id: str) -> str:
    return f"00-{trace_id}-{secrets.token_hex(8)}-01"


@dataclass
class TraceWitness:
    """What the traces said that the wire did not show (counted like MONITOR's witness)."""

    disagreements: list[str] = field(default_factory=list)
    checked: int = 0


@dataclass(frozen=True)
class Deployment:
    """One running instance of the target: where it answers, and its process if inkproof
    started it."""

    url: str
    http: httpx.Client
    started: StartedSystem | None


@dataclass
class _TargetSystem:
    """What the property checks may ask of ``run.system``: a target has no pause points."""

    checkpoints: None = None


@dataclass
class TargetRun:
    """One stretch of a scenario or a property check against the target."""

    session: TargetSession
    deployment: Deployment
    system: _TargetSystem = field(default_factory=_TargetSystem)
    exchanges: list[Exchange] = field(default_factory=list)
    written: Any = None  # what the last successful write answered (the committed value)
    holding: Hold | None = None  # a command held on the wire (the stale-read race)
    delivered: tuple[str, dict[str, str]] | None = None  # the last acknowledged message
    began_ns: int = 0  # when the run began (wall clock)
    replay: KeyReplay = field(default_factory=lambda: KeyReplay({}))

    # ---- starting clean ---------------------------------------------------------------

    def begin(self) -> None:
        """Let earlier work settle, forget it, and remove the keys the flow names, so the
        run starts from a known state (reads miss first)."""
        self._settle()
        self.session.receiver.take()
        if self.session.pg_proxy is not None:
            self.session.pg_proxy.record.take()
        harness = self.session.harness
        if harness is not None:
            keys = sorted(flow_keys(self.session.flow))
            if keys:
                harness.delete(*keys)
            self.replay = KeyReplay(dict.fromkeys(keys, False))
        if self.session.wire is not None:  # what came before this run is forgotten
            self.session.wire.take_until_now(harness)
        # after the wire's mark: a command in between is kept on the wire and its span
        # dropped (the safe side: a span without its command would be a disagreement)
        self.began_ns = time.time_ns()

    def _settle(self) -> None:
        deadline = time.monotonic() + self.session.config.eventually
        self._drained(deadline)
        self._quiet(deadline)

    # ---- driving ----------------------------------------------------------------------

    def request(self, method: str, path: str, json: Any = None) -> httpx.Response:
        trace_id = secrets.token_hex(16)
        sent = time.time_ns()
        try:
            response = self.deployment.http.request(
                method, path, json=json, headers={"traceparent": _traceparent(trace_id)})
        except httpx.HTTPError as exc:
            self.session.ensure_alive(f"{method} {path}")
            if self.holding is not None and self.holding.reached.is_set():
                self.holding.release()
                raise NotExercised(
                    f"{method} {path} could not get through while the reader's cache fill "
                    "was held on the wire: the service sends both over one Redis "
                    "connection (a multiplexing client), so holding it holds the writer "
                    "too") from None
            raise TargetFailed(f"{method} {path} to the target failed: "
                               f"{type(exc).__name__}: {exc}") from None
        if method in ("PUT", "POST", "PATCH") and 200 <= response.status_code < 300:
            with suppress(ValueError):
                self.written = response.json()
        self.exchanges.append(Exchange(
            method, path, trace_id, sent, time.time_ns(), response.status_code,
            response.headers.get("content-type", "").split(";")[0].strip(),
            self.deployment.url.split(":", 1)[0]))
        return response

    def step(self, step: Step, *, crash_before_ack: bool = False) -> httpx.Response | None:
        if step.request is not None:
            method, path = step.request.split(maxsplit=1)
            body = dict(step.json_body) if step.json_body is not None else None
            return self.request(method.split("|")[0], path, body)
        if step.drain is not None:
            self.drain(crash_before_ack)
        elif step.advance is not None:
            self.session.clock.advance(step.advance)
        elif step.redeliver is not None:
            raise NotExercised("a redelivery needs a worker crashed on cue, which a target "
                               "running in its own process cannot be")
        return None

    def drain(self, crash_before_ack: bool = False) -> bool:
        """"Eventually": wait until the queue has nothing pending (its consumer groups
        read and acknowledged everything), then until the traces are quiet — at most the
        flow's ``eventually`` seconds."""
        if crash_before_ack:
            raise NotExercised("the target's worker cannot be crashed on cue (it runs in "
                               "its own process)")
        deadline = time.monotonic() + self.session.config.eventually
        self._drained(deadline)
        self._quiet(deadline)
        return False

    def _drained(self, deadline: float) -> bool:
        harness = self.session.harness
        if harness is None:
            return True
        while True:
            busy = False
            streams = self.session.wire.streams() if self.session.wire is not None else set()
            for stream in streams:
                try:
                    groups = harness.xinfo_groups(stream)
                except Exception:  # the stream is gone: nothing pending on it
                    continue
                for group in groups:
                    lag = group.get("lag")
                    if int(group.get("pending") or 0) > 0 or (lag is not None and int(lag) > 0):
                        busy = True
            if not busy:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def _quiet(self, deadline: float) -> None:
        """Until neither a span nor a command on the wire came for QUIET_SECONDS (or the
        deadline): a deployment just started is still setting itself up."""
        receiver, wire = self.session.receiver, self.session.wire

        def telling() -> int:  # what says something happened (not idle polls)
            spans = sum(1 for span in receiver.peek() if not is_poll(span))
            return spans + (wire.activity(POLLS) if wire is not None else 0)

        seen, since = telling(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = telling()
            if now != seen:
                seen, since = now, time.monotonic()
            elif time.monotonic() - since >= QUIET_SECONDS:
                return

    # ---- observing --------------------------------------------------------------------

    def _await_server_spans(self) -> None:
        if self.session.no_traces or not self.exchanges:
            return
        deadline = time.monotonic() + self.session.config.eventually
        wanted = {e.trace_id for e in self.exchanges}
        while time.monotonic() < deadline:
            have = {s.trace_id for s in self.session.receiver.peek() if s.kind == "server"}
            if wanted <= have:
                return
            time.sleep(0.02)
        if self.session.receiver.received == 0:
            self.session.no_traces = True  # it exports nothing: do not wait again

    def take(self) -> list[Event]:
        """Events since the last call: spans awaited until each request's server span
        arrived and the traces went quiet; the wire synced to now."""
        if self.holding is not None and self.holding.released.is_set():
            self.holding.forwarded.wait(self.session.config.eventually)
        self._await_server_spans()
        self._quiet(time.monotonic() + self.session.config.eventually)
        # spans that began before this run (a service's start-up, exported late) are not
        # its doing (1 ms of slack: span clocks may be millisecond-grained)
        spans = [span for span in self.session.receiver.take()
                 if span.start_ns >= self.began_ns - 1_000_000]
        if self.session.receiver.rejected:  # traces lost: nothing here could be judged
            raise TargetFailed("the system's OTLP exports could not be read ("
                               f"{len(self.session.receiver.rejected)} refused; the first: "
                               f"{self.session.receiver.rejected[0]})")
        wire = self.session.wire
        view = None
        if wire is not None:
            aliases = self.session.proxy.aliases if self.session.proxy is not None else {}
            taken = wire.take_until_now(self.session.harness)
            if taken is None:
                raise TargetFailed("the server's MONITOR record did not catch up within 5 s")
            commands = [replace(c, client=aliases.get(c.client, c.client)) for c in taken]
            view = WireView(commands, dict(wire.names), self.replay,
                            self._acknowledged(commands), dict(self.session.facts))
        exchanges, self.exchanges = self.exchanges, []
        if view is not None:
            held = self.holding.command if self.holding is not None else ()
            missing, agreed = wire_disagreements(view, spans, self.session.boxes, held)
            self.session.witness.disagreements.extend(missing)
            self.session.witness.checked += agreed
        statements = None
        if self.session.pg_proxy is not None:
            statements = self.session.pg_proxy.record.take()
            missing, agreed = sql_disagreements(statements, spans, self.session.boxes)
            self.session.witness.disagreements.extend(missing)
            self.session.witness.checked += agreed
        events = assemble(self.session.flow, self.session.boxes, exchanges, spans, view,
                          statements)
        self.session.observed.extend(events)
        return events

    def _acknowledged(self, commands: list[Any]) -> dict[tuple[str, str], dict[str, str]]:
        found: dict[tuple[str, str], dict[str, str]] = {}
        for command in commands:
            if command.verb != "XACK" or len(command.words) < 4:
                continue
            stream = command.words[1]
            for message_id in command.words[3:]:
                entries = self.session.harness.xrange(stream, message_id, message_id)
                if entries:
                    found[(stream, message_id)] = dict(entries[0][1])
                    self.delivered = (stream, dict(entries[0][1]))
        return found

    # ---- reading state (never an event: the harness's connection is named) ------------

    def _redis(self) -> Any:
        if self.session.harness is None:
            raise NotExercised("reading the cache needs --redis URL (the Redis the target "
                               "uses)")
        return self.session.harness

    def cached(self, key: str) -> str | None:
        return self._redis().get(key)

    def forget(self, keys: Sequence[str]) -> None:
        """Remove cache entries as the harness (its commands are never the system's)."""
        if keys and self.session.harness is not None:
            self.session.harness.delete(*keys)
            self.replay.forget(keys)

    def ttl_ms(self, key: str) -> int:
        return int(self._redis().pttl(key))

    def snapshot(self) -> Mapping[str, tuple[str, str]]:
        """The flow's keys → (type, value) as the server holds them (strings by value)."""
        harness = self._redis()
        state: dict[str, tuple[str, str]] = {}
        for key in sorted(flow_keys(self.session.flow)):
            kind = harness.type(key)
            if kind != "none":
                state[key] = (kind, harness.get(key) or "" if kind == "string" else "")
        return state

    def replay_delivery(self) -> str:
        """Put the last message the worker acknowledged onto its stream again (as the
        harness, whose commands are never the system's)."""
        if self.delivered is None:
            raise NotExercised("no delivered message to replay")
        stream, fields = self.delivered
        self._redis().xadd(stream, dict(fields))
        return f"{stream}: " + " ".join(f"{k}={v}" for k, v in fields.items()
                                        if k not in ("traceparent", "tracestate"))

    def truth(self, item_id: int) -> Mapping[str, object] | None:
        """The committed value: the row the system section's ``truth`` query reads from
        the database, else what the API answered the run's last write."""
        if self.session.config.truth is not None:
            return self.session.read_truth(item_id)
        if self.written is None:
            raise NotExercised("no write of this run answered with the committed value "
                               "(a `truth` query in the system section reads the database)")
        return self.written

    def hold_fill(self) -> tuple[threading.Event, threading.Event]:
        """Hold the next cache fill on the wire (the proxy): (reached, release)."""
        proxy = self.session.proxy
        if proxy is None:
            raise NotExercised("the race is staged on the wire, by a proxy between the "
                               "service and Redis: start the service from a system section "
                               "(command, with {redis} for its Redis URL) and give --redis")
        hold = proxy.hold(lambda words: bool(words) and words[0] in FILL_VERBS,
                          timeout=self.session.config.eventually * 3)
        self.holding = hold
        return hold.reached, hold.released

    def redeliver(self) -> None:
        raise NotExercised("a redelivery needs a worker crashed on cue")


def wants_target(spec: Path, flow: Flow, target: str | None, config_path: Path | None) -> bool:
    """Whether ``flow`` is verified against a target (a --target, a system section, an
    inkproof.toml) rather than the reference system in process."""
    return target is not None or load_system_config(spec, flow, config_path)[0] is not None


def verify_against_target(spec: Path, flow: Flow, *, target: str | None = None,
                          redis_url: str | None = None, db_url: str | None = None,
                          otlp: str = f"127.0.0.1:{DEFAULT_PORT}",
                          config_path: Path | None = None, repeat: int = 1) -> Any:
    """Verify one flow against its target: the one place the CLI and the pytest plugin
    share. The system section's secrets are masked in every output from here on."""
    from inkproof.redact import register_secret, register_secrets_from
    from inkproof.runtime.otlp import parse_address
    from inkproof.runtime.verify import verify_flow

    config, base = load_system_config(spec, flow, config_path)
    for secret in environment_secrets(config):
        if "://" in secret:
            register_secrets_from(secret)
        else:
            register_secret(secret)
    options = TargetOptions(target, redis_url, db_url, parse_address(otlp), config, base)
    with TargetSession(options, flow) as session:
        session.sampling = session.sampling.repeated(repeat)
        return verify_flow(session, flow, source=str(spec),  # type: ignore[arg-type]
                           system=session.name)
