"""Measure every text of the diagram at one scale: the sizes a layout engine must reserve.

The first stage of composition. Boxes, arrow labels (with their legend badges) and lane
headers are laid out as text blocks in the language being drawn; positions inside each
element are relative to its top-left corner, so the layout engine only moves them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from inkproof.labels import Label
from inkproof.model import Flow
from inkproof.render.layout import rows
from inkproof.render.scene import PlacedText
from inkproof.render.text import GlyphMissing, TextBlock, TextStyle, layout_text
from inkproof.render.theme import Theme

#: Looks up the text of an element in the language being drawn: (context, English) → label.
Translate = Callable[[str, Label], Label]


def untranslated(_context: str, label: Label) -> Label:
    """The spec's own text (the source language)."""
    return label


@dataclass(frozen=True)
class MeasuredBox:
    name: PlacedText  # relative to the box's top-left corner
    role: PlacedText
    icon: float  # side of the icon square


@dataclass(frozen=True)
class MeasuredLabel:
    text: PlacedText  # relative to the label chip's top-left corner
    badges: tuple[int, ...]  # legend numbers drawn before the text
    w: float
    h: float


@dataclass(frozen=True)
class MeasuredLane:
    title: PlacedText  # relative to the lane header's top-left corner
    caption: PlacedText | None
    w: float
    h: float


@dataclass(frozen=True)
class Measured:
    """Everything measured for one diagram scale, ready for a layout engine."""

    theme: Theme
    box_width: float
    box_heights: dict[str, float]  # boxes of one row share the row's tallest height
    boxes: dict[str, MeasuredBox]
    labels: dict[str, MeasuredLabel]
    lanes: dict[str, MeasuredLane]
    notes: tuple[MeasuredNote, ...] = ()  # callouts and anchored highlights, spec order


@dataclass(frozen=True)
class MeasuredNote:
    """A sticky note (a callout, or a highlight with its "!" disc) and what it is near.

    Notes are measured with the diagram, at its scale, so that the layout engine can keep
    room for each one beside its anchor (:func:`~inkproof.render.layout.graph_spec`)."""

    id: str  # "callout.<id>" or "highlight.<id>"
    kind: str  # "callout" or "highlight"
    near: str  # a box, arrow or lane id
    text: TextBlock
    text_x: float  # where the text starts inside the note
    pad: float
    w: float
    h: float


def lay_label(tr: Translate, key: tuple[str, Label], style: TextStyle,
              max_width: float = float("inf")) -> TextBlock:
    """Translate and lay out one element's text; a missing glyph names the element."""
    context, label = key
    text = tr(context, label)
    try:
        return layout_text(text, style, max_width)
    except GlyphMissing as exc:
        raise GlyphMissing(exc.char, text.text, context) from None


def measure(flow: Flow, theme: Theme, tr: Translate,
            shape: tuple[float, float] = (1.0, 1.0)) -> Measured:
    """Measure at ``theme``'s scale; ``shape`` widens or narrows boxes and labels."""
    s, px = theme.sizes, theme.px
    pad, icon = px(s.box_padding), px(s.icon)
    box_w = round(px(s.box_width) * shape[0], 1)
    boxes: dict[str, MeasuredBox] = {}
    inner: dict[str, float] = {}
    # Icon on the left, name and role in a column beside it: boxes stay short, which is
    # what a diagram of several rows on a square canvas runs out of first.
    text_x = pad + icon + px(8)
    text_w = box_w - text_x - pad
    for box in flow.boxes:
        name = lay_label(tr, (f"box.{box.id}.name", box.name),
                         theme.style(s.box_name, bold=True), text_w)
        role = lay_label(tr, (f"box.{box.id}.role", box.role),
                         theme.style(s.box_role, color=theme.palette.muted), text_w)
        boxes[box.id] = MeasuredBox(PlacedText(f"box.{box.id}.name", name, text_x, pad),
                                    PlacedText(f"box.{box.id}.role", role, text_x,
                                               pad + name.height + px(2)),
                                    icon)
        inner[box.id] = max(icon, name.height + px(2) + role.height)
    row_of = rows(flow)
    tallest: dict[int, float] = {}
    for box_id, height in inner.items():
        tallest[row_of[box_id]] = max(tallest.get(row_of[box_id], 0.0), height)
    box_heights = {box_id: round(tallest[row_of[box_id]] + 2 * pad, 1) for box_id in inner}
    return Measured(theme, box_w, box_heights, boxes, _labels(flow, theme, tr, shape[1]),
                    _lanes(flow, theme, tr, box_w), _notes(flow, theme, tr))


#: Room left of a highlight's text for its "!" disc (px; the sketch draws it at one size).
HIGHLIGHT_MARK = 28.0


def _notes(flow: Flow, theme: Theme, tr: Translate) -> tuple[MeasuredNote, ...]:
    """Callouts (bold) and highlights anchored to something, in the spec's order."""
    # (kind, id, text, near, the catalog context's prefix)
    pending = [("callout", c.id, c.text, c.near, "callout") for c in flow.callouts]
    pending += [("highlight", n.id, n.text, n.near, "note") for n in flow.notes
                if n.kind == "highlight" and n.near]
    notes = []
    for kind, note_id, text, near, prefix in pending:
        context = f"{prefix}.{note_id}.text"
        style = theme.style(theme.sizes.note, bold=kind == "callout",
                            color=theme.palette.ink)
        block = lay_label(tr, (context, text), style, theme.px(150))
        pad = theme.px(8)
        mark = HIGHLIGHT_MARK if kind == "highlight" else 0.0
        notes.append(MeasuredNote(f"{kind}.{note_id}", kind, str(near), block, pad + mark,
                                  pad, round(block.width + 2 * pad + mark, 1),
                                  round(block.height + 2 * pad, 1)))
    return tuple(notes)


def _labels(flow: Flow, theme: Theme, tr: Translate, factor: float
            ) -> dict[str, MeasuredLabel]:
    """Arrow label chips: badges of the legend steps the arrow belongs to, then the text."""
    s, px = theme.sizes, theme.px
    labels: dict[str, MeasuredLabel] = {}
    badge_d = px(s.badge * 1.55)
    for arrow in flow.arrows:
        style = theme.style(s.arrow_label, color=theme.palette.ink)
        block = lay_label(tr, (f"arrow.{arrow.id}.label", arrow.label), style,
                          px(s.label_max_width) * factor)
        numbers = flow.legend_numbers(arrow.id)
        badges_w = len(numbers) * (badge_d + px(3))
        w = round(px(5) + badges_w + block.width + px(5), 1)
        h = round(max(block.height, badge_d) + px(4), 1)
        labels[arrow.id] = MeasuredLabel(PlacedText(f"arrow.{arrow.id}.label", block,
                                                    px(5) + badges_w, (h - block.height) / 2),
                                         numbers, w, h)
    return labels


def _lanes(flow: Flow, theme: Theme, tr: Translate, lane_w: float
           ) -> dict[str, MeasuredLane]:
    """Lane headers: the title, and the caption under it, wrapped to ``lane_w`` (the box
    width): a lane is a column at least a box wide in TB, and in LR its header stands in a
    column of its own left of the boxes, which is as narrow as the headers allow."""
    s, px = theme.sizes, theme.px
    lanes: dict[str, MeasuredLane] = {}
    for lane in flow.lanes:
        title = lay_label(tr, (f"lane.{lane.id}.title", lane.title),
                          theme.style(s.lane_title, bold=True, color=theme.palette.write),
                          lane_w)
        caption = None
        h = title.height
        w = title.width
        if lane.caption:
            block = lay_label(tr, (f"lane.{lane.id}.caption", lane.caption),
                              theme.style(s.lane_caption, color=theme.palette.muted), lane_w)
            caption = PlacedText(f"lane.{lane.id}.caption", block, 0, title.height + px(1))
            h += px(1) + block.height
            w = max(w, block.width)
        lanes[lane.id] = MeasuredLane(PlacedText(f"lane.{lane.id}.title", title, 0, 0),
                                      caption, round(w, 1), round(h + px(4), 1))
    return lanes
