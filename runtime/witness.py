"""The second witness on a real Redis: the server's own record of every command (MONITOR).

OpenTelemetry sees what the client library sent; MONITOR sees what the server received,
from which connection. Each of the system's connections is named after its component
(``CLIENT SETNAME <prefix><component>``), so the server's record can be attributed without
the client's help. After every observed stretch the two are compared per component — same
commands on the same keys in the same order — and any difference is reported.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from inkproof.runtime.observe import HARNESS, Recorded
from inkproof.runtime.system import wait_until


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
    commands: list[dict[str, Any]] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    checked: int = 0  # commands compared and found equal
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _markers: Any = field(default_factory=lambda: itertools.count(1))

    def __enter__(self) -> MonitorWitness:
        self._monitor = self.client.monitor()
        self._monitor.__enter__()
        self._thread = threading.Thread(target=self._listen, name="inkproof-monitor",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        try:
            self._monitor.connection.disconnect()
        finally:
            self._thread.join(timeout=2)
            self.client.close()

    def _listen(self) -> None:
        try:
            while True:
                command = self._monitor.next_command()
                with self._lock:
                    self.commands.append(command)
        except Exception:  # the connection was closed: the session is over
            return

    def check(self, spans: Sequence[Recorded], prefix: str, harness: Any) -> None:
        """Compare the traced Redis commands of ``spans`` with the server's record."""
        marker = f"inkproof-sync-{next(self._markers)}"
        harness.echo(marker)
        if not wait_until(lambda: self._seen(marker), timeout=5):
            self.disagreements.append(Disagreement("monitor", (), ("no record within 5 s",)))
            return
        with self._lock:
            end = next(i for i, c in enumerate(self.commands) if marker in c["command"])
            record, self.commands = self.commands[:end], self.commands[end + 1:]
        names = self._client_names()
        monitored: dict[str, list[str]] = {}
        for command in record:
            if _handshake(command["command"].split(" ")):
                continue
            address = f"{command.get('client_address')}:{command.get('client_port')}"
            name = names.get(address, "")
            if name.startswith(prefix) and name[len(prefix):] != HARNESS:
                monitored.setdefault(name[len(prefix):], []).append(
                    _summary(command["command"].split(" ")))
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

    def _seen(self, marker: str) -> bool:
        with self._lock:
            return any(marker in c["command"] for c in self.commands)

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
