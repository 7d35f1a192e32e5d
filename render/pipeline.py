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
from inkproof.errors import InkproofError
from inkproof.files import write_all
from inkproof.model import Flow
from inkproof.render import check, report, user_icon
from inkproof.render.backends import Drawing, encode
from inkproof.render.callouts import place_callouts
from inkproof.render.chrome import footer, header, picture_description, stamp_note
from inkproof.render.fit import fit
from inkproof.render.geometry import Rect
from inkproof.render.graphviz_layout import DotEngine
from inkproof.render.layout import LayoutEngine, LayoutError
from inkproof.render.measure import Translate, untranslated
from inkproof.render.mirror import mirror
from inkproof.render.scene import Scene
from inkproof.render.sketch import sketch
from inkproof.render.svg import id_prefix, to_svg
from inkproof.render.text import GlyphMissing
from inkproof.render.theme import WHITEBOARD, Theme
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
    size: tuple[int, int] | None = None
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
            engine: LayoutEngine | None = None) -> Scene:
    """Lay the whole flow out on a canvas of ``size`` pixels; ``stamp`` ("verified" or
    "unverified") adds the verification stamp of a published picture to the footer.

    The canvas is a header (title, subtitle), the diagram (lanes, boxes, arrows, laid out by
    ``engine`` on measured sizes) and a footer (numbered legend beside strategies and
    notes). Callouts are sticky notes placed in free space next to what they annotate.
    """
    tr = translate or untranslated
    width, height = size
    m = theme.sizes.margin
    top = header(flow, theme, tr, width)
    header_bottom = top.bottom + 10
    bottom = footer(flow, theme, tr, width)
    footer_top = height - m - max((r.bottom for r in bottom.rects()), default=0.0)
    area = Rect(m, header_bottom, width - 2 * m, footer_top - 12 - header_bottom)
    if area.h < 200:
        raise LayoutError(f"the header and footer leave only {area.h:.0f} px for the diagram "
                          f"on a {width}×{height} canvas — use a larger --size")
    placed = fit(flow, theme, tr, area, engine or DotEngine())
    bottom = transform(bottom, Move(m, footer_top))
    callouts = place_callouts(flow, theme, tr, placed,
                              Rect(m, header_bottom, width - 2 * m, footer_top - header_bottom))
    stamped = (stamp_note(theme, tr, stamp, width, height),) if stamp else ()
    return Scene(width, height, top.title, top.subtitle, placed.lanes, placed.boxes,
                 placed.arrows, bottom.legend, (*callouts, *top.notes, *bottom.notes, *stamped),
                 description=picture_description(flow, tr), panels=bottom.panels)


def render_flow(flow: Flow, options: RenderOptions) -> Rendered:
    """Render one flow in one language; raises IllegibleLayout rather than ship overlaps."""
    validate_lang(options.lang)
    size = options.size or flow.style.canvas
    seed = options.seed if options.seed is not None else flow.style.seed
    style = options.style or flow.style.theme
    # A user's own icons are read and sanitized first: a bad one stops the render early.
    user_icons = user_icon.resolve((str(box.icon) for box in flow.boxes), options.assets_dir)
    if style == "classic":
        from inkproof.render import classic

        return Rendered(flow.id, options.lang,
                        classic.render(flow, options.formats, options.translate,
                                       ids=id_prefix(flow.id, options.lang, "classic")), None)
    theme = WHITEBOARD.for_language(options.lang)
    try:
        scene = compose(flow, theme, size, options.translate, options.stamp)
    except GlyphMissing as exc:
        raise exc.within(lang=options.lang) from None
    rtl = theme.script.rtl
    if rtl and (options.rtl_layout or flow.style.rtl) == "mirror":
        scene = mirror(scene)
    elements = report.elements(scene)
    findings = check.check(elements, size)
    if findings:
        raise IllegibleLayout(flow.id, options.lang, findings)
    svg = to_svg(scene, sketch(scene, theme, seed, user_icons), theme, options.lang,
                 "rtl" if rtl else "ltr", ids=id_prefix(flow.id, options.lang))
    files = encode(Drawing(svg, *size), [fmt for fmt in FORMATS if fmt in options.formats])
    meta = {"flow": flow.id, "lang": options.lang, "style": style, "seed": seed,
            "stamp": options.stamp, "inkproof": __version__}
    return Rendered(flow.id, options.lang, files, report.to_json(scene, meta, elements))


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
