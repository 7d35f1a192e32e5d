"""Find the largest scale at which the diagram fits its area without conflicts.

Measure → lay out (any :class:`~inkproof.render.layout.LayoutEngine`) → place, tried from
the first guess down to the readable minimum, in a few box shapes and spacings each; the
first arrangement the legibility checker finds nothing in wins, else the one with fewest
findings at the largest scale that fits at all.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable

from inkproof.model import Flow
from inkproof.render.geometry import Rect
from inkproof.render.layout import LayoutEngine, LayoutError, graph_spec, rows
from inkproof.render.measure import Measured, Translate, measure
from inkproof.render.place import Placed, diagram_findings, place
from inkproof.render.sizing import natural_size, readable_floor
from inkproof.render.theme import MIN_TEXT_PX, Theme

#: Box-width and label-width factors tried at each scale before shrinking further: the
#: usual proportions, narrow ones for width-bound layouts (long CJK labels side by side),
#: wide ones for height-bound layouts (long role lines wrapping into tall boxes).
SHAPES = ((1.0, 1.0), (0.95, 0.88), (1.08, 0.9), (0.9, 0.78), (1.16, 1.0))


def fit(flow: Flow, theme: Theme, tr: Translate, area: Rect, engine: LayoutEngine,
        max_scale: float = 1.0) -> Placed:
    """The diagram placed in ``area``; everything in it grows together up to ``max_scale``
    to fill the area, or shrinks, never below the readable minimum (then
    :class:`LayoutError` says how much room is missing). Rows spread apart to use height
    that scaling cannot (a wide diagram on a tall page)."""
    best: tuple[int, Placed, Measured, tuple[float, float]] | None = None
    floor = readable_floor(theme)
    guess = _first_guess(flow, theme, tr, area, engine, max_scale)
    if guess < floor * 0.85:  # far too big: say so now rather than try every scale
        raise LayoutError(f"the diagram needs about {floor / guess:.1f}× the room of "
                          f"{area.w:.0f}×{area.h:.0f} px to keep text at {MIN_TEXT_PX:.0f} px "
                          "— use a larger --size or split the flow")
    # Once something fits, a few smaller scales still get a chance to fit without conflicts
    # (a label an arrow crosses at one scale is often clear at the next).
    extra_scales = 4
    for scale in _scales(floor, guess):
        if best is not None:
            if best[0] == 0 or extra_scales == 0:
                break
            extra_scales -= 1
        for shape in SHAPES:
            measured = measure(flow, theme.scaled(scale), tr, shape)
            for spacing in _spacings(measured.theme):
                layout = engine.layout(graph_spec(flow, measured, spacing))
                if layout.width > area.w or layout.height > area.h:
                    break  # a roomier variant will not fit either: try another shape
                placed = place(flow, measured, layout, area)
                conflicts = len(diagram_findings(placed))
                if best is None or conflicts < best[0]:
                    best = (conflicts, placed, measured, spacing)
                if conflicts == 0:
                    break
            if best is not None and best[0] == 0:
                break
    if best is None:
        raise LayoutError(f"the diagram does not fit in {area.w:.0f}×{area.h:.0f} px even "
                          f"with text at {MIN_TEXT_PX:.0f} px — use a larger --size")
    conflicts, placed, measured, spacing = best
    if conflicts == 0:
        return _spread(flow, measured, spacing, area, engine) or placed
    return placed


#: Rows spread apart until the diagram fills this share of its area's height...
SPREAD_TARGET = 0.92
#: ...but a gap between rows grows to at most this many times the theme's row spacing;
#: lanes stacked left to right move apart less (their boxes do not move to the middle of
#: a taller band: a band mostly empty reads as a hole, and the page crops instead).
SPREAD_MAX = 14.0
SPREAD_MAX_BANDS = 2.5


def _spread(flow: Flow, measured: Measured, spacing: tuple[float, float], area: Rect,
            engine: LayoutEngine) -> Placed | None:
    """The same diagram with its parts further apart, filling the area's height, or None
    when it already does (or spreading would bring conflicts).

    Top to bottom, the rows move apart (rank separation); left to right, the lanes do:
    their headers share one column, so the separation of nodes within a rank sets the
    distance between the bands."""
    layout = engine.layout(graph_spec(flow, measured, spacing))
    across = layout.direction == "LR"
    if across:
        gaps = len(flow.lanes) - 1 if flow.lanes else max(
            collections.Counter(rows(flow).values()).values()) - 1
    else:
        gaps = len(set(rows(flow).values())) - (0 if flow.lanes else 1)
    spare = area.h * SPREAD_TARGET - layout.height
    if gaps < 1 or spare < area.h * 0.05:
        return None
    theme = measured.theme
    base = theme.px(theme.sizes.nodesep if across else theme.sizes.ranksep)
    grown = min(spacing[1 - across] + spare / gaps,
                base * (SPREAD_MAX_BANDS if across else SPREAD_MAX))
    wider = engine.layout(graph_spec(flow, measured, (grown, spacing[1]) if across
                                     else (spacing[0], grown)))
    if wider.height > area.h or wider.width > area.w:
        return None
    placed = place(flow, measured, wider, area)
    return None if diagram_findings(placed) else placed


def _first_guess(flow: Flow, theme: Theme, tr: Translate, area: Rect,
                 engine: LayoutEngine, max_scale: float) -> float:
    """The scale at which the tightest layout would just fit (layouts scale ~linearly)."""
    width, height = natural_size(flow, theme, tr, engine)
    return min(max_scale, area.w / width, area.h / height)


def _scales(floor: float, start: float = 1.0) -> Iterable[float]:
    """Scales to try, largest first: from the first guess down to the readable floor."""
    scale = max(floor, int(start * 100 + 1e-6) / 100)
    while scale > floor + 1e-9:
        yield round(scale, 3)
        scale -= 0.02
    yield round(floor + 0.0005, 3)  # the readable minimum itself is the last chance


def _spacings(theme: Theme) -> Iterable[tuple[float, float]]:
    """Spacing variants tried in order, tightest first; the first without conflicts wins."""
    s = theme.sizes
    for nodesep, ranksep in ((1.0, 1.0), (1.4, 1.0), (1.0, 1.6), (1.6, 1.6), (2.0, 2.2)):
        yield theme.px(s.nodesep * nodesep), theme.px(s.ranksep * ranksep)
