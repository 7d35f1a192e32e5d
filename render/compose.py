"""Compose a flow into a :class:`~inkproof.render.scene.Scene` that fits the canvas.

The canvas is a header (title, subtitle), the diagram (lanes, boxes, arrows, laid out by
Graphviz on measured sizes) and a footer (numbered legend beside strategies and notes).
Callouts are sticky notes placed in free space next to what they annotate. When the diagram
does not fit, everything in it shrinks together — never below the readable minimum.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from inkproof.errors import InkproofError
from inkproof.i18n.messages import CHROME
from inkproof.labels import Label, Span
from inkproof.model import Arrow, Flow
from inkproof.render import graphviz_layout as gv
from inkproof.render.check import Finding, check
from inkproof.render.geometry import (
    Point,
    Rect,
    cubic_points,
    polyline_hits_rect,
    segment_hits_rect,
)
from inkproof.render.report import diagram_elements
from inkproof.render.scene import (
    ArrowShape,
    Badge,
    BoxShape,
    LaneShape,
    LegendShape,
    NoteShape,
    PlacedText,
    Scene,
)
from inkproof.render.text import GlyphMissing, TextBlock, TextStyle, layout_text
from inkproof.render.theme import MIN_TEXT_PX, Theme

#: Looks up the text of an element in the language being drawn: (context, English) → label.
Translate = Callable[[str, Label], Label]

class LayoutError(InkproofError):
    """The flow cannot be drawn legibly on the canvas; names what is in the way."""


def _chrome(key: str) -> tuple[str, Label]:
    """A word the picture adds (like "Legend"), keyed for translation like spec text."""
    text = CHROME[key]
    return key, Label(text, (Span(text),))


@dataclass(frozen=True)
class _Measured:
    """Everything measured for one diagram scale, ready for Graphviz."""

    theme: Theme
    box_width: float
    box_heights: dict[str, float]  # boxes of one row share the row's tallest height
    boxes: dict[str, tuple[PlacedText, PlacedText, float]]  # name, role (relative), icon
    labels: dict[str, tuple[PlacedText, tuple[int, ...], float, float]]  # text, badges, w, h
    lanes: dict[str, tuple[PlacedText, PlacedText | None, float, float]]


def compose(flow: Flow, theme: Theme, size: tuple[int, int],
            translate: Translate | None = None, stamp: str | None = None) -> Scene:
    """Lay the whole flow out on a canvas of ``size`` pixels; ``stamp`` ("verified" or
    "unverified") adds the verification stamp of a published picture to the footer."""
    tr: Translate = translate or (lambda _context, label: label)
    width, height = size
    base = theme
    m = base.sizes.margin
    # ---- header -------------------------------------------------------------------------
    title = PlacedText("title", lay_label(tr, ("flow.title", flow.title),
                                            base.style(base.sizes.title, bold=True),
                                            width - 2 * m), m, m - 6)
    bottom = title.rect.bottom
    subtitle = None
    if flow.subtitle:
        subtitle = PlacedText("subtitle", lay_label(tr, ("flow.subtitle", flow.subtitle),
            base.style(base.sizes.subtitle, color=base.palette.muted), width - 2 * m),
            m, bottom + 2)
        bottom = subtitle.rect.bottom
    free = width - 2 * m - max(title.block.width, subtitle.block.width if subtitle else 0) - 24
    header_notes = _header_notes(flow, base, tr, width - m, m - 4, min(free, 360))
    if header_notes and free < 200:  # no room beside the title: stack them under it
        header_notes = _header_notes(flow, base, tr, width - m, bottom + 6, width - 2 * m)
    bottom = max([bottom, *(n.rect.bottom for n in header_notes)])
    header_bottom = bottom + 10
    # ---- footer -------------------------------------------------------------------------
    footer = _footer(flow, base, tr, width)
    footer_height = max((r.bottom for r in footer.rects()), default=0.0)
    footer_top = height - m - footer_height
    area = Rect(m, header_bottom, width - 2 * m, footer_top - 12 - header_bottom)
    if area.h < 200:
        raise LayoutError(f"the header and footer leave only {area.h:.0f} px for the diagram "
                          f"on a {width}×{height} canvas — use a larger --size")
    # ---- diagram ------------------------------------------------------------------------
    # Badges hold one or two digits in a disc; they stay legible smaller than words.
    smallest = min(base.sizes.box_role, base.sizes.arrow_label,
                   base.sizes.lane_caption) * base.script.scale
    best: tuple[int, _Placed] | None = None
    floor = MIN_TEXT_PX / smallest
    guess = _first_guess(flow, base, tr, area)
    if guess < floor * 0.85:  # far too big: say so now rather than try every scale
        raise LayoutError(f"the diagram needs about {floor / guess:.1f}× the room of "
                          f"{area.w:.0f}×{area.h:.0f} px to keep text at {MIN_TEXT_PX:.0f} px "
                          "— use a larger --size or split the flow")
    for scale in _scales(floor, guess):
        for shape in _SHAPES:
            measured = _measure(flow, base.scaled(scale), tr, shape)
            for variant in _variants(measured.theme):
                layout = gv.run_dot(_graph_spec(flow, measured, variant))
                if layout.width > area.w or layout.height > area.h:
                    break  # a roomier variant will not fit either: try another shape
                placed = _relabel(flow, measured, _place(flow, measured, layout, area))
                conflicts = len(diagram_findings(placed))
                if best is None or conflicts < best[0]:
                    best = (conflicts, placed)
                if conflicts == 0:
                    break
            if best is not None:
                break
        if best is not None:
            break
    if best is None:
        raise LayoutError(f"the diagram does not fit in {area.w:.0f}×{area.h:.0f} px even "
                          f"with text at {MIN_TEXT_PX:.0f} px — use a larger --size")
    placed = best[1]
    notes_top = footer.translated(m, footer_top)
    obstacles = [*(b.rect for b in placed.boxes), *(a.label_rect for a in placed.arrows),
                 *(t.rect for lane in placed.lanes for t in (lane.title, lane.caption) if t)]
    polylines = [(line, Rect.around(line)) for line in
                 (cubic_points(a.controls) for a in placed.arrows)]
    anchors = _anchors(placed)
    callouts = _place_callouts(flow, base, tr, anchors, obstacles, polylines,
                               Rect(m, header_bottom, width - 2 * m, footer_top - header_bottom))
    stamped = (stamp_note(base, tr, stamp, width, height),) if stamp else ()
    return Scene(width, height, title, subtitle, placed.lanes, placed.boxes, placed.arrows,
                 notes_top.legend, (*callouts, *header_notes, *notes_top.notes, *stamped),
                 description=picture_description(flow, tr), panels=notes_top.panels)


def lay_label(tr: Translate, key: tuple[str, Label], style: TextStyle,
         max_width: float = float("inf")) -> TextBlock:
    """Translate and lay out one element's text; a missing glyph names the element."""
    context, label = key
    text = tr(context, label)
    try:
        return layout_text(text, style, max_width)
    except GlyphMissing as exc:
        raise GlyphMissing(exc.char, text.text, context) from None


def _first_guess(flow: Flow, theme: Theme, tr: Translate, area: Rect) -> float:
    """The scale at which the tightest layout would just fit (layouts scale ~linearly)."""
    measured = _measure(flow, theme, tr)
    layout = gv.run_dot(_graph_spec(flow, measured, next(iter(_variants(theme)))))
    return min(1.0, area.w / layout.width, area.h / layout.height)


#: Box-width and label-width factors tried at each scale before shrinking further: the
#: usual proportions, narrow ones for width-bound layouts (long CJK labels side by side),
#: wide ones for height-bound layouts (long role lines wrapping into tall boxes).
_SHAPES = ((1.0, 1.0), (0.95, 0.88), (1.08, 0.9), (0.9, 0.78), (1.16, 1.0))


def _scales(floor: float, start: float = 1.0) -> Iterable[float]:
    """Scales to try, largest first: from the first guess down to the readable floor."""
    scale = max(floor, min(1.0, int(start * 100 + 1e-6) / 100))
    while scale > floor + 1e-9:
        yield round(scale, 3)
        scale -= 0.02
    yield round(floor + 0.0005, 3)  # the readable minimum itself is the last chance


def _variants(theme: Theme) -> Iterable[tuple[float, float]]:
    """Spacing variants tried in order, tightest first; the first without conflicts wins."""
    s = theme.sizes
    for nodesep, ranksep in ((1.0, 1.0), (1.4, 1.0), (1.0, 1.6), (1.6, 1.6), (2.0, 2.2)):
        yield theme.px(s.nodesep * nodesep), theme.px(s.ranksep * ranksep)


# ---- measuring ------------------------------------------------------------------------


def _measure(flow: Flow, theme: Theme, tr: Translate,
             shape: tuple[float, float] = (1.0, 1.0)) -> _Measured:
    s, px = theme.sizes, theme.px
    pad, icon = px(s.box_padding), px(s.icon)
    box_w = round(px(s.box_width) * shape[0], 1)
    boxes: dict[str, tuple[PlacedText, PlacedText, float]] = {}
    inner: dict[str, float] = {}
    # Icon on the left, name and role in a column beside it: boxes stay short, which is
    # what a diagram of several rows on a square canvas runs out of first.
    text_x = pad + icon + px(8)
    text_w = box_w - text_x - pad
    for box in flow.boxes:
        name = lay_label(tr, (f"box.{box.id}.name", box.name),
                           theme.style(s.box_name, bold=True), text_w)
        role = lay_label(tr, (f"box.{box.id}.role", box.role),
                           theme.style(s.box_role, color=theme.palette.muted), text_w)
        boxes[box.id] = (PlacedText(f"box.{box.id}.name", name, text_x, pad),
                         PlacedText(f"box.{box.id}.role", role, text_x,
                                    pad + name.height + px(2)),
                         icon)
        inner[box.id] = max(icon, name.height + px(2) + role.height)
    row_of = rows(flow)
    tallest: dict[int, float] = {}
    for box_id, height in inner.items():
        tallest[row_of[box_id]] = max(tallest.get(row_of[box_id], 0.0), height)
    box_heights = {box_id: round(tallest[row_of[box_id]] + 2 * pad, 1) for box_id in inner}

    labels: dict[str, tuple[PlacedText, tuple[int, ...], float, float]] = {}
    badge_d = px(s.badge * 1.55)
    for arrow in flow.arrows:
        style = theme.style(s.arrow_label, color=theme.palette.ink)
        block = lay_label(tr, (f"arrow.{arrow.id}.label", arrow.label), style,
                            px(s.label_max_width) * shape[1])
        numbers = flow.legend_numbers(arrow.id)
        badges_w = len(numbers) * (badge_d + px(3))
        w = round(px(5) + badges_w + block.width + px(5), 1)
        h = round(max(block.height, badge_d) + px(4), 1)
        labels[arrow.id] = (PlacedText(f"arrow.{arrow.id}.label", block, px(5) + badges_w,
                                       (h - block.height) / 2), numbers, w, h)

    lanes: dict[str, tuple[PlacedText, PlacedText | None, float, float]] = {}
    lane_w = box_w
    for lane in flow.lanes:
        title = lay_label(tr, (f"lane.{lane.id}.title", lane.title),
                            theme.style(s.lane_title, bold=True, color=theme.palette.write),
                            lane_w)
        caption = None
        h = title.height
        w = title.width
        if lane.caption:
            block = lay_label(tr, (f"lane.{lane.id}.caption", lane.caption),
                                theme.style(s.lane_caption, color=theme.palette.muted), lane_w)
            caption = PlacedText(f"lane.{lane.id}.caption", block, 0, title.height + px(1))
            h += px(1) + block.height
            w = max(w, block.width)
        lanes[lane.id] = (PlacedText(f"lane.{lane.id}.title", title, 0, 0), caption,
                          round(w, 1), round(h + px(4), 1))
    return _Measured(theme, box_w, box_heights, boxes, labels, lanes)


# ---- graph ----------------------------------------------------------------------------


def rows(flow: Flow) -> dict[str, int]:
    """Row of each box: its distance from the flow's entry (the first arrow's source).

    Rows make every labelled arrow run between rows, where Graphviz reserves room for its
    label; lanes then stand side by side as columns. Boxes without arrows go one row below
    the last row of their lane.
    """
    neighbours: dict[str, set[str]] = collections.defaultdict(set)
    for arrow in flow.arrows:
        neighbours[arrow.source].add(arrow.target)
        neighbours[arrow.target].add(arrow.source)
    order = [box.id for box in flow.boxes]
    distance: dict[str, int] = {}
    for start in [flow.arrows[0].source] if flow.arrows else []:
        distance[start] = 0
        queue = collections.deque([start])
        while queue:
            node = queue.popleft()
            for other in sorted(neighbours[node], key=order.index):
                if other not in distance:
                    distance[other] = distance[node] + 1
                    queue.append(other)
    for box in flow.boxes:
        if box.id not in distance:
            lane_rows = [distance[b.id] for b in flow.boxes
                         if b.lane == box.lane and b.id in distance]
            distance[box.id] = max(lane_rows, default=-1) + 1
    return distance


def _graph_spec(flow: Flow, measured: _Measured, spacing: tuple[float, float]) -> gv.GraphSpec:
    row_of = rows(flow)
    return gv.GraphSpec(
        nodes=tuple(gv.NodeSpec(b.id, measured.box_width, measured.box_heights[b.id], b.lane,
                                row_of[b.id]) for b in flow.boxes),
        edges=tuple(gv.EdgeSpec(a.id, a.source, a.target, *measured.labels[a.id][2:])
                    for a in flow.arrows),
        clusters=tuple(gv.ClusterSpec(lane.id, *measured.lanes[lane.id][2:])
                       for lane in flow.lanes),
        nodesep=spacing[0], ranksep=spacing[1], cluster_margin=measured.theme.px(12))


# ---- placing the diagram --------------------------------------------------------------


@dataclass(frozen=True)
class _Placed:
    boxes: tuple[BoxShape, ...]
    arrows: tuple[ArrowShape, ...]
    lanes: tuple[LaneShape, ...]


def _shift_text(text: PlacedText, origin: Point) -> PlacedText:
    return PlacedText(text.id, text.block, round(text.x + origin[0], 2),
                      round(text.y + origin[1], 2))


def _place(flow: Flow, measured: _Measured, layout: gv.GraphLayout, area: Rect) -> _Placed:
    theme = measured.theme
    dx = round(area.x + (area.w - layout.width) / 2, 2)
    dy = round(area.y + max(0.0, (area.h - layout.height) / 2), 2)

    def at(point: Point) -> Point:
        return (round(point[0] + dx, 2), round(point[1] + dy, 2))

    boxes = []
    for box in flow.boxes:
        rect = layout.nodes[box.id].moved(dx, dy)
        name, role, _ = measured.boxes[box.id]
        pad, icon = theme.px(theme.sizes.box_padding), theme.px(theme.sizes.icon)
        boxes.append(BoxShape(box.id, rect, box.icon.value,
                              Rect(rect.x + pad, rect.y + pad, icon, icon),
                              _shift_text(name, (rect.x, rect.y)),
                              _shift_text(role, (rect.x, rect.y)), box.optional))
    arrows = [_arrow_shape(arrow, measured, tuple(at(p) for p in layout.edges[arrow.id].controls),
                           tuple(at(p) for p in layout.edges[arrow.id].head),
                           layout.edges[arrow.id].label.moved(dx, dy))
              for arrow in flow.arrows]
    lanes = []
    # Lanes are drawn as full-height columns that tile the diagram's width, whatever rows
    # their boxes occupy: the gap between two clusters is split between them.
    # Tiled in the order Graphviz placed them (it keeps the spec's order when it can).
    columns = sorted(((lane, layout.clusters[lane.id]) for lane in flow.lanes
                      if lane.id in layout.clusters), key=lambda item: item[1].x)
    top = min((c.y for _, c in columns), default=0.0)
    bottom = max((c.bottom for _, c in columns), default=0.0)
    for position, (lane, column) in enumerate(columns):
        left = column.x if position == 0 else (columns[position - 1][1].right + column.x) / 2
        right = (column.right if position == len(columns) - 1
                 else (column.right + columns[position + 1][1].x) / 2)
        rect = Rect(round(left, 2), top, round(right - left, 2), bottom - top).moved(dx, dy)
        index = flow.lanes.index(lane)
        label = layout.cluster_labels[lane.id].moved(dx, dy)
        title, caption, _, _ = measured.lanes[lane.id]
        # The header band is reserved for headers alone: align them with the lane's left edge.
        label = Rect(rect.x + theme.px(12), rect.y + (label.y - dy - column.y), label.w, label.h)
        lanes.append(LaneShape(lane.id, rect, _shift_text(title, (label.x, label.y)),
                               _shift_text(caption, (label.x, label.y)) if caption else None,
                               index))
    return _Placed(tuple(boxes), tuple(arrows), tuple(lanes))


def _arrow_shape(arrow: Arrow, measured: _Measured, controls: tuple[Point, ...],
                 head: tuple[Point, ...], rect: Rect) -> ArrowShape:
    """An arrow with its label chip at ``rect`` (badges first, then the text)."""
    theme = measured.theme
    text, numbers, _, h = measured.labels[arrow.id]
    radius = theme.px(theme.sizes.badge * 1.55) / 2
    badges = tuple(
        _badge(f"arrow.{arrow.id}.badge.{n}", n,
               (rect.x + theme.px(5) + radius + i * (2 * radius + theme.px(3)), rect.y + h / 2),
               radius, arrow.path, theme)
        for i, n in enumerate(numbers))
    return ArrowShape(arrow.id, arrow.path, controls, head, rect,
                      _shift_text(text, (rect.x, rect.y)), badges, arrow.optional)


def _relabel(flow: Flow, measured: _Measured, placed: _Placed) -> _Placed:
    """Slide labels that an arrow crosses (or that overlap) along their own arrow.

    Graphviz reserves room for every label but still lets parallel edges run through each
    other's labels; a label may sit anywhere beside its own curve, so try nearby spots.
    """
    arrows = list(placed.arrows)
    for _ in range(2):
        conflicted = _labels_in_conflict(_Placed(placed.boxes, tuple(arrows), placed.lanes))
        if not conflicted:
            break
        for index, shape in enumerate(arrows):
            if shape.id not in conflicted:
                continue
            others = [a for a in arrows if a.id != shape.id]
            spot = _label_spot(shape, others, placed)
            if spot is not None:
                arrows[index] = _arrow_shape(flow.arrow(shape.id), measured, shape.controls,
                                             shape.head, spot)
    return _Placed(placed.boxes, tuple(arrows), placed.lanes)


def _label_spot(shape: ArrowShape, others: list[ArrowShape], placed: _Placed) -> Rect | None:
    line = cubic_points(shape.controls, steps=10)
    w, h = shape.label_rect.w, shape.label_rect.h
    other_lines = [(line, Rect.around(line)) for line in
                   (cubic_points(a.controls) for a in others)]
    blocked = [*(a.label_rect.inflate(2) for a in others),
               *(b.rect.inflate(2) for b in placed.boxes),
               *(t.rect for lane in placed.lanes for t in (lane.title, lane.caption) if t)]
    n = len(line)
    order = sorted(range(n // 8, n - n // 8), key=lambda i: abs(i - n / 2))
    spots = [(i, gap) for gap in (4.0, 16.0, 30.0) for i in order]  # close to the curve first
    for i, gap in spots:
        x, y = line[i]
        # Beside the curve, or on it (the chip masks its own line, a common convention).
        for rect in (Rect(x + gap, y - h / 2, w, h), Rect(x - w - gap, y - h / 2, w, h),
                     Rect(x - w / 2, y - h - gap, w, h), Rect(x - w / 2, y + gap, w, h),
                     Rect(x - w / 2, y - h / 2, w, h)):
            if any(rect.intersects(b) for b in blocked):
                continue
            if any(polyline_hits_rect(other, rect.inflate(1), bounds)
                   for other, bounds in other_lines):
                continue
            return Rect(round(rect.x, 2), round(rect.y, 2), w, h)
    return None


def _badge(badge_id: str, number: int, center: Point, radius: float, path: str,
           theme: Theme) -> Badge:
    block = layout_text(str(number), theme.style(theme.sizes.badge, bold=True,
                                                 color=theme.palette.badge_text))
    return Badge(badge_id, number, (round(center[0], 2), round(center[1], 2)), radius, path,
                 PlacedText(badge_id + ".text", block, round(center[0] - block.width / 2, 2),
                            round(center[1] - block.height / 2 + radius * 0.08, 2)))


# ---- conflicts ------------------------------------------------------------------------


def diagram_findings(placed: _Placed) -> list[Finding]:
    """Legibility findings of the diagram alone (the same checker the final picture meets)."""
    return check(diagram_elements(placed.boxes, placed.arrows, placed.lanes))


def _labels_in_conflict(placed: _Placed) -> set[str]:
    """Ids of arrows whose label is crossed, or overlaps something, in the diagram."""
    items = {e.id: e for e in diagram_elements(placed.boxes, placed.arrows, placed.lanes)}
    arrows: set[str] = set()
    for finding in diagram_findings(placed):
        for element_id in finding.elements:
            element = items.get(element_id)
            if element is None or not element.owner.startswith("arrow."):
                continue
            if element.kind == "arrow" and finding.kind != "arrow-crosses-box":
                continue  # the crossing arrow is fine; the label it crosses moves
            arrows.add(element.owner[len("arrow."):])
    return arrows


# ---- callouts -------------------------------------------------------------------------


def _anchors(placed: _Placed) -> dict[str, Rect]:
    anchors = {box.id: box.rect for box in placed.boxes}
    anchors.update({arrow.id: arrow.label_rect for arrow in placed.arrows})
    anchors.update({lane.id: lane.title.rect for lane in placed.lanes})
    return anchors


def _place_callouts(flow: Flow, theme: Theme, tr: Translate, anchors: dict[str, Rect],
                    obstacles: list[Rect], polylines: list[tuple[list[Point], Rect]],
                    region: Rect) -> list[NoteShape]:
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


# ---- footer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Footer:
    legend: LegendShape | None
    notes: tuple[NoteShape, ...]
    panels: tuple[tuple[str, Rect, PlacedText], ...]

    def rects(self) -> list[Rect]:
        rects = [n.rect for n in self.notes] + [p[1] for p in self.panels]
        return rects + ([self.legend.rect] if self.legend else [])

    def translated(self, dx: float, dy: float) -> _Footer:
        def text(t: PlacedText) -> PlacedText:
            return PlacedText(t.id, t.block, round(t.x + dx, 2), round(t.y + dy, 2))

        def badge(b: Badge) -> Badge:
            return Badge(b.id, b.number, (round(b.center[0] + dx, 2), round(b.center[1] + dy, 2)),
                         b.radius, b.path, text(b.text))

        legend = None
        if self.legend:
            legend = LegendShape(self.legend.rect.moved(dx, dy), text(self.legend.heading),
                                 tuple(badge(b) for b in self.legend.badges),
                                 tuple(text(t) for t in self.legend.items))
        notes = tuple(NoteShape(n.id, n.kind, n.rect.moved(dx, dy), text(n.text),
                                None, text(n.heading) if n.heading else None)
                      for n in self.notes)
        panels = tuple((kind, rect.moved(dx, dy), text(t)) for kind, rect, t in self.panels)
        return _Footer(legend, notes, panels)


def _footer(flow: Flow, theme: Theme, tr: Translate, width: float) -> _Footer:
    """The legend across the full width (two columns when long), then the strategies as
    one row of chips. Coordinates are relative to the footer's top-left corner.
    """
    s = theme.sizes
    inner = width - 2 * s.margin
    legend = _legend(flow, theme, tr, inner) if flow.legend else None
    return _strategies(flow, theme, tr, inner, legend)


def stamp_note(theme: Theme, tr: Translate, stamp: str, width: float, height: float) -> NoteShape:
    """The small "verified against a running system" stamp (or its warning twin) of a
    published picture: one short line at the right of the bottom margin, so it takes no
    room from the diagram."""
    verified = stamp == "verified"
    colour = theme.palette.write if verified else theme.palette.caution_stroke
    block = lay_label(tr, _chrome("chrome.verified" if verified else "chrome.unverified"),
                 theme.style(max(theme.sizes.note - 3, MIN_TEXT_PX / theme.script.scale + 0.2),
                             color=colour),
                 width - 2 * theme.sizes.margin)
    m = theme.sizes.margin
    w, h = block.width + 22, block.height
    rect = Rect(round(width - m - w, 2), round(height - h - 3, 2), round(w, 2), round(h, 2))
    return NoteShape("stamp", f"stamp-{stamp}", rect,
                     PlacedText("stamp.text", block, rect.x + 22, rect.y))


def _strategies(flow: Flow, theme: Theme, tr: Translate, inner: float,
                legend: LegendShape | None) -> _Footer:
    s = theme.sizes
    if not flow.strategies:
        return _Footer(legend, (), ())
    y = legend.rect.bottom + 6 if legend else 0.0
    heading = PlacedText("strategies.heading", lay_label(tr, _chrome("chrome.strategies"),
        theme.style(s.note, bold=True, color=theme.palette.muted)), 12, y + 8)
    chip_x, chip_y = heading.rect.right + 12, y + 4
    row_bottom = chip_y
    notes = []
    for strategy in flow.strategies:
        block = lay_label(tr, (f"strategy.{strategy.id}.name", strategy.name),
                            theme.style(s.note, bold=True, color=theme.palette.write),
                            inner - 40)
        w, h = block.width + 16, block.height + 8
        if chip_x + w > inner - 6:  # wrap under the first chip
            chip_x = heading.rect.right + 12
            chip_y = row_bottom + 6
        rect = Rect(chip_x, chip_y, w, h)
        notes.append(NoteShape(f"strategy.{strategy.id}", "strategy", rect,
                               PlacedText(f"strategy.{strategy.id}.name", block,
                                          rect.x + 8, rect.y + 4)))
        row_bottom = max(row_bottom, rect.bottom)
        chip_x += w + 8
    panel = Rect(0, y, inner, row_bottom + 4 - y)
    return _Footer(legend, tuple(notes), (("strategies", panel, heading),))


def _header_notes(flow: Flow, theme: Theme, tr: Translate, right: float, top: float,
                  free_width: float) -> list[NoteShape]:
    """Caution notes and notes without an anchor, stacked at the header's right."""
    notes = []
    y = top
    for note in (n for n in flow.notes if n.kind == "caution" or not n.near):
        style = theme.style(theme.sizes.note - 0.5, bold=note.kind == "highlight",
                            color=theme.palette.muted if note.kind == "caution"
                            else theme.palette.ink)
        block = lay_label(tr, (f"note.{note.id}.text", note.text), style, free_width - 44)
        w, h = block.width + 44, block.height + 14
        rect = Rect(round(right - w, 2), round(y, 2), round(w, 2), round(h, 2))
        notes.append(NoteShape(f"{note.kind}.{note.id}", note.kind, rect,
                               PlacedText(f"{note.kind}.{note.id}.text", block,
                                          rect.x + 34, rect.y + 7)))
        y = rect.bottom + 6
    return notes


def _legend(flow: Flow, theme: Theme, tr: Translate, inner: float) -> LegendShape:
    """Numbered steps with their badges; long legends flow into two columns."""
    s, px = theme.sizes, theme.px
    heading = PlacedText("legend.heading", lay_label(tr, _chrome("chrome.legend"),
        theme.style(s.legend_heading, bold=True)), 12, 6)
    radius = px(s.badge * 1.6) / 2
    columns = 2 if len(flow.legend) >= 5 else 1
    per_column = -(-len(flow.legend) // columns)
    column_w = (inner - 24 - 16 * (columns - 1)) / columns
    top = heading.rect.bottom + 4
    badges, items = [], []
    bottom = top
    for index, step in enumerate(flow.legend):
        column, row = divmod(index, per_column)
        if row == 0:
            y = top
        x = 12 + column * (column_w + 16)
        block = lay_label(tr, (f"legend.{step.n}.text", step.text), theme.style(s.legend_item),
                            column_w - 2 * radius - 8)
        middle = y + block.ascent - block.size * 0.32
        badges.append(_badge(f"legend.{step.n}.badge", step.n, (x + radius, middle), radius,
                             flow.arrow(step.arrows[0]).path, theme))
        items.append(PlacedText(f"legend.{step.n}.text", block, x + 2 * radius + 8, y))
        y += max(block.height, 2 * radius + 2) + 3  # badges of short lines must not touch
        bottom = max(bottom, y)
    return LegendShape(Rect(0, 0, inner, bottom + 6), heading, tuple(badges), tuple(items))


def picture_description(flow: Flow, tr: Translate) -> str:
    """The image's long description (SVG <desc>, alt text): the legend, in order."""
    parts = [tr("flow.title", flow.title).text + "."]
    parts += [f"{step.n}. {tr(f'legend.{step.n}.text', step.text).text}" for step in flow.legend]
    return " ".join(parts)
