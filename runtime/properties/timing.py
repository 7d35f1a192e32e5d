"""Claims about races, crashes and time: the stale-read window bounded by the TTL, the
idempotent consumer, the TTL backstop for lost events."""

from __future__ import annotations

import threading
from typing import Any

from inkproof.model import Property
from inkproof.runtime.events import MESSAGE_ID, MESSAGE_VALUE, Event
from inkproof.runtime.harness import NotExercised, Run
from inkproof.runtime.matching import canonical_redis
from inkproof.runtime.properties import (
    Probe,
    Violated,
    check,
    of_kind,
    parsed,
    show,
    worker_box,
)


def _fill_key(probe: Probe, run: Run) -> str:
    fills = [e for e in of_kind(run.take(), "redis") if canonical_redis(e.tokens)[0] == "SET"]
    probe.require(bool(fills), "the read filled no cache entry")
    return fills[0].tokens[1]


def _bounded_by_ttl(probe: Probe, run: Run, key: str, fresh: object) -> None:
    """The stale entry must expire on its own; after that a read returns ``fresh``."""
    remaining = run.ttl_ms(key)
    probe.require(remaining != -1, f"the stale entry {key} has no TTL: it stays stale until "
                                   "the next write")
    probe.note(f"stale entry {key} expires in {remaining} ms (its TTL bounds the staleness)")
    wait = max(remaining, 0) / 1000 + 0.05
    if not run.session.clock.can_advance(wait):
        probe.note(f"expiry not waited for: the system keeps its own clock and {wait:.0f} s "
                   "is longer than the flow's eventually window; the server's TTL is the bound")
        return
    run.session.clock.advance(wait)
    # A system's own worker may have set a new TTL meanwhile (an EXPIRE of its strategy):
    # the entry is still bounded, by that TTL; wait it out too (a few times at most).
    for _ in range(3):
        remaining = run.ttl_ms(key)
        if remaining < 0 or not run.session.clock.can_advance(remaining / 1000 + 0.05):
            break
        probe.note(f"{key} got a new TTL meanwhile: {remaining} ms more")
        run.session.clock.advance(remaining / 1000 + 0.05)
    after = probe.get(run)
    probe.require(after == fresh, f"after the TTL ran out the read returned {show(after)}")
    probe.note(f"after {remaining / 1000:.1f} s the read returned version "
               f"{after.get('version', after)}")


@check(Property.STALE_READ_WINDOW)
def stale_read_window(probe: Probe) -> None:
    """The classic race, made to happen: a reader misses and reads v1; meanwhile a writer
    commits v2 and the worker deletes the key; then the reader fills v1. The stale entry
    must be bounded by its TTL."""
    with probe.run(timers=probe.session.short_ttl()) as run:
        reached, release = run.hold_fill()
        result: dict[str, Any] = {}
        reader = threading.Thread(target=lambda: result.update(read=probe.get(run)),
                                  name="inkproof-reader", daemon=True)
        reader.start()
        if not reached.wait(5):
            release.set()
            reader.join(5)
            raise NotExercised("the read never reached its cache fill (pause point "
                               "'read:after-select', or a fill on the wire)")
        try:
            written = probe.put(run)
            run.drain()
        finally:
            release.set()
            reader.join(10)
        probe.require("read" in result, "the paused read did not finish")
        key = _fill_key(probe, run)
        cached, truth = parsed(run.cached(key)), run.truth(probe.item_id)
        if cached == truth:
            raise NotExercised(f"the race did not leave stale data ({key} holds the committed "
                               "value): the system closes this window")
        probe.note(f"race reproduced: reader read {show(result['read'])}, writer committed "
                   f"{show(written)}, worker ran, reader filled {key} with the old value")
        _bounded_by_ttl(probe, run, key, truth)


@check(Property.TTL_BACKSTOP)
def ttl_backstop(probe: Probe) -> None:
    """An invalidation event is lost (the worker never runs): the stale entry still
    expires after its TTL."""
    with probe.run("ttl-backstop", timers=probe.session.short_ttl()) as run:
        for _ in probe.each_write(run):
            probe.get(run)
            key = _fill_key(probe, run)
            written = probe.put(run)  # ... and its invalidation event is never consumed
            stale = probe.get(run)
            probe.require(stale != written, "the cache was fresh without the worker: no "
                                            "event was lost")
            probe.note(f"event lost: {key} still serves version "
                       f"{stale.get('version', stale)}")
            _bounded_by_ttl(probe, run, key, written)


@check(Property.IDEMPOTENT_CONSUMER)
def idempotent_consumer(probe: Probe) -> None:
    """Handling an event twice changes nothing: staged by a crash on cue where the system
    has pause points, else by replaying the delivered event onto its stream."""
    try:
        _idempotent_after_crash(probe)
    except NotExercised as why:
        if probe.cases > 1:
            raise  # the crash worked for earlier cases: this one is not a fallback's
        probe.note(f"no crash on cue ({why}): the delivered event is replayed onto its "
                   "stream instead")
        probe.restart()
        _idempotent_by_replay(probe)


def _changes(first: dict[str, tuple[str, str]], second: dict[str, tuple[str, str]]) -> str:
    changed = sorted(k for k in set(first) | set(second) if first.get(k) != second.get(k))
    return ", ".join(f"{k}: {first.get(k, ('absent', ''))[1] or 'absent'} → "
                     f"{second.get(k, ('absent', ''))[1] or 'absent'}" for k in changed)


def _idempotent_by_replay(probe: Probe) -> None:
    with probe.run() as run:
        probe.get(run)
        for _ in probe.each_write(run):
            probe.put(run)
            run.drain()
            handled = run.take()
            consumed = of_kind(handled, "consume")
            probe.require(bool(consumed), "no event was consumed after the write")
            _applied_before_acknowledged(probe, handled)
            first, first_row = dict(run.snapshot()), _truth_or_none(probe, run)
            replayed = run.replay_delivery()
            run.drain()
            again = of_kind(run.take(), "consume")
            second, second_row = dict(run.snapshot()), _truth_or_none(probe, run)
            probe.note(f"replayed {replayed}")
            probe.require(bool(again), "the replayed event was never consumed")
            probe.note(f"consumed again: {_message(again[0])}")
            if first != second:
                raise Violated("handling the event again changed " + _changes(first, second))
            if first_row != second_row:
                raise Violated(f"handling the event again changed the source of truth: "
                               f"{show(first_row)} → {show(second_row)}")
            rows = " and the database's row" if first_row is not None else ""
            probe.note(f"state after the second handling equals the state after the first "
                       f"({len(first)} key{'s' if len(first) != 1 else ''}{rows} compared)")


def _truth_or_none(probe: Probe, run: Run) -> object:
    try:
        return run.truth(probe.item_id)
    except NotExercised:
        return None


def _applied_before_acknowledged(probe: Probe, events: list[Event]) -> None:
    """On the wire, the worker's work for a message comes before its XACK: a command on a
    key the message names, sent after the XACK, is work a crash between the two would
    lose (the message is no longer pending, so it is never delivered again). Judged only
    where events carry wall-clock windows (the wire of a system in its own processes)."""
    worker = worker_box(probe)
    # a message is acknowledged by its first XACK (a worker may send more): from then on
    # it is no longer pending
    first: dict[str, Event] = {}
    for consume in sorted((c for c in of_kind(events, "consume")
                           if c.target == worker and c.window is not None),
                          key=lambda c: c.window[1] if c.window else 0):
        first.setdefault(consume.fact(MESSAGE_ID) or consume.evidence, consume)
    consumed = sorted(first.values(), key=lambda c: c.window[0] if c.window else 0)
    for position, consume in enumerate(consumed):
        assert consume.window is not None
        values = set(consume.facts_named(MESSAGE_VALUE))
        # work after this XACK on the same key belongs to a later message once that one
        # was added to the stream (its window starts there)
        later = [c.window[0] for c in consumed[position + 1:]
                 if c.window is not None and set(c.facts_named(MESSAGE_VALUE)) & values]
        until = min(later) if later else None
        late = [e for e in of_kind(events, "redis") if e.source == worker
                and e.window is not None and e.window[0] > consume.window[1]
                and (until is None or e.window[0] < until)
                and set(e.tokens[1:2]) & values]
        if late:
            raise Violated(f"acknowledged before applied: the worker sent XACK for "
                           f"{_message(consume)} and only then {late[0].evidence[:60]}; a "
                           "crash between the two loses the event (it is no longer pending)")
        probe.note(f"applied before acknowledged, on the wire: {_message(consume)}")


def _message(consume: Event) -> str:
    """'stream → id field=value …' of a consume event, without the how."""
    return consume.evidence.split(" (")[0]


def _idempotent_after_crash(probe: Probe) -> None:
    from inkproof.runtime.system import Timers

    with probe.run(timers=Timers(redelivery_idle_ms=100)) as run:
        probe.get(run)
        for _ in probe.each_write(run):
            probe.put(run)
            run.take()
            if not run.drain(crash_before_ack=True):
                probe.require(probe.cases == 1, "the write published no event for the worker "
                                                "(earlier writes did)")
                raise NotExercised("the worker handled no event (nothing to deliver twice)")
            first = run.snapshot()
            consumed = of_kind(run.take(), "consume")
            run.redeliver()
            again = of_kind(run.take(), "consume")
            second = run.snapshot()
            probe.require(bool(consumed), "no event was consumed before the crash")
            message = consumed[0].evidence.split("→ ")[-1].split(" ")[0]
            probe.note(f"crashed after applying {message}, before XACK")
            probe.require(any(message in e.evidence for e in again),
                          f"{message} was not delivered again after the crash: it was "
                          "acknowledged before it was applied (the event is lost on a crash)")
            probe.note(f"redelivered: "
                       f"{next(e for e in again if message in e.evidence).evidence[:70]}")
            if first != second:
                raise Violated("applying the event again changed " + _changes(first, second))
            probe.note(f"state after the second delivery equals the state after the first "
                       f"({len(first)} key{'s' if len(first) != 1 else ''} of this run "
                       "compared)")
