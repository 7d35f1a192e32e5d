"""Named pause points, so races and crashes can be reproduced deterministically.

The system calls :meth:`Checkpoints.reach` at a few named places (after reading the
database on a miss, after COMMIT, after the worker applied an event and before it
acknowledges it). Normally that returns at once. The harness can :meth:`hold` a name: the
next thread reaching it waits there until released, which makes the classic stale-read race
happen on purpose instead of by luck. Or it can :meth:`crash` a name: the next thread
reaching it raises :class:`SimulatedCrash`, as if the process died right there.
"""

from __future__ import annotations

import threading


class SimulatedCrash(Exception):
    """Raised at a checkpoint armed with :meth:`Checkpoints.crash`."""


class Checkpoints:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, tuple[threading.Event, threading.Event]] = {}
        self._crash: set[str] = set()
        self.seen: set[str] = set()  # every name reached, so the harness knows what exists

    def hold(self, name: str) -> tuple[threading.Event, threading.Event]:
        """Arm ``name``; returns (reached, release): wait on the first, set the second."""
        with self._lock:
            gate = (threading.Event(), threading.Event())
            self._held[name] = gate
            return gate

    def crash(self, name: str) -> None:
        """The next thread reaching ``name`` raises :class:`SimulatedCrash`."""
        with self._lock:
            self._crash.add(name)

    def reach(self, name: str, timeout: float = 10.0) -> None:
        with self._lock:
            self.seen.add(name)
            gate = self._held.pop(name, None)
            crash = name in self._crash
            self._crash.discard(name)
        if crash:
            raise SimulatedCrash(name)
        if gate is not None:
            reached, release = gate
            reached.set()
            if not release.wait(timeout):
                raise TimeoutError(f"checkpoint {name!r} was never released")
