"""A Redis proxy on 127.0.0.1 that can hold one command: races staged on the wire.

A property like "the stale-read window is bounded by the TTL" needs a race to happen on
cue: the reader's cache fill must reach Redis only after the writer's invalidation has.
A service in its own process has no pause points, so — the way Toxiproxy injects faults —
inkproof puts this proxy between the service and Redis (a system it starts gets the
proxy's URL for ``{redis}``) and holds the fill on the wire until it is released.

Commands from clients are parsed (RESP arrays, and inline commands) only to be matched;
bytes go upstream unchanged, and replies come back as raw bytes. Holding a command holds
its connection: later commands of that connection wait behind it, as they would behind a
slow server.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from inkproof.runtime.loopback import LoopbackListener
from inkproof.runtime.wire import WireCommand, WireRecord

Predicate = Callable[[Sequence[str]], bool]


@dataclass
class Hold:
    """A command to hold: ``reached`` is set when one arrives, then it waits for
    ``release`` (or ``timeout`` seconds, so that nothing hangs for ever)."""

    matches: Predicate
    timeout: float = 30.0
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    forwarded: threading.Event = field(default_factory=threading.Event)  # reached the server
    command: tuple[str, ...] = ()

    def release(self) -> None:
        self.released.set()


class _Reader:
    """Reads one client command at a time from a socket, keeping its raw bytes."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buffer = sock, b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def _line(self, start: int) -> tuple[bytes, int] | None:
        end = self.buffer.find(b"\r\n", start)
        return None if end < 0 else (self.buffer[start:end], end + 2)

    def _parse(self) -> tuple[tuple[str, ...], int] | None:
        """(words, bytes used) of the command at the buffer's start, or None if partial."""
        if not self.buffer:
            return None
        if self.buffer[:1] != b"*":  # an inline command: one line of words
            line = self._line(0)
            return None if line is None else (tuple(line[0].decode(errors="replace")
                                                    .split()), line[1])
        head = self._line(0)
        if head is None:
            return None
        count, at = int(head[0][1:]), head[1]
        words = []
        for _ in range(max(count, 0)):
            size_line = self._line(at)
            if size_line is None:
                return None
            size, at = int(size_line[0][1:]), size_line[1]
            if len(self.buffer) < at + size + 2:
                return None
            words.append(self.buffer[at:at + size].decode(errors="replace"))
            at += size + 2
        return tuple(words), at

    def command(self) -> tuple[tuple[str, ...], bytes] | None:
        """The next command and its raw bytes; None when the client closed."""
        while True:
            parsed = self._parse()
            if parsed is not None:
                words, used = parsed
                raw, self.buffer = self.buffer[:used], self.buffer[used:]
                return words, raw
            if not self._fill():
                return None


class RedisProxy(LoopbackListener):
    """``with RedisProxy(("127.0.0.1", 6379)) as proxy``: ``proxy.url`` for the system."""

    thread_name = "inkproof-proxy"

    def __init__(self, upstream: tuple[str, int], path: str = "/0", auth: str = ""):
        super().__init__()
        self.upstream, self.path, self.auth = upstream, path, auth
        self._holds: list[Hold] = []
        self._taps: list[tuple[Predicate, Callable[[tuple[str, ...]], None]]] = []
        #: side connection → the client connection it stands in for, as the server
        #: names them (``127.0.0.1:port``), so the wire attributes both alike
        self.aliases: dict[str, str] = {}
        #: every command clients sent, when the server keeps no record of its own
        self.record: WireRecord | None = None
        self.connections = 0

    @property
    def url(self) -> str:
        host, port = self.address
        return f"redis://{self.auth}{host}:{port}{self.path}"

    def __enter__(self) -> RedisProxy:
        super().__enter__()
        return self

    def closing(self) -> None:
        for hold in self._holds:
            hold.release()

    def tap(self, matches: Predicate, look: Callable[[tuple[str, ...]], None]) -> None:
        """Call ``look(words)`` for every command that ``matches``, before it is forwarded
        (its connection waits meanwhile): a moment to ask another witness about the state
        the command is sent in."""
        with self._lock:
            self._taps.append((matches, look))

    def hold(self, matches: Predicate, timeout: float = 30.0) -> Hold:
        """Hold the next command that ``matches`` (its words, verb upper-cased)."""
        hold = Hold(matches, timeout)
        with self._lock:
            self._holds.append(hold)
        return hold

    def _claim(self, words: tuple[str, ...]) -> Hold | None:
        upper = (words[0].upper(), *words[1:]) if words else words
        with self._lock:
            for hold in self._holds:
                if not hold.reached.is_set() and hold.matches(upper):
                    hold.command = upper
                    hold.reached.set()
                    self._holds.remove(hold)
                    return hold
        return None

    def _look(self, words: tuple[str, ...]) -> None:
        upper = (words[0].upper(), *words[1:]) if words else words
        with self._lock:
            taps = list(self._taps)
        for matches, look in taps:
            if matches(upper):
                with contextlib.suppress(Exception):  # a witness that fails says nothing
                    look(upper)

    def connected(self, client: socket.socket, address: str) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
            upstream.settimeout(None)
        except OSError:
            client.close()
            return
        self.keep(upstream)
        with self._lock:
            self.connections += 1
        link = _Link(self, client, upstream)
        threading.Thread(target=link.to_server, daemon=True).start()
        threading.Thread(target=link.to_client, daemon=True).start()


def _answers_ok(words: Sequence[str]) -> bool:
    """Whether the server's reply is surely ``+OK``: a plain SET (no NX, XX or GET),
    SETEX, PSETEX. Such a held write is answered at once and applied when released, so a
    client that multiplexes every request over this connection is not held with it."""
    verb = words[0].upper() if words else ""
    if verb in ("SETEX", "PSETEX"):
        return True
    return verb == "SET" and not {w.upper() for w in words[3:]} & {"NX", "XX", "GET"}


#: Commands that set a connection's state; replayed on a side connection first.
CONNECTION_STATE = frozenset({"HELLO", "AUTH", "SELECT", "READONLY", "CLIENT"})


def reply_end(buffer: bytes, at: int = 0) -> int | None:
    """Where the RESP2/RESP3 reply starting at ``at`` ends, or None if it is incomplete."""
    line_end = buffer.find(b"\r\n", at)
    if line_end < 0:
        return None
    kind, head, after = buffer[at:at + 1], buffer[at + 1:line_end], line_end + 2
    if kind in b"+-:_,#(":
        return after
    if kind in b"$!=":
        size = int(head)
        if size < 0:
            return after
        return after + size + 2 if len(buffer) >= after + size + 2 else None
    if kind in b"*~>%|":
        count = int(head)
        count = count * 2 if kind in b"%|" else count
        for _ in range(max(count, 0)):
            nested = reply_end(buffer, after)
            if nested is None:
                return None
            after = nested
        if kind == b"|":  # an attribute precedes the reply it describes
            return reply_end(buffer, after)
        return after
    raise ValueError(f"not a RESP reply: {buffer[at:at + 20]!r}")


class _Link:
    """One client connection through the proxy.

    A held command holds only itself: commands the client sends behind it (a multiplexing
    client such as ioredis sends every request over one connection) run meanwhile on a
    side connection to the server, and their replies are queued behind the held command's
    reply, so the client still receives replies in the order it sent the commands."""

    def __init__(self, proxy: RedisProxy, client: socket.socket, upstream: socket.socket):
        self.proxy, self.client, self.upstream = proxy, client, upstream
        self.lock = threading.Lock()
        self.state: list[bytes] = []  # raw connection-state commands, for a side link
        self.sent = 0  # commands sent on the main connection
        self.replied = 0  # replies of the main connection passed to the client
        self.held: bytes | None = None  # the held command, until it is released
        self.side: socket.socket | None = None
        self.queued: list[bytes] = []  # side replies, for after the held one's reply
        self.flush_after: int | None = None  # ... which is main reply number this

    def to_server(self) -> None:
        reader = _Reader(self.client)
        try:
            while (found := reader.command()) is not None:
                words, raw = found
                if words and words[0].upper() in CONNECTION_STATE:
                    self.state.append(raw)
                self.proxy._look(words)
                with self.lock:
                    if self.held is not None:
                        self._record(words)
                        self.queued.append(self._on_side(raw))
                        continue
                hold = self.proxy._claim(words)
                with self.lock:
                    if hold is None:
                        self._record(words)
                        self._send_main(raw)
                        continue
                    if _answers_ok(words):
                        self._answer_now(b"+OK\r\n")
                        threading.Thread(target=self._apply_when, args=(hold, raw),
                                         daemon=True).start()
                        continue
                    self.held = raw
                threading.Thread(target=self._release_when, args=(hold,), daemon=True).start()
        except (OSError, ValueError):
            pass
        finally:
            _shut(self.upstream)
            if self.side is not None:
                _shut(self.side)

    def _answer_now(self, reply: bytes) -> None:
        """Answer the client in its turn (after every reply it still awaits); under lock."""
        if self.replied >= self.sent:
            self.client.sendall(reply)
        else:
            self.queued.append(reply)
            self.flush_after = self.sent

    def _apply_when(self, hold: Hold, raw: bytes) -> None:
        """The held write reaches the server once released (its client was told OK)."""
        hold.released.wait(hold.timeout)
        with self.lock, contextlib.suppress(OSError):
            self._record(hold.command)  # it reaches the server now, not when it was sent
            self._on_side(raw)
        hold.forwarded.set()

    def _record(self, words: Sequence[str]) -> None:
        """Into the proxy's record (a server without MONITOR): as the server sees it."""
        if self.proxy.record is not None and words:
            local = self.upstream.getsockname()
            self.proxy.record.add(WireCommand(time.time_ns(), f"{local[0]}:{local[1]}",
                                              (words[0].upper(), *words[1:])))

    def _send_main(self, raw: bytes) -> None:
        self.upstream.sendall(raw)
        self.sent += 1

    def _release_when(self, hold: Hold) -> None:
        hold.released.wait(hold.timeout)
        with self.lock:
            raw, self.held = self.held, None
            if raw is None:
                return
            if self.queued:
                self.flush_after = self.sent + 1
            try:
                self._record(hold.command)
                self._send_main(raw)
            except OSError:
                return
            finally:
                hold.forwarded.set()

    def _on_side(self, raw: bytes) -> bytes:
        """Run one command on the side connection; its raw reply."""
        if self.side is None:
            self.side = socket.create_connection(self.proxy.upstream, timeout=10)
            local = self.side.getsockname()
            main = self.upstream.getsockname()
            # the server sees the side connection as another client: it is this one
            self.proxy.aliases[f"{local[0]}:{local[1]}"] = f"{main[0]}:{main[1]}"
            for command in self.state:
                self._ask_side(command)
        return self._ask_side(raw)

    def _ask_side(self, raw: bytes) -> bytes:
        assert self.side is not None
        self.side.sendall(raw)
        buffer = b""
        while (end := reply_end(buffer)) is None:
            chunk = self.side.recv(65536)
            if not chunk:
                raise OSError("the server closed the side connection")
            buffer += chunk
        return buffer[:end]

    def to_client(self) -> None:
        buffer = b""
        try:
            while chunk := self.upstream.recv(65536):
                buffer += chunk
                while (end := reply_end(buffer)) is not None:
                    reply, buffer = buffer[:end], buffer[end:]
                    with self.lock:
                        self.client.sendall(reply)
                        if reply[:1] != b">":  # RESP3 pushes answer no command
                            self.replied += 1
                        if self.flush_after is not None and self.replied >= self.flush_after:
                            self.client.sendall(b"".join(self.queued))
                            self.queued, self.flush_after = [], None
        except (OSError, ValueError):
            pass
        finally:
            _shut(self.client)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
