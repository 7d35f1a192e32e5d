"""The second witness on a real Redis: the server's own record of every command (MONITOR).

OpenTelemetry sees what the client library sent; MONITOR sees what the server received,
from which connection. Each of the system's connections is named after its component
(``CLIENT SETNAME <prefix><component>``), so the server's record can be attributed without
the client's help. After every observed stretch the two are compared per component — same
commands on the same keys in the same order — and any difference is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from inkproof.runtime.observe import HARNESS, Recorded
from inkproof.runtime.wire import WireRecorder


@dataclass(frozen=True)
class Disagreement:
    component: str
    traced: tuple[str, ...]  # what OpenTelemetry recorded
    monitored: tuple[str, ...]  # what the server received

    def __str__(self) -> str:
        return (f"{self.component}: OpenTelemetry saw [{', '.join(self.traced)}] but the "
                f"server's MONITOR saw [{', '.join(self.monitored)}]")


@dataclass
class MonitorWitness:
    client: Any  # a redis.Redis used for MONITOR and CLIENT LIST
    disagreements: list[Disagreement] = field(default_factory=list)
    checked: int = 0  # commands compared and found equal

    def __enter__(self) -> MonitorWitness:
        self.record = WireRecorder(client=self.client).__enter__()
        return self

    def __exit__(self, *_exc: object) -> None:
        try:
            self.record.__exit__()
        finally:
            self.client.close()

    def check(self, spans: Sequence[Recorded], prefix: str, harness: Any) -> None:
        """Compare the traced Redis commands of ``spans`` with the server's record."""
        record = self.record.take_until_now(harness)
        if record is None:
            self.disagreements.append(Disagreement("monitor", (), ("no record within 5 s",)))
            return
        names = self._client_names()
        monitored: dict[str, list[str]] = {}
        for command in record:
            if _handshake(command.words):
                continue
            name = names.get(command.client, "")
            if name.startswith(prefix) and name[len(prefix):] != HARNESS:
                monitored.setdefault(name[len(prefix):], []).append(_summary(command.words))
        traced: dict[str, list[str]] = {}
        for rec in sorted(spans, key=lambda r: r.start):
            words = [str(w) for w in rec.attributes.get("inkproof.redis.args", ())]
            name = str(rec.attributes.get("inkproof.redis.client", ""))
            if words and name.startswith(prefix) and name[len(prefix):] != HARNESS:
                traced.setdefault(name[len(prefix):], []).append(_summary(words))
        for component in sorted(set(traced) | set(monitored)):
            seen, sent = tuple(monitored.get(component, ())), tuple(traced.get(component, ()))
            if seen != sent:
                self.disagreements.append(Disagreement(component, sent, seen))
            else:
                self.checked += len(sent)

    def _client_names(self) -> dict[str, str]:
        return {client["addr"]: client.get("name", "") for client in self.client.client_list()}


def _handshake(words: Sequence[str]) -> bool:
    """Commands a connection sends by itself when it opens (not the application's)."""
    verb = words[0].upper() if words else ""
    second = words[1].upper() if len(words) > 1 else ""
    # MULTI/EXEC frame a pipelined transaction: its commands are what both witnesses see
    return verb in ("HELLO", "AUTH", "SELECT", "READONLY", "MULTI", "EXEC") or (
        verb == "CLIENT" and second in ("SETNAME", "SETINFO"))


def _summary(words: Sequence[str]) -> str:
    """Command and key: what both witnesses record the same way (values may differ in
    quoting between the client's arguments and MONITOR's text)."""
    verb = words[0].upper() if words else ""
    return f"{verb} {words[1]}" if len(words) > 1 else verb
