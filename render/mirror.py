"""Mirror a composed scene for right-to-left languages (a pure geometric transform).

Arabic and Hebrew readers scan from the right: mirrored, the title and legend start at the
right edge, lanes run Extract → Load from right to left, icons sit at the right of their
box text and badges precede their label. Text itself is not mirrored: each block keeps its
shaped glyphs and is re-anchored to its mirrored place. ``style.rtl: keep`` turns it off.
"""

from __future__ import annotations

from dataclasses import replace

from inkproof.render.geometry import Point, Rect
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


def mirror(scene: Scene) -> Scene:
    width = scene.width

    def x(value: float) -> float:
        return round(width - value, 2)

    def point(p: Point) -> Point:
        return (x(p[0]), p[1])

    def rect(r: Rect) -> Rect:
        return Rect(round(width - r.x - r.w, 2), r.y, r.w, r.h)

    def text(t: PlacedText) -> PlacedText:
        return replace(t, x=round(width - t.x - t.block.width, 2))

    def badge(b: Badge) -> Badge:
        return replace(b, center=point(b.center), text=text(b.text))

    def lane(item: LaneShape) -> LaneShape:
        return replace(item, rect=rect(item.rect), title=text(item.title),
                       caption=text(item.caption) if item.caption else None)

    def box(item: BoxShape) -> BoxShape:
        return replace(item, rect=rect(item.rect), icon_rect=rect(item.icon_rect),
                       name=text(item.name), role=text(item.role))

    def arrow(item: ArrowShape) -> ArrowShape:
        return replace(item, controls=tuple(point(p) for p in item.controls),
                       head=tuple(point(p) for p in item.head), label_rect=rect(item.label_rect),
                       label=text(item.label), badges=tuple(badge(b) for b in item.badges))

    def note(item: NoteShape) -> NoteShape:
        pointer = (point(item.pointer[0]), point(item.pointer[1])) if item.pointer else None
        return replace(item, rect=rect(item.rect), text=text(item.text), pointer=pointer,
                       heading=text(item.heading) if item.heading else None)

    legend = scene.legend
    if legend is not None:
        legend = LegendShape(rect(legend.rect), text(legend.heading),
                             tuple(badge(b) for b in legend.badges),
                             tuple(text(t) for t in legend.items))
    return replace(scene, title=text(scene.title),
                   subtitle=text(scene.subtitle) if scene.subtitle else None,
                   lanes=tuple(lane(item) for item in scene.lanes),
                   boxes=tuple(box(item) for item in scene.boxes),
                   arrows=tuple(arrow(item) for item in scene.arrows), legend=legend,
                   notes=tuple(note(item) for item in scene.notes),
                   panels=tuple((kind, rect(r), text(h)) for kind, r, h in scene.panels))
