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
from dataclasses import dataclass, field, replace
from typing import Any

from inkproof.model import Flow, Property, Scenario, Step
from inkproof.runtime.events import UNATTRIBUTED, Event
from inkproof.runtime.harness import NotExercised, Session, scenario_steps
from inkproof.runtime.matching import (
    ScenarioResult,
    Verdict,
    legend_order,
    match_scenario,
    near_miss,
    unattributed_match,
)
from inkproof.runtime.properties import (
    PropertyVerdict,
    item_id,
    prove,
    recheck,
    scenario_strategy,
    show,
)
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
    #: reads that served another value than the source of truth: (scenario, problem)
    stale: tuple[tuple[str, str], ...] = ()
    reads_checked: int = 0  # reads compared with the source of truth
    reads_within: int = 0  # ... of which stale inside the window the picture declares
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
                and not self.undocumented and not self.legend and not self.witness
                and not self.stale)


#: Claims that declare a window in which a read may serve an older value than the source
#: of truth: between a write and the handling of its invalidation.
STALENESS_WINDOWS = frozenset({Property.STALE_READ_WINDOW, Property.EVENTUAL_CONSISTENCY})


@dataclass
class ReadValues:
    """Every read of a scenario after a write, compared with the source of truth as the
    read returned: after the write's invalidation was handled (a drain) the two must be
    equal; before it, only where the picture declares a staleness window."""

    window_declared: bool
    key: str | None = None  # the cache key the flow's reads ask for, to see what bounds it
    written: bool = False  # a write was sent in this run
    handled: bool = False  # ... and the worker has been drained since
    checked: int = 0
    within: int = 0  # stale, but inside the window the picture declares
    stale: list[str] = field(default_factory=list)

    def step(self, run: Any, step: Step, response: Any,
             events: list[Event] | None = None) -> None:
        """Judge one step's read; ``events``: what the read did, where it is known."""
        if step.request is None or response is None:
            if step.drain is not None and self.written:
                self.handled = True
            return
        method, path = step.request.split(maxsplit=1)
        if method.split("|")[0] != "GET":
            self.written, self.handled = True, False
            return
        item = item_id(path)
        if not self.written or item is None or response.status_code != 200:
            return
        try:
            truth = run.truth(item)
            served = response.json()
        except (NotExercised, ValueError):
            return  # no source of truth to read, or no JSON: nothing to compare
        self.checked += 1
        if truth is None or served == dict(truth):
            return
        both = f"served {show(served)}; the source of truth holds {show(truth)}"
        if not self.window_declared:
            self.stale.append(f"{step.request} {both}, and the picture declares no "
                              "staleness window (a stale-read-window or eventual-consistency "
                              "claim)")
        elif self.handled:
            self._after_handling(run, step, both, events)
        else:
            self.within += 1  # before the worker ran, inside the declared window

    def _after_handling(self, run: Any, step: Step, both: str,
                        events: list[Event] | None) -> None:
        """Once the invalidation was handled, a stale value is inside the window only if it
        is the old entry, still bound to expire (a strategy that shortens TTLs instead of
        deleting); a value refilled on a miss came from a source behind the truth."""
        hit = events is not None and any(e.kind == "redis_reply" and e.tokens == ("GET", "hit")
                                         for e in events)
        remaining = run.ttl_ms(self.key) if self.key and hit else -1
        if remaining > 0:
            self.within += 1
            return
        why = ("refilled on a miss from a source behind the truth" if events is not None
               and not hit else f"{self.key or 'the entry'} has no TTL to bound it")
        self.stale.append(f"{step.request} after the invalidation was handled {both} ({why})")


def _read_key(flow: Flow) -> str | None:
    """The key of the flow's first cache read (``GET <key>``), if it draws one."""
    for arrow in flow.arrows:
        words = (arrow.expect.redis or "").split() if arrow.expect is not None else []
        if len(words) > 1 and words[0] == "GET" and "*" not in words[1]:
            return words[1]
    return None


def run_scenario(session: Session, flow: Flow, scenario: Scenario) -> ScenarioResult:
    """Drive one scenario on a fresh system: setup unobserved, then steps observed; every
    read after a write compared with the source of truth (:class:`ReadValues`)."""
    redelivers = any(step.redeliver is not None for step in scenario.steps)
    timers = Timers(redelivery_idle_ms=100) if redelivers else None
    claimed = {c.proves for c in (*flow.callouts, *flow.notes) if c.proves is not None}
    values = ReadValues(bool(claimed & STALENESS_WINDOWS), _read_key(flow))
    read_back, _write = scenario_steps(flow)
    with session.run(scenario_strategy(flow, scenario), timers, flow) as run:
        for step in scenario.setup:
            run.step(step)
        run.take()
        steps = scenario.steps
        for i, step in enumerate(steps):
            crash = (step.drain is not None and i + 1 < len(steps)
                     and steps[i + 1].redeliver is not None)
            values.step(run, step, run.step(step, crash_before_ack=crash))
        events = run.take()
        if values.written and read_back is not None:
            # one more read, after what the scenario observed: what is served now?
            response = run.step(read_back)
            values.step(run, read_back, response, run.take())
    result = match_scenario(flow, scenario, events)
    return replace(result, stale=tuple(values.stale), reads_checked=values.checked,
                   reads_within=values.within)


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
    observed_before = len(session.observed)  # what this flow's runs observe comes after
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
        recheck(verdicts, session.observed[observed_before:])
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
        stale=tuple((r.scenario, p) for r in results for p in r.stale),
        reads_checked=sum(r.reads_checked for r in results),
        reads_within=sum(r.reads_within for r in results),
        witness=witness, witnessed=witnessed,
        scenarios=tuple(results), seconds=seconds, stopped=stopped)
