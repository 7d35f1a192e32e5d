"""The picture's chrome around the diagram: title, subtitle, header notes, legend, the key
of path kinds, strategies, the verification stamp and the long description.

Footer parts are laid out relative to the footer's top-left corner; composition moves them
under the diagram once the diagram's height is known.
"""

from __future__ import annotations

from dataclasses import dataclass

from inkproof.i18n.messages import CHROME, path_word
from inkproof.labels import Label, Span
from inkproof.model import Flow
from inkproof.render.geometry import Rect
from inkproof.render.measure import Translate, lay_label
from inkproof.render.place import badge
from inkproof.render.scene import LegendShape, NoteShape, PlacedText
from inkproof.render.theme import MIN_TEXT_PX, Theme, path_key

#: Length (px at scale 1) of a key entry's sample stroke: long enough to show two dashes.
KEY_SAMPLE = 36.0


def _chrome(key: str) -> tuple[str, Label]:
    """A word the picture adds (like "Legend"), keyed for translation like spec text."""
    text = CHROME[key]
    return key, Label(text, (Span(text),))


@dataclass(frozen=True)
class Header:
    """Title, subtitle and the notes at the header's right; ``bottom`` is where it ends."""

    title: PlacedText
    subtitle: PlacedText | None
    notes: tuple[NoteShape, ...]
    bottom: float


def header(flow: Flow, theme: Theme, tr: Translate, width: float) -> Header:
    """The title and subtitle at the top left, caution and free notes at the top right
    (under the title when there is no room beside it)."""
    m = theme.sizes.margin
    title = PlacedText("title", lay_label(tr, ("flow.title", flow.title),
                                          theme.style(theme.sizes.title, bold=True),
                                          width - 2 * m), m, m - 6)
    bottom = title.rect.bottom
    subtitle = None
    if flow.subtitle:
        subtitle = PlacedText("subtitle", lay_label(tr, ("flow.subtitle", flow.subtitle),
            theme.style(theme.sizes.subtitle, color=theme.palette.muted), width - 2 * m),
            m, bottom + 2)
        bottom = subtitle.rect.bottom
    free = width - 2 * m - max(title.block.width, subtitle.block.width if subtitle else 0) - 24
    notes = _header_notes(flow, theme, tr, width - m, m - 4, min(free, 360))
    if notes and free < 200:  # no room beside the title: stack them under it
        notes = _header_notes(flow, theme, tr, width - m, bottom + 6, width - 2 * m)
    bottom = max([bottom, *(n.rect.bottom for n in notes)])
    return Header(title, subtitle, tuple(notes), bottom)


@dataclass(frozen=True)
class Footer:
    """The legend, the key of path kinds (notes of kind "key") and the strategies panel,
    relative to the footer's top-left corner."""

    legend: LegendShape | None
    notes: tuple[NoteShape, ...]
    panels: tuple[tuple[str, Rect, PlacedText], ...]

    def rects(self) -> list[Rect]:
        rects = [n.rect for n in self.notes] + [p[1] for p in self.panels]
        return rects + ([self.legend.rect] if self.legend else [])


def footer(flow: Flow, theme: Theme, tr: Translate, width: float) -> Footer:
    """The legend across the full width (two columns when long), the key of path kinds at
    the end of the legend's heading line (on a row of its own when it does not fit there),
    then the strategies as one row of chips. Coordinates are relative to the footer's
    top-left corner.
    """
    s = theme.sizes
    inner = width - 2 * s.margin
    legend = _legend(flow, theme, tr, inner) if flow.legend else None
    key = _path_key(flow, theme, tr, inner, legend)
    return _strategies(flow, theme, tr, inner, legend, key)


def stamp_note(theme: Theme, tr: Translate, stamp: str, width: float, height: float) -> NoteShape:
    """The small "verified against a running system" stamp (or its warning twin) of a
    published picture: one short line at the right of the bottom margin, so it takes no
    room from the diagram."""
    verified = stamp == "verified"
    colour = theme.palette.write if verified else theme.palette.caution_stroke
    block = lay_label(tr, _chrome("chrome.verified" if verified else "chrome.unverified"),
                 theme.style(max(theme.sizes.note - 3, MIN_TEXT_PX / theme.script.scale + 0.2),
                             color=colour),
                 width - 2 * theme.sizes.margin)
    m = theme.sizes.margin
    w, h = block.width + 22, block.height
    rect = Rect(round(width - m - w, 2), round(height - h - 3, 2), round(w, 2), round(h, 2))
    return NoteShape("stamp", f"stamp-{stamp}", rect,
                     PlacedText("stamp.text", block, rect.x + 22, rect.y))


def _strategies(flow: Flow, theme: Theme, tr: Translate, inner: float,
                legend: LegendShape | None, key: tuple[NoteShape, ...]) -> Footer:
    s = theme.sizes
    if not flow.strategies:
        return Footer(legend, key, ())
    above = [*([legend.rect.bottom] if legend else []), *(entry.rect.bottom for entry in key)]
    y = max(above) + 6 if above else 0.0
    heading = PlacedText("strategies.heading", lay_label(tr, _chrome("chrome.strategies"),
        theme.style(s.note, bold=True, color=theme.palette.muted)), 12, y + 8)
    chip_x, chip_y = heading.rect.right + 12, y + 4
    row_bottom = chip_y
    notes = []
    for strategy in flow.strategies:
        block = lay_label(tr, (f"strategy.{strategy.id}.name", strategy.name),
                            theme.style(s.note, bold=True, color=theme.palette.write),
                            inner - 40)
        w, h = block.width + 16, block.height + 8
        if chip_x + w > inner - 6:  # wrap under the first chip
            chip_x = heading.rect.right + 12
            chip_y = row_bottom + 6
        rect = Rect(chip_x, chip_y, w, h)
        notes.append(NoteShape(f"strategy.{strategy.id}", "strategy", rect,
                               PlacedText(f"strategy.{strategy.id}.name", block,
                                          rect.x + 8, rect.y + 4)))
        row_bottom = max(row_bottom, rect.bottom)
        chip_x += w + 8
    panel = Rect(0, y, inner, row_bottom + 4 - y)
    return Footer(legend, (*key, *notes), (("strategies", panel, heading),))


def _path_key(flow: Flow, theme: Theme, tr: Translate, inner: float,
              legend: LegendShape | None) -> tuple[NoteShape, ...]:
    """One entry per path kind the arrows use (none when they all use one): a sample
    stroke, then the kind's name. Right-aligned on the legend's heading line, which has
    room to spare, so the key costs the diagram nothing; else a row of its own (rows when
    it is long) under the legend, or at the top of the footer when there is no legend.
    Mirroring puts the stroke on the right of its name, as the text leaves it free."""
    kinds = path_key(arrow.path for arrow in flow.arrows)
    if not kinds:
        return ()
    px = theme.px
    style = theme.style(theme.sizes.legend_item, color=theme.palette.ink)
    blocks = [lay_label(tr, _chrome(path_word(kind)), style) for kind in kinds]
    sample, gap, spacing = px(KEY_SAMPLE), px(6), px(16)
    widths = [sample + gap + block.width for block in blocks]
    total = sum(widths) + spacing * (len(widths) - 1)
    spots: list[tuple[float, float]] = []
    if legend is not None and legend.heading.rect.right + px(24) + total <= inner - 12:
        heading, cursor = legend.heading, inner - 12 - total
        for block, w in zip(blocks, widths, strict=True):  # on the heading's baseline
            spots.append((cursor, heading.y + heading.block.ascent - block.ascent))
            cursor += w + spacing
    else:
        cursor, y = 12.0, legend.rect.bottom + 2 if legend else 0.0
        for w in widths:
            if cursor > 12 and cursor + w > inner - 12:  # wrap under the first entry
                cursor, y = 12.0, y + max(block.height for block in blocks) + 4
            spots.append((cursor, y))
            cursor += w + spacing
    entries = []
    for kind, block, w, (x, y) in zip(kinds, blocks, widths, spots, strict=True):
        rect = Rect(round(x, 2), round(y, 2), round(w, 2), round(block.height, 2))
        entries.append(NoteShape(f"key.{kind}", "key", rect,
                                 PlacedText(f"key.{kind}.text", block,
                                            round(x + sample + gap, 2), round(y, 2)),
                                 path=kind))
    return tuple(entries)


def _header_notes(flow: Flow, theme: Theme, tr: Translate, right: float, top: float,
                  free_width: float) -> list[NoteShape]:
    """Caution notes and notes without an anchor, stacked at the header's right."""
    notes = []
    y = top
    for note in (n for n in flow.notes if n.kind == "caution" or not n.near):
        style = theme.style(theme.sizes.note - 0.5, bold=note.kind == "highlight",
                            color=theme.palette.muted if note.kind == "caution"
                            else theme.palette.ink)
        block = lay_label(tr, (f"note.{note.id}.text", note.text), style, free_width - 44)
        w, h = block.width + 44, block.height + 14
        rect = Rect(round(right - w, 2), round(y, 2), round(w, 2), round(h, 2))
        notes.append(NoteShape(f"{note.kind}.{note.id}", note.kind, rect,
                               PlacedText(f"{note.kind}.{note.id}.text", block,
                                          rect.x + 34, rect.y + 7)))
        y = rect.bottom + 6
    return notes


def _legend(flow: Flow, theme: Theme, tr: Translate, inner: float) -> LegendShape:
    """Numbered steps with their badges; long legends flow into two columns."""
    s, px = theme.sizes, theme.px
    heading = PlacedText("legend.heading", lay_label(tr, _chrome("chrome.legend"),
        theme.style(s.legend_heading, bold=True)), 12, 6)
    radius = px(s.badge * 1.6) / 2
    columns = 2 if len(flow.legend) >= 5 else 1
    per_column = -(-len(flow.legend) // columns)
    column_w = (inner - 24 - 16 * (columns - 1)) / columns
    top = heading.rect.bottom + 4
    badges, items = [], []
    bottom = top
    for index, step in enumerate(flow.legend):
        column, row = divmod(index, per_column)
        if row == 0:
            y = top
        x = 12 + column * (column_w + 16)
        block = lay_label(tr, (f"legend.{step.n}.text", step.text), theme.style(s.legend_item),
                            column_w - 2 * radius - 8)
        middle = y + block.ascent - block.size * 0.32
        badges.append(badge(f"legend.{step.n}.badge", step.n, (x + radius, middle), radius,
                             flow.arrow(step.arrows[0]).path, theme))
        items.append(PlacedText(f"legend.{step.n}.text", block, x + 2 * radius + 8, y))
        y += max(block.height, 2 * radius + 2) + 3  # badges of short lines must not touch
        bottom = max(bottom, y)
    return LegendShape(Rect(0, 0, inner, bottom + 6), heading, tuple(badges), tuple(items))


def picture_description(flow: Flow, tr: Translate) -> str:
    """The image's long description (SVG <desc>, alt text): the legend, in order."""
    parts = [tr("flow.title", flow.title).text + "."]
    parts += [f"{step.n}. {tr(f'legend.{step.n}.text', step.text).text}" for step in flow.legend]
    return " ".join(parts)
