"""The wire as a witness: every command Redis received — from MONITOR, or from inkproof's
own proxy in front of a server that has no MONITOR (fakeredis).

A target's traces may hide Redis arguments (Python's instrumentation records ``SET ? ? ?
?``) or not exist at all; the server's own record has every argument, from which
connection, at what time. :class:`WireRecorder` keeps that record for a verification
session. Which box a connection belongs to is decided in :mod:`~inkproof.runtime.target`
(by its ``CLIENT SETNAME``, by the spans it lines up with, or because the flow has one Redis
client only).

What MONITOR cannot show — replies — is replayed: whether a GET hit is derived from the
commands that touched the key since the known state at the start of a run, and what a
consumer read is read back from the stream (``XRANGE``) for the ids it acknowledged.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The name the harness's own connections carry: their commands are never the system's.
HARNESS_NAME = "inkproof-harness"

_LINE = re.compile(r'^(?P<time>\d+\.\d+) \[(?P<db>\d+) (?P<client>[^\]]*)\] (?P<args>.*)$')
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "a": "\a", "b": "\b", '"': '"', "\\": "\\"}


def parse_arguments(text: str) -> tuple[str, ...]:
    """MONITOR's quoted arguments (``"SET" "k" "{\\"a\\": 1}"``) as plain strings; values
    with spaces stay one argument."""
    words: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] != '"':
            i += 1
            continue
        i += 1
        out: list[str] = []
        while i < n and text[i] != '"':
            if text[i] == "\\" and i + 1 < n:
                nxt = text[i + 1]
                if nxt == "x" and i + 3 < n:
                    out.append(chr(int(text[i + 2:i + 4], 16)))
                    i += 4
                    continue
                out.append(_ESCAPES.get(nxt, nxt))
                i += 2
                continue
            out.append(text[i])
            i += 1
        words.append("".join(out))
        i += 1
    return tuple(words)


@dataclass(frozen=True)
class WireCommand:
    """One command as the server received it."""

    time_ns: int  # the server's clock (MONITOR's timestamp, µs resolution)
    client: str  # "127.0.0.1:50312"
    words: tuple[str, ...]

    @property
    def verb(self) -> str:
        return self.words[0].upper() if self.words else ""


def parse_line(line: str) -> WireCommand | None:
    match = _LINE.match(line)
    if match is None:
        return None
    seconds, _, micros = match["time"].partition(".")
    time_ns = int(seconds) * 1_000_000_000 + int(micros.ljust(6, "0")[:6]) * 1000
    words = parse_arguments(match["args"])
    # Redis verbs are case-insensitive (ioredis sends "get"): one spelling from here on
    return WireCommand(time_ns, match["client"], (words[0].upper(), *words[1:]) if words
                       else words)


#: Commands a connection sends for itself (handshake, health), not for the application.
HOUSEKEEPING = frozenset({"HELLO", "AUTH", "SELECT", "READONLY", "PING", "INFO", "CLIENT",
                          "COMMAND", "ECHO", "QUIT", "RESET", "CONFIG", "MONITOR"})


@dataclass
class WireRecord:
    """Commands as a server received them, and the names connections gave themselves."""

    commands: list[WireCommand] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # client address → CLIENT SETNAME
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, command: WireCommand) -> None:
        with self._lock:
            if command.verb == "CLIENT" and len(command.words) > 2 and \
                    command.words[1].upper() == "SETNAME":
                self.names[command.client] = command.words[2]
            self.commands.append(command)

    def take(self) -> list[WireCommand]:
        with self._lock:
            taken, self.commands = self.commands, []
        return taken

    def activity(self, idle: frozenset[str]) -> int:
        """How many commands since the last take did something: not housekeeping, not
        one of ``idle`` (a worker's polls), not the harness's own."""
        with self._lock:
            return sum(1 for c in self.commands if c.verb not in HOUSEKEEPING
                       and c.verb not in idle and self.names.get(c.client) != HARNESS_NAME)

    def streams(self) -> set[str]:
        """Streams published to since the last take."""
        with self._lock:
            return {c.words[1] for c in self.commands if c.verb == "XADD" and len(c.words) > 1}

    def learn_names(self, client_list: Iterable[Mapping[str, Any]]) -> None:
        """Names of connections that were named before recording started (CLIENT LIST)."""
        with self._lock:
            for client in client_list:
                if client.get("name"):
                    self.names.setdefault(str(client["addr"]), str(client["name"]))

    def take_until_now(self, harness: Any, timeout: float = 5.0) -> list[WireCommand] | None:
        """What the server received before now (a proxy records each command before it
        forwards it, so: everything recorded)."""
        return self.take()


@dataclass
class WireRecorder(WireRecord):
    """MONITOR on a dedicated connection of a real Redis, in a background thread."""

    client: Any = None  # a redis.Redis (decode_responses=False is fine)
    _markers: int = 0

    def __enter__(self) -> WireRecorder:
        self._monitor = self.client.monitor()
        self._monitor.__enter__()
        self._thread = threading.Thread(target=self._listen, name="inkproof-wire",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        try:
            self._monitor.connection.disconnect()
        finally:
            self._thread.join(timeout=2)

    def _listen(self) -> None:
        try:
            while True:
                raw = self._monitor.connection.read_response()
                if isinstance(raw, bytes):
                    raw = raw.decode("utf-8", "backslashreplace")
                command = parse_line(str(raw))
                if command is not None:
                    self.add(command)
        except Exception:  # the connection was closed: the session is over
            return

    def take_until_now(self, harness: Any, timeout: float = 5.0) -> list[WireCommand] | None:
        """What the server received before now (up to a fresh ECHO marker from the
        harness), taken from the record — what came after the marker stays for the next
        call; None when the marker never showed (the record is late or the connection
        gone)."""
        import time

        self._markers += 1
        marker = f"inkproof-sync-{self._markers}"
        harness.echo(marker)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                end = next((i for i, c in enumerate(self.commands)
                            if c.verb == "ECHO" and marker in c.words), None)
                if end is not None:
                    taken, self.commands = self.commands[:end], self.commands[end + 1:]
                    return taken
            time.sleep(0.005)
        return None


# ---- replies, replayed -------------------------------------------------------------------

#: Commands that leave a key holding a value, and those that remove it.
CREATING = frozenset({"SET", "SETEX", "PSETEX", "SETNX", "GETSET", "MSET", "MSETNX", "INCR",
                      "INCRBY", "DECR", "DECRBY", "APPEND", "HSET", "HMSET", "LPUSH", "RPUSH",
                      "SADD", "ZADD", "XADD", "SETRANGE", "INCRBYFLOAT", "COPY"})
REMOVING = frozenset({"DEL", "UNLINK", "GETDEL"})


@dataclass
class KeyReplay:
    """Whether keys exist, replayed command by command from a known start.

    ``known`` holds each key's state at the start of the run (True: it existed); a key
    not in it is unknown until a command sets or removes it."""

    known: dict[str, bool]
    _expires: dict[str, int] = field(default_factory=dict)  # key → server time (ns)

    def forget(self, keys: Iterable[str]) -> None:
        """These keys were removed by someone else (the harness): they are absent now."""
        for key in keys:
            self.known[key] = False
            self._expires.pop(key, None)

    def apply(self, command: WireCommand) -> str | None:
        """Feed one command; for a GET, its reply: "hit", "miss" or None (unknown)."""
        verb, args = command.verb, command.words[1:]
        key = args[0] if args else ""
        expires = self._expires.get(key)
        if expires is not None and command.time_ns >= expires:
            self.known[key] = False
            self._expires.pop(key, None)
        if verb in ("GET", "GETDEL", "GETEX"):
            state = self.known.get(key)
            answer = None if state is None else ("hit" if state else "miss")
            if verb == "GETDEL":
                self.known[key] = False
            return answer
        if verb in REMOVING:
            for removed in args:
                self.known[removed] = False
                self._expires.pop(removed, None)
        elif verb in ("MSET", "MSETNX"):
            for name in args[::2]:
                self.known[name] = True
        elif verb in CREATING:
            self.known[key] = True
            self._set_expiry(command, verb, args)
        elif verb in ("EXPIRE", "PEXPIRE") and len(args) > 1:
            self._relative_expiry(command, key, args[1], 1e9 if verb == "EXPIRE" else 1e6)
        return None

    def _set_expiry(self, command: WireCommand, verb: str, args: Sequence[str]) -> None:
        key = args[0]
        if verb == "SETEX" and len(args) > 1:
            self._relative_expiry(command, key, args[1], 1e9)
        elif verb == "PSETEX" and len(args) > 1:
            self._relative_expiry(command, key, args[1], 1e6)
        elif verb == "SET":
            options = [a.upper() for a in args[2:]]
            for option, scale in (("EX", 1e9), ("PX", 1e6)):
                if option in options and options.index(option) + 1 < len(options):
                    self._relative_expiry(command, key, args[2 + options.index(option) + 1],
                                          scale)
            if "KEEPTTL" not in options and not {"EX", "PX", "EXAT", "PXAT"} & set(options):
                self._expires.pop(key, None)

    def _relative_expiry(self, command: WireCommand, key: str, amount: str,
                         scale: float) -> None:
        try:
            delta = float(amount)
        except ValueError:
            return
        if delta <= 0:
            self.known[key] = False
            self._expires.pop(key, None)
        else:
            self._expires[key] = command.time_ns + int(delta * scale)


def xadd_fields(words: Sequence[str]) -> tuple[str, list[tuple[str, str]]]:
    """``XADD stream [NOMKSTREAM] [MAXLEN|MINID [=|~] n [LIMIT c]] id f v …`` → (stream,
    field pairs)."""
    stream, rest = (words[1] if len(words) > 1 else ""), list(words[2:])
    while rest:
        option = rest[0].upper()
        if option == "NOMKSTREAM":
            rest.pop(0)
        elif option in ("MAXLEN", "MINID"):
            rest.pop(0)
            if rest and rest[0] in ("=", "~"):
                rest.pop(0)
            rest = rest[1:]
            if rest and rest[0].upper() == "LIMIT":
                rest = rest[2:]
        else:
            break
    pairs = list(zip(rest[1::2], rest[2::2], strict=False))
    return stream, pairs
