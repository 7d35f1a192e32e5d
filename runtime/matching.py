"""Match observed events against the arrows of a flow: proven, missing, out of order.

Pure functions over plain data (the Flow model and :class:`~inkproof.runtime.events.Event`
streams), so every rule is testable without a running system:

- an arrow's expectation is a pattern: whitespace-separated tokens where ``*`` matches any
  one token and ``A|B`` either alternative; Redis commands are compared in a canonical
  form, so ``SETEX k 300 v`` and ``SET k v EX 300`` are the same command;
- a scenario's arrows must be observed in order (each event proves at most one arrow);
- ``absent`` arrows must not be observed at all;
- events that no arrow of the flow describes are reported as undocumented: the picture
  must not hide traffic. An arrow that claims nothing (no ``expect``) matches no event, but
  it does draw its two boxes talking, so traffic between them is documented.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from inkproof.model import Arrow, Flow, Scenario
from inkproof.runtime.events import Event
from inkproof.runtime.status import Status


def canonical_redis(tokens: Sequence[str]) -> tuple[str, ...]:
    """Redis commands in one spelling: ``SETEX k s v`` → ``SET k v EX s``, upper-case verbs,
    ``PSETEX k ms v`` → ``SET k v PX ms``."""
    if not tokens:
        return ()
    verb, *args = tokens
    verb = verb.upper()
    if verb == "SETEX" and len(args) == 3:
        return ("SET", args[0], args[2], "EX", args[1])
    if verb == "PSETEX" and len(args) == 3:
        return ("SET", args[0], args[2], *_whole_seconds(["PX", args[1]]))
    if verb == "SET":
        # Options are case-insensitive for Redis: compare them upper-cased.
        return ("SET", *args[:2], *_whole_seconds([a.upper() if a.isalpha() else a
                                                  for a in args[2:]]))
    return (verb, *args)


def _whole_seconds(options: list[str]) -> list[str]:
    """``PX 300000`` is ``EX 300``: one spelling for a TTL of whole seconds."""
    for i, option in enumerate(options[:-1]):
        if option == "PX" and options[i + 1].isdigit() and int(options[i + 1]) % 1000 == 0:
            options[i:i + 2] = ["EX", str(int(options[i + 1]) // 1000)]
    return options


def _canonical_pattern(pattern: str) -> tuple[str, ...]:
    tokens = pattern.split()
    if tokens and "|" not in tokens[0]:
        return canonical_redis(tokens)
    return tuple(tokens)


def _token_matches(pattern: str, token: str) -> bool:
    return pattern == "*" or token in pattern.split("|")


def tokens_match(pattern: Sequence[str], tokens: Sequence[str]) -> bool:
    """Token-wise match of equal length; ``*`` any token, ``A|B`` alternatives."""
    return len(pattern) == len(tokens) and all(
        _token_matches(p, t) for p, t in zip(pattern, tokens, strict=True))


def _redis_matches(pattern: str, tokens: Sequence[str]) -> bool:
    wanted = pattern.split()
    if wanted and "|" in wanted[0]:  # "DEL|UNLINK key": try each verb in canonical form
        return any(tokens_match(_canonical_pattern(" ".join([verb, *wanted[1:]])),
                                canonical_redis(tokens))
                   for verb in wanted[0].split("|"))
    return tokens_match(_canonical_pattern(pattern), canonical_redis(tokens))


def _subsequence(wanted: Sequence[str], tokens: Sequence[str]) -> bool:
    remaining = iter(token.upper() for token in tokens)
    return all(any(kind == token for token in remaining) for kind in wanted)


def arrow_matches(arrow: Arrow, event: Event) -> bool:
    """Whether ``event`` is what ``arrow`` says happens (endpoints and expectation).
    An arrow that claims nothing matches nothing: it is never proven."""
    expect = arrow.expect
    if expect is None or (event.source, event.target) != (arrow.source, arrow.target):
        return False
    if event.kind != expect.kind:
        return False
    if expect.request is not None:
        return tokens_match(expect.request.split(), event.tokens)
    if expect.response is not None:
        status, content_type = (*event.tokens, "", "")[:2]
        return status == str(expect.response.status) and (
            expect.response.content_type is None
            or content_type.split(";")[0].strip() == expect.response.content_type)
    if expect.redis is not None:
        return _redis_matches(expect.redis, event.tokens)
    if expect.redis_reply is not None:
        command, result = (*event.tokens, "", "")[:2]
        return command.upper() == expect.redis_reply.command and (
            expect.redis_reply.result in ("any", result))
    if expect.sql is not None:
        return _subsequence(expect.sql, event.tokens)
    if expect.sql_result is not None:
        return bool(event.tokens) and event.tokens[0].isdigit() and (
            int(event.tokens[0]) >= expect.sql_result.min_rows)
    message = expect.publish or expect.consume
    assert message is not None  # Expect is a one-of: exactly one kind is set
    return set(message.fields) <= set(event.tokens)


# ---- scenarios --------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What happened to one expected arrow of a scenario."""

    arrow: str
    status: Status  # proven, missing or out-of-order (not-run when its scenario could not run)
    event: Event | None = None  # the evidence (for out-of-order: the early event)

    @property
    def ok(self) -> bool:
        return self.status == Status.PROVEN


@dataclass(frozen=True)
class ScenarioResult:
    scenario: str
    verdicts: tuple[Verdict, ...]
    forbidden: tuple[tuple[str, Event], ...] = ()  # absent arrows that did happen
    undocumented: tuple[Event, ...] = field(default=())
    #: reads that served another value than the source of truth held, outside a window
    #: the picture declares (each names both values), and how many reads were compared
    stale: tuple[str, ...] = ()
    reads_checked: int = 0
    reads_within: int = 0  # ... of which stale inside the declared window

    @property
    def ok(self) -> bool:
        return (all(v.ok for v in self.verdicts) and not self.forbidden
                and not self.undocumented and not self.stale)


def match_scenario(flow: Flow, scenario: Scenario, events: Sequence[Event]) -> ScenarioResult:
    """Prove a scenario's arrows, in order, from the events observed while it ran."""
    stream = sorted(events, key=lambda e: e.index)
    used: set[int] = set()
    verdicts = []
    previous: Event | None = None  # the last arrow's event
    interaction: Event | None = None  # the last event that was not a reply
    for arrow_id in scenario.arrows:
        arrow = flow.arrow(arrow_id)
        candidates = [e for e in stream if e.index not in used and arrow_matches(arrow, e)]
        in_order = next((e for e in candidates if _not_before(e, _order_anchor(
            e, previous, interaction))), None)
        if in_order is not None:
            used.add(in_order.index)
            previous = in_order
            if in_order.kind not in REPLY_KINDS:
                interaction = in_order
            verdicts.append(Verdict(arrow_id, Status.PROVEN, in_order))
        elif candidates:
            verdicts.append(Verdict(arrow_id, Status.OUT_OF_ORDER, candidates[0]))
        else:
            verdicts.append(Verdict(arrow_id, Status.MISSING))
    forbidden = tuple((arrow_id, e) for arrow_id in scenario.absent for e in stream
                      if arrow_matches(flow.arrow(arrow_id), e))
    return ScenarioResult(scenario.id, tuple(verdicts), forbidden,
                          undocumented(flow, stream))


def _order_anchor(event: Event, previous: Event | None, interaction: Event | None
                  ) -> Event | None:
    """What ``event`` must not precede. Across processes, a reply (the API's response)
    races with what others do meanwhile (the worker's handling of the event it published):
    an interaction is ordered after the last interaction, not after a reply."""
    if event.window is not None and event.kind not in REPLY_KINDS:
        return interaction
    return previous


def follows(event: Event, previous: Event | None) -> bool:
    """Whether ``event`` may come after ``previous``: later in the one clock's order, or —
    across processes — not provably finished before ``previous`` began."""
    if previous is None:
        return True
    if event.window is None or previous.window is None:
        return event.index > previous.index
    return event.window[1] >= previous.window[0] and event.index != previous.index


_not_before = follows


#: Replies belong to the interaction their request started: a cache miss reply is covered
#: by the GET arrow even when the picture draws only the hit.
REPLY_KINDS = frozenset({"response", "redis_reply", "sql_result"})


def documents(arrow: Arrow, event: Event) -> bool:
    """Whether the picture shows ``event`` by drawing ``arrow``: the arrow claims it, or
    claims nothing and joins the same two boxes in the same direction."""
    if arrow.expect is None:
        return (event.source, event.target) == (arrow.source, arrow.target)
    return arrow_matches(arrow, event)


def undocumented(flow: Flow, events: Sequence[Event]) -> tuple[Event, ...]:
    """Interactions (not replies) that no arrow of the flow describes."""
    return tuple(e for e in events if e.kind not in REPLY_KINDS
                 and not any(documents(a, e) for a in flow.arrows))


# ---- the legend's order ------------------------------------------------------------------


def legend_order(flow: Flow, result: ScenarioResult) -> tuple[str, ...]:
    """Problems with the order the legend tells, as observed in one scenario.

    Each legend step is placed at the first proven arrow it lists; steps must then read in
    increasing number. Replies (responses, cache replies, result rows) are left out: they
    close the interaction their request opened, whichever step names them.
    """
    step_of = {arrow: step.n for step in flow.legend for arrow in reversed(step.arrows)}
    first: dict[int, tuple[Event, str]] = {}
    for verdict in result.verdicts:
        if not verdict.ok or verdict.event is None or verdict.arrow not in step_of:
            continue
        expect = flow.arrow(verdict.arrow).expect
        if expect is None or expect.kind in REPLY_KINDS:
            continue
        n = step_of[verdict.arrow]
        if n not in first or verdict.event.index < first[n][0].index:
            first[n] = (verdict.event, verdict.arrow)
    problems = []
    placed = sorted(first.items(), key=lambda item: item[1][0].index)
    for (n_before, (seen_before, arrow_before)), (n_after, (seen_after, arrow_after)) in \
            pairwise(placed):
        # across processes, only an order the clocks prove is a problem
        if n_after < n_before and not _not_before(seen_before, seen_after):
            problems.append(f"legend step {n_after} ('{arrow_after}') happens after step "
                            f"{n_before} ('{arrow_before}')")
    return tuple(problems)


def unattributed_match(arrow: Arrow, events: Sequence[Event], unknown_prefix: str
                       ) -> Event | None:
    """An event that would be ``arrow`` had its sender been tied to a box: the one that
    is missing says so instead of being guessed."""
    from dataclasses import replace

    return next((e for e in events if e.source.startswith(unknown_prefix)
                 and arrow_matches(arrow, replace(e, source=arrow.source))), None)


def near_miss(arrow: Arrow, events: Sequence[Event]) -> Event | None:
    """An event of the arrow's kind between its two boxes that it did not match (a fill
    without its TTL, a message whose fields the traces do not carry): shown beside
    "missing", so the reader sees what happened instead."""
    expect = arrow.expect
    if expect is None:
        return None
    return next((e for e in events if (e.source, e.target) == (arrow.source, arrow.target)
                 and e.kind == expect.kind and not arrow_matches(arrow, e)), None)
