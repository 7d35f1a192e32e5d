"""Turn a scene into hand-drawn strokes (plain path data) with the ``rough`` package.

Every element gets its own seed, derived from the flow's seed and the element's id, so
strokes are reproducible byte for byte and moving one box does not redraw the others.
Rough's traps (DESIGN.md): seed 0 means random, so seeds here are never 0; coordinates are
rounded for small, stable output; only M/L/C path commands are fed in.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rough.core import Options
from rough.generator import RoughGenerator

from inkproof.render.geometry import Point, Rect
from inkproof.render.icons import Geometry, geometry
from inkproof.render.scene import Badge, NoteShape, Scene
from inkproof.render.theme import Theme


@dataclass(frozen=True)
class Stroke:
    """One SVG path: outline or fill of a sketched shape."""

    layer: str
    element: str
    d: str
    stroke: str | None = None
    width: float = 0.0
    fill: str | None = None
    dash: tuple[float, ...] | None = None
    opacity: float = 1.0


def element_seed(flow_seed: int, element: str) -> int:
    """A stable, non-zero 31-bit seed per element (rough treats 0 as 'random')."""
    return (zlib.crc32(f"{flow_seed}:{element}".encode()) % (2**31 - 2)) + 1


class _Pen:
    def __init__(self, seed: int):
        self.seed = seed
        self.generator = RoughGenerator()
        self.strokes: list[Stroke] = []

    def _options(self, element: str, salt: str = "", multi: bool = True,
                 **extra: object) -> Options:
        # Double strokes give outlines the marker look; small shapes (icons, badges) read
        # cleaner with one stroke, and rasterize faster.
        base: dict[str, object] = {"seed": element_seed(self.seed, element + salt),
                                   "fixedDecimalPlaceDigits": 1, "roughness": 1.1,
                                   "bowing": 0.8, "disableMultiStroke": not multi}
        base.update(extra)
        return Options(**base)  # type: ignore[arg-type]

    def _add(self, layer: str, element: str, drawable: object, dash: tuple[float, ...] | None,
             opacity: float = 1.0) -> None:
        for info in self.generator.toPaths(drawable):  # type: ignore[arg-type]
            if not info.d:
                continue
            stroke = None if info.stroke in (None, "none", "") else info.stroke
            fill = None if info.fill in (None, "none", "") else info.fill
            self.strokes.append(Stroke(layer, element, info.d, stroke,
                                       round(float(info.strokeWidth), 2) if stroke else 0.0,
                                       fill, dash if stroke else None, opacity))

    def rect(self, layer: str, element: str, rect: Rect, *, stroke: str | None, width: float,
             fill: str | None = None, dash: tuple[float, ...] | None = None,
             roughness: float = 1.1, salt: str = "", multi: bool = True) -> None:
        options = self._options(element, salt, multi, stroke=stroke or "none", strokeWidth=width,
                                fill=fill, fillStyle="solid" if fill else None,
                                roughness=roughness)
        self._add(layer, element, self.generator.rectangle(rect.x, rect.y, rect.w, rect.h,
                                                           options), dash)

    def ellipse(self, layer: str, element: str, center: Point, w: float, h: float, *,
                stroke: str | None, width: float, fill: str | None = None,
                salt: str = "", roughness: float = 0.9, multi: bool = True) -> None:
        options = self._options(element, salt, multi, stroke=stroke or "none", strokeWidth=width,
                                fill=fill, fillStyle="solid" if fill else None,
                                roughness=roughness)
        self._add(layer, element, self.generator.ellipse(center[0], center[1], w, h, options),
                  None)

    def line(self, layer: str, element: str, points: Sequence[Point], *, stroke: str,
             width: float, salt: str = "", roughness: float = 0.9,
             dash: tuple[float, ...] | None = None, multi: bool = True) -> None:
        options = self._options(element, salt, multi, stroke=stroke, strokeWidth=width,
                                roughness=roughness)
        if len(points) == 2:
            drawable = self.generator.line(*points[0], *points[1], options)
        else:
            drawable = self.generator.linearPath([list(p) for p in points], options)
        self._add(layer, element, drawable, dash)

    def polygon(self, layer: str, element: str, points: Sequence[Point], *, stroke: str,
                width: float, fill: str | None, salt: str = "", roughness: float = 0.8,
                multi: bool = True) -> None:
        options = self._options(element, salt, multi, stroke=stroke, strokeWidth=width, fill=fill,
                                fillStyle="solid" if fill else None, roughness=roughness)
        self._add(layer, element, self.generator.polygon([list(p) for p in points], options),
                  None)

    def path(self, layer: str, element: str, d: str, *, stroke: str, width: float,
             dash: tuple[float, ...] | None = None, roughness: float = 0.7) -> None:
        options = self._options(element, stroke=stroke, strokeWidth=width,
                                roughness=roughness, bowing=0.4)
        self._add(layer, element, self.generator.path(d, options), dash)

    def arc(self, layer: str, element: str, box: tuple[float, float, float, float],
            angles: tuple[float, float], *, stroke: str, width: float, salt: str) -> None:
        options = self._options(element, salt, False, stroke=stroke, strokeWidth=width,
                                roughness=0.8)
        self._add(layer, element, self.generator.arc(box[0], box[1], box[2], box[3],
                                                     angles[0], angles[1], False, options),
                  None)


def sketch(scene: Scene, theme: Theme, seed: int,
           icons: Mapping[str, Geometry] | None = None) -> tuple[Stroke, ...]:
    """Every stroke of the picture, in drawing order (back to front).

    An icon is looked up in ``icons`` (a user's own SVG icons, already read and sanitized
    by :mod:`~inkproof.render.user_icon`) and then in the registry of built-in icons."""
    extra = icons or {}
    pen = _Pen(seed)
    p = theme.palette
    for lane in scene.lanes:
        pen.rect("lanes", f"lane.{lane.id}", lane.rect, stroke=p.lane_stroke, width=1.4,
                 fill=p.lane_fills[lane.index % len(p.lane_fills)], dash=(7, 5), roughness=1.4)
        underline_y = lane.title.rect.bottom + 1
        pen.line("lanes", f"lane.{lane.id}", [(lane.title.x, underline_y),
                                              (lane.title.rect.right, underline_y)],
                 stroke=p.write, width=1.6, salt="underline")
    for arrow in scene.arrows:
        colour = theme.arrow_colour(arrow.path)
        d = "M{:.1f} {:.1f} ".format(*arrow.controls[0]) + " ".join(
            "C{:.1f} {:.1f}, {:.1f} {:.1f}, {:.1f} {:.1f}".format(*a, *b, *c)
            for a, b, c in _triples(arrow.controls[1:]))
        pen.path("arrows", f"arrow.{arrow.id}", d, stroke=colour, width=2.1,
                 dash=theme.arrow_dash(arrow.path, arrow.optional))
        pen.polygon("arrows", f"arrow.{arrow.id}", arrow.head, stroke=colour, width=1.2,
                    fill=colour, salt="head")
    for box in scene.boxes:
        pen.rect("boxes", f"box.{box.id}", box.rect, stroke=p.box_stroke, width=2.0,
                 fill=p.box_fill, dash=(7, 5) if box.optional else None, roughness=1.2)
        _icon(pen, box.id, extra.get(box.icon) or geometry(box.icon), box.icon_rect, theme)
    for arrow in scene.arrows:
        pen.rect("labels", f"arrow.{arrow.id}.label", arrow.label_rect, stroke=None, width=0,
                 fill=p.label_fill, roughness=0.6)
        for badge in arrow.badges:
            _badge(pen, badge, theme)
    for note in scene.notes:
        _note(pen, note, theme)
    if scene.legend:
        legend = scene.legend
        pen.line("legend", "legend", [(legend.heading.x, legend.heading.rect.bottom + 1),
                                      (legend.heading.rect.right, legend.heading.rect.bottom + 1)],
                 stroke=p.write, width=1.6, salt="underline")
        for badge in legend.badges:
            _badge(pen, badge, theme)
    for kind, rect, _heading in scene.panels:
        pen.rect("panels", f"panel.{kind}", rect, stroke=p.lane_stroke, width=1.2,
                 dash=(5, 5), roughness=1.0)
    return tuple(pen.strokes)


def _triples(points: Sequence[Point]) -> Iterable[tuple[Point, Point, Point]]:
    for i in range(0, len(points) - 2, 3):
        yield points[i], points[i + 1], points[i + 2]


def _icon(pen: _Pen, box_id: str, shape: Geometry, slot: Rect, theme: Theme) -> None:
    p = theme.palette
    element = f"box.{box_id}.icon"

    def at(x: float, y: float) -> Point:
        return (round(slot.x + x * slot.w, 2), round(slot.y + y * slot.h, 2))

    for index, prim in enumerate(shape):
        salt = str(index)
        fill = p.icon_fill if prim.filled else None
        if prim.kind == "rect":
            x, y, w, h = prim.box
            pen.rect("icons", element, Rect(*at(x, y), w * slot.w, h * slot.h), stroke=p.icon,
                     width=1.5, fill=fill, salt=salt, roughness=0.7, multi=False)
        elif prim.kind == "ellipse":
            cx, cy, w, h = prim.box
            pen.ellipse("icons", element, at(cx, cy), w * slot.w, h * slot.h, stroke=p.icon,
                        width=1.4, fill=fill, salt=salt, roughness=0.6, multi=False)
        elif prim.kind in ("line", "polyline"):
            pen.line("icons", element, [at(*pt) for pt in prim.points], stroke=p.icon,
                     width=1.5, salt=salt, roughness=0.6, multi=False)
        elif prim.kind == "polygon":
            pen.polygon("icons", element, [at(*pt) for pt in prim.points], stroke=p.icon,
                        width=1.5, fill=fill, salt=salt, roughness=0.5, multi=False)
        elif prim.kind == "arc":
            cx, cy, w, h = prim.box
            pen.arc("icons", element, (*at(cx, cy), w * slot.w, h * slot.h), prim.angles,
                    stroke=p.icon, width=1.4, salt=salt)
        else:  # pragma: no cover - icons.py only uses the kinds above
            raise ValueError(f"unknown primitive {prim!r}")


def _badge(pen: _Pen, badge: Badge, theme: Theme) -> None:
    colour = theme.arrow_colour(badge.path)
    pen.ellipse("badges", badge.id, badge.center, 2 * badge.radius, 2 * badge.radius,
                stroke=colour, width=1.2, fill=colour, roughness=0.4, multi=False)


def _note(pen: _Pen, note: NoteShape, theme: Theme) -> None:
    p = theme.palette
    if note.pointer:  # a line from the note to what it annotates, ending in a dot
        colour = p.highlight_stroke if note.kind == "highlight" else p.note_stroke
        pen.line("notes", note.id, note.pointer, stroke=colour, width=1.6, salt="pointer",
                 roughness=1.0)
        pen.ellipse("notes", note.id, note.pointer[1], 6, 6, stroke=colour, width=1,
                    fill=colour, salt="dot")
    if note.kind == "callout":
        pen.rect("notes", note.id, note.rect, stroke=p.note_stroke, width=1.5,
                 fill=p.note_fill, roughness=1.3)
        fold = min(12.0, note.rect.h / 3)
        corner = (note.rect.right, note.rect.bottom)
        pen.polygon("notes", note.id, [(corner[0] - fold, corner[1]), corner,
                                       (corner[0], corner[1] - fold)],
                    stroke=p.note_stroke, width=1.0, fill=p.note_stroke, salt="fold")
    elif note.kind == "highlight":
        pen.rect("notes", note.id, note.rect, stroke=p.highlight_stroke, width=2.0,
                 fill=p.highlight_fill, roughness=1.2)
        _mark(pen, note, p.highlight_stroke, "!")
    elif note.kind == "caution":
        pen.rect("notes", note.id, note.rect, stroke=p.caution_stroke, width=1.4,
                 fill=p.caution_fill, dash=(6, 4), roughness=1.0)
        _mark(pen, note, p.caution_stroke, "caution")
    elif note.kind == "strategy":
        pen.rect("notes", note.id, note.rect, stroke=p.write, width=1.5, fill=p.box_fill,
                 roughness=1.0)
    elif note.kind.startswith("stamp-"):
        _stamp(pen, note, theme)
    elif note.kind == "key" and note.path:
        _key_sample(pen, note, theme, note.path)


def _key_sample(pen: _Pen, note: NoteShape, theme: Theme, kind: str) -> None:
    """A key entry's short arrow, drawn like the arrows of its kind (colour, dash), in the
    part of the entry its name leaves free and pointing at the name: at the left, or at the
    right in a mirrored right-to-left layout."""
    colour, px = theme.arrow_colour(kind), theme.px
    block = note.text.block
    y = round(note.text.y + block.ascent - block.size * 0.32, 2)
    free_left = note.text.x - note.rect.x > note.rect.right - note.text.rect.right
    tail, tip = ((note.rect.x + 1, note.text.x - px(4)) if free_left
                 else (note.rect.right - 1, note.text.rect.right + px(4)))
    back = px(7) if free_left else -px(7)
    pen.line("notes", note.id, [(tail, y), (tip - back, y)], stroke=colour, width=2.1,
             salt="sample", roughness=0.5, dash=theme.arrow_dash(kind))
    pen.polygon("notes", note.id, [(tip - back, y - px(4)), (tip, y), (tip - back, y + px(4))],
                stroke=colour, width=1.2, fill=colour, salt="head", roughness=0.3, multi=False)


def _stamp(pen: _Pen, note: NoteShape, theme: Theme) -> None:
    """A hand-drawn tick (verified) or a warning bang (unverified) before the stamp text,
    on the side the text leaves free (mirrored in right-to-left layouts)."""
    p = theme.palette
    verified = note.kind == "stamp-verified"
    colour = p.write if verified else p.caution_stroke
    left_gap = note.text.x - note.rect.x
    x = note.rect.x + 2 if left_gap >= 16 else note.rect.right - 16
    y = note.rect.y + note.rect.h / 2
    if verified:
        pen.line("notes", note.id, [(x, y), (x + 4, y + 4), (x + 12, y - 5)], stroke=colour,
                 width=2.0, salt="tick", roughness=0.4)
    else:
        pen.ellipse("notes", note.id, (x + 6, y), 13, 13, stroke=colour, width=1.3,
                    fill=None, salt="mark")
        pen.line("notes", note.id, [(x + 6, y - 3), (x + 6, y + 1)], stroke=colour,
                 width=1.6, salt="bang", roughness=0.3)
        pen.ellipse("notes", note.id, (x + 6, y + 3.5), 1.8, 1.8, stroke=colour, width=1,
                    fill=colour, salt="bang-dot", roughness=0.1)


def _mark(pen: _Pen, note: NoteShape, colour: str, kind: str) -> None:
    """A small warning triangle (caution) or exclamation disc (highlight) on the side the
    text leaves free (the left, or the right in a mirrored right-to-left layout)."""
    left_gap = note.text.x - note.rect.x
    x = note.rect.x + 9 if left_gap >= 24 else note.rect.right - 27
    y = note.rect.y + note.rect.h / 2
    if kind == "caution":
        pts = [(x, y + 8), (x + 9, y - 8), (x + 18, y + 8)]
        pen.polygon("notes", note.id, pts, stroke=colour, width=1.5, fill=None, salt="mark")
    else:
        pen.ellipse("notes", note.id, (x + 9, y), 18, 18, stroke=colour, width=1.5,
                    fill=None, salt="mark")
    pen.line("notes", note.id, [(x + 9, y - 3), (x + 9, y + 2)], stroke=colour, width=1.8,
             salt="bang", roughness=0.3)
    pen.ellipse("notes", note.id, (x + 9, y + 5), 2.2, 2.2, stroke=colour, width=1,
                fill=colour, salt="bang-dot", roughness=0.1)
