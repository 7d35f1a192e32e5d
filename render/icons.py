"""Simple hand-drawable icons, as geometry in a unit square (plain data, no drawing).

Each icon is a tuple of primitives; the sketch stage scales them into a box's icon slot and
strokes them with rough, so icons share the marker look of everything else. Generic shapes
only: no product or cloud-vendor logos.

Every icon is registered in one place, its ``@icon("name", *aliases)`` function below:
the spec's validation (:func:`names`), the sketch stage (:func:`geometry`) and the classic
export (which falls back to a neutral node for icons it has no class for) all read this
registry, so adding an icon touches nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from inkproof.render.geometry import Point


@dataclass(frozen=True)
class Prim:
    """A primitive: kind is rect, ellipse, line, polyline, polygon or arc."""

    kind: str
    points: tuple[Point, ...] = ()  # line/polyline/polygon
    box: tuple[float, float, float, float] = (0, 0, 0, 0)  # rect x,y,w,h; ellipse cx,cy,w,h
    angles: tuple[float, float] = (0.0, 0.0)  # arc start, stop (radians)
    filled: bool = False


#: Primitive kinds the sketch stage knows how to stroke.
KINDS = frozenset({"rect", "ellipse", "line", "polyline", "polygon", "arc"})

Geometry = tuple[Prim, ...]

_REGISTRY: dict[str, Geometry] = {}  # every name and alias → its geometry
_ALIASES: dict[str, tuple[str, ...]] = {}  # each drawing's main name → its other names


def icon(name: str, *aliases: str) -> Callable[[Callable[[], Geometry]], Callable[[], Geometry]]:
    """Register the geometry a function returns under ``name`` (and any ``aliases``)."""

    def register(build: Callable[[], Geometry]) -> Callable[[], Geometry]:
        shape = tuple(build())
        for key in (name, *aliases):
            if key in _REGISTRY:
                raise ValueError(f"icon {key!r} registered twice")
            _REGISTRY[key] = shape
        _ALIASES[name] = aliases
        return build

    return register


def names() -> frozenset[str]:
    """Every icon name a spec may use (aliases included)."""
    return frozenset(_REGISTRY)


def drawings() -> dict[str, tuple[str, ...]]:
    """Each distinct drawing's main name and its aliases, in name order (docs, sheets)."""
    return {name: _ALIASES[name] for name in sorted(_ALIASES)}


def geometry(name: str) -> Geometry:
    """The primitives of a registered icon; KeyError for an unknown name."""
    return _REGISTRY[name]


# ---- building blocks ---------------------------------------------------------------------


def _rect(x: float, y: float, w: float, h: float, filled: bool = False) -> Prim:
    return Prim("rect", box=(x, y, w, h), filled=filled)


def _ellipse(cx: float, cy: float, w: float, h: float, filled: bool = False) -> Prim:
    return Prim("ellipse", box=(cx, cy, w, h), filled=filled)


def _line(x1: float, y1: float, x2: float, y2: float) -> Prim:
    return Prim("line", points=((x1, y1), (x2, y2)))


def _poly(*points: Point) -> Prim:
    return Prim("polyline", points=tuple(points))


def _polygon(*points: Point, filled: bool = True) -> Prim:
    return Prim("polygon", points=tuple(points), filled=filled)


def _arc(cx: float, cy: float, w: float, h: float, start: float, stop: float) -> Prim:
    return Prim("arc", box=(cx, cy, w, h), angles=(start, stop))


def _lower_arc(cx: float, cy: float, w: float, h: float) -> Prim:
    return _arc(cx, cy, w, h, 0.0, math.pi)


def _cylinder(top: float, bottom: float, x0: float = 0.12, x1: float = 0.88,
              bands: tuple[float, ...] = ()) -> Geometry:
    cx, w = (x0 + x1) / 2, x1 - x0
    cap = 0.22 * w
    return (_ellipse(cx, top, w, cap, filled=True), _line(x0, top, x0, bottom),
            _line(x1, top, x1, bottom), _lower_arc(cx, bottom, w, cap),
            *(_lower_arc(cx, band, w, cap) for band in bands))


def _gear(cx: float = 0.5, cy: float = 0.5, teeth: int = 8, outer: float = 0.44,
          inner: float = 0.33, hub: float = 0.26) -> Geometry:
    points = []
    for i in range(teeth * 2):
        radius = outer if i % 2 == 0 else inner
        for offset in (-0.16, 0.16):
            angle = (i + offset) * math.pi / teeth
            points.append((round(cx + radius * math.cos(angle), 3),
                           round(cy + radius * math.sin(angle), 3)))
    return (_polygon(*points), _ellipse(cx, cy, hub, hub))


def _curve(cx: float, cy: float, rx: float, ry: float, start: float, stop: float,
           steps: int = 10) -> tuple[Point, ...]:
    """Points along an elliptic arc (angles in radians, y down), for polylines and fills."""
    return tuple((round(cx + rx * math.cos(start + (stop - start) * i / steps), 3),
                  round(cy + ry * math.sin(start + (stop - start) * i / steps), 3))
                 for i in range(steps + 1))


def _person(cx: float, top: float, scale: float = 1.0) -> Geometry:
    head = 0.26 * scale
    shoulders = _curve(cx, top + 0.88 * scale, 0.36 * scale, 0.46 * scale, math.pi,
                       2 * math.pi)
    return (Prim("polygon", points=shoulders, filled=True),
            _ellipse(cx, top + 0.16 * scale, head, head, filled=True))


def _arrowhead(x: float, y: float, dx: float, dy: float, size: float = 0.1) -> Prim:
    """A filled arrowhead whose tip is at (x, y), pointing along (dx, dy)."""
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    bx, by = x - ux * size, y - uy * size
    return _polygon((round(bx - uy * size * 0.6, 3), round(by + ux * size * 0.6, 3)), (x, y),
                    (round(bx + uy * size * 0.6, 3), round(by - ux * size * 0.6, 3)))


# ---- the icons ---------------------------------------------------------------------------


@icon("web-window", "browser")
def _web_window() -> Geometry:
    return (_rect(0.04, 0.1, 0.92, 0.8, filled=True), _line(0.04, 0.3, 0.96, 0.3),
            _ellipse(0.14, 0.2, 0.08, 0.08), _ellipse(0.26, 0.2, 0.08, 0.08),
            _ellipse(0.38, 0.2, 0.08, 0.08), _line(0.16, 0.48, 0.7, 0.48),
            _line(0.16, 0.62, 0.58, 0.62), _line(0.16, 0.76, 0.78, 0.76))


@icon("server-rack")
def _server_rack() -> Geometry:
    return tuple(prim for top in (0.06, 0.37, 0.68) for prim in (
        _rect(0.1, top, 0.8, 0.26, filled=True), _line(0.2, top + 0.13, 0.52, top + 0.13),
        _ellipse(0.76, top + 0.13, 0.07, 0.07)))


@icon("memory-stack", "cache", "memory")
def _memory_stack() -> Geometry:
    """A memory module with a lightning bolt: fast, in memory. Not a cylinder, which would
    read as a database beside the database icon."""
    chips = tuple(_rect(x, 0.5, 0.2, 0.18, filled=True) for x in (0.14, 0.4, 0.66))
    pins = tuple(_line(x, 0.8, x, 0.9) for x in (0.16, 0.28, 0.4, 0.6, 0.72, 0.84))
    return (_rect(0.04, 0.42, 0.92, 0.38, filled=True), *chips, *pins,
            _polygon((0.56, 0.02), (0.34, 0.24), (0.48, 0.24), (0.42, 0.38), (0.66, 0.14),
                     (0.52, 0.14), (0.58, 0.02)))


@icon("message-queue")
def _message_queue() -> Geometry:
    return tuple(prim for dx in (0.0, 0.14, 0.28) for prim in (
        _rect(0.04 + dx, 0.5 - dx, 0.6, 0.4, filled=True),
        _poly((0.04 + dx, 0.5 - dx), (0.34 + dx, 0.72 - dx), (0.64 + dx, 0.5 - dx))))


@icon("gear")
def _gear_icon() -> Geometry:
    return _gear()


@icon("bot")
def _bot() -> Geometry:
    return (_rect(0.18, 0.3, 0.64, 0.52, filled=True), _ellipse(0.38, 0.52, 0.12, 0.12),
            _ellipse(0.62, 0.52, 0.12, 0.12), _line(0.38, 0.7, 0.62, 0.7),
            _line(0.5, 0.3, 0.5, 0.14), _ellipse(0.5, 0.1, 0.1, 0.1),
            _line(0.18, 0.56, 0.08, 0.56), _line(0.82, 0.56, 0.92, 0.56))


@icon("database")
def _database() -> Geometry:
    return _cylinder(0.16, 0.84, bands=(0.38, 0.6))


@icon("replica")
def _replica() -> Geometry:
    return (*_cylinder(0.22, 0.8, 0.02, 0.44, bands=(0.5,)),
            *_cylinder(0.22, 0.8, 0.56, 0.98, bands=(0.5,)),
            _poly((0.42, 0.08), (0.5, 0.02), (0.58, 0.08)))


@icon("chart-pulse")
def _chart_pulse() -> Geometry:
    return (_rect(0.04, 0.08, 0.92, 0.84, filled=True),
            _poly((0.1, 0.56), (0.3, 0.56), (0.4, 0.28), (0.52, 0.8), (0.62, 0.42),
                  (0.72, 0.56), (0.9, 0.56)))


@icon("logs")
def _logs() -> Geometry:
    return (_rect(0.16, 0.06, 0.68, 0.88, filled=True), _line(0.28, 0.26, 0.72, 0.26),
            _line(0.28, 0.42, 0.72, 0.42), _line(0.28, 0.58, 0.62, 0.58),
            _line(0.28, 0.74, 0.68, 0.74))


@icon("cloud")
def _cloud() -> Geometry:
    return (_ellipse(0.34, 0.56, 0.44, 0.4, filled=True),
            _ellipse(0.56, 0.44, 0.5, 0.5, filled=True),
            _ellipse(0.74, 0.6, 0.36, 0.32, filled=True), _line(0.14, 0.74, 0.88, 0.74))


# ---- people and devices ------------------------------------------------------------------


@icon("person", "user")
def _person_icon() -> Geometry:
    return _person(0.5, 0.06)


@icon("users", "team")
def _users() -> Geometry:
    return (*_person(0.66, 0.06, 0.8), *_person(0.36, 0.2, 0.8))


@icon("mobile", "phone")
def _mobile() -> Geometry:
    return (_rect(0.27, 0.04, 0.46, 0.92, filled=True), _line(0.27, 0.16, 0.73, 0.16),
            _line(0.27, 0.8, 0.73, 0.8), _ellipse(0.5, 0.88, 0.08, 0.08),
            _line(0.44, 0.1, 0.56, 0.1))


@icon("desktop", "monitor")
def _desktop() -> Geometry:
    return (_rect(0.06, 0.1, 0.88, 0.6, filled=True), _line(0.5, 0.7, 0.5, 0.86),
            _line(0.28, 0.88, 0.72, 0.88), _line(0.06, 0.6, 0.94, 0.6))


@icon("laptop")
def _laptop() -> Geometry:
    return (_rect(0.16, 0.16, 0.68, 0.5, filled=True),
            _polygon((0.16, 0.66), (0.84, 0.66), (0.98, 0.84), (0.02, 0.84)),
            _line(0.42, 0.76, 0.58, 0.76))


# ---- network and edge --------------------------------------------------------------------


@icon("gateway", "api-gateway")
def _gateway() -> Geometry:
    return (_rect(0.4, 0.06, 0.2, 0.88, filled=True),
            _line(0.04, 0.26, 0.4, 0.26), _line(0.04, 0.5, 0.4, 0.5),
            _line(0.04, 0.74, 0.4, 0.74), _line(0.6, 0.5, 0.86, 0.5),
            _arrowhead(0.96, 0.5, 1, 0, 0.14))


@icon("load-balancer", "balancer")
def _load_balancer() -> Geometry:
    return (_line(0.5, 0.04, 0.5, 0.2), _ellipse(0.5, 0.32, 0.26, 0.26, filled=True),
            _line(0.4, 0.42, 0.16, 0.64), _line(0.5, 0.45, 0.5, 0.64),
            _line(0.6, 0.42, 0.84, 0.64),
            _rect(0.04, 0.7, 0.22, 0.22, filled=True), _rect(0.39, 0.7, 0.22, 0.22, filled=True),
            _rect(0.74, 0.7, 0.22, 0.22, filled=True))


@icon("globe", "internet")
def _globe() -> Geometry:
    return (_ellipse(0.5, 0.5, 0.88, 0.88, filled=True), _ellipse(0.5, 0.5, 0.38, 0.88),
            _line(0.06, 0.5, 0.94, 0.5), _line(0.5, 0.06, 0.5, 0.94),
            _poly(*_curve(0.5, 0.06, 0.38, 0.22, 0.35 * math.pi, 0.65 * math.pi, 6)),
            _poly(*_curve(0.5, 0.94, 0.38, 0.22, 1.35 * math.pi, 1.65 * math.pi, 6)))


@icon("cdn", "edge")
def _cdn() -> Geometry:
    corners = ((0.14, 0.14), (0.86, 0.14), (0.14, 0.86), (0.86, 0.86))
    return (*(_line(0.5, 0.5, x, y) for x, y in corners),
            _ellipse(0.5, 0.5, 0.5, 0.5, filled=True), _ellipse(0.5, 0.5, 0.2, 0.5),
            _line(0.25, 0.5, 0.75, 0.5),
            *(_ellipse(x, y, 0.2, 0.2, filled=True) for x, y in corners))


@icon("network", "topology")
def _network() -> Geometry:
    nodes = ((0.5, 0.16), (0.14, 0.8), (0.86, 0.8), (0.5, 0.56))
    return (_line(0.5, 0.16, 0.14, 0.8), _line(0.14, 0.8, 0.86, 0.8),
            _line(0.86, 0.8, 0.5, 0.16), _line(0.5, 0.16, 0.5, 0.56),
            _line(0.14, 0.8, 0.5, 0.56), _line(0.86, 0.8, 0.5, 0.56),
            *(_ellipse(x, y, 0.22, 0.22, filled=True) for x, y in nodes))


@icon("firewall", "wall")
def _firewall() -> Geometry:
    rows = (0.3, 0.5, 0.7)
    joints = ((0.5,), (0.3, 0.7), (0.5,), (0.3, 0.7))
    tops = (0.1, 0.3, 0.5, 0.7)
    return (_rect(0.06, 0.1, 0.88, 0.8, filled=True),
            *(_line(0.06, y, 0.94, y) for y in rows),
            *(_line(x, top, x, top + 0.2) for top, xs in zip(tops, joints, strict=True)
              for x in xs))


@icon("webhook", "callback")
def _webhook() -> Geometry:
    """A hook (eye, shank, bend, barb): a callback the other side calls."""
    return (_ellipse(0.62, 0.12, 0.2, 0.2), _line(0.62, 0.22, 0.62, 0.6),
            _poly(*_curve(0.4, 0.6, 0.22, 0.32, 0.0, math.pi, 10)),
            _line(0.18, 0.6, 0.18, 0.42), _arrowhead(0.18, 0.26, 0, -1, 0.16))


@icon("api", "endpoint")
def _api() -> Geometry:
    return (_rect(0.04, 0.2, 0.92, 0.6, filled=True),
            _poly((0.14, 0.68), (0.25, 0.32), (0.36, 0.68)), _line(0.18, 0.56, 0.32, 0.56),
            _line(0.46, 0.68, 0.46, 0.32),
            _poly((0.46, 0.32), (0.58, 0.32), (0.64, 0.38), (0.64, 0.46), (0.58, 0.52),
                  (0.46, 0.52)),
            _line(0.8, 0.32, 0.8, 0.68), _line(0.74, 0.32, 0.86, 0.32),
            _line(0.74, 0.68, 0.86, 0.68))


# ---- security ----------------------------------------------------------------------------


@icon("lock", "padlock")
def _lock() -> Geometry:
    return (_poly((0.3, 0.46), *_curve(0.5, 0.3, 0.2, 0.22, math.pi, 2 * math.pi, 8),
                  (0.7, 0.46)),
            _rect(0.16, 0.44, 0.68, 0.5, filled=True), _ellipse(0.5, 0.62, 0.12, 0.12),
            _line(0.5, 0.66, 0.5, 0.8))


@icon("key", "secret")
def _key() -> Geometry:
    return (_ellipse(0.26, 0.5, 0.4, 0.4, filled=True), _ellipse(0.2, 0.5, 0.1, 0.1),
            _line(0.46, 0.5, 0.94, 0.5), _line(0.8, 0.5, 0.8, 0.66),
            _line(0.92, 0.5, 0.92, 0.7), _line(0.68, 0.5, 0.68, 0.62))


@icon("shield", "security")
def _shield() -> Geometry:
    return (_polygon((0.5, 0.04), (0.88, 0.18), (0.84, 0.56), (0.5, 0.96), (0.16, 0.56),
                     (0.12, 0.18)),
            _poly((0.32, 0.5), (0.46, 0.64), (0.7, 0.36)))


@icon("identity", "id-card")
def _identity() -> Geometry:
    return (_rect(0.04, 0.18, 0.92, 0.64, filled=True), _ellipse(0.28, 0.42, 0.18, 0.18),
            _poly(*_curve(0.28, 0.72, 0.16, 0.16, math.pi, 2 * math.pi, 6)),
            _line(0.52, 0.36, 0.86, 0.36), _line(0.52, 0.5, 0.86, 0.5),
            _line(0.52, 0.64, 0.74, 0.64))


# ---- messaging ---------------------------------------------------------------------------


@icon("mail", "email")
def _mail() -> Geometry:
    return (_rect(0.06, 0.2, 0.88, 0.6, filled=True),
            _poly((0.06, 0.2), (0.5, 0.56), (0.94, 0.2)),
            _line(0.06, 0.8, 0.38, 0.48), _line(0.94, 0.8, 0.62, 0.48))


@icon("queue", "fifo")
def _queue() -> Geometry:
    return (_line(0.04, 0.28, 0.78, 0.28), _line(0.04, 0.72, 0.78, 0.72),
            *(_rect(x, 0.36, 0.16, 0.28, filled=True) for x in (0.1, 0.32, 0.54)),
            _line(0.76, 0.5, 0.86, 0.5), _arrowhead(0.97, 0.5, 1, 0, 0.12))


@icon("stream", "events")
def _stream() -> Geometry:
    def wave(y: float) -> Prim:
        return _poly(*((round(0.04 + 0.08 * i, 3),
                        round(y + 0.07 * math.sin(i * math.pi / 2.5), 3)) for i in range(11)))

    return (wave(0.24), wave(0.5), wave(0.76), _arrowhead(0.98, 0.5, 1, 0, 0.14))


@icon("topic", "pub-sub")
def _topic() -> Geometry:
    return (_rect(0.04, 0.34, 0.3, 0.32, filled=True),
            _line(0.34, 0.5, 0.62, 0.16), _line(0.34, 0.5, 0.62, 0.5),
            _line(0.34, 0.5, 0.62, 0.84),
            *(_ellipse(0.78, y, 0.22, 0.22, filled=True) for y in (0.16, 0.5, 0.84)))


@icon("bell", "notification")
def _bell() -> Geometry:
    return (_polygon((0.14, 0.76), (0.24, 0.62), (0.26, 0.36),
                     *_curve(0.5, 0.38, 0.24, 0.26, math.pi, 2 * math.pi, 8)[1:-1],
                     (0.74, 0.36), (0.76, 0.62), (0.86, 0.76)),
            _ellipse(0.5, 0.85, 0.16, 0.14, filled=True), _line(0.5, 0.04, 0.5, 0.12))


@icon("event", "trigger")
def _event() -> Geometry:
    return (_polygon((0.6, 0.04), (0.24, 0.56), (0.48, 0.56), (0.4, 0.96), (0.82, 0.4),
                     (0.58, 0.4), (0.7, 0.04)),
            _line(0.04, 0.36, 0.18, 0.36), _line(0.08, 0.5, 0.2, 0.5),
            _line(0.04, 0.64, 0.16, 0.64))


# ---- compute -----------------------------------------------------------------------------


@icon("server", "host")
def _server() -> Geometry:
    return (_rect(0.24, 0.04, 0.52, 0.92, filled=True), _line(0.34, 0.2, 0.66, 0.2),
            _line(0.34, 0.32, 0.66, 0.32), _line(0.34, 0.44, 0.66, 0.44),
            _ellipse(0.5, 0.78, 0.12, 0.12))


@icon("function", "serverless")
def _function() -> Geometry:
    return (_rect(0.06, 0.06, 0.88, 0.88, filled=True),
            _poly((0.66, 0.2), (0.58, 0.16), (0.5, 0.18), (0.46, 0.26), (0.44, 0.5),
                  (0.42, 0.74), (0.38, 0.82), (0.3, 0.84), (0.24, 0.8)),
            _line(0.3, 0.44, 0.62, 0.44))


@icon("container", "package")
def _container() -> Geometry:
    return (_rect(0.04, 0.22, 0.92, 0.56, filled=True),
            *(_line(x, 0.3, x, 0.7) for x in (0.2, 0.34, 0.48, 0.62, 0.76)),
            _line(0.04, 0.3, 0.96, 0.3), _line(0.04, 0.7, 0.96, 0.7))


@icon("cpu", "chip")
def _cpu() -> Geometry:
    pins = (0.32, 0.5, 0.68)
    return (*(_line(p, 0.04, p, 0.2) for p in pins), *(_line(p, 0.8, p, 0.96) for p in pins),
            *(_line(0.04, p, 0.2, p) for p in pins), *(_line(0.8, p, 0.96, p) for p in pins),
            _rect(0.2, 0.2, 0.6, 0.6, filled=True), _rect(0.36, 0.36, 0.28, 0.28))


@icon("scheduler", "clock", "cron")
def _scheduler() -> Geometry:
    return (_ellipse(0.5, 0.5, 0.88, 0.88, filled=True), _poly((0.5, 0.2), (0.5, 0.5),
                                                             (0.72, 0.62)),
            *(_line(0.5 + 0.36 * math.cos(a), 0.5 + 0.36 * math.sin(a),
                    0.5 + 0.42 * math.cos(a), 0.5 + 0.42 * math.sin(a))
              for a in (0.0, math.pi / 2, math.pi, 1.5 * math.pi)))


@icon("terminal", "shell")
def _terminal() -> Geometry:
    return (_rect(0.04, 0.12, 0.92, 0.76, filled=True),
            _poly((0.18, 0.36), (0.36, 0.5), (0.18, 0.64)), _line(0.44, 0.66, 0.7, 0.66))


@icon("code", "source")
def _code() -> Geometry:
    return (_poly((0.3, 0.24), (0.06, 0.5), (0.3, 0.76)),
            _poly((0.7, 0.24), (0.94, 0.5), (0.7, 0.76)), _line(0.58, 0.14, 0.42, 0.86))


# ---- data --------------------------------------------------------------------------------


@icon("object-storage", "bucket")
def _object_storage() -> Geometry:
    return (_polygon((0.1, 0.2), (0.9, 0.2), (0.78, 0.9), (0.22, 0.9)),
            _ellipse(0.5, 0.2, 0.8, 0.18, filled=True),
            _poly((0.15, 0.48), (0.5, 0.56), (0.85, 0.48)))


@icon("file", "document")
def _file() -> Geometry:
    return (_polygon((0.2, 0.04), (0.6, 0.04), (0.8, 0.24), (0.8, 0.96), (0.2, 0.96)),
            _poly((0.6, 0.04), (0.6, 0.24), (0.8, 0.24)),
            _line(0.32, 0.46, 0.68, 0.46), _line(0.32, 0.62, 0.68, 0.62),
            _line(0.32, 0.78, 0.56, 0.78))


@icon("folder", "directory")
def _folder() -> Geometry:
    return (_polygon((0.04, 0.16), (0.36, 0.16), (0.44, 0.28), (0.96, 0.28), (0.96, 0.86),
                     (0.04, 0.86)),
            _line(0.04, 0.4, 0.96, 0.4))


@icon("table", "spreadsheet")
def _table() -> Geometry:
    return (_rect(0.04, 0.12, 0.92, 0.76, filled=True), _line(0.04, 0.3, 0.96, 0.3),
            _line(0.04, 0.5, 0.96, 0.5), _line(0.04, 0.7, 0.96, 0.7),
            _line(0.36, 0.12, 0.36, 0.88), _line(0.66, 0.12, 0.66, 0.88))


@icon("search", "magnifier")
def _search() -> Geometry:
    return (_polygon((0.56, 0.66), (0.66, 0.56), (0.94, 0.84), (0.84, 0.94)),
            _ellipse(0.4, 0.4, 0.6, 0.6, filled=True), _ellipse(0.4, 0.4, 0.4, 0.4))


# ---- observability -----------------------------------------------------------------------


@icon("chart", "bar-chart", "analytics")
def _chart() -> Geometry:
    return (_poly((0.06, 0.06), (0.06, 0.94), (0.94, 0.94)),
            _rect(0.18, 0.56, 0.18, 0.38, filled=True), _rect(0.44, 0.3, 0.18, 0.64, filled=True),
            _rect(0.7, 0.14, 0.18, 0.8, filled=True))


@icon("dashboard", "gauge")
def _dashboard() -> Geometry:
    return (_rect(0.04, 0.08, 0.92, 0.84, filled=True), _line(0.04, 0.56, 0.96, 0.56),
            _poly(*_curve(0.32, 0.46, 0.2, 0.24, math.pi, 2 * math.pi, 8)),
            _line(0.32, 0.46, 0.42, 0.28), _line(0.62, 0.26, 0.86, 0.26),
            _line(0.62, 0.4, 0.8, 0.4),
            _poly((0.12, 0.84), (0.3, 0.72), (0.46, 0.8), (0.64, 0.66), (0.88, 0.74)))


@icon("warning", "alert")
def _warning() -> Geometry:
    return (_polygon((0.5, 0.06), (0.96, 0.9), (0.04, 0.9)), _line(0.5, 0.34, 0.5, 0.62),
            _ellipse(0.5, 0.76, 0.08, 0.08, filled=True))


@icon("check", "ok")
def _check() -> Geometry:
    return (_ellipse(0.5, 0.5, 0.88, 0.88, filled=True),
            _poly((0.28, 0.52), (0.44, 0.68), (0.74, 0.34)))


# ---- commerce ----------------------------------------------------------------------------


@icon("payment-card", "credit-card", "card")
def _payment_card() -> Geometry:
    return (_rect(0.04, 0.18, 0.92, 0.64, filled=True), _line(0.04, 0.36, 0.96, 0.36),
            _line(0.04, 0.44, 0.96, 0.44), _rect(0.14, 0.56, 0.16, 0.12),
            _line(0.48, 0.66, 0.84, 0.66))


@icon("cart", "shopping-cart")
def _cart() -> Geometry:
    return (_poly((0.02, 0.14), (0.16, 0.14), (0.3, 0.68), (0.82, 0.68)),
            _polygon((0.2, 0.26), (0.94, 0.26), (0.84, 0.56), (0.27, 0.56)),
            _ellipse(0.36, 0.84, 0.14, 0.14, filled=True),
            _ellipse(0.76, 0.84, 0.14, 0.14, filled=True))


@icon("location", "pin")
def _location() -> Geometry:
    return (_polygon(*_curve(0.5, 0.36, 0.3, 0.3, 0.8 * math.pi, 2.2 * math.pi, 12),
                     (0.5, 0.96)),
            _ellipse(0.5, 0.36, 0.2, 0.2))
