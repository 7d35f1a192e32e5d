"""A PostgreSQL proxy on 127.0.0.1 that records every statement: the database's wire.

Why a second witness for SQL: OpenTelemetry's SQL instrumentations trace ``execute()``
but neither a DB-API ``commit()`` nor the ``BEGIN`` a driver sends on its own, so an
implicit transaction (``execute(UPDATE)`` then ``commit()``, the way most Python code is
written) shows in the traces as a lone UPDATE. On the wire every driver's BEGIN and COMMIT
are messages like any other, and the server's CommandComplete tag says what each
statement did: ``UPDATE 1``, ``SELECT 1`` (one row), ``COMMIT`` — or ``ROLLBACK`` for a
commit the server refused.

A system inkproof starts gets this proxy's URL for ``{db}``. Bytes go both ways
unchanged; messages are only read. A client's request for TLS is declined (the leg is
loopback), so that the messages stay readable; password messages are never recorded.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from inkproof.runtime.loopback import LoopbackListener

#: Startup-phase request codes (no type byte): TLS, GSSAPI encryption, cancel, protocol 3.
_SSL_REQUEST, _GSS_REQUEST, _CANCEL_REQUEST, _PROTOCOL_3 = 80877103, 80877104, 80877102, 196608


@dataclass(frozen=True)
class SqlStatement:
    """One statement as the server completed it, timed as it crossed the proxy."""

    connection: str  # the client's address at the proxy, "127.0.0.1:50312"
    application: str  # the startup message's application_name ("" when none)
    text: str  # the statement the client sent ("" when the proxy could not tell)
    tag: str  # the server's CommandComplete tag, or "ERROR"
    sent_ns: int  # when the statement passed the proxy towards the server
    done_ns: int  # when its completion (or error) passed back

    @property
    def failed(self) -> bool:
        return self.tag == "ERROR"

    @property
    def kind(self) -> str:
        """BEGIN, SELECT, UPDATE, COMMIT, ROLLBACK … from the tag (a COMMIT of a failed
        transaction is tagged ROLLBACK by the server); FAILED-<kind> on an error."""
        if self.failed:
            words = self.text.split()
            return "FAILED-" + (words[0].upper().rstrip(";") if words else "SQL")
        word = self.tag.split()[0].upper() if self.tag.split() else ""
        return {"START": "BEGIN", "END": "COMMIT"}.get(word, word)

    @property
    def rows(self) -> int | None:
        """Rows a SELECT returned (the tag's count)."""
        words = self.tag.split()
        return int(words[-1]) if self.kind == "SELECT" and words[-1].isdigit() else None


@dataclass
class SqlRecord:
    """What the proxy saw, in the order statements completed; taken run by run."""

    statements: list[SqlStatement] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, statement: SqlStatement) -> None:
        with self.lock:
            self.statements.append(statement)

    def take(self) -> list[SqlStatement]:
        with self.lock:
            taken, self.statements = self.statements, []
        return taken


def _cstrings(body: bytes) -> list[str]:
    return [part.decode(errors="replace") for part in body.split(b"\0")]


@dataclass
class _Pending:
    text: str
    sent_ns: int


class _Connection:
    """One client connection: the statements sent and not yet answered, per Sync."""

    def __init__(self, record: SqlRecord, address: str):
        self.record, self.address = record, address
        self.application = ""
        self.prepared: dict[str, str] = {}  # statement name → text (Parse)
        self.portals: dict[str, str] = {}  # portal name → text (Bind)
        #: one batch per Sync (or simple Query): its statements still to be answered
        self.batches: deque[deque[_Pending]] = deque([deque()])
        self.last_sent = 0
        self.lock = threading.Lock()

    # ---- the client's messages ----------------------------------------------------------

    def client_message(self, kind: bytes, body: bytes) -> None:
        now = time.time_ns()
        with self.lock:
            if kind == b"Q":  # a simple query is its own batch (it ends in ReadyForQuery)
                self.batches[-1].append(_Pending(_cstrings(body)[0], now))
                self.batches.append(deque())
            elif kind == b"P":
                name, text = _cstrings(body)[:2]
                self.prepared[name] = text
            elif kind == b"B":
                portal, statement = _cstrings(body)[:2]
                self.portals[portal] = self.prepared.get(statement, "")
            elif kind == b"E":
                self.batches[-1].append(_Pending(self.portals.get(_cstrings(body)[0], ""),
                                                 now))
            elif kind == b"S":
                self.batches.append(deque())

    # ---- the server's messages ----------------------------------------------------------

    def server_message(self, kind: bytes, body: bytes) -> None:
        now = time.time_ns()
        with self.lock:
            batch = self.batches[0]
            if kind in (b"C", b"E", b"I", b"s"):  # complete, error, empty, suspended
                # a simple query may hold several statements: one text, several tags
                pending = batch.popleft() if batch else _Pending("", self.last_sent)
                self.last_sent = pending.sent_ns
                if kind == b"C":
                    self._add(pending, _cstrings(body)[0], now)
                elif kind == b"E":
                    self._add(pending, "ERROR", now)
                    batch.clear()  # the server skips the rest of the batch
            elif kind == b"Z":  # ReadyForQuery: the oldest batch is over
                self.batches.popleft()
                if not self.batches:
                    self.batches.append(deque())

    def _add(self, pending: _Pending, tag: str, now: int) -> None:
        self.record.add(SqlStatement(self.address, self.application, pending.text, tag,
                                     pending.sent_ns, now))


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class PostgresProxy(LoopbackListener):
    """``with PostgresProxy(url) as proxy``: ``proxy.url`` for the system, ``proxy.record``
    for what it sent."""

    thread_name = "inkproof-pgproxy"

    def __init__(self, url: str):
        super().__init__()
        parts = urlsplit(url)
        self._parts = parts
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self.record = SqlRecord()

    @property
    def url(self) -> str:
        """The database URL with the proxy's address in place of the server's."""
        host, port = self.address
        auth = self._parts.netloc.rpartition("@")[0]
        netloc = f"{auth}@{host}:{port}" if auth else f"{host}:{port}"
        return urlunsplit(self._parts._replace(netloc=netloc))

    def __enter__(self) -> PostgresProxy:
        super().__enter__()
        return self

    def connected(self, client: socket.socket, address: str) -> None:
        threading.Thread(target=self._serve, args=(client, address), daemon=True).start()

    def _serve(self, client: socket.socket, address: str) -> None:
        connection = _Connection(self.record, address)
        upstream = None
        try:
            startup = self._startup(client, connection)
            if startup is None:
                return
            upstream = socket.create_connection(self.upstream, timeout=5)
            upstream.settimeout(None)
            self.keep(upstream)
            upstream.sendall(startup)
            threading.Thread(target=self._relay, daemon=True,
                             args=(upstream, client, connection.server_message)).start()
            self._relay(client, upstream, connection.client_message)
        except OSError:
            pass
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _startup(client: socket.socket, connection: _Connection) -> bytes | None:
        """The startup message to forward (a TLS or GSSAPI request declined first)."""
        while True:
            head = _read_exactly(client, 8)
            if head is None:
                return None
            length, code = struct.unpack("!ii", head)
            body = _read_exactly(client, length - 8) if length > 8 else b""
            if body is None:
                return None
            if code in (_SSL_REQUEST, _GSS_REQUEST):
                client.sendall(b"N")  # not on this leg: the client goes on in the clear
                continue
            if code == _PROTOCOL_3:
                words = _cstrings(body)
                params = dict(zip(words[0::2], words[1::2], strict=False))
                connection.application = params.get("application_name", "")
            return head + body  # a cancel request is forwarded as it came

    @staticmethod
    def _relay(source: socket.socket, sink: socket.socket,
               read: Callable[[bytes, bytes], None]) -> None:
        """Forward messages (type byte, length, body) from ``source`` to ``sink``,
        showing each to ``read`` first."""
        buffer = b""
        try:
            while chunk := source.recv(65536):
                buffer += chunk
                at = 0
                while len(buffer) - at >= 5:
                    (length,) = struct.unpack_from("!i", buffer, at + 1)
                    if len(buffer) - at < 1 + length:
                        break
                    kind = buffer[at:at + 1]
                    if kind != b"p":  # password, SASL: never read
                        read(kind, buffer[at + 5:at + 1 + length])
                    at += 1 + length
                sink.sendall(chunk)
                buffer = buffer[at:]
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
