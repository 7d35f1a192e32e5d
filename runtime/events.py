"""Observed interactions as plain data: what the observation layer hands to matching.

One event is one directed interaction between two boxes of the flow, in the vocabulary of
the spec's expectations. A traced Redis command becomes two events (the command, from the
caller to the cache, and its reply, back), an SQL statement likewise (statement, result
rows), an HTTP exchange a request and a response. Matching never sees spans, sockets or
clients: only these records, so it can be tested on hand-written streams.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Event kinds: one per kind of arrow expectation in the spec (``inkproof.model.Expect``).
KINDS = ("request", "response", "redis", "redis_reply", "sql", "sql_result", "publish",
         "consume")


#: The source of a command whose connection no box could be tied to (never guessed).
UNATTRIBUTED = "unattributed Redis client"

#: Facts another witness attaches to an event (``Event.facts``), named once.
OPEN_WRITE_TRANSACTIONS = "open-write-transactions"  # PostgreSQL, as an XADD was sent
MESSAGE_VALUE = "message-value"  # one value of a consumed message's fields (one pair each)
MESSAGE_ID = "message-id"  # the queue's id of a consumed message


@dataclass(frozen=True)
class Event:
    """One observed interaction.

    ``tokens`` by kind: request ``(METHOD, path)``; response ``(status, content type)``;
    redis: the command and its arguments; redis_reply ``(COMMAND, "hit" | "miss")``; sql:
    the statement kinds in order (``BEGIN, UPDATE, COMMIT``); sql_result ``(row count,)``;
    publish and consume: the message's field names.
    """

    index: int  # observation order
    source: str  # box id of the side that acted
    target: str  # box id of the other side
    kind: str
    tokens: tuple[str, ...]
    # positions on the observation clock (a counter, not wall time), for ordering
    # properties such as 'publish starts after COMMIT ended'
    start: float = 0.0
    end: float = 0.0
    evidence: str = ""  # what a person reads in a report ("SETEX cache:key:42 300 …")
    trace: str = ""  # OpenTelemetry trace id: a write and the invalidation it caused share one
    #: for events of a system in other processes: the wall-clock interval (ns) in which the
    #: interaction certainly happened. Matching then calls an arrow out of order only when
    #: its event provably ended before the previous arrow's began (concurrent processes
    #: have no single order); None: ``index`` is the exact order (one process, one clock)
    window: tuple[int, int] | None = None
    #: what another witness knew at that moment, as (name, value) pairs, e.g.
    #: ("open-write-transactions", "1"): PostgreSQL's own view when an XADD was sent
    facts: tuple[tuple[str, str], ...] = ()

    def fact(self, name: str) -> str | None:
        return next((value for key, value in self.facts if key == name), None)

    def facts_named(self, name: str) -> tuple[str, ...]:
        return tuple(value for key, value in self.facts if key == name)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}; expected one of {KINDS}")

    def describe(self) -> str:
        text = self.evidence or " ".join(self.tokens)
        return f"#{self.index} {self.source}→{self.target} {self.kind}: {text}"
