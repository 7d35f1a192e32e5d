"""Place callouts and highlight notes: sticky notes in free space beside what they annotate.

Each note goes to the free spot nearest its anchor (a box, an arrow label or a lane
header), never over anything drawn, with a short pointer that crosses nothing if it can.
"""

from __future__ import annotations

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
from inkproof.render.measure import MeasuredNote
from inkproof.render.place import Placed, header_rects
from inkproof.render.scene import NoteShape, PlacedText
from inkproof.render.theme import Theme


def place_callouts(flow: Flow, theme: Theme, placed: Placed, region: Rect
                   ) -> list[NoteShape]:
    """Every callout and anchored highlight of the flow, in the spec's order, in ``region``.

    A note goes to the room the layout kept for it beside its box or under its arrow's
    label when that room is clear, else to the nearest free spot."""
    obstacles = [*(b.rect for b in placed.boxes), *(a.label_rect for a in placed.arrows),
                 *header_rects(placed)]
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
    pending = list(placed.notes)
    # Placement is greedy, so order matters: when the spec's order leaves a pointer
    # crossing something, the reverse order (or another note first) often does not.
    best: tuple[list[NoteShape], int] | None = None
    orders = [pending, pending[::-1]]
    orders += [pending[i:] + pending[:i] for i in range(1, min(len(pending), 5))]
    for order in orders:
        notes, compromised = _place_in_order(order, theme, anchors, obstacles, polylines,
                                             lanes, region, by_arrow, _crossable(flow),
                                             placed.room)
        if best is None or compromised < best[1]:
            best = (notes, compromised)
        if compromised == 0:
            break
    assert best is not None
    rank = {note.id: i for i, note in enumerate(pending)}
    return sorted(best[0], key=lambda note: rank[note.id])


def _place_in_order(pending: list[MeasuredNote], theme: Theme,
                    anchors: dict[str, tuple[Rect, ...]], obstacles: list[Rect],
                    polylines: list[tuple[list[Point], Rect]], lanes: list[Rect],
                    region: Rect, by_arrow: dict[str, tuple[list[Point], Rect]],
                    crossable: dict[str, tuple[str, ...]], room: dict[str, Rect]
                    ) -> tuple[list[NoteShape], int]:
    """Notes placed one by one; also returns how many pointers had to cross something."""
    placed: list[NoteShape] = []
    taken = list(obstacles)
    lines = list(polylines)
    compromised = 0
    for note in pending:
        own = crossable.get(note.near, ())
        own_lines = {id(by_arrow[arrow_id]) for arrow_id in own}
        pointer_lines = [line for line in lines if id(line) not in own_lines]
        found = _kept_spot(room.get(note.id), anchors[note.near], taken, lines, lanes,
                           region, pointer_lines)
        found = found or _free_spot(anchors[note.near], note.w, note.h, taken, lines, lanes,
                                    region, pointer_lines)
        if found is None:
            raise LayoutError(f"no free room for the {note.kind} '{note.id.split('.', 1)[1]}'"
                              f" near '{note.near}' — shorten its text or use a larger --size")
        spot, clean, target = found
        compromised += not clean
        rect = Rect(spot[0], spot[1], note.w, note.h)
        pointer = _pointer(rect, target)
        taken.append(rect.inflate(theme.px(6)))
        lines.append((list(pointer), Rect.around(pointer)))  # later notes keep off it
        placed.append(NoteShape(note.id, note.kind, rect,
                                PlacedText(f"{note.id}.text", note.text, rect.x + note.text_x,
                                           rect.y + note.pad), pointer, crosses=own))
    return placed, compromised


def _kept_spot(spot: Rect | None, targets: tuple[Rect, ...], taken: list[Rect],
               polylines: list[tuple[list[Point], Rect]], lanes: list[Rect], region: Rect,
               pointer_lines: list[tuple[list[Point], Rect]]
               ) -> tuple[Point, bool, Rect] | None:
    """The room the layout kept for the note, or a spot a few pixels from it (into its
    lane, off a line that runs along its edge), when nothing else is in it."""
    if spot is None:
        return None
    for rect in _nudged(spot, lanes):
        if not region.contains(rect) or any(rect.inflate(2).intersects(o) for o in taken):
            continue
        if any(straddles(rect.inflate(3), lane) for lane in lanes):
            continue
        if any(polyline_hits_rect(line, rect.inflate(2), bounds) for line, bounds in polylines):
            continue
        near = tuple(t for t in targets[1:] if _gap(rect, t) < POINTER_MAX)
        target = min(targets[:1] + near, key=lambda t: _gap(rect, t))
        if _clear(rect, target, taken, pointer_lines):
            return ((round(rect.x, 2), round(rect.y, 2)), True, target)
    return None


def _nudged(spot: Rect, lanes: list[Rect]) -> list[Rect]:
    """``spot``, then moved inside each lane it overlaps, then shifted by a few pixels."""
    inside = []
    for lane in lanes:
        if spot.intersects(lane) and spot.w + 12 <= lane.w:
            x = min(max(spot.x, lane.x + 6), lane.right - 6 - spot.w)
            inside.append(Rect(round(x, 2), spot.y, spot.w, spot.h))
    shifts = [(dx, dy) for d in (6.0, 12.0, 20.0) for dx, dy in
              ((d, 0.0), (-d, 0.0), (0.0, d), (0.0, -d))]
    return [spot, *inside, *(r.moved(dx, dy) for r in (spot, *inside) for dx, dy in shifts)]


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
