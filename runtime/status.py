"""The verdict statuses of verification, named once: matching, property checks, the flow's
report and every output (table, JSON, JUnit, the pytest plugin) use these values.

A ``StrEnum`` so that a status is its own plain string in JSON and in messages.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """What verification made of an arrow or a claim."""

    PROVEN = "proven"
    MISSING = "missing"  # expected, never observed
    OUT_OF_ORDER = "out-of-order"  # observed, but before an arrow listed earlier
    FORBIDDEN = "forbidden"  # listed as absent, yet observed
    VIOLATED = "violated"  # a claimed property does not hold
    NOT_EXERCISED = "not-exercised"  # nothing ran it (fine for an optional arrow only)
    NOT_RUN = "not-run"  # its scenario or check could not run (a backend died)
    NOT_CLAIMED = "not-claimed"  # drawn or written, but claims nothing: never proven
    UNDOCUMENTED = "undocumented"  # traffic no arrow draws
    DISAGREES = "disagrees"  # the MONITOR witness saw what the trace did not

    @property
    def passes(self) -> bool:
        """Whether this status lets a flow verify (not-exercised only for optional arrows)."""
        return self in (Status.PROVEN, Status.NOT_CLAIMED)
