"""Place the measured diagram on the canvas from an engine's layout: boxes, lanes, arrows.

Arrow labels become chips (legend badges, then the text) at the spot the engine reserved;
a label that an arrow still crosses slides along its own arrow to a free spot.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field

from inkproof.model import Arrow, Flow, Lane
from inkproof.render.check import Finding, check
from inkproof.render.geometry import Point, Rect, cubic_points, polyline_hits_rect, straddles
from inkproof.render.layout import (
    NOTE_GAP,
    NOTE_NODE,
    GraphLayout,
    cluster_order,
    notes_by_anchor,
)
from inkproof.render.measure import Measured, MeasuredLabel, MeasuredNote
from inkproof.render.ports import spread_ports
from inkproof.render.report import diagram_elements
from inkproof.render.scene import ArrowShape, Badge, BoxShape, LaneShape, PlacedText
from inkproof.render.text import layout_text
from inkproof.render.theme import Theme
from inkproof.render.transform import Move, transform


@dataclass(frozen=True)
class Placed:
    """The diagram part of a scene, in canvas pixels."""

    boxes: tuple[BoxShape, ...]
    arrows: tuple[ArrowShape, ...]
    lanes: tuple[LaneShape, ...]
    notes: tuple[MeasuredNote, ...] = ()  # measured with the diagram, placed by callouts
    room: dict[str, Rect] = field(default_factory=dict)  # note id → the spot kept for it


def place(flow: Flow, measured: Measured, layout: GraphLayout, area: Rect) -> Placed:
    """The diagram centred in ``area`` (and at its top when it is taller than ``area``)."""
    placed = _arrange(flow, measured, layout, area)
    placed = dataclasses.replace(placed, arrows=spread_ports(placed.arrows, placed.boxes))
    return _labels_outside(flow, measured, layout.direction, area,
                           _relabel(flow, measured, placed))


def _arrange(flow: Flow, measured: Measured, layout: GraphLayout, area: Rect) -> Placed:
    theme = measured.theme
    dx = round(area.x + (area.w - layout.width) / 2, 2)
    dy = round(area.y + max(0.0, (area.h - layout.height) / 2), 2)
    onto = Move(dx, dy)
    boxes = []
    for box in flow.boxes:
        rect = layout.nodes[box.id].moved(dx, dy)
        inside = Move(rect.x, rect.y)
        measured_box = measured.boxes[box.id]
        pad, icon = theme.px(theme.sizes.box_padding), theme.px(theme.sizes.icon)
        boxes.append(BoxShape(box.id, rect, _icon_name(box.icon),
                              Rect(rect.x + pad, rect.y + pad, icon, icon),
                              inside.text(measured_box.name), inside.text(measured_box.role),
                              box.optional))
    arrows = []
    room = {note_id: rect.moved(dx, dy) for note_id, rect in _note_nodes(layout).items()}
    by_anchor = notes_by_anchor(measured)
    for arrow in flow.arrows:
        edge = transform(layout.edges[arrow.id], onto)
        chip, spots = _split_block(edge.label, measured.labels[arrow.id],
                                   by_anchor.get(arrow.id, ()), theme.px(NOTE_GAP),
                                   cubic_points(edge.controls, steps=6))
        arrows.append(arrow_shape(arrow, measured, edge.controls, edge.head, chip))
        room.update(spots)
    lanes = []
    for lane, cluster, tile in _lane_tiles(flow, layout):
        rect = tile.moved(dx, dy)
        label = layout.cluster_labels[lane.id]
        header = measured.lanes[lane.id]
        # The headers' rank is reserved for headers alone: in TB they stay in that row and
        # align with the lane's left edge; in LR they stay in that column, at the band's top.
        if layout.direction == "TB":
            label = Rect(rect.x + theme.px(12), rect.y + (label.y - cluster.y), label.w, label.h)
        else:
            label = Rect(rect.x + (label.x - cluster.x), rect.y + theme.px(12), label.w, label.h)
        inside = Move(label.x, label.y)
        lanes.append(LaneShape(lane.id, rect, inside.text(header.title),
                               transform(header.caption, inside), flow.lanes.index(lane)))
    return Placed(tuple(boxes), tuple(arrows), tuple(lanes), measured.notes, room)


def _note_nodes(layout: GraphLayout) -> dict[str, Rect]:
    """Where the engine kept room for notes beside their boxes, by note id."""
    return {node_id[len(NOTE_NODE):]: rect for node_id, rect in layout.nodes.items()
            if node_id.startswith(NOTE_NODE)}


def _split_block(block: Rect, label: MeasuredLabel, notes: tuple[MeasuredNote, ...],
                 gap: float, line: list[Point]) -> tuple[Rect, dict[str, Rect]]:
    """An arrow's label chip and the spots of its notes inside the block the engine kept
    beside the arrow: the chip at the end and the side of the block nearest the arrow's
    line, the notes stacked after it, ``gap`` apart."""
    if not notes:
        return block, {}
    cx, cy = block.center
    near_x, near_y = min(line, key=lambda p: (p[0] - cx) ** 2 + (p[1] - cy) ** 2)
    rows = [(label.w, label.h), *((note.w, note.h) for note in notes)]
    if near_y > cy:  # the line passes nearer the block's bottom: the chip goes last
        rows.reverse()
    rects, y = [], block.y
    for w, h in rows:
        x = block.right - w if near_x > cx else block.x
        rects.append(Rect(round(x, 2), round(y, 2), w, h))
        y += h + gap
    if near_y > cy:
        rects.reverse()
    return rects[0], {note.id: rect for note, rect in zip(notes, rects[1:], strict=True)}


def _lane_tiles(flow: Flow, layout: GraphLayout) -> list[tuple[Lane, Rect, Rect]]:
    """Each lane, its cluster and the tile it is drawn as (layout coordinates).

    Lanes tile the whole diagram whatever ranks their boxes occupy: full-height columns
    side by side in TB, full-width bands stacked top down in LR; the gap between two
    clusters is split between them. Tiled in the order the engine drew them, which the
    engine guarantees is the spec's.
    """
    lane_of = {lane.id: lane for lane in flow.lanes}
    clusters = [(lane_of[c], layout.clusters[c]) for c in cluster_order(layout) if c in lane_of]
    if not clusters:
        return []
    across = layout.direction == "TB"  # tiles run across the ranks: along x in TB, y in LR

    def span(rect: Rect) -> tuple[float, float]:
        return (rect.x, rect.right) if across else (rect.y, rect.bottom)

    spans = [span(c) for _, c in clusters]
    cuts = [spans[0][0], *((a[1] + b[0]) / 2 for a, b in itertools.pairwise(spans)),
            spans[-1][1]]
    rects = [c for _, c in clusters]
    low = min(r.y for r in rects) if across else min(r.x for r in rects)
    high = max(r.bottom for r in rects) if across else max(r.right for r in rects)
    tiles = []
    for (lane, cluster), start, end in zip(clusters, cuts, cuts[1:], strict=False):
        start, end = round(start, 2), round(end, 2)
        tile = (Rect(start, low, round(end - start, 2), high - low) if across
                else Rect(low, start, high - low, round(end - start, 2)))
        tiles.append((lane, cluster, tile))
    return tiles


def _icon_name(icon: object) -> str:
    """The icon's name (a model Icon enum member, or already its name)."""
    return str(getattr(icon, "value", icon))


def arrow_shape(arrow: Arrow, measured: Measured, controls: tuple[Point, ...],
                head: tuple[Point, ...], rect: Rect) -> ArrowShape:
    """An arrow with its label chip at ``rect`` (badges first, then the text)."""
    theme = measured.theme
    label = measured.labels[arrow.id]
    radius = theme.px(theme.sizes.badge * 1.55) / 2
    badges = tuple(
        badge(f"arrow.{arrow.id}.badge.{n}", n,
              (rect.x + theme.px(5) + radius + i * (2 * radius + theme.px(3)),
               rect.y + label.h / 2), radius, arrow.path, theme)
        for i, n in enumerate(label.badges))
    return ArrowShape(arrow.id, arrow.path, controls, head, rect,
                      Move(rect.x, rect.y).text(label.text), badges, arrow.optional)


def badge(badge_id: str, number: int, center: Point, radius: float, path: str,
          theme: Theme) -> Badge:
    """A legend number in a disc coloured by its path (on an arrow or in the legend)."""
    block = layout_text(str(number), theme.style(theme.sizes.badge, bold=True,
                                                 color=theme.palette.badge_text))
    return Badge(badge_id, number, (round(center[0], 2), round(center[1], 2)), radius, path,
                 PlacedText(badge_id + ".text", block, round(center[0] - block.width / 2, 2),
                            round(center[1] - block.height / 2 + radius * 0.08, 2)))


def _relabel(flow: Flow, measured: Measured, placed: Placed) -> Placed:
    """Slide labels that an arrow crosses (or that overlap) along their own arrow.

    The engine reserves room for every label but may still let parallel edges run through
    each other's labels; a label may sit anywhere beside its own curve, so try nearby spots.
    """
    arrows = list(placed.arrows)
    for _ in range(2):
        conflicted = _labels_in_conflict(dataclasses.replace(placed, arrows=tuple(arrows)))
        if not conflicted:
            break
        for index, shape in enumerate(arrows):
            if shape.id not in conflicted:
                continue
            others = [a for a in arrows if a.id != shape.id]
            spot = _label_spot(shape, others, placed)
            if spot is not None:
                arrows[index] = arrow_shape(flow.arrow(shape.id), measured, shape.controls,
                                            shape.head, spot)
    return dataclasses.replace(placed, arrows=tuple(arrows))


def _labels_outside(flow: Flow, measured: Measured, direction: str, area: Rect,
                    placed: Placed) -> Placed:
    """Labels of arrows running side by side between the same two boxes go on the outer
    side of the bundle: the engine puts every label on one side of its arrow, so the label
    of the first arrow would stand between the two, as close to the other one as to its own.
    """
    across = 0 if direction == "TB" else 1  # the bundle's arrows lie side by side along x (TB)
    groups: dict[frozenset[str], list[ArrowShape]] = {}
    for shape in placed.arrows:
        arrow = flow.arrow(shape.id)
        if arrow.source != arrow.target:
            groups.setdefault(frozenset((arrow.source, arrow.target)), []).append(shape)
    arrows = {shape.id: shape for shape in placed.arrows}
    for bundle in (g for g in groups.values() if len(g) > 1):
        first = min(bundle, key=lambda s: _middle(s)[across])
        rect = first.label_rect
        if any(note.near == first.id for note in placed.notes):
            continue  # it carries a note, whose room is kept under its label
        # Where its own line runs level with the label (across the bundle's axis).
        along = 1 - across
        low, high = (rect.y, rect.bottom) if across == 0 else (rect.x, rect.right)
        beside = [p[across] for p in cubic_points(first.controls, steps=16)
                  if low <= p[along] <= high] or [_middle(first)[across]]
        start, size = (rect.x, rect.w) if across == 0 else (rect.y, rect.h)
        if start < max(beside):
            continue  # already on the outer side
        gap = start - max(beside)
        flipped = round(min(beside) - gap - size, 2)
        moved = (Rect(flipped, rect.y, rect.w, rect.h) if across == 0
                 else Rect(rect.x, flipped, rect.w, rect.h))
        home = [lane.rect for lane in placed.lanes if lane.rect.contains(rect)]
        if not area.contains(moved) or any(straddles(moved, lane) for lane in home):
            continue  # it would leave the diagram, or its lane
        others = [a for a in arrows.values() if a.id != first.id]
        if _label_obstacles(others, placed, *placed.room.values()).clear(moved):
            arrows[first.id] = arrow_shape(flow.arrow(first.id), measured, first.controls,
                                           first.head, moved)
    return dataclasses.replace(placed, arrows=tuple(arrows[a.id] for a in placed.arrows))


def _middle(shape: ArrowShape) -> Point:
    line = cubic_points(shape.controls, steps=8)
    return line[len(line) // 2]


@dataclass(frozen=True)
class _Obstacles:
    """What a label chip must keep clear of: rectangles, and the other arrows' lines."""

    rects: list[Rect]
    lines: list[tuple[list[Point], Rect]]

    def clear(self, rect: Rect) -> bool:
        return not any(rect.intersects(b) for b in self.rects) and not any(
            polyline_hits_rect(line, rect.inflate(1), bounds) for line, bounds in self.lines)


def _label_obstacles(others: list[ArrowShape], placed: Placed, *extra: Rect) -> _Obstacles:
    """Boxes, the other labels, lane headers and ``extra``; the lines of ``others``."""
    return _Obstacles([*(a.label_rect.inflate(2) for a in others),
                       *(b.rect.inflate(2) for b in placed.boxes), *header_rects(placed),
                       *extra],
                      [(line, Rect.around(line)) for line in
                       (cubic_points(a.controls) for a in others)])


def header_rects(placed: Placed) -> list[Rect]:
    """The lane titles and captions: text the diagram's other parts keep off."""
    return [t.rect for lane in placed.lanes for t in (lane.title, lane.caption) if t]


def _label_spot(shape: ArrowShape, others: list[ArrowShape], placed: Placed) -> Rect | None:
    line = cubic_points(shape.controls, steps=10)
    w, h = shape.label_rect.w, shape.label_rect.h
    obstacles = _label_obstacles(others, placed)
    n = len(line)
    order = sorted(range(n // 8, n - n // 8), key=lambda i: abs(i - n / 2))
    spots = [(i, gap) for gap in (4.0, 16.0, 30.0, 48.0) for i in order]  # close to the curve first
    for i, gap in spots:
        x, y = line[i]
        # Beside the curve, or on it (the chip masks its own line, a common convention).
        for rect in (Rect(x + gap, y - h / 2, w, h), Rect(x - w - gap, y - h / 2, w, h),
                     Rect(x - w / 2, y - h - gap, w, h), Rect(x - w / 2, y + gap, w, h),
                     Rect(x - w / 2, y - h / 2, w, h)):
            if obstacles.clear(rect):
                return Rect(round(rect.x, 2), round(rect.y, 2), w, h)
    return None


def diagram_findings(placed: Placed) -> list[Finding]:
    """Legibility findings of the diagram alone (the same checker the final picture meets)."""
    return check(diagram_elements(placed.boxes, placed.arrows, placed.lanes))


def _labels_in_conflict(placed: Placed) -> set[str]:
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
