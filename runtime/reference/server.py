"""Serve an ASGI app with uvicorn on 127.0.0.1 in a background thread (real HTTP or HTTPS)."""

from __future__ import annotations

import contextvars
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn


class LoopbackServer:
    """``with LoopbackServer(app) as url:`` — a real server on a free loopback port.

    ``tls=(certfile, keyfile)`` serves HTTPS. The server thread runs in a copy of the
    creating thread's context, so context variables set around the construction (such as
    the component name observation stamps on spans) hold inside the server.
    """

    def __init__(self, app: Any, start_timeout: float = 10.0,
                 tls: tuple[Path, Path] | None = None):
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                lifespan="off", access_log=False,
                                ssl_certfile=str(tls[0]) if tls else None,
                                ssl_keyfile=str(tls[1]) if tls else None)
        self._server = uvicorn.Server(config)
        self._scheme = "https" if tls else "http"
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._server.run,),
                                        name="inkproof-api", daemon=True)
        self._timeout = start_timeout
        self.url = ""

    def __enter__(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + self._timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the service did not start on 127.0.0.1")
            time.sleep(0.002)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"{self._scheme}://{host}:{port}"
        return self.url

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=self._timeout)
