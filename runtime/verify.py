"""Verify one flow against a running system: every scenario, every arrow, every claim.

The one place that knows the order of verification: scenarios run (each on a fresh
system), their events are matched arrow by arrow, the legend's order is checked, then each
callout, note and strategy runs the check of the property it claims. An arrow without
``expect`` and a callout without ``proves`` claim nothing: they are reported "not claimed",
which never fails a flow and is never counted as proven. The result is a
:class:`FlowReport` — plain data that ``runtime/report.py`` prints as a table, JSON or
JUnit XML.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from inkproof.model import Flow, Property, Scenario
from inkproof.runtime.events import UNATTRIBUTED, Event
from inkproof.runtime.harness import NotExercised, Session
from inkproof.runtime.matching import (
    ScenarioResult,
    Verdict,
    legend_order,
    match_scenario,
    near_miss,
    unattributed_match,
)
from inkproof.runtime.properties import PropertyVerdict, prove
from inkproof.runtime.status import Status
from inkproof.runtime.system import BackendDied, Timers

#: Evidence of a row that claims nothing (table, JSON, JUnit's skip reason, pytest's skip).
NO_EXPECT = "no expect: drawn, not verified"
NO_PROVES = "no proves: informational"


@dataclass(frozen=True)
class ArrowRow:
    """One arrow of the picture and what verification made of it."""

    arrow: str
    label: str
    # proven | missing | out-of-order | forbidden | not-run (its scenario could not run) |
    # not-exercised (no scenario lists it: fine for an optional arrow only) |
    # not-claimed (it has no expect)
    status: Status
    scenario: str = ""  # where it was proven, or where it failed
    evidence: str = ""
    optional: bool = False

    @property
    def ok(self) -> bool:
        return Status(self.status).passes or (self.status == Status.NOT_EXERCISED
                                              and self.optional)

    @property
    def claimed(self) -> bool:
        return self.status != Status.NOT_CLAIMED


@dataclass(frozen=True)
class ClaimRow:
    """A callout, note or strategy and the verdict on the property it claims."""

    kind: str  # callout | note | strategy
    id: str
    text: str
    verdict: PropertyVerdict  # status not-claimed (property "") for a callout without proves

    @property
    def ok(self) -> bool:
        return Status(self.verdict.status).passes

    @property
    def claimed(self) -> bool:
        return self.verdict.status != Status.NOT_CLAIMED


@dataclass(frozen=True)
class FlowReport:
    flow: str
    title: str
    source: str
    system: str  # "reference", "mutant no-ttl", "myapp:build"
    backends: str  # "fakeredis + SQLite over HTTP"
    arrows: tuple[ArrowRow, ...]
    claims: tuple[ClaimRow, ...]
    undocumented: tuple[tuple[str, Event], ...]  # (scenario, event)
    legend: tuple[tuple[str, str], ...]  # (scenario, problem)
    #: where two witnesses of the same traffic disagree (MONITOR and the in-process
    #: record; a target's traces and the wire of Redis or PostgreSQL)
    witness: tuple[str, ...] = ()
    witnessed: int = 0  # commands both witnesses agreed on
    scenarios: tuple[ScenarioResult, ...] = field(default=(), repr=False)
    seconds: float = 0.0
    stopped: str = ""  # why verification stopped part-way ("Redis … stopped answering")

    @property
    def claims_something(self) -> bool:
        """Whether any arrow or claim says something to prove: a flow that claims nothing
        at all is not verified (its picture must never be stamped so)."""
        return any(a.claimed for a in self.arrows) or any(c.claimed for c in self.claims)

    @property
    def ok(self) -> bool:
        return (not self.stopped and self.claims_something and all(a.ok for a in self.arrows)
                and all(c.ok for c in self.claims)
                and not self.undocumented and not self.legend and not self.witness)


def _scenario_strategy(flow: Flow, scenario: Scenario) -> str | None:
    if scenario.strategy is None:
        return None
    return next((s.proves.value for s in flow.strategies if s.id == scenario.strategy),
                scenario.strategy)


def run_scenario(session: Session, flow: Flow, scenario: Scenario) -> ScenarioResult:
    """Drive one scenario on a fresh system: setup unobserved, then steps observed."""
    redelivers = any(step.redeliver is not None for step in scenario.steps)
    timers = Timers(redelivery_idle_ms=100) if redelivers else None
    with session.run(_scenario_strategy(flow, scenario), timers, flow) as run:
        for step in scenario.setup:
            run.step(step)
        run.take()
        steps = scenario.steps
        for i, step in enumerate(steps):
            crash = (step.drain is not None and i + 1 < len(steps)
                     and steps[i + 1].redeliver is not None)
            run.step(step, crash_before_ack=crash)
        events = run.take()
    return match_scenario(flow, scenario, events)


def _arrow_rows(flow: Flow, results: list[ScenarioResult],
                reasons: dict[str, str]) -> tuple[ArrowRow, ...]:
    rows = []
    for arrow in flow.arrows:
        label = arrow.label.text
        if arrow.expect is None:  # no scenario may list it (the loader checks): nothing ran
            rows.append(ArrowRow(arrow.id, label, Status.NOT_CLAIMED, "", NO_EXPECT,
                                 arrow.optional))
            continue
        failed = next(((r.scenario, v) for r in results for v in r.verdicts
                       if v.arrow == arrow.id and not v.ok), None)
        forbidden = next(((r.scenario, e) for r in results for a, e in r.forbidden
                          if a == arrow.id), None)
        proven = next(((r.scenario, v) for r in results for v in r.verdicts
                       if v.arrow == arrow.id and v.ok), None)
        if forbidden:
            scenario, event = forbidden
            row = ArrowRow(arrow.id, label, Status.FORBIDDEN, scenario,
                           f"must not happen, but did: {event.evidence}", arrow.optional)
        elif failed:
            scenario, verdict = failed
            if scenario in reasons:
                evidence = f"scenario not run: {reasons[scenario]}"
            elif verdict.event is None:
                evidence = f"expected {_expectation(flow, arrow.id)}"
                result = next(r for r in results if r.scenario == scenario)
                orphan = unattributed_match(arrow, result.undocumented, UNATTRIBUTED)
                instead = near_miss(arrow, result.undocumented)
                if instead is not None:
                    evidence += f"; seen instead: {instead.evidence[:80]}"
                if orphan is not None:
                    evidence += (f"; seen from a connection no box could be tied to: "
                                 f"{orphan.source.removeprefix(UNATTRIBUTED).strip()} sent "
                                 f"{orphan.evidence[:60]} (name it with CLIENT SETNAME, or "
                                 f"map its service in [system.services])")
            else:
                evidence = f"seen too early: {verdict.event.evidence}"
            row = ArrowRow(arrow.id, label, verdict.status, scenario, evidence, arrow.optional)
        elif proven:
            scenario, verdict = proven
            assert verdict.event is not None
            row = ArrowRow(arrow.id, label, Status.PROVEN, scenario, verdict.event.evidence,
                           arrow.optional)
        else:
            row = ArrowRow(arrow.id, label, Status.NOT_EXERCISED, "",
                           "no scenario lists this arrow", arrow.optional)
        rows.append(row)
    return tuple(rows)


def _expectation(flow: Flow, arrow_id: str) -> str:
    arrow = flow.arrow(arrow_id)
    expect = arrow.expect
    assert expect is not None  # only arrows that claim something are expected
    value = getattr(expect, expect.kind)
    if hasattr(value, "model_dump"):
        value = ", ".join(f"{k}={v}" for k, v in value.model_dump().items() if v is not None)
    elif isinstance(value, tuple):
        value = "; ".join(value)
    return f"{expect.kind} {value} from {arrow.source} to {arrow.target}"


def _claims(flow: Flow) -> list[tuple[str, str, str, Property | None]]:
    """Every claim row: callouts (None: one that claims nothing), claiming notes (a note
    without ``proves`` is informational by nature and not listed), strategies."""
    claims: list[tuple[str, str, str, Property | None]] = [
        ("callout", c.id, c.text.text, c.proves) for c in flow.callouts]
    claims += [("note", n.id, n.text.text, n.proves) for n in flow.notes if n.proves]
    claims += [("strategy", s.id, s.name.text, s.proves) for s in flow.strategies]
    return claims


def verify_flow(session: Session, flow: Flow, *, source: str = "",
                system: str = "reference") -> FlowReport:
    """Verify ``flow``; if a backend dies part-way, :class:`BackendDied` is raised with the
    report of what had been proven until then (``partial``; the rest "not run")."""
    started = time.perf_counter()
    witness = session.witness
    disagreements_before = len(witness.disagreements) if witness else 0
    checked_before = witness.checked if witness else 0
    results: list[ScenarioResult] = []
    reasons: dict[str, str] = {}
    verdicts: dict[Property, PropertyVerdict] = {}

    def report(stopped: str = "") -> FlowReport:
        return _report(session, flow, source, system, results, reasons, verdicts,
                       witness=tuple(str(d) for d in (
                           witness.disagreements[disagreements_before:] if witness else ())),
                       witnessed=(witness.checked - checked_before) if witness else 0,
                       seconds=time.perf_counter() - started, stopped=stopped)

    try:
        for scenario in flow.scenarios:
            where = f"scenario {scenario.id} of flow {flow.id}"
            try:
                with session.watch(where):
                    result = run_scenario(session, flow, scenario)
                if not result.ok:
                    session.ensure_alive(where)
                results.append(result)
            except NotExercised as exc:  # e.g. the system has no deployment for its strategy
                reasons[scenario.id] = str(exc)
                results.append(_not_run(scenario))
        for _kind, _id, _text, prop in _claims(flow):
            if prop is not None and prop not in verdicts:
                where = f"the {prop.value} check of flow {flow.id}"
                with session.watch(where):
                    verdict = prove(session, flow, prop)
                if not verdict.ok:
                    session.ensure_alive(where)
                verdicts[prop] = verdict
    except BackendDied as died:
        why = f"{died.backend} stopped answering"
        done = {r.scenario for r in results}
        proven = {v.arrow for r in results for v in r.verdicts if v.ok}
        for scenario in flow.scenarios:
            if scenario.id not in done:  # its arrows proven before the fault stay proven
                reasons[scenario.id] = why
                results.append(_not_run(scenario, skip=proven))
        for _kind, _id, _text, prop in _claims(flow):
            if prop is not None:
                verdicts.setdefault(prop, PropertyVerdict(prop, Status.NOT_RUN,
                                                          (f"not run: {why}",)))
        died.partial = report(stopped=why)
        raise
    return report()


def _not_run(scenario: Scenario, skip: set[str] | frozenset[str] = frozenset()
             ) -> ScenarioResult:
    return ScenarioResult(scenario.id, tuple(Verdict(arrow, Status.NOT_RUN)
                                             for arrow in scenario.arrows
                                             if arrow not in skip))


def _report(session: Session, flow: Flow, source: str, system: str,
            results: list[ScenarioResult], reasons: dict[str, str],
            verdicts: dict[Property, PropertyVerdict], *, witness: tuple[str, ...],
            witnessed: int, seconds: float, stopped: str) -> FlowReport:
    unclaimed = PropertyVerdict("", Status.NOT_CLAIMED, (NO_PROVES,))
    claims = tuple(ClaimRow(kind, claim_id, text, unclaimed if prop is None else verdicts[prop])
                   for kind, claim_id, text, prop in _claims(flow))
    seen: set[tuple[str, tuple[str, ...]]] = set()
    undocumented = []
    for result in results:
        for event in result.undocumented:
            if (signature := (event.kind, (event.source, event.target, *event.tokens[:2]))) \
                    not in seen:
                seen.add(signature)
                undocumented.append((result.scenario, event))
    return FlowReport(
        flow=flow.id, title=flow.title.text, source=source, system=system,
        backends=session.describe(),
        arrows=_arrow_rows(flow, results, reasons), claims=claims,
        undocumented=tuple(undocumented),
        legend=tuple((r.scenario, p) for r in results for p in legend_order(flow, r)),
        witness=witness, witnessed=witnessed,
        scenarios=tuple(results), seconds=seconds, stopped=stopped)
