"""Write-path claims: invalidation after COMMIT, asynchronously, eventually consistent; the
strategies delete-on-write, write-through refresh and key versioning."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from inkproof.model import Property
from inkproof.runtime.events import OPEN_WRITE_TRANSACTIONS, Event
from inkproof.runtime.harness import NotExercised
from inkproof.runtime.matching import canonical_redis, follows
from inkproof.runtime.properties import Probe, check, of_kind, parsed, show, worker_box


def _commits(events: list[Event]) -> list[Event]:
    return [e for e in of_kind(events, "sql") if "COMMIT" in e.tokens]


@check(Property.PUBLISH_AFTER_COMMIT)
def publish_after_commit(probe: Probe) -> None:
    """Every invalidation event is published after the COMMIT of its write has ended."""
    with probe.run() as run:
        probe.fill(run)
        for _ in probe.each_write(run):
            probe.put(run)
            run.drain()  # the next write's events are its own
            _published_after_commit(probe, run.take())


def _published_after_commit(probe: Probe, events: list[Event]) -> None:
    commits, publishes = _commits(events), of_kind(events, "publish")
    probe.require(bool(commits), "the write committed nothing (no COMMIT observed)")
    probe.require(bool(publishes), "the write published no invalidation event")
    for publish in publishes:
        # PostgreSQL's own view as the XADD went out (a proxy's tap): no clocks involved
        open_writes = publish.fact(OPEN_WRITE_TRANSACTIONS)
        probe.require(open_writes in (None, "0"),
                      f"published while a write transaction was still open: when "
                      f"{publish.evidence[:60]} reached Redis, PostgreSQL had {open_writes} "
                      "uncommitted write transaction(s)")
        same_trace = [c for c in commits
                      if not c.trace or not publish.trace or c.trace == publish.trace]
        if open_writes == "0":
            # the database says the transaction is over; the traces need only show that
            # its COMMIT began first (span clocks may be millisecond-grained, as
            # OpenTelemetry JS's are: their ends are no proof of order)
            begun = [c for c in same_trace if c.start <= publish.start]
            probe.require(bool(begun), f"no COMMIT began before {publish.evidence[:60]}")
            probe.note(f"when {publish.evidence[:50]} reached Redis, PostgreSQL had no "
                       f"uncommitted write transaction; its COMMIT ({begun[-1].evidence}) "
                       "began before, in the same trace")
            continue
        if publish.window is not None and all(c.window is not None for c in same_trace):
            _ordered_by_windows(probe, publish, same_trace)
            continue
        ended = [c for c in same_trace if c.end < publish.start]
        probe.require(bool(ended), f"published before the COMMIT ended: "
                                   f"{publish.evidence[:70]} started at {publish.start:.0f}, "
                                   f"COMMIT ended at {commits[0].end:.0f}")
        probe.note(f"COMMIT ({ended[-1].evidence}) ended at tick {ended[-1].end:.0f}; "
                   f"{publish.evidence[:60]} started at tick {publish.start:.0f}, same trace")


def _ordered_by_windows(probe: Probe, publish: Event, commits: list[Event]) -> None:
    """Across processes, by the windows the clocks allow: proven only when the publish
    certainly came after a COMMIT ended, violated when it certainly came before every
    COMMIT began; in between the clocks cannot tell (OpenTelemetry JS's spans start on
    whole milliseconds), and nothing is proven."""
    assert publish.window is not None
    sent = publish.window
    after = [c for c in commits if c.window is not None and sent[0] > c.window[1]]
    if after:
        probe.note(f"{publish.evidence[:60]} reached Redis after the COMMIT "
                   f"({after[-1].evidence}) had certainly ended, in the same trace")
        return
    probe.require(not commits or any(c.window is not None and sent[1] >= c.window[0]
                                     for c in commits),
                  f"published before the COMMIT began: {publish.evidence[:70]}")
    raise NotExercised(f"{publish.evidence[:60]} and its COMMIT lie within the clocks' "
                       "uncertainty (span starts on whole milliseconds); the database can "
                       "tell: start the service from a system section, with --db PostgreSQL")


Json = dict[str, object]


@dataclass(frozen=True)
class WriteWatch:
    """A read before a write, the write, a read before the worker ran, and one after."""

    before: Json
    written: Json
    during: Json
    after: Json
    truth: Json | None  # the source of truth once the worker ran (the database's row)
    events: list[Event]


def _write_then_watch(probe: Probe) -> Iterator[WriteWatch]:
    """Per write of one run: fill, write, read before the worker ran, let it run, read
    again."""
    with probe.run() as run:
        for _ in probe.each_write(run):
            before = probe.get(run)
            run.take()
            written = probe.put(run)
            during = probe.get(run)
            run.drain()
            after = probe.get(run)
            truth = run.truth(probe.item_id)
            events = run.take()
            yield WriteWatch(before, written, during, after, dict(truth) if truth else None,
                             events)


@check(Property.ASYNC_INVALIDATION)
def async_invalidation(probe: Probe) -> None:
    """The write answers before the worker invalidates; the worker does it afterwards."""
    for watch in _write_then_watch(probe):
        responses = of_kind(watch.events, "response")
        work = [e for e in watch.events if e.source == worker_box(probe)]
        probe.require(bool(work), "the worker did nothing after the write")
        probe.require(follows(work[0], responses[0]),
                      "the write waited for the worker (invalidation is not asynchronous)")
        _agrees_with_truth(probe, watch)
        probe.note(f"write answered at #{responses[0].index}, worker acted from "
                   f"#{work[0].index}: {work[0].evidence[:60]}")


def _agrees_with_truth(probe: Probe, watch: WriteWatch) -> None:
    """The read after the worker ran returns what the write committed and what the
    source of truth holds (both named when they differ)."""
    probe.require(watch.after == watch.written,
                  f"after the worker ran, the read still returned {show(watch.after)}, not "
                  f"the committed {show(watch.written)}")
    probe.require(watch.after == watch.truth,
                  f"after the worker ran, the read returned {show(watch.after)} but the "
                  f"source of truth holds {show(watch.truth)}")


@check(Property.EVENTUAL_CONSISTENCY)
def eventual_consistency(probe: Probe) -> None:
    """After a committed write the cache may serve the old value for a while, but once
    the invalidation has been handled, reads return the committed value — the one the
    source of truth holds."""
    for watch in _write_then_watch(probe):
        window = "open (the old value was served)" if watch.during == watch.before else \
            "closed already"
        probe.note(f"read between commit and worker: {show(watch.during)}; window {window}")
        _agrees_with_truth(probe, watch)
        writer = next((e.trace for e in of_kind(watch.events, "request")
                       if e.tokens[0] != "GET"), "")
        joined = [e for e in watch.events
                  if e.source == worker_box(probe) and e.kind == "redis"]
        probe.require(bool(joined), "the worker issued no cache command")
        probe.require(all(e.trace == writer for e in joined),
                      "the worker's invalidation is not in the trace of the write that "
                      "caused it")
        probe.note(f"closed by {joined[0].evidence[:60]} in the writer's trace; next read "
                   f"returned version {watch.after.get('version', watch.after)}, as the "
                   "source of truth holds")


@check(Property.DELETE_ON_WRITE)
def delete_on_write(probe: Probe) -> None:
    """Every write's cached entry is deleted once the worker ran; the next read misses
    and returns what the write committed."""
    with probe.run("delete-on-write") as run:
        for _ in probe.each_write(run):
            key = probe.fill(run)
            written = probe.put(run)
            run.drain()
            events = run.take()
            deletes = [e for e in events
                       if canonical_redis(e.tokens)[:1] in (("DEL",), ("UNLINK",))
                       and key in e.tokens[1:]]
            probe.require(bool(deletes), f"the worker did not delete {key}")
            probe.require(run.ttl_ms(key) == -2, f"{key} still exists after the delete")
            probe.note(f"{deletes[0].evidence}; {key} is gone")
            after = probe.get(run)
            run.take()
            probe.require(after == written,
                          f"the next read returned {show(after)}, not {show(written)}")
            probe.note(f"next read missed and returned version "
                       f"{after.get('version', after)}")


@check(Property.WRITE_THROUGH_REFRESH)
def write_through_refresh(probe: Probe) -> None:
    """Right after the commit — before any worker ran — the cache holds the new value."""
    with probe.run("write-through-refresh") as run:
        key = probe.fill(run)
        written = probe.put(run)
        events = run.take()
        commits = _commits(events)
        refresh = [e for e in of_kind(events, "redis")
                   if canonical_redis(e.tokens)[:2] == ("SET", key)]
        probe.require(bool(refresh), f"the write did not refresh {key}")
        probe.require(bool(commits) and commits[0].end < refresh[0].start,
                      "the refresh was written before the COMMIT ended")
        cached = parsed(run.cached(key))
        probe.require(cached == written, f"the cache holds {show(cached)}, the write returned "
                                         f"{show(written)}")
        probe.note(f"after COMMIT: {refresh[0].evidence[:70]}; cache holds version "
                   f"{written.get('version', written)} before the worker ran")


@check(Property.KEY_VERSIONING)
def key_versioning(probe: Probe) -> None:
    """A write moves reads to a new versioned key; the old entry is never read again."""
    with probe.run("key-versioning") as run:
        probe.get(run)
        fills = [e for e in of_kind(run.take(), "redis")
                 if canonical_redis(e.tokens)[:1] == ("SET",) and len(e.tokens) > 1]
        probe.require(bool(fills), "the read filled no cache entry")
        old_key = fills[0].tokens[1]
        written = probe.put(run)
        after = probe.get(run)  # no worker: versioning alone must hide the old entry
        events = run.take()
        reads = [e.tokens[1] for e in of_kind(events, "redis", "GET") if len(e.tokens) > 1]
        probe.require(old_key not in reads, f"the old entry {old_key} was read after the write")
        probe.require(after == written, f"the read after the write returned {show(after)}")
        new_key = next((e.tokens[1] for e in of_kind(events, "redis")
                        if canonical_redis(e.tokens)[:1] == ("SET",) and len(e.tokens) > 1), "")
        probe.note(f"before the write: {old_key}; after: {new_key} (old entry still "
                   f"stored: {run.cached(old_key) is not None}, never read)")
