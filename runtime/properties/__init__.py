"""Callouts, notes and strategies are claims; each names a property proven here.

A property check drives a fresh system through the flow's own read and write requests
(the first GET and PUT/POST steps of its scenarios), watches what happens, and returns a
:class:`PropertyVerdict`: proven with the evidence, violated with what was observed
instead, or not exercised when the system lacks what the check needs (a pause point, a
write request). Only "proven" passes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from inkproof.errors import InkproofError
from inkproof.model import Flow, Property, Scenario, Step
from inkproof.runtime.events import Event
from inkproof.runtime.harness import NotExercised, Run, Session, scenario_steps
from inkproof.runtime.status import Status
from inkproof.runtime.system import BackendDied, Timers, describe_exception, raised_at
from inkproof.runtime.topology import components_of, flow_keys

PROVEN, VIOLATED, NOT_EXERCISED = Status.PROVEN, Status.VIOLATED, Status.NOT_EXERCISED


@dataclass(frozen=True)
class PropertyVerdict:
    property: str
    status: str
    evidence: tuple[str, ...] = ()
    cases: int = 0  # how many cases (an id, one write of it) the claim was checked on

    @property
    def ok(self) -> bool:
        return self.status == PROVEN


class Violated(Exception):
    """Raised inside a check: the property does not hold (message: what was seen)."""


@dataclass
class Probe:
    """What a check works with: the session, the flow's requests, and an evidence log."""

    session: Session
    flow: Flow
    read: Step
    write: Step
    item_id: int
    evidence: list[str] = field(default_factory=list)
    #: the cases a universal claim is checked on, in one run: (id, writes of it)
    plan: tuple[tuple[int, int], ...] = ()
    cases: int = 0
    case: str = ""  # the case being checked, for a failure's message
    checked_ids: list[int] = field(default_factory=list)
    quiet: bool = False  # a later case: its notes repeat the first case's

    def restart(self) -> None:
        """Count cases afresh (a check that falls back to another way of staging them)."""
        self.cases, self.case, self.checked_ids, self.quiet = 0, "", [], False

    def each_write(self, run: Run) -> Iterator[int]:
        """The cases of a claim about every write, in one run of one system: the flow's
        own item written several times, then other items the system holds (a sampled id
        it does not hold answers 404 and is skipped). Each iteration is one case; the
        probe's requests and item id follow it."""
        own_read, own_write = self.read, self.write
        for index, (item, times) in enumerate(self.plan or ((self.item_id, 1),)):
            self.read, self.write = _with_id(own_read, item), _with_id(own_write, item)
            self.item_id = item
            if index > 0:  # the flow's own id is the one its scenarios use: it exists
                asked = run.step(self.read)
                run.take()  # asking is not part of the case
                if asked is None or asked.status_code == 404:
                    continue  # the system does not hold this id
                # ... and the case starts from a cold cache, as the flow's own id did
                run.forget(_keys_for(self.flow, self.plan[0][0], item))
            self.checked_ids.append(item)
            for number in range(1, times + 1):
                self.cases += 1
                self.case = f"id {item}, write {number} of {times}"
                yield number
                self.quiet = True
        self.read, self.write = own_read, own_write

    @contextmanager
    def run(self, strategy: str | None = None, timers: Timers | None = None) -> Iterator[Run]:
        """A fresh run of the flow's own deployment — or of the one running ``strategy``,
        if the flow's scenarios run it too. A claim proven on a configuration the flow
        never shows would be proof about another system: not exercised, said why."""
        runs = flow_deployments(self.flow)
        default = getattr(self.session, "default_strategy", None)
        known = {default if s is None else s for s in runs}
        if strategy is not None and strategy not in known:
            shown = ", ".join(sorted(str(s) for s in known if s is not None)) or \
                "its default deployment (its strategy not declared)"
            raise NotExercised(f"the system runs {shown}: the flow runs no deployment "
                               f"with {strategy} (a scenario's `strategy:`, or the flow's "
                               "`deployments:`)")
        if strategy == default and None in runs:
            strategy = None  # the default deployment is the one the scenarios ran
        with self.session.run(strategy, timers, self.flow) as run:
            yield run

    def deployments(self) -> tuple[str | None, ...]:
        """The configurations the flow's scenarios run on, each once (None: the default
        one, also where a scenario names the strategy the default runs)."""
        default = getattr(self.session, "default_strategy", None)
        runs = flow_deployments(self.flow)
        return tuple(dict.fromkeys(None if s == default and None in runs else s
                                   for s in runs))

    def note(self, line: str) -> None:
        if not self.quiet:
            self.evidence.append(line)

    def get(self, run: Run) -> dict[str, Any]:
        """The read request; its JSON body (a failed read violates every property)."""
        response = run.step(self.read)
        assert response is not None
        if response.status_code != 200:
            raise Violated(f"{self.read.request} answered {response.status_code}")
        return response.json()

    def fill(self, run: Run) -> str:
        """Read once, so the cache holds the item; returns the key the read asked for.
        What the read did is taken from the record (not judged here)."""
        self.get(run)
        asked = [e for e in run.take() if e.kind == "redis" and e.tokens[:1] == ("GET",)]
        self.require(bool(asked), "the read never asked the cache (no GET)")
        return asked[0].tokens[1]

    def put(self, run: Run) -> dict[str, Any]:
        response = run.step(self.write)
        assert response is not None
        if response.status_code >= 300:
            raise Violated(f"{self.write.request} answered {response.status_code}")
        return response.json()

    def require(self, condition: bool, failure: str) -> None:
        if not condition:
            raise Violated(failure)


def scenario_strategy(flow: Flow, scenario: Scenario) -> str | None:
    """The property a scenario's ``strategy:`` proves (None: the default deployment)."""
    if scenario.strategy is None:
        return None
    return next((s.proves.value for s in flow.strategies if s.id == scenario.strategy),
                scenario.strategy)


def item_id(request: str | None) -> int | None:
    """The item a request is about: its path's last number (``GET /item/42`` → 42)."""
    numbers = re.findall(r"\d+", request or "")
    return int(numbers[-1]) if numbers else None


def flow_deployments(flow: Flow) -> tuple[str | None, ...]:
    """The system configurations the flow runs, in order: its scenarios' (None for a
    scenario that names no strategy: the system's default deployment; else the property
    its strategy proves), then those it declares (``deployments:``). Claims are proven on
    these only."""
    found: list[str | None] = []
    for scenario in flow.scenarios:
        strategy = scenario_strategy(flow, scenario)
        if strategy not in found:
            found.append(strategy)
    found = found or [None]
    found += [p.value for p in flow.deployments if p.value not in found]
    return tuple(found)


Check = Callable[[Probe], None]
CHECKS: dict[Property, Check] = {}
#: Claims about every fill, judged once more on everything the verification of a flow
#: observed (its scenarios and every other claim's runs): each returns what breaks the
#: claim there, or None.
ACROSS_RUNS: dict[Property, Callable[[list[Event]], str | None]] = {}


def across_runs(*props: Property) -> Callable[[Callable[[list[Event]], str | None]],
                                              Callable[[list[Event]], str | None]]:
    def register(function: Callable[[list[Event]], str | None]
                 ) -> Callable[[list[Event]], str | None]:
        for prop in props:
            ACROSS_RUNS[prop] = function
        return function
    return register


def recheck(verdicts: dict[Property, PropertyVerdict], observed: list[Event]) -> None:
    """Turn a proven universal claim into violated when another run of the same
    verification broke it (a fill without TTL in the idempotency check's run, say)."""
    for prop, verdict in list(verdicts.items()):
        judge = ACROSS_RUNS.get(prop)
        if judge is None or not verdict.ok:
            continue
        problem = judge(observed)
        if problem is not None:
            verdicts[prop] = PropertyVerdict(prop, VIOLATED, (*verdict.evidence, problem),
                                             verdict.cases)


def check(prop: Property) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS[prop] = function
        return function
    return register


#: Claims about every fill, every write or every event: checked over sampled ids, the
#: flow's own one written several times, in one run of one system, so that a system
#: wrong for some ids or every k-th write fails.
UNIVERSAL = frozenset({Property.TTL_ON_FILL, Property.PUBLISH_AFTER_COMMIT,
                       Property.DELETE_ON_WRITE, Property.IDEMPOTENT_CONSUMER,
                       Property.ASYNC_INVALIDATION, Property.EVENTUAL_CONSISTENCY,
                       Property.TTL_BACKSTOP})


@dataclass(frozen=True)
class Sampling:
    """How widely a universal claim is checked: ``deep`` ids (the flow's own and its
    neighbours) written ``writes`` times each, then ``wide`` ids drawn from the range
    written once each. ``--repeat N`` multiplies both."""

    deep: int = 4
    writes: int = 3
    wide: int = 12

    def repeated(self, times: int) -> Sampling:
        times = max(times, 1)
        return Sampling(self.deep, self.writes * times, self.wide * times)

    def plan(self, flow: Flow, prop: Property, own: int) -> tuple[tuple[int, int], ...]:
        """(id, writes) per case, deterministic for a flow and claim (outputs must be):
        the neighbours cover every small residue, the drawn ids the rest of the range
        1..max(100, 2 × own)."""
        import random

        deep = [own + offset for offset in range(self.deep)]
        pool = [n for n in range(1, max(100, 2 * own) + 1) if n not in deep]
        random.Random(f"{flow.id}:{prop.value}").shuffle(pool)
        return (*((n, self.writes) for n in deep), *((n, 1) for n in pool[:self.wide]))


def _keys_for(flow: Flow, own: int, item: int) -> list[str]:
    """The flow's keys for another item: its own id replaced where it stands as a number
    (``cache:key:42`` → ``cache:key:57``)."""
    pattern = re.compile(rf"(?<!\d){own}(?!\d)")
    return sorted({pattern.sub(str(item), key) for key in flow_keys(flow)
                   if pattern.search(key)})


def _with_id(step: Step, item: int) -> Step:
    """The same request for another item (its path's last number replaced)."""
    request = re.sub(r"\d+(?=\D*$)", str(item), step.request or "", count=1)
    return step.model_copy(update={"request": request})


def prove(session: Session, flow: Flow, prop: Property,
          sampling: Sampling | None = None) -> PropertyVerdict:
    """Run the check for ``prop`` against a fresh system of ``session``: a universal
    claim over the cases of ``sampling`` (the session's, by default), in one run."""
    read, write = scenario_steps(flow)
    if read is None or write is None:
        return PropertyVerdict(prop, NOT_EXERCISED, (
            "the flow's scenarios have no GET request and PUT/POST request to drive",))
    own = item_id(read.request)
    if own is None:
        return PropertyVerdict(prop, NOT_EXERCISED, (
            f"no item id in {read.request!r}: cannot read the source of truth",))
    plan = sampling or getattr(session, "sampling", None) or Sampling()
    probe = Probe(session, flow, read, write, own,
                  plan=plan.plan(flow, prop, own) if prop in UNIVERSAL else ())
    verdict = _check(prop, probe)
    cases = max(probe.cases, 1)
    if verdict.status != PROVEN:
        where = f"for {probe.case}: " if probe.cases > 1 else ""
        found = verdict.evidence
        return PropertyVerdict(prop, verdict.status,
                               (*found[:-1], where + found[-1]) if found else (), cases)
    evidence = list(verdict.evidence)
    if prop in UNIVERSAL:
        ids = list(dict.fromkeys(probe.checked_ids))
        evidence.append(f"checked on {probe.cases} case(s) in one run: {len(ids)} id(s) "
                        f"({', '.join(map(str, ids[:8]))}{', …' if len(ids) > 8 else ''}), "
                        f"the flow's own written {plan.writes} time(s)")
    return PropertyVerdict(prop, PROVEN, tuple(evidence), cases)


def _check(prop: Property, probe: Probe) -> PropertyVerdict:
    try:
        CHECKS[prop](probe)
    except Violated as exc:
        return PropertyVerdict(prop, VIOLATED, (*probe.evidence, str(exc)))
    except NotExercised as exc:
        return PropertyVerdict(prop, NOT_EXERCISED, (*probe.evidence, str(exc)))
    except (InkproofError, BackendDied):
        raise
    except (LookupError, TypeError, ValueError, AttributeError) as exc:
        # a check that meets what it did not expect is inkproof's fault, never drift:
        # exit 2 with where it happened, no traceback
        raise CheckFailed(f"the {prop.value} check could not judge what it saw "
                          f"({describe_exception(exc)} at {raised_at(exc)}); "
                          f"evidence so far: {'; '.join(probe.evidence) or 'none'}") from exc
    return PropertyVerdict(prop, PROVEN, tuple(probe.evidence))


class CheckFailed(InkproofError):
    """A property check itself failed (exit 2): a harness fault, not a verdict."""


# ---- helpers the checks share -------------------------------------------------------------

def of_kind(events: list[Event], kind: str, verb: str | None = None) -> list[Event]:
    return [e for e in events if e.kind == kind
            and (verb is None or (e.tokens and e.tokens[0].upper() == verb))]


def show(value: object) -> str:
    """A JSON value as one compact line, for evidence."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def parsed(value: str | None) -> Any:
    try:
        return None if value is None else json.loads(value)
    except ValueError:
        return value


def worker_box(probe: Probe) -> str:
    """The box that consumes the flow's events (its ``worker`` component)."""
    return components_of(probe.flow).get("worker", "worker")


# The checks register themselves on import.
from inkproof.runtime.properties import reads, timing, writes  # noqa: E402, F401
