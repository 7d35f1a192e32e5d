"""pytest plugin: ``pytest --inkproof spec/flows/`` verifies flows as ordinary tests.

Each arrow, callout, note and strategy of a flow is one test item, plus one item each for
undocumented traffic, the legend's order and (on a real Redis) the MONITOR witness, so a CI
run names exactly what drifted and ``--junitxml`` gives the usual report. A flow's
verification runs once, when its first item runs; the failure message is the evidence. An
arrow or callout that claims nothing (no ``expect``, no ``proves``) is a skipped item.

Options: ``--inkproof-redis URL``, ``--inkproof-db URL``, ``--inkproof-https`` and
``--inkproof-system MODULE:FACTORY``, as for ``inkproof verify``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inkproof.errors import InkproofError, SpecError
from inkproof.loader import is_spec_file, load_flow
from inkproof.redact import mask_text, register_secrets_from


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("inkproof", "verify inkproof flows against a running system")
    group.addoption("--inkproof", action="store_true",
                    help="collect inkproof specs (.yaml files with `inkproof: 1`): every "
                         "arrow and claim becomes a test")
    group.addoption("--inkproof-redis", metavar="URL", help="a real Redis (default fakeredis)")
    group.addoption("--inkproof-db", metavar="URL", help="PostgreSQL (default SQLite)")
    group.addoption("--inkproof-https", action="store_true", help="serve the API over HTTPS")
    group.addoption("--inkproof-target", metavar="URL",
                    help="verify a running system by URL (see inkproof verify --target)")
    group.addoption("--inkproof-config", metavar="FILE",
                    help="an inkproof.toml whose [system] starts the target")
    group.addoption("--inkproof-otlp", metavar="HOST:PORT", default="127.0.0.1:4318",
                    help="where to listen for the target's OTLP traces (loopback)")
    group.addoption("--inkproof-system", metavar="MODULE:FACTORY",
                    help="your own system instead of the reference one")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
    if parent.config.getoption("inkproof") and is_spec_file(file_path):
        return FlowFile.from_parent(parent, path=file_path)
    return None


class InkproofFailure(Exception):
    """An arrow or claim that did not hold; the message is the evidence."""


class FlowFile(pytest.File):
    """One spec: its items, and its verification (run once, on demand)."""

    _report: Any = None

    def collect(self) -> Iterator[pytest.Item]:
        try:
            flow = load_flow(self.path)
        except SpecError as exc:
            raise self.CollectError(str(exc)) from None
        for arrow in flow.arrows:
            yield FlowItem.from_parent(self, name=f"arrow {arrow.id}", kind="arrow",
                                       key=arrow.id)
        for kind, ids in (("callout", [c.id for c in flow.callouts]),
                          ("note", [n.id for n in flow.notes if n.proves]),
                          ("strategy", [s.id for s in flow.strategies])):
            for claim_id in ids:
                yield FlowItem.from_parent(self, name=f"{kind} {claim_id}", kind=kind,
                                           key=claim_id)
        for check in ("undocumented traffic", "legend order", "witness"):
            yield FlowItem.from_parent(self, name=check, kind=check, key=check)

    def report(self) -> Any:
        if self._report is None:
            from inkproof.runtime.harness import Backends, Session
            from inkproof.runtime.reference.system import build
            from inkproof.runtime.system import load_factory
            from inkproof.runtime.target import verify_against_target, wants_target
            from inkproof.runtime.verify import verify_flow

            option = self.config.getoption
            register_secrets_from(option("inkproof_redis"), option("inkproof_db"))
            config = Path(option("inkproof_config")) if option("inkproof_config") else None
            flow = load_flow(self.path)
            if not option("inkproof_system") and wants_target(
                    self.path, flow, option("inkproof_target"), config):
                self._report = verify_against_target(
                    self.path, flow, target=option("inkproof_target"),
                    redis_url=option("inkproof_redis"), db_url=option("inkproof_db"),
                    otlp=option("inkproof_otlp"), config_path=config)
                return self._report
            system = option("inkproof_system")
            factory = load_factory(system) if system else build
            backends = Backends(option("inkproof_redis"), option("inkproof_db"),
                                option("inkproof_https"))
            with Session(factory, backends) as session:
                self._report = verify_flow(session, load_flow(self.path), source=str(self.path),
                                           system=system or "reference")
        return self._report


class FlowItem(pytest.Item):
    def __init__(self, *, kind: str, key: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.kind, self.key = kind, key

    def runtest(self) -> None:
        assert isinstance(self.parent, FlowFile)
        report = self.parent.report()
        unclaimed = self._unclaimed(report)
        if unclaimed:
            pytest.skip(unclaimed)
        problems = self._problems(report)
        if problems:
            raise InkproofFailure("\n".join(problems))

    def _unclaimed(self, report: Any) -> str | None:
        """The skip reason of an arrow or callout that claims nothing (None: it claims)."""
        from inkproof.runtime.report import skip_reason

        rows = [(a, a.evidence) for a in report.arrows if self.kind == "arrow"
                and a.arrow == self.key]
        rows += [(c, "; ".join(c.verdict.evidence)) for c in report.claims
                 if c.kind == self.kind and c.id == self.key]
        return next((skip_reason(self.kind, self.key, evidence) for row, evidence in rows
                     if not row.claimed), None)

    def _problems(self, report: Any) -> list[str]:
        if self.kind == "arrow":
            row = next(a for a in report.arrows if a.arrow == self.key)
            return [] if row.ok else [f"{row.status} in {row.scenario or 'no scenario'}: "
                                      f"{row.evidence}  (label: {row.label!r})"]
        if self.kind in ("callout", "note", "strategy"):
            claim = next(c for c in report.claims if c.kind == self.kind and c.id == self.key)
            if claim.ok:
                return []
            return [f"{claim.verdict.status} ({claim.verdict.property}): {claim.text!r}",
                    *(f"  {line}" for line in claim.verdict.evidence)]
        if self.kind == "undocumented traffic":
            return [f"{e.source}→{e.target} {e.kind}: {e.evidence} (in {scenario}); no arrow "
                    "draws this" for scenario, e in report.undocumented]
        if self.kind == "legend order":
            return [f"{problem} (in {scenario})" for scenario, problem in report.legend]
        return list(report.witness)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        # A failure message (and JUnit's copy of it) may name a server by its URL.
        if isinstance(excinfo.value, InkproofFailure | InkproofError):
            return mask_text(str(excinfo.value))
        return mask_text(str(super().repr_failure(excinfo, style)))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.path.name}::{self.name}"
