"""Simple hand-drawable icons, as geometry in a unit square (plain data, no drawing).

Each icon is a tuple of primitives; the sketch stage scales them into a box's icon slot and
strokes them with rough, so icons share the marker look of everything else. Generic shapes
only: no product or cloud-vendor logos.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from inkproof.model import Icon
from inkproof.render.geometry import Point


@dataclass(frozen=True)
class Prim:
    """A primitive: kind is rect, ellipse, line, polyline, polygon or arc."""

    kind: str
    points: tuple[Point, ...] = ()  # line/polyline/polygon
    box: tuple[float, float, float, float] = (0, 0, 0, 0)  # rect x,y,w,h; ellipse cx,cy,w,h
    angles: tuple[float, float] = (0.0, 0.0)  # arc start, stop (radians)
    filled: bool = False


def _rect(x: float, y: float, w: float, h: float, filled: bool = False) -> Prim:
    return Prim("rect", box=(x, y, w, h), filled=filled)


def _ellipse(cx: float, cy: float, w: float, h: float, filled: bool = False) -> Prim:
    return Prim("ellipse", box=(cx, cy, w, h), filled=filled)


def _line(x1: float, y1: float, x2: float, y2: float) -> Prim:
    return Prim("line", points=((x1, y1), (x2, y2)))


def _lower_arc(cx: float, cy: float, w: float, h: float) -> Prim:
    return Prim("arc", box=(cx, cy, w, h), angles=(0.0, math.pi))


def _cylinder(top: float, bottom: float, x0: float = 0.12, x1: float = 0.88,
              bands: tuple[float, ...] = ()) -> tuple[Prim, ...]:
    cx, w = (x0 + x1) / 2, x1 - x0
    cap = 0.22 * w
    return (_ellipse(cx, top, w, cap, filled=True), _line(x0, top, x0, bottom),
            _line(x1, top, x1, bottom), _lower_arc(cx, bottom, w, cap),
            *(_lower_arc(cx, band, w, cap) for band in bands))


def _gear(cx: float = 0.5, cy: float = 0.5, teeth: int = 8) -> tuple[Prim, ...]:
    points = []
    for i in range(teeth * 2):
        radius = 0.44 if i % 2 == 0 else 0.33
        for offset in (-0.16, 0.16):
            angle = (i + offset) * math.pi / teeth
            points.append((round(cx + radius * math.cos(angle), 3),
                           round(cy + radius * math.sin(angle), 3)))
    return (Prim("polygon", points=tuple(points), filled=True), _ellipse(cx, cy, 0.26, 0.26))


ICONS: dict[Icon, tuple[Prim, ...]] = {
    Icon.WEB_WINDOW: (
        _rect(0.04, 0.1, 0.92, 0.8, filled=True), _line(0.04, 0.3, 0.96, 0.3),
        _ellipse(0.14, 0.2, 0.08, 0.08), _ellipse(0.26, 0.2, 0.08, 0.08),
        _ellipse(0.38, 0.2, 0.08, 0.08), _line(0.16, 0.48, 0.7, 0.48),
        _line(0.16, 0.62, 0.58, 0.62), _line(0.16, 0.76, 0.78, 0.76),
    ),
    Icon.SERVER_RACK: tuple(
        prim for top in (0.06, 0.37, 0.68) for prim in (
            _rect(0.1, top, 0.8, 0.26, filled=True), _line(0.2, top + 0.13, 0.52, top + 0.13),
            _ellipse(0.76, top + 0.13, 0.07, 0.07))),
    Icon.MEMORY_STACK: (
        *_cylinder(0.66, 0.86), *_cylinder(0.4, 0.6), *_cylinder(0.14, 0.34),
    ),
    Icon.MESSAGE_QUEUE: tuple(
        prim for dx in (0.0, 0.14, 0.28) for prim in (
            _rect(0.04 + dx, 0.5 - dx, 0.6, 0.4, filled=True),
            Prim("polyline", points=((0.04 + dx, 0.5 - dx), (0.34 + dx, 0.72 - dx),
                                     (0.64 + dx, 0.5 - dx))))),
    Icon.GEAR: _gear(),
    Icon.BOT: (
        _rect(0.18, 0.3, 0.64, 0.52, filled=True), _ellipse(0.38, 0.52, 0.12, 0.12),
        _ellipse(0.62, 0.52, 0.12, 0.12), _line(0.38, 0.7, 0.62, 0.7),
        _line(0.5, 0.3, 0.5, 0.14), _ellipse(0.5, 0.1, 0.1, 0.1),
        _line(0.18, 0.56, 0.08, 0.56), _line(0.82, 0.56, 0.92, 0.56),
    ),
    Icon.DATABASE: _cylinder(0.16, 0.84, bands=(0.38, 0.6)),
    Icon.REPLICA: (
        *_cylinder(0.22, 0.8, 0.02, 0.44, bands=(0.5,)),
        *_cylinder(0.22, 0.8, 0.56, 0.98, bands=(0.5,)),
        Prim("polyline", points=((0.42, 0.08), (0.5, 0.02), (0.58, 0.08))),
    ),
    Icon.CHART_PULSE: (
        _rect(0.04, 0.08, 0.92, 0.84, filled=True),
        Prim("polyline", points=((0.1, 0.56), (0.3, 0.56), (0.4, 0.28), (0.52, 0.8),
                                 (0.62, 0.42), (0.72, 0.56), (0.9, 0.56))),
    ),
    Icon.LOGS: (
        _rect(0.16, 0.06, 0.68, 0.88, filled=True), _line(0.28, 0.26, 0.72, 0.26),
        _line(0.28, 0.42, 0.72, 0.42), _line(0.28, 0.58, 0.62, 0.58),
        _line(0.28, 0.74, 0.68, 0.74),
    ),
    Icon.CLOUD: (
        _ellipse(0.34, 0.56, 0.44, 0.4, filled=True), _ellipse(0.56, 0.44, 0.5, 0.5, filled=True),
        _ellipse(0.74, 0.6, 0.36, 0.32, filled=True), _line(0.14, 0.74, 0.88, 0.74),
    ),
}
