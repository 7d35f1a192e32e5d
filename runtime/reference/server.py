"""Serve an ASGI app with uvicorn on 127.0.0.1 in a background thread (real HTTP)."""

from __future__ import annotations

import threading
import time

import uvicorn
from starlette.applications import Starlette


class LoopbackServer:
    """``with LoopbackServer(app) as url:`` — a real server on a free loopback port."""

    def __init__(self, app: Starlette, start_timeout: float = 10.0):
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                                     log_level="warning", lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._timeout = start_timeout
        self.url = ""

    def __enter__(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + self._timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the reference service did not start on 127.0.0.1")
            time.sleep(0.01)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self.url

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=self._timeout)
