"""Place the measured diagram on the canvas from an engine's layout: boxes, lanes, arrows.

Arrow labels become chips (legend badges, then the text) at the spot the engine reserved;
a label that an arrow still crosses slides along its own arrow to a free spot.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from inkproof.model import Arrow, Flow, Lane
from inkproof.render.check import Finding, check
from inkproof.render.geometry import Point, Rect, cubic_points, polyline_hits_rect
from inkproof.render.layout import GraphLayout, cluster_order
from inkproof.render.measure import Measured
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


def place(flow: Flow, measured: Measured, layout: GraphLayout, area: Rect) -> Placed:
    """The diagram centred in ``area`` (and at its top when it is taller than ``area``)."""
    placed = _arrange(flow, measured, layout, area)
    placed = Placed(placed.boxes, spread_ports(placed.arrows, placed.boxes), placed.lanes)
    return _relabel(flow, measured, placed)


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
    for arrow in flow.arrows:
        edge = transform(layout.edges[arrow.id], onto)
        arrows.append(arrow_shape(arrow, measured, edge.controls, edge.head, edge.label))
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
    return Placed(tuple(boxes), tuple(arrows), tuple(lanes))


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
        conflicted = _labels_in_conflict(Placed(placed.boxes, tuple(arrows), placed.lanes))
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
    return Placed(placed.boxes, tuple(arrows), placed.lanes)


def _label_spot(shape: ArrowShape, others: list[ArrowShape], placed: Placed) -> Rect | None:
    line = cubic_points(shape.controls, steps=10)
    w, h = shape.label_rect.w, shape.label_rect.h
    other_lines = [(line, Rect.around(line)) for line in
                   (cubic_points(a.controls) for a in others)]
    blocked = [*(a.label_rect.inflate(2) for a in others),
               *(b.rect.inflate(2) for b in placed.boxes),
               *(t.rect for lane in placed.lanes for t in (lane.title, lane.caption) if t)]
    n = len(line)
    order = sorted(range(n // 8, n - n // 8), key=lambda i: abs(i - n / 2))
    spots = [(i, gap) for gap in (4.0, 16.0, 30.0, 48.0) for i in order]  # close to the curve first
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
