"""The layout report: the bounding box, in canvas pixels, of every drawn element.

It is plain data (``Element`` records, and JSON for ``--layout-report``) so the legibility
checker, the golden tests and users' own tooling read the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from inkproof.render.geometry import Point, Rect, cubic_points
from inkproof.render.scene import ArrowShape, Badge, BoxShape, LaneShape, PlacedText, Scene


@dataclass(frozen=True)
class Element:
    """One drawn thing. ``owner`` groups parts of one element (an arrow and its label)."""

    id: str
    kind: str  # box, icon, lane, arrow, arrowhead, text, badge, note, legend, panel
    bbox: Rect
    owner: str
    text: str | None = None
    size: float | None = None
    points: tuple[Point, ...] = ()
    joins: tuple[str, ...] = ()  # for arrows: the owners of the boxes they connect


def _texts(text: PlacedText, owner: str) -> list[Element]:
    """One element per line: lines, not blocks, are what can touch other text."""
    block = text.block
    out = []
    for index, line in enumerate(block.lines):
        top = text.y + index * block.line_step
        height = block.height if len(block.lines) == 1 else (
            block.line_step if index < len(block.lines) - 1
            else block.height - index * block.line_step)
        out.append(Element(f"{text.id}#{index}" if len(block.lines) > 1 else text.id, "text",
                           Rect(text.x + line.x, top, line.width, height), owner, line.text,
                           # the smallest glyphs of the line: code spans are set smaller
                           min((run.size for run in line.runs), default=block.size)))
    return out


def _badge(badge: Badge, owner: str) -> list[Element]:
    return [Element(badge.id, "badge", badge.rect, owner, str(badge.number), badge.text.block.size)]


def diagram_elements(boxes: Sequence[BoxShape], arrows: Sequence[ArrowShape],
                     lanes: Sequence[LaneShape]) -> list[Element]:
    """Elements of the diagram part alone (what composition searches over)."""
    out: list[Element] = []
    for lane in lanes:
        owner = f"lane.{lane.id}"
        out.append(Element(owner, "lane", lane.rect, owner))
        out += _texts(lane.title, owner)
        if lane.caption:
            out += _texts(lane.caption, owner)
    for box in boxes:
        owner = f"box.{box.id}"
        out.append(Element(owner, "box", box.rect, owner))
        out.append(Element(f"{owner}.icon", "icon", box.icon_rect, owner))
        out += _texts(box.name, owner) + _texts(box.role, owner)
    for arrow in arrows:
        owner = f"arrow.{arrow.id}"
        points = tuple((round(x, 1), round(y, 1)) for x, y in cubic_points(arrow.controls, 8))
        out.append(Element(owner, "arrow", Rect.around(points), owner, points=points,
                           joins=_joins(arrow, boxes)))
        out.append(Element(f"{owner}.head", "arrowhead", Rect.around(arrow.head), owner))
        out.append(Element(f"{owner}.label-chip", "label", arrow.label_rect, owner))
        out += _texts(arrow.label, owner)
        for badge in arrow.badges:
            out += _badge(badge, owner)
    return out


def _joins(arrow: ArrowShape, boxes: Sequence[BoxShape]) -> tuple[str, ...]:
    """The boxes an arrow starts and ends at: the ones nearest its two ends."""
    ends = (arrow.controls[0], arrow.head[1] if len(arrow.head) > 1 else arrow.controls[-1])

    def nearest(point: Point) -> str:
        def distance(box: BoxShape) -> float:
            r = box.rect
            dx = max(r.x - point[0], 0.0, point[0] - r.right)
            dy = max(r.y - point[1], 0.0, point[1] - r.bottom)
            return dx * dx + dy * dy

        return f"box.{min(boxes, key=distance).id}"

    return tuple(nearest(p) for p in ends) if boxes else ()


def elements(scene: Scene) -> list[Element]:
    """Every drawn element of a composed scene."""
    out = diagram_elements(scene.boxes, scene.arrows, scene.lanes)
    out += _texts(scene.title, "title")
    if scene.subtitle:
        out += _texts(scene.subtitle, "subtitle")
    for note in scene.notes:
        out.append(Element(note.id, "note", note.rect, note.id))
        out += _texts(note.text, note.id)
        if note.pointer:
            out.append(Element(f"{note.id}.pointer", "pointer", Rect.around(note.pointer),
                               note.id, points=note.pointer,
                               joins=tuple(f"arrow.{a}" for a in note.crosses)))
    if scene.legend:
        legend = scene.legend
        out.append(Element("legend", "legend", legend.rect, "legend"))
        out += _texts(legend.heading, "legend")
        for badge, item in zip(legend.badges, legend.items, strict=True):
            owner = f"legend.{badge.number}"
            out += _badge(badge, owner) + _texts(item, owner)
    for kind, rect, heading in scene.panels:
        out.append(Element(f"panel.{kind}", "panel", rect, f"panel.{kind}"))
        out += _texts(heading, f"panel.{kind}")
    return out


def to_json(scene: Scene, meta: dict[str, Any], items: Iterable[Element] | None = None
            ) -> dict[str, Any]:
    """The report as JSON-ready data (stable key order, rounded numbers)."""
    listed = []
    for element in items if items is not None else elements(scene):
        entry: dict[str, Any] = {"id": element.id, "kind": element.kind, "owner": element.owner,
                                 "bbox": list(element.bbox.rounded())}
        if element.text is not None:
            entry["text"] = element.text
        if element.size is not None:
            entry["size"] = round(element.size, 2)
        if element.points:
            entry["points"] = [list(p) for p in element.points]
        if element.joins:
            entry["joins"] = list(element.joins)
        listed.append(entry)
    return {**meta, "canvas": [scene.width, scene.height], "elements": listed}


def from_json(data: dict[str, Any]) -> list[Element]:
    """Elements back from a report (the checker can run on a saved or edited report)."""
    return [Element(e["id"], e["kind"], Rect(*e["bbox"]), e["owner"], e.get("text"),
                    e.get("size"), tuple(tuple(p) for p in e.get("points", ())),
                    tuple(e.get("joins", ())))
            for e in data["elements"]]
