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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Predicate = Callable[[Sequence[str]], bool]


@dataclass
class Hold:
    """A command to hold: ``reached`` is set when one arrives, then it waits for
    ``release`` (or ``timeout`` seconds, so that nothing hangs for ever)."""

    matches: Predicate
    timeout: float = 30.0
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
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


class RedisProxy:
    """``with RedisProxy(("127.0.0.1", 6379)) as proxy``: ``proxy.url`` for the system."""

    def __init__(self, upstream: tuple[str, int], path: str = "/0", auth: str = ""):
        self.upstream, self.path, self.auth = upstream, path, auth
        self._holds: list[Hold] = []
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.connections = 0

    @property
    def url(self) -> str:
        host, port = self._server.getsockname()[:2]
        return f"redis://{self.auth}{host}:{port}{self.path}"

    def __enter__(self) -> RedisProxy:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._closing = False
        self._thread = threading.Thread(target=self._accept, name="inkproof-proxy",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._closing = True
        for hold in self._holds:
            hold.release()
        self._server.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()
        self._thread.join(timeout=2)

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

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
                self.connections += 1
            threading.Thread(target=self._to_server, args=(client, upstream),
                             daemon=True).start()
            threading.Thread(target=self._to_client, args=(client, upstream),
                             daemon=True).start()

    def _to_server(self, client: socket.socket, upstream: socket.socket) -> None:
        reader = _Reader(client)
        try:
            while True:
                found = reader.command()
                if found is None:
                    break
                words, raw = found
                hold = self._claim(words)
                if hold is not None:
                    hold.released.wait(hold.timeout)
                upstream.sendall(raw)
        except (OSError, ValueError):
            pass
        finally:
            _shut(upstream)

    @staticmethod
    def _to_client(client: socket.socket, upstream: socket.socket) -> None:
        try:
            while chunk := upstream.recv(65536):
                client.sendall(chunk)
        except OSError:
            pass
        finally:
            _shut(client)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
