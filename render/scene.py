"""The composed picture as plain data: what goes where, before any sketching.

Composition produces a :class:`Scene`; the sketch and SVG stages draw it, the layout report
and the overlap checker read it. Nothing here knows about Graphviz, rough or SVG.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inkproof.render.geometry import Point, Rect
from inkproof.render.text import TextBlock


@dataclass(frozen=True)
class PlacedText:
    """A text block whose top-left corner is at (x, y); ``id`` names it in reports."""

    id: str
    block: TextBlock
    x: float
    y: float

    @property
    def rect(self) -> Rect:
        return Rect(self.x, self.y, self.block.width, self.block.height)


@dataclass(frozen=True)
class Badge:
    """A legend number drawn as a small disc on an arrow or in the legend."""

    id: str
    number: int
    center: Point
    radius: float
    path: str  # a kind of ``theme.PATH_KINDS``: the colour
    text: PlacedText

    @property
    def rect(self) -> Rect:
        return Rect(self.center[0] - self.radius, self.center[1] - self.radius,
                    2 * self.radius, 2 * self.radius)


@dataclass(frozen=True)
class LaneShape:
    id: str
    rect: Rect
    title: PlacedText
    caption: PlacedText | None
    index: int


@dataclass(frozen=True)
class BoxShape:
    id: str
    rect: Rect
    icon: str
    icon_rect: Rect
    name: PlacedText
    role: PlacedText
    optional: bool


@dataclass(frozen=True)
class ArrowShape:
    id: str
    path: str  # a kind of ``theme.PATH_KINDS``: colour and dash
    controls: tuple[Point, ...]  # cubic Bézier chain ending at the arrowhead's base
    head: tuple[Point, ...]  # arrowhead triangle
    label_rect: Rect
    label: PlacedText
    badges: tuple[Badge, ...]
    optional: bool


@dataclass(frozen=True)
class NoteShape:
    """A sticky note (callout), a highlight or caution note, a strategy chip, or one entry
    of the key of path kinds (``kind`` "key": a sample stroke of ``path`` beside its name,
    in the part of ``rect`` the text leaves free)."""

    id: str
    kind: str  # "callout", "highlight", "caution", "strategy", "key", "stamp-..."
    rect: Rect
    text: PlacedText
    pointer: tuple[Point, Point] | None = None  # from the note's edge to its anchor
    heading: PlacedText | None = None
    path: str | None = None  # the path kind a key entry shows
    crosses: tuple[str, ...] = ()  # arrows its pointer may cross: the anchor's own bundle


@dataclass(frozen=True)
class LegendShape:
    rect: Rect
    heading: PlacedText
    badges: tuple[Badge, ...]
    items: tuple[PlacedText, ...]


@dataclass(frozen=True)
class Scene:
    width: int
    height: int
    title: PlacedText
    subtitle: PlacedText | None
    lanes: tuple[LaneShape, ...]
    boxes: tuple[BoxShape, ...]
    arrows: tuple[ArrowShape, ...]
    legend: LegendShape | None
    notes: tuple[NoteShape, ...]
    description: str = ""
    panels: tuple[tuple[str, Rect, PlacedText], ...] = field(default=())
