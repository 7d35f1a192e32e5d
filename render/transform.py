"""One geometric transform over plain scene data: every point, rectangle and text it holds.

Mirroring a scene for right-to-left languages, moving the footer under the diagram and
moving the card's stamp are the same walk with different geometry. The walk is driven by
the dataclasses' own type hints (a field typed ``Point`` is a point, a ``Rect`` a rectangle,
a ``PlacedText`` a text anchored at its top-left corner), so a new shape field is carried
along without another hand-written walker.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from inkproof.render.geometry import Point, Rect
from inkproof.render.scene import PlacedText

T = TypeVar("T")


class Geometry(Protocol):
    """Where one point, rectangle or text goes (texts keep their shaped glyphs)."""

    def point(self, p: Point) -> Point: ...

    def rect(self, r: Rect) -> Rect: ...

    def text(self, t: PlacedText) -> PlacedText: ...


@dataclass(frozen=True)
class Move:
    """Move by (dx, dy), rounded to the 1/100 px every stage stores."""

    dx: float
    dy: float

    def point(self, p: Point) -> Point:
        return (round(p[0] + self.dx, 2), round(p[1] + self.dy, 2))

    def rect(self, r: Rect) -> Rect:
        return r.moved(self.dx, self.dy)

    def text(self, t: PlacedText) -> PlacedText:
        return PlacedText(t.id, t.block, round(t.x + self.dx, 2), round(t.y + self.dy, 2))


@dataclass(frozen=True)
class Mirror:
    """Mirror left ↔ right about the middle of a canvas ``width`` wide.

    Rectangles and texts keep their size and reading direction: they are re-anchored at
    their mirrored place, not flipped.
    """

    width: float

    def point(self, p: Point) -> Point:
        return (round(self.width - p[0], 2), p[1])

    def rect(self, r: Rect) -> Rect:
        return Rect(round(self.width - r.x - r.w, 2), r.y, r.w, r.h)

    def text(self, t: PlacedText) -> PlacedText:
        return dataclasses.replace(t, x=round(self.width - t.x - t.block.width, 2))


def transform(value: T, geometry: Geometry) -> T:
    """``value`` (a scene, a shape, a tuple of shapes) with ``geometry`` applied throughout."""
    return typing.cast(T, _walk(value, Any, geometry))


def _walk(value: Any, hint: Any, geometry: Geometry) -> Any:
    if value is None:
        return None
    if isinstance(value, Rect):
        return geometry.rect(value)
    if isinstance(value, PlacedText):
        return geometry.text(value)
    hint = _without_none(hint)
    if hint == Point:
        return geometry.point(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hints = _hints(type(value))
        changes = {name: _walk(getattr(value, name), field_hint, geometry)
                   for name, field_hint in hints.items()}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_walk(item, args[0], geometry) for item in value)
        if len(args) == len(value):
            return tuple(_walk(item, arg, geometry) for item, arg in zip(value, args,
                                                                          strict=True))
        return tuple(_walk(item, Any, geometry) for item in value)
    return value  # numbers, strings, ids: not geometry


def _without_none(hint: Any) -> Any:
    """``X | None`` → ``X`` (the value is known not to be None here)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return options[0] if len(options) == 1 else Any
    return hint


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """The resolved type hint of each init field of a dataclass."""
    resolved = typing.get_type_hints(cls)
    return {f.name: resolved[f.name] for f in dataclasses.fields(cls) if f.init}
