"""Choose the canvas: split a size into header, diagram area and footer, and for ``auto``
rank the sizes of :data:`inkproof.canvas.AUTO_SIZES` by how well the content fills them.

One layout of the diagram at its natural scale (the theme's sizes, tightest spacing) gives
its natural width and height; every candidate size is then judged by arithmetic alone:
the scale the diagram would take there (it grows up to :data:`MAX_SCALE` to fill the page,
and may shrink only to the readable minimum) and the share of the page it would fill.
"""

from __future__ import annotations

from dataclasses import dataclass

from inkproof.canvas import AUTO_SIZES
from inkproof.model import Flow
from inkproof.render.chrome import Footer, Header, footer, header
from inkproof.render.geometry import Rect
from inkproof.render.layout import LayoutEngine, graph_spec
from inkproof.render.measure import Translate, measure
from inkproof.render.theme import MIN_TEXT_PX, Theme

#: A small diagram grows up to this scale to fill its page (text 1.5× the theme's sizes).
MAX_SCALE = 1.5
#: Below this height the diagram area is not worth laying out (header and footer ate it).
MIN_AREA_H = 200.0
#: How many ranked sizes ``auto`` renders before giving up (each failure costs a fit).
AUTO_TRIES = 6


@dataclass(frozen=True)
class Frame:
    """A canvas cut into its parts; the footer is still relative to its own corner."""

    size: tuple[int, int]
    top: Header
    bottom: Footer
    area: Rect  # where the diagram goes
    footer_top: float


def page_theme(theme: Theme, size: tuple[int, int]) -> Theme:
    """The theme of the words around the diagram (title, legend, notes) on a canvas of
    ``size``: they grow with a canvas larger than 1024², so that a big picture shown at
    blog width keeps its title and legend in proportion to the diagram."""
    grow = (size[0] * size[1]) ** 0.5 / 1024
    return theme.scaled(theme.scale * min(1.6, max(1.0, grow)))


def frame(flow: Flow, theme: Theme, tr: Translate, size: tuple[int, int]) -> Frame:
    """The header at the top, the footer at the bottom, the diagram area between them."""
    width, height = size
    theme = page_theme(theme, size)
    m = theme.sizes.margin
    top = header(flow, theme, tr, width)
    header_bottom = top.bottom + 10
    bottom = footer(flow, theme, tr, width)
    footer_top = height - m - max((r.bottom for r in bottom.rects()), default=0.0)
    area = Rect(m, header_bottom, width - 2 * m, footer_top - 12 - header_bottom)
    return Frame(size, top, bottom, area, footer_top)


def readable_floor(theme: Theme) -> float:
    """The smallest diagram scale whose smallest words are still :data:`MIN_TEXT_PX`."""
    s = theme.sizes
    smallest = min(s.box_role, s.arrow_label, s.lane_caption) * theme.script.scale
    return MIN_TEXT_PX / smallest


def natural_size(flow: Flow, theme: Theme, tr: Translate, engine: LayoutEngine
                 ) -> tuple[float, float]:
    """Width and height of the diagram at scale 1 with the tightest spacing."""
    measured = measure(flow, theme, tr)
    s = theme.sizes
    layout = engine.layout(graph_spec(flow, measured, (theme.px(s.nodesep),
                                                       theme.px(s.ranksep))))
    return layout.width, layout.height


@dataclass(frozen=True, order=True)
class Candidate:
    """A size judged for a diagram of natural size ``natural``."""

    size: tuple[int, int]
    scale: float  # the diagram's scale there (capped at MAX_SCALE)
    fill: float  # share of the page drawn on (diagram and chrome), 0..1


def judge(flow: Flow, theme: Theme, tr: Translate, natural: tuple[float, float],
          size: tuple[int, int]) -> Candidate | None:
    """How ``size`` would hold the diagram, or None when its text would be too small."""
    parts = frame(flow, theme, tr, size)
    if parts.area.h < MIN_AREA_H:
        return None
    width, height = natural
    scale = min(MAX_SCALE, parts.area.w / width, parts.area.h / height)
    if scale < readable_floor(theme):
        return None
    chrome = size[1] - parts.area.h
    fill = min(1.0, (scale * height + chrome) / size[1]) * min(1.0, scale * width / parts.area.w)
    return Candidate(size, round(scale, 3), round(fill, 3))


def auto_sizes(flow: Flow, theme: Theme, tr: Translate, engine: LayoutEngine
               ) -> list[tuple[int, int]]:
    """The sizes worth trying for ``auto``, best first (at most :data:`AUTO_TRIES`).

    Best is the smallest size that holds the diagram at its natural scale or larger and
    fills nearly as much of the page as any such size does; sizes that hold it only
    shrunk (never below the readable minimum) come after, largest scale first.
    """
    natural = natural_size(flow, theme, tr, engine)
    judged = [c for size in AUTO_SIZES if (c := judge(flow, theme, tr, natural, size))]
    roomy = [c for c in judged if c.scale >= 1.0]
    tight = sorted((c for c in judged if c.scale < 1.0), key=lambda c: -c.scale)
    ranked: list[Candidate] = []
    if roomy:
        best_fill = max(c.fill for c in roomy)
        ranked = [c for c in roomy if c.fill >= 0.85 * best_fill]  # smallest area first
        ranked += [c for c in roomy if c not in ranked]
    return [c.size for c in (ranked + tight)[:AUTO_TRIES]]


def short_sides(flow: Flow, theme: Theme, tr: Translate, natural: tuple[float, float],
                size: tuple[int, int]) -> str:
    """Which side of ``size`` is too short for the diagram at the readable minimum, by how
    much: "the width is short by about 310 px"."""
    parts = frame(flow, theme, tr, size)
    floor = readable_floor(theme)
    need_w, need_h = natural[0] * floor, natural[1] * floor
    short = []
    if need_w > parts.area.w:
        short.append(f"the width is short by about {need_w - parts.area.w:.0f} px")
    if need_h > parts.area.h:
        short.append(f"the height is short by about {need_h - parts.area.h:.0f} px")
    if not short:
        return "both sides hold the diagram, but not without overlaps"
    return " and ".join(short)
