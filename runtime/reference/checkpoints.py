"""Named pause points, so races can be reproduced deterministically.

The service calls :meth:`Checkpoints.reach` at a few named places (after reading the
database on a miss, after COMMIT). Normally that returns at once. A test or the harness
can :meth:`hold` a name: the next thread reaching it waits there until released, which
makes the classic stale-read race happen on purpose instead of by luck.
"""

from __future__ import annotations

import threading


class Checkpoints:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, tuple[threading.Event, threading.Event]] = {}

    def hold(self, name: str) -> tuple[threading.Event, threading.Event]:
        """Arm ``name``; returns (reached, release): wait on the first, set the second."""
        with self._lock:
            gate = (threading.Event(), threading.Event())
            self._held[name] = gate
            return gate

    def reach(self, name: str, timeout: float = 10.0) -> None:
        with self._lock:
            gate = self._held.pop(name, None)
        if gate is not None:
            reached, release = gate
            reached.set()
            if not release.wait(timeout):
                raise TimeoutError(f"checkpoint {name!r} was never released")
