"""The reference system with a fault switch, for tests/test_verify_faults.py.

``build`` is the reference system, except that on the N-th system the harness builds
(``INKPROOF_FAULT_RUN``, counting from 1) its first HTTP request or worker drain
(``INKPROOF_FAULT_AT``: ``request`` or ``drain``) does one of two things first:

- ``INKPROOF_FAULT_KILL=PID:PORT``: SIGKILL the server with that PID (redis-server or the
  postmaster) and wait until its port refuses connections, so the backend is dead at a
  known step instead of after a guessed sleep;
- ``INKPROOF_FAULT_PAUSE=FILE``: write FILE and wait, so the test can SIGKILL inkproof
  itself in the middle of a run.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path
from typing import Any

from inkproof.runtime.reference.system import build as reference_build
from inkproof.runtime.system import Wiring

_built = 0


def _port_closed(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return False
    except OSError:
        return True


def _fault() -> None:
    kill, pause = os.environ.get("INKPROOF_FAULT_KILL"), os.environ.get("INKPROOF_FAULT_PAUSE")
    if kill:
        pid, port = (int(part) for part in kill.split(":"))
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while not _port_closed(port) and time.monotonic() < deadline:
            time.sleep(0.01)
    if pause:
        Path(pause).write_text("paused\n")
        time.sleep(60)  # the test kills us long before


class FaultySystem:
    """Delegates to the reference system; fires the fault once, at the chosen place."""

    def __init__(self, system: Any, armed: bool, at: str):
        self._system, self._armed, self._at = system, armed, at
        self.checkpoints = system.checkpoints
        inner = system.app

        async def app(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                self._fire("request")
            await inner(scope, receive, send)

        self.app = app

    def _fire(self, where: str) -> None:
        if self._armed and where == self._at:
            self._armed = False
            _fault()

    def drain(self) -> int:
        self._fire("drain")
        return self._system.drain()

    def source_of_truth(self, item_id: int) -> Any:
        return self._system.source_of_truth(item_id)

    def close(self) -> None:
        self._system.close()


def build(wiring: Wiring) -> FaultySystem:
    global _built
    _built += 1
    armed = _built == int(os.environ.get("INKPROOF_FAULT_RUN", "0"))
    return FaultySystem(reference_build(wiring), armed,
                        os.environ.get("INKPROOF_FAULT_AT", "request"))
