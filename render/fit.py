"""Find the largest scale at which the diagram fits its area without conflicts.

Measure → lay out (any :class:`~inkproof.render.layout.LayoutEngine`) → place, tried from
the first guess down to the readable minimum, in a few box shapes and spacings each; the
first arrangement the legibility checker finds nothing in wins, else the one with fewest
findings at the largest scale that fits at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from inkproof.model import Flow
from inkproof.render.geometry import Rect
from inkproof.render.layout import LayoutEngine, LayoutError, graph_spec
from inkproof.render.measure import Translate, measure
from inkproof.render.place import Placed, diagram_findings, place
from inkproof.render.theme import MIN_TEXT_PX, Theme

#: Box-width and label-width factors tried at each scale before shrinking further: the
#: usual proportions, narrow ones for width-bound layouts (long CJK labels side by side),
#: wide ones for height-bound layouts (long role lines wrapping into tall boxes).
SHAPES = ((1.0, 1.0), (0.95, 0.88), (1.08, 0.9), (0.9, 0.78), (1.16, 1.0))


def fit(flow: Flow, theme: Theme, tr: Translate, area: Rect, engine: LayoutEngine) -> Placed:
    """The diagram placed in ``area``; everything in it shrinks together, never below the
    readable minimum (then :class:`LayoutError` says how much room is missing)."""
    # Badges hold one or two digits in a disc; they stay legible smaller than words.
    smallest = min(theme.sizes.box_role, theme.sizes.arrow_label,
                   theme.sizes.lane_caption) * theme.script.scale
    best: tuple[int, Placed] | None = None
    floor = MIN_TEXT_PX / smallest
    guess = _first_guess(flow, theme, tr, area, engine)
    if guess < floor * 0.85:  # far too big: say so now rather than try every scale
        raise LayoutError(f"the diagram needs about {floor / guess:.1f}× the room of "
                          f"{area.w:.0f}×{area.h:.0f} px to keep text at {MIN_TEXT_PX:.0f} px "
                          "— use a larger --size or split the flow")
    for scale in _scales(floor, guess):
        for shape in SHAPES:
            measured = measure(flow, theme.scaled(scale), tr, shape)
            for spacing in _spacings(measured.theme):
                layout = engine.layout(graph_spec(flow, measured, spacing))
                if layout.width > area.w or layout.height > area.h:
                    break  # a roomier variant will not fit either: try another shape
                placed = place(flow, measured, layout, area)
                conflicts = len(diagram_findings(placed))
                if best is None or conflicts < best[0]:
                    best = (conflicts, placed)
                if conflicts == 0:
                    break
            if best is not None:
                break
        if best is not None:
            break
    if best is None:
        raise LayoutError(f"the diagram does not fit in {area.w:.0f}×{area.h:.0f} px even "
                          f"with text at {MIN_TEXT_PX:.0f} px — use a larger --size")
    return best[1]


def _first_guess(flow: Flow, theme: Theme, tr: Translate, area: Rect,
                 engine: LayoutEngine) -> float:
    """The scale at which the tightest layout would just fit (layouts scale ~linearly)."""
    measured = measure(flow, theme, tr)
    layout = engine.layout(graph_spec(flow, measured, next(iter(_spacings(theme)))))
    return min(1.0, area.w / layout.width, area.h / layout.height)


def _scales(floor: float, start: float = 1.0) -> Iterable[float]:
    """Scales to try, largest first: from the first guess down to the readable floor."""
    scale = max(floor, min(1.0, int(start * 100 + 1e-6) / 100))
    while scale > floor + 1e-9:
        yield round(scale, 3)
        scale -= 0.02
    yield round(floor + 0.0005, 3)  # the readable minimum itself is the last chance


def _spacings(theme: Theme) -> Iterable[tuple[float, float]]:
    """Spacing variants tried in order, tightest first; the first without conflicts wins."""
    s = theme.sizes
    for nodesep, ranksep in ((1.0, 1.0), (1.4, 1.0), (1.0, 1.6), (1.6, 1.6), (2.0, 2.2)):
        yield theme.px(s.nodesep * nodesep), theme.px(s.ranksep * ranksep)
