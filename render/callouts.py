"""Place callouts and highlight notes: sticky notes in free space beside what they annotate.

Each note goes to the free spot nearest its anchor (a box, an arrow label or a lane
header), never over anything drawn, with a short pointer that crosses nothing if it can.
"""

from __future__ import annotations

from inkproof.labels import Label
from inkproof.model import Flow
from inkproof.render.geometry import (
    Point,
    Rect,
    cubic_points,
    polyline_crosses_segment,
    polyline_hits_rect,
    segment_hits_rect,
    straddles,
)
from inkproof.render.layout import LayoutError
from inkproof.render.measure import Translate
from inkproof.render.place import Placed
from inkproof.render.scene import NoteShape, PlacedText
from inkproof.render.text import layout_text
from inkproof.render.theme import Theme


def place_callouts(flow: Flow, theme: Theme, tr: Translate, placed: Placed,
                   region: Rect) -> list[NoteShape]:
    """Every callout and anchored highlight of the flow, in the spec's order, in ``region``."""
    obstacles = [*(b.rect for b in placed.boxes), *(a.label_rect for a in placed.arrows),
                 *(t.rect for lane in placed.lanes for t in (lane.title, lane.caption) if t)]
    polylines = [(line, Rect.around(line)) for line in
                 (cubic_points(a.controls) for a in placed.arrows)]
    lanes = [lane.rect for lane in placed.lanes]
    by_arrow = dict(zip((a.id for a in placed.arrows), polylines, strict=True))
    # What a pointer may touch: the element itself; for an arrow also its line, so a note
    # can point at the arrow from the free side when its label sits among other arrows.
    anchors: dict[str, tuple[Rect, ...]] = {box.id: (box.rect,) for box in placed.boxes}
    anchors.update({arrow.id: (arrow.label_rect, *_line_targets(line))
                    for arrow, (line, _) in zip(placed.arrows, polylines, strict=True)})
    anchors.update({lane.id: (lane.title.rect,) for lane in placed.lanes})
    pending = [(c.id, "callout", tr(f"callout.{c.id}.text", c.text), c.near)
               for c in flow.callouts]
    pending += [(n.id, "highlight", tr(f"note.{n.id}.text", n.text), n.near)
                for n in flow.notes if n.kind == "highlight" and n.near]
    # Placement is greedy, so order matters: when the spec's order leaves a pointer
    # crossing something, the reverse order (or another note first) often does not.
    best: tuple[list[NoteShape], int] | None = None
    orders = [pending, pending[::-1]]
    orders += [pending[i:] + pending[:i] for i in range(1, min(len(pending), 5))]
    for order in orders:
        notes, compromised = _place_in_order(order, theme, anchors, obstacles, polylines,
                                             lanes, region, by_arrow, _crossable(flow))
        if best is None or compromised < best[1]:
            best = (notes, compromised)
        if compromised == 0:
            break
    assert best is not None
    rank = {f"{kind}.{note_id}": i for i, (note_id, kind, _, _) in enumerate(pending)}
    return sorted(best[0], key=lambda note: rank[note.id])


def _place_in_order(pending: list[tuple[str, str, Label, str]], theme: Theme,
                    anchors: dict[str, tuple[Rect, ...]], obstacles: list[Rect],
                    polylines: list[tuple[list[Point], Rect]], lanes: list[Rect],
                    region: Rect, by_arrow: dict[str, tuple[list[Point], Rect]],
                    crossable: dict[str, tuple[str, ...]]) -> tuple[list[NoteShape], int]:
    """Notes placed one by one; also returns how many pointers had to cross something."""
    placed: list[NoteShape] = []
    taken = list(obstacles)
    lines = list(polylines)
    compromised = 0
    for note_id, kind, text, near in pending:
        style = theme.style(theme.sizes.note, bold=kind == "callout",
                            color=theme.palette.ink)
        block = layout_text(text, style, theme.px(150))
        pad = theme.px(8)
        mark = 28 if kind == "highlight" else 0  # room for the "!" disc
        w, h = block.width + 2 * pad + mark, block.height + 2 * pad
        own = crossable.get(near, ())
        own_lines = {id(by_arrow[arrow_id]) for arrow_id in own}
        found = _free_spot(anchors[near], w, h, taken, lines, lanes, region,
                           [line for line in lines if id(line) not in own_lines])
        if found is None:
            raise LayoutError(f"no free room for the {kind} '{note_id}' near '{near}' — "
                              "shorten its text or use a larger --size")
        spot, clean, target = found
        compromised += not clean
        rect = Rect(spot[0], spot[1], w, h)
        pointer = _pointer(rect, target)
        taken.append(rect.inflate(theme.px(6)))
        lines.append((list(pointer), Rect.around(pointer)))  # later notes keep off it
        placed.append(NoteShape(f"{kind}.{note_id}", kind, rect,
                                PlacedText(f"{kind}.{note_id}.text", block,
                                           rect.x + pad + mark, rect.y + pad), pointer,
                                crosses=own))
    return placed, compromised


def _free_spot(targets: tuple[Rect, ...], w: float, h: float, taken: list[Rect],
               polylines: list[tuple[list[Point], Rect]], lanes: list[Rect], region: Rect,
               pointer_lines: list[tuple[list[Point], Rect]]
               ) -> tuple[Point, bool, Rect] | None:
    """The free w×h spot nearest to the anchor: no overlap with anything drawn, inside one
    lane (or outside all of them), with a pointer that crosses no arrow and no text if any
    spot allows it.

    Candidates lie on an 8 px grid, tried nearest first. The inner test works on plain
    tuples: it runs for thousands of candidates and is the hot loop of composition.
    """
    anchor = targets[0]
    ax, ay = anchor.center
    half_w, half_h = (w + anchor.w) / 2, (h + anchor.h) / 2
    candidates = []
    step = 8.0
    x = region.x
    while x + w <= region.right:
        y = region.y
        while y + h <= region.bottom:
            gap_x = max(0.0, abs(x + w / 2 - ax) - half_w)
            gap_y = max(0.0, abs(y + h / 2 - ay) - half_h)
            candidates.append((gap_x * gap_x + gap_y * gap_y, abs(y + h / 2 - ay), x, y))
            y += step
        x += step
    margin = 4.0
    blockers = [(r.x - margin, r.y - margin, r.right + margin, r.bottom + margin)
                for r in (anchor, *taken)]
    fallback = over_arrows = None
    for _, _, x, y in sorted(candidates):
        x1, y1 = x + w, y + h
        if any(bx0 < x1 and x < bx1 and by0 < y1 and y < by1
               for bx0, by0, bx1, by1 in blockers):
            continue
        rect = Rect(x, y, w, h).inflate(3)
        if any(straddles(rect, lane) for lane in lanes):
            continue  # half in one lane, half in the next (or over the lanes' frame)
        if any(polyline_hits_rect(line, rect, bounds) for line, bounds in polylines):
            continue
        note = Rect(x, y, w, h)
        spot = (round(x, 2), round(y, 2))
        target = next((t for t in sorted(targets[1:], key=lambda t: _gap(note, t))
                       if _gap(note, t) < POINTER_MAX and _clear(note, t, taken,
                                                                 pointer_lines)),
                      None)
        if _clear(note, anchor, taken, pointer_lines):
            target = anchor
        if target is None:
            # Its pointer would cross an arrow, a label, a box or another note: keep
            # looking, but remember the nearest such spots in case nothing better exists:
            # crossing only arrows is better than crossing text.
            if over_arrows is None and _clear(note, anchor, taken, []):
                over_arrows = (spot, False, anchor)
            fallback = fallback or (spot, False, anchor)
            continue
        return (spot, True, target)
    return over_arrows or fallback


#: A note pointing at an arrow's line stays this close to it (px): a pointer is short.
POINTER_MAX = 90.0


def _line_targets(line: list[Point]) -> tuple[Rect, ...]:
    """Points along the middle of an arrow's line, as tiny rectangles a pointer may touch."""
    n = len(line)
    return tuple(Rect(x - 1, y - 1, 2, 2) for x, y in line[n // 6: n - n // 6: 2])


def _gap(note: Rect, target: Rect) -> float:
    (sx, sy), (tx, ty) = _pointer(note, target)
    return ((tx - sx) ** 2 + (ty - sy) ** 2) ** 0.5


def _clear(note: Rect, target: Rect, taken: list[Rect],
           polylines: list[tuple[list[Point], Rect]]) -> bool:
    """Whether the pointer from ``note`` to ``target`` crosses nothing drawn."""
    start, tip = _pointer(note, target)
    short = _short_of(start, tip, 4.0)  # its tip touches the target by design
    return not any(other is not target and segment_hits_rect(start, tip, other.inflate(-2))
                   for other in taken) and not any(
        polyline_crosses_segment(line, start, short, bounds) for line, bounds in polylines)


def _pointer(note: Rect, anchor: Rect) -> tuple[Point, Point]:
    """A short line from the note's nearest edge towards the anchor's nearest edge."""
    nx = min(max(anchor.center[0], note.x), note.right)
    ny = min(max(anchor.center[1], note.y), note.bottom)
    tx = min(max(nx, anchor.x), anchor.right)
    ty = min(max(ny, anchor.y), anchor.bottom)
    return ((round(nx, 2), round(ny, 2)), (round(tx, 2), round(ty, 2)))


def _short_of(start: Point, tip: Point, by: float) -> Point:
    """The point ``by`` px before ``tip`` on the way from ``start``."""
    length = ((tip[0] - start[0]) ** 2 + (tip[1] - start[1]) ** 2) ** 0.5
    if length <= by:
        return start
    k = (length - by) / length
    return (start[0] + (tip[0] - start[0]) * k, start[1] + (tip[1] - start[1]) * k)


def _crossable(flow: Flow) -> dict[str, tuple[str, ...]]:
    """Arrows a note's pointer may cross, by what the note points at: those the note is
    about as much as its anchor -- the arrows of a box it points at, and the arrows
    running between the same two boxes as an arrow it points at (one bundle)."""
    out: dict[str, tuple[str, ...]] = {}
    for box in flow.boxes:
        out[box.id] = tuple(a.id for a in flow.arrows if box.id in (a.source, a.target))
    for arrow in flow.arrows:
        ends = {arrow.source, arrow.target}
        out[arrow.id] = tuple(a.id for a in flow.arrows
                              if a.id != arrow.id and {a.source, a.target} == ends)
    return out
