"""The render pipeline, wired in one place: Flow → scene → strokes → SVG → PNG (+ report).

The scene is composed in stages with plain data between them: chrome (header and footer
sizes) → measure → layout (a :class:`~inkproof.render.layout.LayoutEngine`, Graphviz
``dot`` by default) → place → callouts → scene; then the scene-wide transform (mirroring for
right-to-left languages), the legibility check, the sketch, and the back ends of
:mod:`~inkproof.render.backends`. Stages stay ignorant of each other; this module is the
only one that knows the order.
Nothing is written here: :func:`render_flow` returns bytes, and :func:`write_outputs`
writes a whole set of results atomically, so a failure leaves no half-written files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inkproof import __version__
from inkproof.canvas import AUTO_SIZES, MIN_SIDE, Canvas, describe, fixed_size
from inkproof.errors import InkproofError
from inkproof.files import write_all
from inkproof.model import Flow
from inkproof.render import check, report, user_icon
from inkproof.render.backends import Drawing, encode
from inkproof.render.callouts import place_callouts
from inkproof.render.chrome import picture_description, stamp_note
from inkproof.render.fit import fit
from inkproof.render.geometry import Rect
from inkproof.render.graphviz_layout import DotEngine
from inkproof.render.layout import LayoutEngine, LayoutError
from inkproof.render.measure import Translate, untranslated
from inkproof.render.mirror import mirror
from inkproof.render.scene import Scene
from inkproof.render.sizing import (
    MAX_SCALE,
    MIN_AREA_H,
    auto_sizes,
    frame,
    natural_size,
    page_theme,
    short_sides,
)
from inkproof.render.sketch import sketch
from inkproof.render.svg import id_prefix, to_svg
from inkproof.render.text import GlyphMissing
from inkproof.render.theme import MIN_TEXT_PX, WHITEBOARD, Theme
from inkproof.render.transform import Move, transform

FORMATS = ("svg", "png")
STYLES = ("whiteboard", "classic")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class IllegibleLayout(InkproofError):
    """The picture would have overlaps, cut-off or unreadable text; lists every finding."""

    def __init__(self, flow_id: str, lang: str, findings: Sequence[check.Finding]):
        self.flow_id, self.lang, self.findings = flow_id, lang, tuple(findings)
        lines = "\n".join(f"  - {f}" for f in findings)
        super().__init__(f"{flow_id} ({lang}): the layout is not legible, so nothing was "
                         f"written:\n{lines}")

    def __reduce__(self) -> tuple[type, tuple[str, str, tuple[check.Finding, ...]]]:
        return (type(self), (self.flow_id, self.lang, self.findings))


@dataclass(frozen=True)
class RenderOptions:
    lang: str = "en"
    formats: tuple[str, ...] = FORMATS
    seed: int | None = None
    size: Canvas | None = None  # default: the spec's style.canvas (auto unless it says)
    palette: str | None = None  # default: the spec's style.palette
    style: str | None = None
    translate: Translate | None = None
    rtl_layout: str | None = None  # "mirror" or "keep"; default: the spec's style.rtl
    stamp: str | None = None  # "verified" or "unverified": the footer stamp of publish
    assets_dir: Path | None = None  # the spec's folder: user icons (icon: icons/x.svg) live there


@dataclass(frozen=True)
class Rendered:
    flow_id: str
    lang: str
    files: dict[str, bytes]  # format → content
    report: dict[str, Any] | None


def validate_lang(lang: str) -> str:
    if not _LANG.match(lang):
        raise InkproofError(f"'{lang}' is not a language tag (expected something like en, "
                            "de, pt-BR, zh-Hans)")
    return lang


def compose(flow: Flow, theme: Theme, size: tuple[int, int],
            translate: Translate | None = None, stamp: str | None = None,
            engine: LayoutEngine | None = None, max_scale: float = 1.0) -> Scene:
    """Lay the whole flow out on a canvas of ``size`` pixels; ``stamp`` ("verified" or
    "unverified") adds the verification stamp of a published picture to the footer.

    The canvas is a header (title, subtitle), the diagram (lanes, boxes, arrows, laid out by
    ``engine`` on measured sizes, grown up to ``max_scale`` to fill its area) and a footer
    (numbered legend beside strategies and notes). Callouts are sticky notes placed in free
    space next to what they annotate.
    """
    tr = translate or untranslated
    width, height = size
    m = theme.sizes.margin
    parts = frame(flow, theme, tr, size)
    if parts.area.h < MIN_AREA_H:
        raise LayoutError(f"the header and footer leave only {parts.area.h:.0f} px for the "
                          f"diagram on a {width}×{height} canvas — use a larger --size")
    placed = fit(flow, theme, tr, parts.area, engine or DotEngine(), max_scale)
    bottom = transform(parts.bottom, Move(m, parts.footer_top))
    top = parts.top
    page = page_theme(theme, size)
    callouts = place_callouts(flow, page, placed,
                              Rect(m, parts.area.y, width - 2 * m,
                                   parts.footer_top - parts.area.y))
    stamped = (stamp_note(page, tr, stamp, width, height),) if stamp else ()
    return Scene(width, height, top.title, top.subtitle, placed.lanes, placed.boxes,
                 placed.arrows, bottom.legend, (*callouts, *top.notes, *bottom.notes, *stamped),
                 description=picture_description(flow, tr), panels=bottom.panels)


@dataclass(frozen=True)
class _Drawn:
    """A composed scene (mirrored when the language asks for it) and what the checker
    found in it."""

    scene: Scene
    elements: list[report.Element]
    findings: list[check.Finding]


def _draw(flow: Flow, theme: Theme, size: tuple[int, int], options: RenderOptions,
          max_scale: float) -> _Drawn:
    scene = compose(flow, theme, size, options.translate, options.stamp, max_scale=max_scale)
    if theme.script.rtl and (options.rtl_layout or flow.style.rtl) == "mirror":
        scene = mirror(scene)
    elements = report.elements(scene)
    return _Drawn(scene, elements, check.check(elements, size))


def _draw_on_canvas(flow: Flow, theme: Theme, canvas: Canvas, options: RenderOptions
                    ) -> _Drawn:
    """The picture on the canvas asked for: a fixed size is kept or refused with the side
    that is short and a size that works; ``auto`` takes the best-ranked size that draws
    cleanly (:mod:`~inkproof.render.sizing`)."""
    tr = options.translate or untranslated
    size = fixed_size(canvas)
    if size is not None:
        try:
            drawn = _draw(flow, theme, size, options, MAX_SCALE)
        except LayoutError as exc:
            raise LayoutError(_refusal(flow, theme, options, size, str(exc))) from None
        if drawn.findings and not _only_kind(drawn.findings, "empty-band"):
            raise IllegibleLayout(flow.id, options.lang, drawn.findings)
        return drawn
    first: Exception | None = None
    banded: _Drawn | None = None  # the first drawing whose only fault is empty bands
    tried = auto_sizes(flow, theme, tr, DotEngine())
    for size in tried:
        try:
            drawn = _draw(flow, theme, size, options, MAX_SCALE)
        except LayoutError as exc:
            first = first or exc
            continue
        if not drawn.findings:
            return drawn
        if banded is None and _only_kind(drawn.findings, "empty-band"):
            banded = drawn
        first = first or IllegibleLayout(flow.id, options.lang, drawn.findings)
    cropped = _cropped(flow, theme, options, banded) if banded is not None else None
    if cropped is not None:
        return cropped
    if first is None:
        raise LayoutError(f"{flow.id} ({options.lang}): the diagram does not fit even the "
                          f"largest automatic canvas ({describe(AUTO_SIZES[-1])}) with text "
                          f"at {MIN_TEXT_PX:.0f} px — split the flow into smaller ones")
    sizes = ", ".join(f"{w}×{h}" for w, h in tried)
    raise LayoutError(f"no automatic canvas ({sizes}) draws it legibly — split the flow, "
                      f"shorten its texts or use a larger --size. On {tried[0][0]}×"
                      f"{tried[0][1]}: {first}")


def _cropped(flow: Flow, theme: Theme, options: RenderOptions, banded: _Drawn
             ) -> _Drawn | None:
    """The drawing on a page of its width and the height its content needs, for a diagram
    wider than every preset (a long chain left to right) that leaves bands empty above and
    below it; None when a few crops do not draw it cleanly."""
    for _ in range(3):  # each crop shrinks the page, and with it what a band may take
        width, height = banded.scene.width, banded.scene.height
        size = (width, max(MIN_SIDE, 2 * round(
            (height - check.empty_height(banded.elements, (width, height))) / 2)))
        try:
            banded = _draw(flow, theme, size, options, MAX_SCALE)
        except LayoutError:
            return None
        if not banded.findings:
            return banded
        if not _only_kind(banded.findings, "empty-band"):
            return None
    return None


def _only_kind(findings: Sequence[check.Finding], kind: str) -> bool:
    return all(finding.kind == kind for finding in findings)


def _refusal(flow: Flow, theme: Theme, options: RenderOptions, size: tuple[int, int],
             why: str) -> str:
    """Why a fixed size cannot hold the flow: the short side and a size that works."""
    tr = options.translate or untranslated
    natural = natural_size(flow, theme, tr, DotEngine())
    message = (f"{flow.id} ({options.lang}) does not fit {size[0]}×{size[1]}: "
               f"{short_sides(flow, theme, tr, natural, size)} ({why})")
    for works in auto_sizes(flow, theme, tr, DotEngine()):
        try:
            if not _draw(flow, theme, works, options, MAX_SCALE).findings:
                return (f"{message}; {works[0]}×{works[1]} works (--size "
                        f"{works[0]}x{works[1]}, or --size auto)")
        except LayoutError:
            continue
    return f"{message}; no automatic size holds it either — split the flow"


def render_flow(flow: Flow, options: RenderOptions) -> Rendered:
    """Render one flow in one language; raises IllegibleLayout rather than ship overlaps."""
    validate_lang(options.lang)
    canvas = options.size or flow.style.canvas
    seed = options.seed if options.seed is not None else flow.style.seed
    style = options.style or flow.style.theme
    # A user's own icons are read and sanitized first: a bad one stops the render early.
    user_icons = user_icon.resolve((str(box.icon) for box in flow.boxes), options.assets_dir)
    if style == "classic":
        from inkproof.render import classic

        return Rendered(flow.id, options.lang,
                        classic.render(flow, options.formats, options.translate,
                                       ids=id_prefix(flow.id, options.lang, "classic")), None)
    palette = options.palette or flow.style.palette
    theme = WHITEBOARD.with_palette(palette).for_language(options.lang)
    try:
        drawn = _draw_on_canvas(flow, theme, canvas, options)
    except GlyphMissing as exc:
        raise exc.within(lang=options.lang) from None
    scene, size = drawn.scene, (drawn.scene.width, drawn.scene.height)
    rtl = theme.script.rtl
    svg = to_svg(scene, sketch(scene, theme, seed, user_icons), theme, options.lang,
                 "rtl" if rtl else "ltr", ids=id_prefix(flow.id, options.lang))
    files = encode(Drawing(svg, *size), [fmt for fmt in FORMATS if fmt in options.formats])
    meta = {"flow": flow.id, "lang": options.lang, "style": style, "palette": palette,
            "seed": seed, "stamp": options.stamp, "inkproof": __version__}
    return Rendered(flow.id, options.lang, files,
                    report.to_json(scene, meta, drawn.elements))


def output_path(out: Path, flow_id: str, lang: str, fmt: str) -> Path:
    """``out/<flow-id>/<lang>.<fmt>``, refusing anything that would leave ``out``."""
    validate_lang(lang)
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", flow_id) or fmt not in FORMATS:
        raise InkproofError(f"refusing to write output for id {flow_id!r}")
    root = out.resolve()
    target = (root / flow_id / f"{lang}.{fmt}").resolve()
    if not target.is_relative_to(root):
        raise InkproofError(f"refusing to write outside {out}: {target}")
    return target


def output_files(out: Path, results: Sequence[Rendered]) -> list[tuple[Path, bytes]]:
    """Every (path, data) of every result under ``out``."""
    return [(output_path(out, r.flow_id, r.lang, fmt), data)
            for r in results for fmt, data in r.files.items()]


def write_outputs(out: Path, results: Sequence[Rendered]) -> list[Path]:
    """Write every file of every result, all or nothing."""
    return write_all(output_files(out, results))
