"""The system under verification, as the harness sees it, and the parts it is wired to.

A system is built by a factory, ``factory(wiring) -> System``: the reference system
(:mod:`~inkproof.runtime.reference.system`), one of its mutants, or a user's own
(``--system module:factory``). The harness owns the infrastructure (which Redis, which
database, the key prefix) and hands it over as a :class:`Wiring`; the system owns its
behaviour and settings (TTL, key pattern, strategy), which the spec never supplies.

The harness serves the system's ASGI app on 127.0.0.1 itself, so HTTP is observed at the
server boundary, and runs the worker's ``drain`` itself, so its traffic is attributed to
the worker.
"""

from __future__ import annotations

import importlib
import os
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import redis

from inkproof.errors import InkproofError
from inkproof.redact import mask_text
from inkproof.runtime.reference.checkpoints import Checkpoints


class ConnectionFailed(InkproofError):
    """A server named by URL could not be reached (exit code 2, not drift)."""


#: How long any key or stream of a run may outlive the run: a run that is killed (SIGKILL,
#: power loss) cannot clean up, so everything it creates carries at least this TTL.
KEY_TTL_SECONDS = 3600


class BackendDied(InkproofError):
    """Redis or PostgreSQL stopped answering in the middle of a run (exit code 2, not
    drift: what the system did after its backend died proves nothing about the picture).

    ``partial`` is the report of the flow being verified, up to where it stopped (set by
    :func:`~inkproof.runtime.verify.verify_flow`)."""

    def __init__(self, backend: str, cause: str, where: str = "",
                 leftovers: tuple[str, ...] = ()):
        self.backend, self.cause, self.where, self.leftovers = backend, cause, where, leftovers
        self.partial: Any = None
        super().__init__(str(self))

    def located(self, where: str, leftovers: tuple[str, ...]) -> BackendDied:
        """The same fault, told where it happened and what could not be cleaned up."""
        return BackendDied(self.backend, self.cause, self.where or where,
                           (*self.leftovers, *leftovers))

    def __str__(self) -> str:
        text = f"{self.backend} stopped answering"
        if self.where:
            text += f" during {self.where}"
        text += f" ({self.cause}); verification stopped"
        if self.leftovers:
            text += "; cleanup not possible: " + "; ".join(self.leftovers)
        return text


class SystemFailed(InkproofError):
    """The system under verification raised (its factory, worker or reads): a located
    message — which call, the file:line that raised, the exception — never a traceback."""


def raised_at(exc: BaseException) -> str:
    """``file:line`` of the place that raised ``exc``: the deepest frame outside inkproof,
    the standard library and installed packages (the user's code), else the deepest."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno or 1}"
    if not frames:
        return "?"
    import sysconfig

    import inkproof

    ours = [Path(__file__).resolve().parent, Path(inkproof.__file__).resolve().parent]
    paths = sysconfig.get_paths()
    ours += [Path(paths[k]).resolve() for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    inside = tuple(f"{folder}{os.sep}" for folder in ours)

    def foreign(path: str) -> bool:
        return not path.startswith("<") and not str(Path(path).resolve()).startswith(inside)

    frame = next((f for f in reversed(frames) if foreign(f.filename)), frames[-1])
    return f"{frame.filename}:{frame.lineno}"


def describe_exception(exc: BaseException) -> str:
    """``ValueError: message`` (one line)."""
    message = " ".join(str(exc).split())
    if isinstance(exc, SyntaxError):
        message = " ".join((exc.msg or "").split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


@dataclass(frozen=True)
class Timers:
    """Short timers the harness asks for when it cannot move the clock of a real server
    (a property that waits for a TTL to run out waits this long instead)."""

    ttl: int | None = None  # seconds a cache fill lives (None: the system's own)
    redelivery_idle_ms: int | None = None  # idle time before redelivery (None: own)


@dataclass(frozen=True)
class Database:
    """The primary database: ``connect()`` gives a traced DB-API connection in autocommit
    mode; ``placeholder`` is the driver's parameter marker; ``system`` is "sqlite" or
    "postgresql"."""

    connect: Callable[[], Any]
    placeholder: str
    system: str


@dataclass(frozen=True)
class Wiring:
    """What the harness gives a system factory."""

    prefix: str  # every Redis key and stream the system creates must start with it
    table_prefix: str  # every SQL table likewise (letters, digits, underscores)
    redis: Callable[[str], redis.Redis]  # a client named after the component using it
    database: Database
    strategy: str | None = None  # the invalidation strategy a scenario or property needs
    timers: Timers | None = None  # short timers for properties on a real server
    #: every key the system creates must expire within this many seconds, even if the run
    #: is killed (``SET … EX``, or ``EXPIRE`` right after creating a stream); the harness
    #: gives a key that has none this TTL after each step, as a backstop
    key_ttl: int = KEY_TTL_SECONDS


@runtime_checkable
class System(Protocol):
    """A running system: its API as an ASGI app, a worker step, optional pause points."""

    app: Any  # ASGI application
    checkpoints: Checkpoints | None

    def drain(self) -> int:
        """Let the worker handle every pending event; returns how many."""

    def source_of_truth(self, item_id: int) -> Mapping[str, object] | None:
        """The item as the primary database holds it (JSON-like), for staleness checks."""

    def close(self) -> None:
        """Remove what the system created (its tables); keys are the harness's to clean."""


SystemFactory = Callable[[Wiring], System]


def load_factory(reference: str) -> SystemFactory:
    """``module:factory`` → the callable, with a clear error for every way it can be wrong
    (a module that fails to import is named with the file:line that failed)."""
    module_name, sep, attribute = reference.partition(":")
    if not sep or not module_name or not attribute:
        raise InkproofError(f"--system {reference!r}: expected MODULE:FACTORY, e.g. "
                            "myapp.verify:build_system")
    if os.getcwd() not in sys.path:  # like uvicorn: modules of the current folder load
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            raise InkproofError(f"--system {reference!r}: cannot import {module_name!r}: "
                                f"{exc}") from None
        raise SystemFailed(f"--system {reference!r}: importing {module_name!r} failed at "
                           f"{raised_at(exc)}: {describe_exception(exc)}") from None
    except Exception as exc:  # SyntaxError, or the module's own code raised
        raise SystemFailed(f"--system {reference!r}: importing {module_name!r} failed at "
                           f"{raised_at(exc)}: {describe_exception(exc)}") from None
    factory = getattr(module, attribute, None)
    if not callable(factory):
        raise InkproofError(f"--system {reference!r}: {module_name} has no callable "
                            f"{attribute!r}")
    return factory


#: What a factory's result must have (``checkpoints`` is optional).
SYSTEM_MEMBERS = ("app", "drain", "source_of_truth", "close")


def check_system(system: object, name: str) -> System:
    """The factory's result, if it is a system; a clear error naming what it lacks."""
    missing = [member for member in SYSTEM_MEMBERS if not hasattr(system, member)]
    if missing:
        raise SystemFailed(f"{name} returned {type(system).__name__} {_short(system)}, not a "
                           f"system: it has no {', '.join(missing)} (see "
                           "inkproof.runtime.system.System)")
    return system  # type: ignore[return-value]


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ---- Redis ------------------------------------------------------------------------------

class RedisBackend:
    """fakeredis (one embedded server per backend) or a real server by URL."""

    def __init__(self, url: str | None = None, *, connect_timeout: float = 3.0):
        self.url = url
        self.real = url is not None
        self._timeout = connect_timeout
        self._fake_server: Any = None
        if url is None:
            import fakeredis

            self._fake_server = fakeredis.FakeServer()
        else:
            # Fail fast, before anything starts: a server that accepts but never answers
            # must not hang the run either.
            self.client("inkproof-probe", timeout=connect_timeout).close()

    def client(self, name: str, timeout: float = 10.0) -> redis.Redis:
        name = re.sub(r"[^A-Za-z0-9:._-]", "-", name)  # CLIENT SETNAME allows no spaces
        if self._fake_server is not None:
            import fakeredis

            return fakeredis.FakeRedis(server=self._fake_server, decode_responses=True)
        assert self.url is not None
        try:
            client = redis.Redis.from_url(self.url, decode_responses=True, client_name=name,
                                          socket_connect_timeout=self._timeout,
                                          socket_timeout=timeout)
            client.ping()
        except (redis.RedisError, ValueError, OSError) as exc:
            raise ConnectionFailed(f"cannot reach Redis at {safe_url(self.url)}: "
                                   f"{exc}") from None
        return client

    def dead(self) -> str | None:
        """Whether the server stopped answering: a fresh connection, one PING, a short
        timeout. None when it answers (fakeredis always does)."""
        if not self.real:
            return None
        assert self.url is not None
        try:
            probe = redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)
            try:
                probe.ping()
            finally:
                probe.close()
        except (redis.RedisError, OSError) as exc:
            return describe_exception(exc)
        return None

    @property
    def name(self) -> str:
        return f"Redis at {safe_url(self.url)}" if self.url else "fakeredis"


# ---- the primary database ---------------------------------------------------------------

class DatabaseBackend:
    """SQLite (a file in ``workdir``) or PostgreSQL by URL."""

    def __init__(self, url: str | None, workdir: Path, *, connect_timeout: int = 3):
        self.url, self._workdir, self._timeout = url, workdir, connect_timeout
        if url is not None and not url.startswith(("postgresql://", "postgres://")):
            raise InkproofError(f"--db {safe_url(url)}: expected a postgresql:// URL "
                                "(SQLite is the default when --db is not given)")
        if url is not None:
            self.raw_connect().close()  # fail fast

    @property
    def system(self) -> str:
        return "sqlite" if self.url is None else "postgresql"

    @property
    def placeholder(self) -> str:
        return "?" if self.url is None else "%s"

    def raw_connect(self) -> Any:
        if self.url is None:
            connection = sqlite3.connect(self._workdir / "primary.db", isolation_level=None,
                                         timeout=5, check_same_thread=False)
            # A throwaway database: commits need not wait for the disk.
            connection.execute("PRAGMA synchronous = OFF")
            return connection
        import psycopg

        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=self._timeout)
        except psycopg.Error as exc:
            raise ConnectionFailed(f"cannot reach PostgreSQL at {safe_url(self.url)}: "
                                   f"{str(exc).strip()}") from None

    def dead(self) -> str | None:
        """Whether PostgreSQL stopped answering (a fresh connection and ``SELECT 1``, short
        timeouts); None when it answers. SQLite is a file: it cannot die."""
        if self.url is None:
            return None
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=2) as probe:
                probe.execute("SELECT 1")
        except (psycopg.Error, OSError) as exc:
            return describe_exception(exc)
        return None

    @property
    def name(self) -> str:
        return f"PostgreSQL at {safe_url(self.url)}" if self.url else "SQLite"


def safe_url(url: str) -> str:
    """The URL without its password, for messages (the one masking rule: inkproof.redact)."""
    return mask_text(url)


@contextmanager
def kept_thread_errors(errors: list[BaseException]) -> Iterator[None]:
    """While open, exceptions of helper threads (a paused reader, say) go into ``errors``
    instead of being printed as a traceback: what they meant shows in a verdict."""
    import threading

    def keep(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            errors.append(args.exc_value)

    previous, threading.excepthook = threading.excepthook, keep
    try:
        yield
    finally:
        threading.excepthook = previous


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True
