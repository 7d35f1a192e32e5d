"""A TCP listener on 127.0.0.1 whose connections are served by threads: what inkproof's
wire proxies (Redis, PostgreSQL) share. Closing it closes every socket it handed out, so
a system's connections through it end with the verification."""

from __future__ import annotations

import contextlib
import socket
import threading


class LoopbackListener:
    """``with Listener() as it``: listens on a free port of 127.0.0.1 until the block
    ends; each accepted connection goes to :meth:`connected`, in the accept thread."""

    thread_name = "inkproof-listener"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._closing = False

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.getsockname()[:2]
        return str(host), int(port)

    def __enter__(self) -> LoopbackListener:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._accept, name=self.thread_name,
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._closing = True
        self.closing()
        self._server.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()
        self._thread.join(timeout=2)

    def keep(self, *sockets: socket.socket) -> None:
        """Sockets to close when the listener closes."""
        with self._lock:
            self._sockets.extend(sockets)

    def closing(self) -> None:
        """Called first as the listener closes (a subclass releases what waits)."""

    def connected(self, client: socket.socket, address: str) -> None:
        raise NotImplementedError

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, address = self._server.accept()
            except OSError:
                return
            self.keep(client)
            self.connected(client, f"{address[0]}:{address[1]}")
