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
    polyline_hits_rect,
    segment_hits_rect,
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
    anchors = {box.id: box.rect for box in placed.boxes}
    anchors.update({arrow.id: arrow.label_rect for arrow in placed.arrows})
    anchors.update({lane.id: lane.title.rect for lane in placed.lanes})
    pending = [(c.id, "callout", tr(f"callout.{c.id}.text", c.text), c.near)
               for c in flow.callouts]
    pending += [(n.id, "highlight", tr(f"note.{n.id}.text", n.text), n.near)
                for n in flow.notes if n.kind == "highlight" and n.near]
    # Placement is greedy, so order matters: when the spec's order leaves a pointer
    # crossing something, the reverse order often does not.
    best: tuple[list[NoteShape], int] | None = None
    for order in (pending, pending[::-1]):
        notes, compromised = _place_in_order(order, theme, anchors, obstacles, polylines,
                                             region)
        if best is None or compromised < best[1]:
            best = (notes, compromised)
        if compromised == 0:
            break
    assert best is not None
    rank = {f"{kind}.{note_id}": i for i, (note_id, kind, _, _) in enumerate(pending)}
    return sorted(best[0], key=lambda note: rank[note.id])


def _place_in_order(pending: list[tuple[str, str, Label, str]], theme: Theme,
                    anchors: dict[str, Rect], obstacles: list[Rect],
                    polylines: list[tuple[list[Point], Rect]], region: Rect
                    ) -> tuple[list[NoteShape], int]:
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
        anchor = anchors[near]
        found = _free_spot(anchor, w, h, taken, lines, region)
        if found is None:
            raise LayoutError(f"no free room for the {kind} '{note_id}' near '{near}' — "
                              "shorten its text or use a larger --size")
        spot, clean = found
        compromised += not clean
        rect = Rect(spot[0], spot[1], w, h)
        pointer = _pointer(rect, anchor)
        taken.append(rect.inflate(theme.px(6)))
        lines.append((list(pointer), Rect.around(pointer)))  # later notes keep off it
        placed.append(NoteShape(f"{kind}.{note_id}", kind, rect,
                                PlacedText(f"{kind}.{note_id}.text", block,
                                           rect.x + pad + mark, rect.y + pad), pointer))
    return placed, compromised


def _free_spot(anchor: Rect, w: float, h: float, taken: list[Rect],
               polylines: list[tuple[list[Point], Rect]], region: Rect
               ) -> tuple[Point, bool] | None:
    """The free w×h spot nearest to the anchor: no overlap with anything drawn.

    Candidates lie on an 8 px grid, tried nearest first. The inner test works on plain
    tuples: it runs for thousands of candidates and is the hot loop of composition.
    """
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
    fallback = None
    for _, _, x, y in sorted(candidates):
        x1, y1 = x + w, y + h
        if any(bx0 < x1 and x < bx1 and by0 < y1 and y < by1
               for bx0, by0, bx1, by1 in blockers):
            continue
        rect = Rect(x, y, w, h).inflate(3)
        if any(polyline_hits_rect(line, rect, bounds) for line, bounds in polylines):
            continue
        start, tip = _pointer(Rect(x, y, w, h), anchor)
        if any(other is not anchor and segment_hits_rect(start, tip, other.inflate(-2))
               for other in taken):
            # Its pointer would cross a label, a box or another note: keep looking, but
            # remember the nearest such spot in case nothing better exists.
            fallback = fallback or ((round(x, 2), round(y, 2)), False)
            continue
        return ((round(x, 2), round(y, 2)), True)
    return fallback


def _pointer(note: Rect, anchor: Rect) -> tuple[Point, Point]:
    """A short line from the note's nearest edge towards the anchor's nearest edge."""
    nx = min(max(anchor.center[0], note.x), note.right)
    ny = min(max(anchor.center[1], note.y), note.bottom)
    tx = min(max(nx, anchor.x), anchor.right)
    ty = min(max(ny, anchor.y), anchor.bottom)
    return ((round(nx, 2), round(ny, 2)), (round(tx, 2), round(ty, 2)))
