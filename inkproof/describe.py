"""Plain-text views of a flow: the one-line summary of ``check`` and the outline of ``explain``."""

from __future__ import annotations

from collections import Counter

from inkproof import canvas
from inkproof.model import Flow
from inkproof.render.theme import PATH_KINDS


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def summary(flow: Flow) -> str:
    """One line: what the flow contains."""
    paths = Counter(arrow.path for arrow in flow.arrows)
    optional = sum(box.optional for box in flow.boxes)
    boxes = _count(len(flow.boxes), "box", "boxes")
    if optional:
        boxes += f" ({optional} optional)"
    parts = [
        boxes,
        _count(len(flow.arrows), "arrow") + " (" + ", ".join(
            f"{paths[kind]} {kind}" for kind in _kinds_shown(paths)) + ")",
        _count(len(flow.legend), "legend step"),
        _count(len(flow.callouts), "callout"),
    ]
    if flow.strategies:
        parts.append(_count(len(flow.strategies), "strategy", "strategies"))
    parts.append(_count(len(flow.scenarios), "scenario"))
    return f"{flow.id}: " + ", ".join(parts)


def _kinds_shown(paths: Counter[str]) -> list[str]:
    """Read and write always (the counts a cache flow is read by), then every other kind
    of path the flow uses, in the registry's order."""
    return [kind for kind in PATH_KINDS if kind in ("read", "write") or paths[kind]]


def outline(flow: Flow) -> str:
    """A readable walk through the flow, in the order a reader of the picture would take."""
    lines = [f"{flow.title.text}" + (f" — {flow.subtitle.text}" if flow.subtitle else ""),
             f"id {flow.id}; canvas {canvas.describe(flow.style.canvas)}, "
             f"theme {flow.style.theme}, seed {flow.style.seed}", ""]
    lanes = {lane.id: lane for lane in flow.lanes}
    for lane_id in [*lanes, None]:
        boxes = [box for box in flow.boxes if box.lane == lane_id]
        if not boxes:
            continue
        if lane_id is None:
            lines.append("Outside any lane")
        else:
            lane = lanes[lane_id]
            caption = f" — {lane.caption.text}" if lane.caption else ""
            lines.append(f"Lane {lane.title.text}{caption}")
        for box in boxes:
            optional = " (optional)" if box.optional else ""
            stands = [f"{field} {value}" for field, value in (("component", box.component),
                                                              ("service", box.service)) if value]
            lines.append(f"  [{box.icon}] {box.name.text}{optional}: {box.role.text}"
                         + (f" ({'; '.join(stands)})" if stands else ""))
    lines += ["", "Arrows"]
    for arrow in flow.arrows:
        badges = ",".join(str(n) for n in flow.legend_numbers(arrow.id)) or "-"
        optional = " (optional)" if arrow.optional else ""
        lines.append(f"  ({badges}) {flow.box(arrow.source).name.text} → "
                     f"{flow.box(arrow.target).name.text}: \"{arrow.label.text}\" "
                     f"[{arrow.path}{optional}; "
                     + (f"expects {arrow.expect.kind}]" if arrow.expect else "claims nothing]"))
    if flow.legend:
        lines += ["", "Legend"] + [f"  {step.n}. {step.text.text}" for step in flow.legend]
    if flow.callouts:
        lines += ["", "Callouts"] + [f"  \"{c.text.text}\" near {c.near}; " + (
            f"proves {c.proves.value}" if c.proves else "informational (claims nothing)")
            for c in flow.callouts]
    if flow.strategies:
        lines += ["", "Strategies"] + [f"  {s.name.text}: {s.text.text if s.text else ''} "
                                       f"(proves {s.proves.value})" for s in flow.strategies]
    if flow.notes:
        lines += ["", "Notes"] + [f"  {n.kind}: {n.text.text}" for n in flow.notes]
    if flow.scenarios:
        lines += ["", "Scenarios"] + [f"  {s.id}: {s.title} ({len(s.arrows)} arrows in order"
                                      + (f", {len(s.absent)} absent" if s.absent else "") + ")"
                                      for s in flow.scenarios]
    return "\n".join(lines)
