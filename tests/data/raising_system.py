"""User systems that go wrong in their own code, for tests/test_verify_faults.py: each must
be reported as a located error (the factory, the file:line, the exception), no traceback."""

from __future__ import annotations

from typing import Any

from inkproof.runtime.reference.system import build as reference_build
from inkproof.runtime.system import Wiring


def _read_settings(path: str) -> dict[str, str]:
    raise ValueError(f"no settings in {path}")  # the line the error must name


def build(wiring: Wiring) -> object:
    """Fails deep in a helper, as a real factory reading its configuration might."""
    settings = _read_settings("/etc/myapp.toml")
    return reference_build(wiring), settings


def not_a_system(wiring: Wiring) -> object:
    """Returns something that is not a system at all."""
    return "a system, honestly"


def drain_fails(wiring: Wiring) -> object:
    """A system whose worker raises in its own code."""
    system = reference_build(wiring)

    def drain() -> int:
        return {}["missing"]  # a KeyError in the user's worker

    system.drain = drain  # type: ignore[method-assign]
    return system


def writes_fail(wiring: Wiring) -> object:
    """A system whose API answers 500 to every write, with its backends alive."""
    system = reference_build(wiring)
    inner = system.app

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope.get("method") in ("PUT", "POST"):
            raise RuntimeError("the API is broken, Redis is fine")
        await inner(scope, receive, send)

    return _WithApp(system, app)


class _WithApp:
    def __init__(self, system: object, app: object):
        self._system, self.app = system, app
        self.checkpoints = getattr(system, "checkpoints", None)

    def drain(self) -> int:
        return self._system.drain()  # type: ignore[attr-defined]

    def source_of_truth(self, item_id: int) -> object:
        return self._system.source_of_truth(item_id)  # type: ignore[attr-defined]

    def close(self) -> None:
        self._system.close()  # type: ignore[attr-defined]
