"""Legibility checks on a layout report: what a reader would stumble over.

Text touching other text, text or notes over a box, an arrow through a label, a box or a
note, anything outside the canvas, text too small to read at the canvas size. The renderer
runs these on every picture and refuses to ship one with findings; composition uses them
to choose between layout variants.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from inkproof.render.geometry import (
    Rect,
    polyline_crosses_segment,
    polyline_hits_rect,
    straddles,
)
from inkproof.render.report import Element
from inkproof.render.theme import MIN_TEXT_PX

#: Digits in a badge disc stay readable smaller than words do.
MIN_BADGE_PX = 9.0
_TOUCH = 0.5  # px of tolerance: glyph boxes are generous


@dataclass(frozen=True, order=True)
class Finding:
    kind: str
    elements: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return self.message


def check(elements: Sequence[Element], canvas: tuple[int, int] | None = None) -> list[Finding]:
    """Every legibility problem among ``elements`` (empty when the picture is clean)."""
    found: list[Finding] = []
    texts = [e for e in elements if e.kind == "text"]
    badges = [e for e in elements if e.kind == "badge"]
    boxes = [e for e in elements if e.kind == "box"]
    arrows = [e for e in elements if e.kind == "arrow"]
    notes = [e for e in elements if e.kind == "note"]
    chips = [e for e in elements if e.kind == "label"]

    # Pairwise tests run on plain tuples: with hundreds of texts this is the hot loop.
    inner = {id(e): _edges(e.bbox, -_TOUCH) for e in (*texts, *badges, *notes, *chips)}
    outer = {id(e): _edges(e.bbox, 0.0) for e in (*texts, *badges, *boxes)}
    for a, b in itertools.combinations([*texts, *badges], 2):
        if a.owner == b.owner and (a.kind == "badge" or b.kind == "badge"):
            continue  # a badge sits beside its own label by design
        if _base(a.id) != _base(b.id) and _meet(inner[id(a)], outer[id(b)]):
            found.append(Finding("text-overlaps-text", (a.id, b.id),
                                 f"{_name(a)} touches {_name(b)}"))
    for item in [*texts, *badges, *notes, *chips]:
        for box in boxes:
            if item.owner != box.owner and _meet(inner[id(item)], outer[id(box)]):
                found.append(Finding("overlaps-box", (item.id, box.id),
                                     f"{_name(item)} overlaps {box.id}"))
    for arrow in arrows:
        for text in [*texts, *badges, *notes]:
            if text.owner != arrow.owner and polyline_hits_rect(arrow.points, text.bbox,
                                                                   arrow.bbox):
                found.append(Finding("arrow-crosses-text", (arrow.id, text.id),
                                     f"{arrow.id} crosses {_name(text)}"))
        for box in boxes:
            if box.owner in arrow.joins:
                continue
            if polyline_hits_rect(arrow.points, box.bbox.inflate(-4), arrow.bbox):
                found.append(Finding("arrow-crosses-box", (arrow.id, box.id),
                                     f"{arrow.id} runs through {box.id}"))
    longest = POINTER_SHARE * min(canvas) if canvas else float("inf")
    for pointer in (e for e in elements if e.kind == "pointer"):
        line = _trimmed(pointer.points)  # its tip touches the anchor by design
        for text in [*texts, *badges]:
            if text.owner != pointer.owner and polyline_hits_rect(line, text.bbox):
                found.append(Finding("pointer-crosses-text", (pointer.id, text.id),
                                     f"{pointer.id} crosses {_name(text)}"))
        for arrow in arrows:
            # Arrows of the note's own bundle (pointer.joins) run where it points anyway.
            if arrow.owner not in pointer.joins and polyline_crosses_segment(
                    list(arrow.points), line[0], line[1], arrow.bbox):
                found.append(Finding("pointer-crosses-arrow", (pointer.id, arrow.id),
                                     f"{pointer.id} crosses {arrow.id}"))
        length = ((line[1][0] - line[0][0]) ** 2 + (line[1][1] - line[0][1]) ** 2) ** 0.5
        if length > longest:
            found.append(Finding("pointer-too-long", (pointer.id,),
                                 f"{pointer.id} is {length:.0f} px long: its note is far "
                                 "from what it points at"))
    lanes = [e for e in elements if e.kind == "lane"]
    for note in notes:
        for lane in lanes:
            if straddles(note.bbox, lane.bbox):
                found.append(Finding("note-straddles-lane", (note.id, lane.id),
                                     f"{note.id} lies across the border of {lane.id}"))
    for a, b in itertools.combinations([*notes, *chips], 2):
        if a.owner != b.owner and a.bbox.intersects(b.bbox):
            found.append(Finding("overlaps-note", (a.id, b.id), f"{a.id} overlaps {b.id}"))
    for item in [*texts, *badges]:
        minimum = MIN_BADGE_PX if item.kind == "badge" else MIN_TEXT_PX
        if item.size is not None and item.size < minimum - 1e-6:
            found.append(Finding("text-too-small", (item.id,),
                                 f"{_name(item)} is {item.size:.1f} px; at least "
                                 f"{minimum:.0f} px is needed to read it"))
    if canvas is not None:
        found += _empty_bands(elements, canvas)
        frame = Rect(0, 0, canvas[0], canvas[1])
        for element in elements:
            if not frame.contains(element.bbox):
                found.append(Finding("outside-canvas", (element.id,),
                                     f"{_name(element)} is outside the {canvas[0]}×{canvas[1]} "
                                     "canvas"))
    return sorted(set(found))


#: A pointer longer than this share of the canvas's short side leaves its note far from
#: what it annotates.
POINTER_SHARE = 0.16

#: A horizontal strip with nothing drawn in it, taller than this share of the canvas, reads
#: as a hole in the picture (a diagram floating in its page, a footer far below it).
EMPTY_BAND_SHARE = 0.12


def _empty_bands(elements: Sequence[Element], canvas: tuple[int, int]) -> list[Finding]:
    """Bands across the whole width, above, between or below what is drawn, left empty."""
    return [Finding("empty-band", (f"band.{round(top)}",),
                    f"nothing is drawn from y={top:.0f} to y={bottom:.0f} "
                    f"({(bottom - top) / canvas[1]:.0%} of the height): an empty band")
            for top, bottom in _bands(elements, canvas)]


def _bands(elements: Sequence[Element], canvas: tuple[int, int]) -> list[tuple[float, float]]:
    """The empty bands (top, bottom) taller than :data:`EMPTY_BAND_SHARE` of the canvas.

    Lane backgrounds count as drawn (a lane is a coloured column); the canvas margin does
    not count as a band.
    """
    spans = sorted((e.bbox.y, e.bbox.bottom) for e in elements if e.bbox.h > 0)
    if not spans:
        return []
    limit = EMPTY_BAND_SHARE * canvas[1]
    bands = []
    reached = 0.0
    for top, bottom in [*spans, (float(canvas[1]), float(canvas[1]))]:
        if top - reached > limit:
            bands.append((reached, top))
        reached = max(reached, bottom)
    return bands


def empty_height(elements: Sequence[Element], canvas: tuple[int, int]) -> float:
    """How much height the empty bands take beyond half of what a band may take: what a
    page of the same width could lose and have none."""
    half = EMPTY_BAND_SHARE * canvas[1] / 2
    return sum(bottom - top - half for top, bottom in _bands(elements, canvas))


def _trimmed(points: tuple[tuple[float, float], ...], by: float = 3.0
             ) -> tuple[tuple[float, float], ...]:
    """A two-point line shortened at its tip."""
    (x0, y0), (x1, y1) = points[0], points[-1]
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    if length <= by:
        return ((x0, y0), (x0, y0))
    k = (length - by) / length
    return ((x0, y0), (x0 + (x1 - x0) * k, y0 + (y1 - y0) * k))


def _edges(rect: Rect, grow: float) -> tuple[float, float, float, float]:
    return (rect.x - grow, rect.y - grow, rect.right + grow, rect.bottom + grow)


def _meet(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _base(element_id: str) -> str:
    return element_id.split("#", 1)[0]


def _name(element: Element) -> str:
    if element.kind == "text" and element.text:
        shown = element.text if len(element.text) <= 32 else element.text[:29] + "..."
        return f"{_base(element.id)} ({shown!r})"
    return element.id
