"""Give arrows that meet one side of a box their own endpoints (ports).

Graphviz aims every edge at a node's centre, so arrows into one box from the same
direction arrive at nearly one point: their heads pile up and a reader cannot tell which
label belongs to which line. Here the ends on each side of a box are spread evenly along
that side, in the order of where the arrows come from (so they do not cross), moving each
end with its neighbouring control point and arrowhead. Plain geometry in, geometry out.
"""

from __future__ import annotations

import collections
import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

from inkproof.render.geometry import Point, Rect
from inkproof.render.scene import ArrowShape, BoxShape

#: Ends closer than this (px) along one side are a bundle worth spreading.
CROWDED = 18.0
#: Ends are spread over the middle of a side, away from its rounded corners.
USABLE = 0.7


class Side(enum.Enum):
    TOP = "top"
    BOTTOM = "bottom"
    LEFT = "left"
    RIGHT = "right"

    @property
    def horizontal(self) -> bool:
        """Ends on this side slide along x."""
        return self in (Side.TOP, Side.BOTTOM)


@dataclass(frozen=True)
class _End:
    arrow: int  # index into the arrows
    head: bool  # the arrow's head end (else its tail)
    point: Point
    toward: Point  # the control point next to the end: where the arrow comes from


def spread_ports(arrows: Sequence[ArrowShape], boxes: Sequence[BoxShape]
                 ) -> tuple[ArrowShape, ...]:
    """The arrows with crowded ends spread along the sides of their boxes."""
    sides: dict[tuple[str, Side], list[_End]] = collections.defaultdict(list)
    for index, arrow in enumerate(arrows):
        controls = arrow.controls
        for head, point, toward in ((False, controls[0], controls[1]),
                                    (True, controls[-1], controls[-2])):
            box = _box_at(point, boxes)
            if box is not None:
                sides[(box.id, _side(point, box.rect))].append(
                    _End(index, head, point, toward))
    moves: dict[tuple[int, bool], tuple[float, float]] = {}
    rects = {box.id: box.rect for box in boxes}
    for (box_id, side), ends in sorted(sides.items(), key=lambda item: (item[0][0],
                                                                        item[0][1].value)):
        if len({end.arrow for end in ends}) < len(ends):
            continue  # a self-loop's two ends: Graphviz already keeps them apart
        if len(ends) < 2 or not _crowded(ends, side):
            continue
        rect = rects[box_id]
        ordered = sorted(ends, key=lambda end: _along(end.toward, side))
        low, length = ((rect.x, rect.w) if side.horizontal else (rect.y, rect.h))
        start = low + length * (1 - USABLE) / 2
        for rank, end in enumerate(ordered):
            target = start + length * USABLE * (rank + 0.5) / len(ordered)
            shift = target - _along(end.point, side)
            moves[(end.arrow, end.head)] = (shift, 0.0) if side.horizontal else (0.0, shift)
    return tuple(_moved(arrow, moves.get((i, False)), moves.get((i, True)))
                 for i, arrow in enumerate(arrows))


def _box_at(point: Point, boxes: Sequence[BoxShape]) -> BoxShape | None:
    """The box whose outline the point lies on (within a few px: arrowheads stop short)."""
    for box in boxes:
        if box.rect.inflate(14).contains_point(point):
            return box
    return None


def _side(point: Point, rect: Rect) -> Side:
    distances = {Side.TOP: abs(point[1] - rect.y), Side.BOTTOM: abs(point[1] - rect.bottom),
                 Side.LEFT: abs(point[0] - rect.x), Side.RIGHT: abs(point[0] - rect.right)}
    return min(distances, key=lambda side: (distances[side], side.value))


def _along(point: Point, side: Side) -> float:
    return point[0] if side.horizontal else point[1]


def _crowded(ends: list[_End], side: Side) -> bool:
    positions = sorted(_along(end.point, side) for end in ends)
    return any(b - a < CROWDED for a, b in itertools.pairwise(positions))


def _moved(arrow: ArrowShape, tail: tuple[float, float] | None,
           head: tuple[float, float] | None) -> ArrowShape:
    if tail is None and head is None:
        return arrow
    controls = list(arrow.controls)
    arrowhead = arrow.head
    if tail is not None:
        controls[0], controls[1] = _shift(controls[0], tail), _shift(controls[1], tail)
    if head is not None:
        controls[-1], controls[-2] = _shift(controls[-1], head), _shift(controls[-2], head)
        arrowhead = tuple(_shift(p, head) for p in arrow.head)
    return replace(arrow, controls=tuple(controls), head=arrowhead)


def _shift(point: Point, by: tuple[float, float]) -> Point:
    return (round(point[0] + by[0], 2), round(point[1] + by[1], 2))
