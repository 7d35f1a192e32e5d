"""Verification reports: the terminal table, JSON and JUnit XML, from FlowReports alone."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from inkproof.redact import mask_data, mask_text
from inkproof.runtime.verify import ArrowRow, ClaimRow, FlowReport

_MARK = {True: "✓", False: "✗"}
_STYLE = {"proven": "green", "not-exercised": "yellow"}


def _status_text(status: str, ok: bool) -> Text:
    shown = f"{status} (optional)" if ok and status == "not-exercised" else status
    return Text(f"{_MARK[ok]} {shown}", style=_STYLE.get(status, "bold red"))


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
                  c.verdict.property, "\n".join(dict.fromkeys(c.verdict.evidence)))
                 for c in report.claims]
        rows += [("traffic", f"{e.source}→{e.target}", "(no arrow draws this)",
                  _status_text("undocumented", False), scenario, e.evidence)
                 for scenario, e in report.undocumented]
        rows += [("legend", "order", "", _status_text("out-of-order", False), scenario, problem)
                 for scenario, problem in report.legend]
        rows += [("witness", "MONITOR", "", _status_text("disagrees", False), "", problem)
                 for problem in report.witness]
        for kind, name, label, status, where, evidence in rows:
            # Masked before rich wraps a long line, which could split a password.
            grid.add_row(Text(kind), Text(name), Text(mask_text(label)), status, Text(where),
                         Text(mask_text(evidence)))
        console.print(grid)
        console.print(Text(summary(report), style="bold green" if report.ok else "bold red"))
        console.print()
    return buffer.getvalue()


def summary(report: FlowReport) -> str:
    proven = sum(a.status == "proven" for a in report.arrows)
    optional = sum(a.ok and a.status != "proven" for a in report.arrows)
    failed = sum(not a.ok for a in report.arrows)
    claims_ok = sum(c.ok for c in report.claims)
    parts = [f"{proven}/{len(report.arrows)} arrows proven"
             + (f" ({optional} optional not exercised)" if optional else ""),
             f"{claims_ok}/{len(report.claims)} claims proven"]
    if failed:
        parts.append(f"{failed} arrow{'s' if failed != 1 else ''} failed")
    if report.undocumented:
        parts.append(f"{len(report.undocumented)} undocumented interaction(s)")
    if report.legend:
        parts.append(f"{len(report.legend)} legend order problem(s)")
    if report.witness:
        parts.append(f"{len(report.witness)} witness disagreement(s)")
    elif report.witnessed:
        parts.append(f"MONITOR agreed on {report.witnessed} commands")
    verdict = "STOPPED" if report.stopped else "VERIFIED" if report.ok else "DRIFT"
    return f"{verdict}: {report.flow}: " + "; ".join(parts) + f" ({report.seconds:.2f} s)"


# ---- machine-readable ---------------------------------------------------------------------

def _arrow_json(row: ArrowRow) -> dict[str, Any]:
    return {"arrow": row.arrow, "label": row.label, "status": row.status, "ok": row.ok,
            "optional": row.optional, "scenario": row.scenario, "evidence": row.evidence}


def _claim_json(row: ClaimRow) -> dict[str, Any]:
    return {"kind": row.kind, "id": row.id, "text": row.text,
            "property": row.verdict.property, "status": row.verdict.status, "ok": row.ok,
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
            "witness": {"disagreements": list(r.witness), "agreed": r.witnessed},
        } for r in reports],
    })


def to_junit(reports: Sequence[FlowReport]) -> bytes:
    """JUnit XML: one test suite per flow, one test case per arrow, claim and problem."""
    suites = ET.Element("testsuites", name="inkproof verify")
    for report in reports:
        cases: list[tuple[str, str, bool, str]] = []  # (class, name, ok, message)
        cases += [("arrow", a.arrow, a.ok, f"{a.status}: {a.evidence} [{a.scenario}]")
                  for a in report.arrows]
        cases += [(c.kind, c.id, c.ok, f"{c.verdict.status}: " + "; ".join(c.verdict.evidence))
                  for c in report.claims]
        cases += [("undocumented", f"{e.source}->{e.target} {e.kind}", False,
                   f"no arrow draws this: {e.evidence} [{s}]") for s, e in report.undocumented]
        cases += [("legend", f"order in {s}", False, p) for s, p in report.legend]
        cases += [("witness", "MONITOR", False, p) for p in report.witness]
        suite = ET.SubElement(suites, "testsuite", name=report.flow, tests=str(len(cases)),
                              failures=str(sum(not ok for _, _, ok, _ in cases)),
                              time=f"{report.seconds:.3f}")
        for kind, name, ok, message in cases:
            message = mask_text(message)  # before XML escaping could disguise a password
            case = ET.SubElement(suite, "testcase", classname=f"{report.flow}.{kind}",
                                 name=mask_text(name))
            if ok:
                ET.SubElement(case, "system-out").text = message
            else:
                ET.SubElement(case, "failure", message=message[:500]).text = message
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"
