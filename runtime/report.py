"""Verification reports: the terminal table, JSON and JUnit XML, from FlowReports alone.

What claims nothing (an arrow without ``expect``, a callout without ``proves``) is shown as
``not-claimed`` — its own mark in the table, ``"claimed": false`` in JSON, a skipped test
case in JUnit — and counted apart in the summary line, never among the proven.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from inkproof.redact import mask_data, mask_text
from inkproof.runtime.status import Status
from inkproof.runtime.verify import ArrowRow, ClaimRow, FlowReport

_MARK = {True: "✓", False: "✗"}
#: Statuses with a mark and style of their own (the rest: ✓ or ✗, failures bold red).
_OWN_MARK = {Status.NOT_CLAIMED: "–"}
_STYLE = {Status.PROVEN: "green", Status.NOT_EXERCISED: "yellow", Status.NOT_CLAIMED: "dim"}


def _cases(prop: str, cases: int) -> str:
    """A claim's property and how many cases it was checked on."""
    return f"{prop}\n{cases} case{'s' if cases != 1 else ''}" if prop and cases else prop


def _status_text(status: str, ok: bool) -> Text:
    shown = f"{status} (optional)" if ok and status == Status.NOT_EXERCISED else status
    mark = _OWN_MARK.get(Status(status), _MARK[ok])
    return Text(f"{mark} {shown}", style=_STYLE.get(Status(status), "bold red"))


def table(reports: Sequence[FlowReport], *, width: int = 160, color: bool = False) -> str:
    """The arrow-by-arrow and claim-by-claim table a person reads."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system="standard" if color else None,
                      force_terminal=color, highlight=False, soft_wrap=False,
                      emoji=False, markup=False)  # labels are data: ":key:" is no emoji
    for report in reports:
        console.print(Text(f"{report.flow} — {report.title}", style="bold"))
        console.print(Text(mask_text(f"  system: {report.system}; {report.backends}; "
                                     f"{report.source}")))
        grid = Table(show_edge=False, pad_edge=False, expand=False, box=None,
                     header_style="bold")
        for column, kwargs in (("", {"no_wrap": True}), ("arrow / claim", {"no_wrap": True}),
                               ("label", {"max_width": 34}),
                               ("status", {"no_wrap": True}),
                               ("scenario / property", {"no_wrap": True}),
                               ("evidence", {"ratio": 1})):
            grid.add_column(column, overflow="fold", **kwargs)
        rows: list[tuple[str, str, str, Text, str, str]] = []
        rows += [("arrow", a.arrow, a.label, _status_text(a.status, a.ok), a.scenario,
                  a.evidence) for a in report.arrows]
        rows += [(c.kind, c.id, c.text, _status_text(c.verdict.status, c.ok),
                  _cases(c.verdict.property, c.verdict.cases),
                  "\n".join(dict.fromkeys(c.verdict.evidence)))
                 for c in report.claims]
        rows += [("traffic", f"{e.source}→{e.target}", "(no arrow draws this)",
                  _status_text(Status.UNDOCUMENTED, False), scenario, e.evidence)
                 for scenario, e in report.undocumented]
        rows += [("legend", "order", "", _status_text(Status.OUT_OF_ORDER, False), scenario,
                  problem) for scenario, problem in report.legend]
        rows += [("value", "read", "", _status_text(Status.VIOLATED, False), scenario,
                  problem) for scenario, problem in report.stale]
        rows += [("witness", "second opinion", "", _status_text(Status.DISAGREES, False), "",
                  problem) for problem in report.witness]
        for kind, name, label, status, where, evidence in rows:
            # Masked before rich wraps a long line, which could split a password.
            grid.add_row(Text(kind), Text(name), Text(mask_text(label)), status, Text(where),
                         Text(mask_text(evidence)))
        console.print(grid)
        console.print(Text(summary(report), style="bold green" if report.ok else "bold red"))
        console.print()
    return buffer.getvalue()


def _counted(rows: Sequence[ArrowRow] | Sequence[ClaimRow], noun: str) -> list[str]:
    """``"3/3 claims proven"``, or with some rows claiming nothing
    ``"3/3 claimed claims proven; 1 not claimed"`` — never counted among the proven."""
    claimed = [row for row in rows if row.claimed]
    proven = sum(row.ok for row in claimed if _status(row) == Status.PROVEN)
    optional = sum(row.ok and _status(row) != Status.PROVEN for row in claimed)
    unclaimed = len(rows) - len(claimed)
    counted = (f"{proven}/{len(claimed)} " + ("claimed " if unclaimed and noun == "arrows"
                                               else "") + f"{noun} proven"
               + (f" ({optional} optional not exercised)" if optional else ""))
    return [counted, f"{unclaimed} not claimed"] if unclaimed else [counted]


def _status(row: ArrowRow | ClaimRow) -> str:
    return row.status if isinstance(row, ArrowRow) else row.verdict.status


def summary(report: FlowReport) -> str:
    failed = sum(not a.ok for a in report.arrows)
    parts = [*_counted(report.arrows, "arrows"), *_counted(report.claims, "claims")]
    if failed:
        parts.append(f"{failed} arrow{'s' if failed != 1 else ''} failed")
    if report.undocumented:
        parts.append(f"{len(report.undocumented)} undocumented interaction(s)")
    if report.legend:
        parts.append(f"{len(report.legend)} legend order problem(s)")
    if report.stale:
        parts.append(f"{len(report.stale)} stale read(s)")
    elif report.reads_checked:
        within = (f", {report.reads_within} stale inside the declared window"
                  if report.reads_within else "")
        parts.append(f"{report.reads_checked} read(s) compared with the source of truth"
                     + within)
    if report.witness:
        parts.append(f"{len(report.witness)} witness disagreement(s)")
    elif report.witnessed:
        parts.append(f"two witnesses agreed on {report.witnessed} commands")
    verdict = ("STOPPED" if report.stopped else "VERIFIED" if report.ok
               else "NOTHING CLAIMED" if not report.claims_something else "DRIFT")
    return f"{verdict}: {report.flow}: " + "; ".join(parts) + f" ({report.seconds:.2f} s)"


# ---- machine-readable ---------------------------------------------------------------------

def _arrow_json(row: ArrowRow) -> dict[str, Any]:
    return {"arrow": row.arrow, "label": row.label, "status": str(row.status), "ok": row.ok,
            "claimed": row.claimed, "optional": row.optional, "scenario": row.scenario,
            "evidence": row.evidence}


def _claim_json(row: ClaimRow) -> dict[str, Any]:
    return {"kind": row.kind, "id": row.id, "text": row.text,
            "property": row.verdict.property or None, "status": str(row.verdict.status),
            "ok": row.ok, "claimed": row.claimed, "cases": row.verdict.cases,
            "evidence": list(row.verdict.evidence)}


def to_json(reports: Sequence[FlowReport]) -> dict[str, Any]:
    return mask_data({
        "ok": all(r.ok for r in reports),
        "flows": [{
            "flow": r.flow, "title": r.title, "source": r.source, "system": r.system,
            "backends": r.backends, "ok": r.ok, "seconds": round(r.seconds, 3),
            "arrows": [_arrow_json(a) for a in r.arrows],
            "claims": [_claim_json(c) for c in r.claims],
            "undocumented": [{"scenario": s, "source": e.source, "target": e.target,
                              "kind": e.kind, "evidence": e.evidence}
                             for s, e in r.undocumented],
            "legend": [{"scenario": s, "problem": p} for s, p in r.legend],
            "values": {"checked": r.reads_checked, "within_window": r.reads_within,
                       "stale": [{"scenario": s, "problem": p} for s, p in r.stale]},
            "witness": {"disagreements": list(r.witness), "agreed": r.witnessed},
        } for r in reports],
    })


def to_junit(reports: Sequence[FlowReport]) -> bytes:
    """JUnit XML: one test suite per flow, one test case per arrow, claim and problem; what
    claims nothing is a skipped test case whose message says why."""
    suites = ET.Element("testsuites", name="inkproof verify")
    for report in reports:
        cases: list[tuple[str, str, str, str]] = []  # (class, name, outcome, message)
        cases += [("arrow", a.arrow, _outcome(a), f"{a.status}: {a.evidence} [{a.scenario}]"
                   if a.claimed else skip_reason("arrow", a.arrow, a.evidence))
                  for a in report.arrows]
        cases += [(c.kind, c.id, _outcome(c), f"{c.verdict.status}: "
                   + "; ".join(c.verdict.evidence) if c.claimed
                   else skip_reason(c.kind, c.id, "; ".join(c.verdict.evidence)))
                  for c in report.claims]
        cases += [("undocumented", f"{e.source}->{e.target} {e.kind}", "failed",
                   f"no arrow draws this: {e.evidence} [{s}]") for s, e in report.undocumented]
        cases += [("legend", f"order in {s}", "failed", p) for s, p in report.legend]
        cases += [("value", f"read in {s}", "failed", p) for s, p in report.stale]
        cases += [("witness", "second opinion", "failed", p) for p in report.witness]
        outcomes = [outcome for _, _, outcome, _ in cases]
        suite = ET.SubElement(suites, "testsuite", name=report.flow, tests=str(len(cases)),
                              failures=str(outcomes.count("failed")),
                              skipped=str(outcomes.count("skipped")),
                              time=f"{report.seconds:.3f}")
        for kind, name, outcome, message in cases:
            message = mask_text(message)  # before XML escaping could disguise a password
            case = ET.SubElement(suite, "testcase", classname=f"{report.flow}.{kind}",
                                 name=mask_text(name))
            if outcome == "passed":
                ET.SubElement(case, "system-out").text = message
            elif outcome == "skipped":
                ET.SubElement(case, "skipped", message=message[:500])
            else:
                ET.SubElement(case, "failure", message=message[:500]).text = message
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"


def _outcome(row: ArrowRow | ClaimRow) -> str:
    """A JUnit outcome: what claims nothing is skipped, not passed."""
    return "skipped" if not row.claimed else "passed" if row.ok else "failed"


def skip_reason(kind: str, name: str, evidence: str) -> str:
    """Why a row that claims nothing is skipped (JUnit, the pytest plugin):
    ``not claimed: arrow upload has no expect: drawn, not verified``."""
    return f"not claimed: {kind} {name} has {evidence}"
