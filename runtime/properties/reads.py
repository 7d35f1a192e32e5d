"""Read-path claims: cache-aside, cache hit, cache miss, a TTL on every fill."""

from __future__ import annotations

from inkproof.model import Property
from inkproof.runtime.events import Event
from inkproof.runtime.harness import Run
from inkproof.runtime.matching import canonical_redis, follows
from inkproof.runtime.properties import Probe, Violated, across_runs, check, of_kind, show

FILL_VERBS = frozenset({"SET", "SETNX", "GETSET", "MSET", "MSETNX", "HSET", "HMSET"})
TTL_OPTIONS = frozenset({"EX", "PX", "EXAT", "PXAT", "KEEPTTL"})


def _miss_then_fill(probe: Probe, events: list[Event]) -> str:
    """The first read: GET misses, the database is read, the same key is filled."""
    replies = of_kind(events, "redis_reply", "GET")
    probe.require(bool(replies), "the read never asked the cache (no GET)")
    probe.require(replies[0].tokens[1] == "miss",
                  f"the first read of a fresh cache was a hit: {replies[0].evidence}")
    selects = [e for e in of_kind(events, "sql") if "SELECT" in e.tokens]
    probe.require(bool(selects) and follows(selects[0], replies[0]),
                  "on the miss the database was not read")
    key = of_kind(events, "redis", "GET")[0].tokens[1]
    fills = [e for e in of_kind(events, "redis") if canonical_redis(e.tokens)[:2] == ("SET", key)]
    probe.require(bool(fills) and follows(fills[0], selects[0]),
                  f"the row read on the miss was not written back to {key}")
    probe.note(f"miss: {replies[0].evidence}; then {selects[0].evidence}; "
               f"then {fills[0].evidence[:80]}")
    return key


def _hit_without_database(probe: Probe, events: list[Event]) -> None:
    replies = of_kind(events, "redis_reply", "GET")
    probe.require(bool(replies) and replies[0].tokens[1] == "hit",
                  "the second read was not served from the cache: "
                  + (replies[0].evidence if replies else "no GET"))
    database = of_kind(events, "sql")
    probe.require(not database, "a cache hit still queried the database: "
                  + "; ".join(e.evidence for e in database))
    probe.note(f"hit: {replies[0].evidence}, no database query")


@check(Property.CACHE_MISS)
def cache_miss(probe: Probe) -> None:
    with probe.run() as run:
        probe.get(run)
        _miss_then_fill(probe, run.take())


@check(Property.CACHE_HIT)
def cache_hit(probe: Probe) -> None:
    with probe.run() as run:
        probe.fill(run)
        probe.get(run)
        _hit_without_database(probe, run.take())


@check(Property.CACHE_ASIDE)
def cache_aside(probe: Probe) -> None:
    with probe.run() as run:
        first = probe.get(run)
        _miss_then_fill(probe, run.take())
        second = probe.get(run)
        _hit_without_database(probe, run.take())
        probe.require(first == second, f"the hit returned {show(second)}, the miss {show(first)}")


def has_ttl(tokens: tuple[str, ...]) -> bool:
    canonical = canonical_redis(tokens)
    return any(word.upper() in TTL_OPTIONS for word in canonical[3:])


@check(Property.TTL_ON_FILL)
def ttl_on_fill(probe: Probe) -> None:
    """Every write of a cache entry carries a TTL (or is followed by EXPIRE on the key),
    and the server holds a TTL for it — on reads and, where a strategy refreshes the
    cache, on writes."""
    fills = 0
    for strategy in probe.deployments():  # every configuration the flow shows
        with probe.run(strategy) as run:
            probe.get(run)
            fills += _fills_have_ttl(probe, run)
            for _ in probe.each_write(run):
                probe.put(run)
                fills += _fills_have_ttl(probe, run)
                run.drain()
                fills += _fills_have_ttl(probe, run)
                probe.get(run)  # a fill after the invalidation
                fills += _fills_have_ttl(probe, run)
    probe.require(fills > 0, "no cache fill was observed")


def _fills_have_ttl(probe: Probe, run: Run) -> int:
    events = run.take()
    expired = {e.tokens[1] for e in of_kind(events, "redis", "EXPIRE") if len(e.tokens) > 1}
    fills = [e for e in of_kind(events, "redis") if canonical_redis(e.tokens)[0] in FILL_VERBS]
    for fill in fills:
        key = fill.tokens[1] if len(fill.tokens) > 1 else ""
        remaining = run.ttl_ms(key)
        if not has_ttl(fill.tokens) and key not in expired:
            raise Violated(f"cache fill without a TTL: {fill.evidence[:90]} (PTTL {remaining})")
        if remaining == -1:
            raise Violated(f"{key} has no TTL on the server after {fill.evidence[:60]}")
        probe.note(f"{fill.source}: {fill.evidence[:70]} → PTTL {remaining} ms")
    return len(fills)


@across_runs(Property.TTL_ON_FILL, Property.TTL_BACKSTOP)
def every_fill_has_ttl(events: list[Event]) -> str | None:
    """Every cache fill anywhere in the verification carries a TTL, or an EXPIRE of its
    key follows it."""
    for position, fill in enumerate(events):
        if fill.kind != "redis" or not fill.tokens or \
                canonical_redis(fill.tokens)[0] not in FILL_VERBS or has_ttl(fill.tokens):
            continue
        key = fill.tokens[1] if len(fill.tokens) > 1 else ""
        if not any(e.kind == "redis" and e.tokens[:2] == ("EXPIRE", key)
                   for e in events[position + 1:]):
            return (f"in another run of this verification a fill carried no TTL: "
                    f"{fill.evidence[:90]}")
    return None
