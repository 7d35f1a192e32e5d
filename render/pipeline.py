"""The render pipeline, wired in one place: Flow → scene → strokes → SVG → PNG (+ report).

Stages stay ignorant of each other; this module is the only one that knows the order.
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
from inkproof.render import check, report
from inkproof.render.compose import Translate, compose
from inkproof.render.mirror import mirror
from inkproof.render.raster import to_png
from inkproof.render.sketch import sketch
from inkproof.render.svg import id_prefix, to_svg
from inkproof.render.text import GlyphMissing
from inkproof.render.theme import WHITEBOARD

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


def render_flow(flow: Flow, options: RenderOptions) -> Rendered:
    """Render one flow in one language; raises IllegibleLayout rather than ship overlaps."""
    validate_lang(options.lang)
    size = options.size or flow.style.canvas
    seed = options.seed if options.seed is not None else flow.style.seed
    style = options.style or flow.style.theme
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
    svg = to_svg(scene, sketch(scene, theme, seed), theme, options.lang,
                 "rtl" if rtl else "ltr", ids=id_prefix(flow.id, options.lang))
    files: dict[str, bytes] = {}
    if "svg" in options.formats:
        files["svg"] = svg
    if "png" in options.formats:
        files["png"] = to_png(svg, *size)
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
