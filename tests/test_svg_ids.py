"""Inline SVGs can share a page: every id names its picture (flow, language, variant).

An SVG inlined in HTML shares the page's id namespace: ``<use href="#g0-12">`` finds the
*first* element of the page with that id, so before the prefix a Japanese picture inlined
after the English one drew the English picture's glyphs ("Rad∞" for "Redis"). The first
tests check the ids themselves (pairwise disjoint across pictures, every reference resolved
inside its own SVG); the browser test inlines the pictures in one page of Debian's Chromium
and compares each with the PNG that resvg renders from the same SVG.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from itertools import combinations
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter

from inkproof import load_flow
from inkproof.i18n.catalog import translator_for
from inkproof.render import pipeline
from inkproof.render.svg import id_prefix, prefix_ids
from tests.conftest import FLOWS
from tests.test_gallery_browser import CHROMIUM, FLAGS, _require

LANGS = ("en", "ja")
PAGE_SHOT = Path("/tmp/svg-ids-page.png")
XLINK = "{http://www.w3.org/1999/xlink}href"
NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")
URL_REF = re.compile(r"url\(#([^)]+)\)")


@pytest.fixture(scope="module")
def pictures() -> dict[str, pipeline.Rendered]:
    """Both seed flows in English and Japanese (SVG + PNG), keyed ``<flow>.<lang>``."""
    out = {}
    for spec in FLOWS:
        flow = load_flow(spec)
        for lang in LANGS:
            options = pipeline.RenderOptions(lang=lang, translate=translator_for(spec, flow, lang),
                                             stamp="verified")
            out[f"{flow.id}.{lang}"] = pipeline.render_flow(flow, options)
    return out


@pytest.fixture(scope="module")
def classic() -> dict[str, bytes]:
    """The classic (Graphviz) export of both flows, keyed ``<flow>.classic``."""
    options = pipeline.RenderOptions(style="classic", formats=("svg",))
    return {f"{spec.stem}.classic": pipeline.render_flow(load_flow(spec), options).files["svg"]
            for spec in FLOWS}


def ids_of(svg: bytes) -> list[str]:
    return [e.get("id") for e in ET.fromstring(svg).iter() if e.get("id") is not None]


def references(svg: bytes) -> set[str]:
    """Every id the document points at: href/xlink:href="#…", url(#…), aria-labelledby."""
    refs: set[str] = set()
    for element in ET.fromstring(svg).iter():
        for name, value in element.attrib.items():
            if name in ("href", XLINK) and value.startswith("#"):
                refs.add(value[1:])
            elif name in ("aria-labelledby", "aria-describedby"):
                refs.update(value.split())
            refs.update(URL_REF.findall(value))
    return refs


def id_problems(svgs: dict[str, bytes]) -> list[str]:
    """Ids shared by two pictures, repeated within one, not NCNames, or pointed at but absent."""
    problems = []
    ids = {name: ids_of(svg) for name, svg in svgs.items()}
    for name, found in ids.items():
        problems += [f"{name}: id {i!r} is not an NCName" for i in found if not NCNAME.match(i)]
        if len(set(found)) != len(found):
            problems.append(f"{name}: repeats an id")
        missing = references(svgs[name]) - set(found)
        problems += [f"{name}: #{ref} points nowhere in its own SVG" for ref in sorted(missing)]
    for (a, ids_a), (b, ids_b) in combinations(ids.items(), 2):
        shared = set(ids_a) & set(ids_b)
        if shared:
            problems.append(f"{a} and {b} share {len(shared)} ids, e.g. {sorted(shared)[0]!r}")
    return problems


def unprefixed(name: str, svg: bytes) -> bytes:
    """The SVG as it was before ids had a prefix (each picture used ``g0-12``, ``title``…)."""
    flow_id, lang = name.split(".")
    return svg.replace(id_prefix(flow_id, lang).encode(), b"")


def test_ids_are_unique_across_pictures_and_resolve_inside_their_own(pictures, classic) -> None:
    svgs = {name: r.files["svg"] for name, r in pictures.items()} | classic
    assert id_problems(svgs) == []
    ja, en = id_prefix("redis-cache-invalidation", "ja"), id_prefix("redis-cache-invalidation",
                                                                       "en")
    glyphs = [i for i in ids_of(svgs["redis-cache-invalidation.ja"]) if "_g" in i]
    assert len(glyphs) > 100 and glyphs[0].startswith(f"{ja}g")
    root = ET.fromstring(svgs["redis-cache-invalidation.en"])
    assert root.get("aria-labelledby") == f"{en}title {en}desc"
    classic_prefix = id_prefix("redis-cache-invalidation", "en", "classic")
    assert all(i.startswith(classic_prefix)
               for i in ids_of(classic["redis-cache-invalidation.classic"]))


def test_the_id_check_catches_shared_and_dangling_ids(pictures) -> None:
    old = {name: unprefixed(name, r.files["svg"]) for name, r in pictures.items()}
    problems = id_problems(old)
    assert any("redis-cache-invalidation.en and redis-cache-invalidation.ja share" in p
               for p in problems), problems
    svg = pictures["redis-cache-invalidation.en"].files["svg"]
    broken = svg.replace(b"</svg>", b'<use href="#nowhere"/><rect fill="url(#gone)"/></svg>')
    assert id_problems({"x": broken}) == ["x: #gone points nowhere in its own SVG",
                                          "x: #nowhere points nowhere in its own SVG"]


def test_prefixes_are_ncnames_that_tell_pictures_apart() -> None:
    prefixes = [id_prefix(flow, lang, variant)
                for flow in ("redis-cache-invalidation", "redis-cache-invalidation-beginner")
                for lang in ("en", "ja", "zh-Hans", "pt-BR")
                for variant in ("", "classic", "card")]
    assert len(set(prefixes)) == len(prefixes)
    assert all(NCNAME.match(p + "g0-1") for p in prefixes)
    assert re.fullmatch(r"i[0-9a-f]{8}_", id_prefix("redis-cache-invalidation", "zh-Hans"))
    assert id_prefix("a-b", "c") != id_prefix("a", "b-c")  # parts cannot run together
    assert NCNAME.match(id_prefix("9 lives/é", "x:y")), id_prefix("9 lives/é", "x:y")


def test_prefixing_a_foreign_svg_rewrites_markup_not_text() -> None:
    svg = (b'<svg><g id="node1"><use xlink:href="#node2"/><path fill="url(#l_0)"/>'
           b'<text>id="node1" href="#x"</text><a href="https://x"/></g></svg>')
    assert prefix_ids(svg, "f_en_classic_") == (
        b'<svg><g id="f_en_classic_node1"><use xlink:href="#f_en_classic_node2"/>'
        b'<path fill="url(#f_en_classic_l_0)"/><text>id="node1" href="#x"</text>'
        b'<a href="https://x"/></g></svg>')


# ---- in a real browser ---------------------------------------------------------------------

# Chromium and resvg anti-alias edges differently, so a correct picture differs from its PNG
# in scattered edge pixels; after a 2 px box blur, pixels whose luminance still differs by
# more than 32 (of 255) were measured: 0 for each of the four pictures. A glyph borrowed from
# another picture changes whole letters: with the old, unprefixed ids it was 2561 and 3732
# for the two Japanese pictures and 471 for the second English one (the first picture owns
# the ids it shares: 0); the English SVG against the Japanese PNG, 189378. The limit sits
# between 0 and 471 with a wide margin to both.
MAX_DIFFERING_PIXELS = 100


def differing_pixels(shot: Image.Image, png: Image.Image) -> int:
    """Pixels whose blurred luminance differs by more than 32: whole shapes, not AA edges."""
    assert shot.size == png.size, (shot.size, png.size)
    blurred = [im.convert("L").filter(ImageFilter.BoxBlur(2)) for im in (shot, png)]
    histogram = ImageChops.difference(*blurred).histogram()
    return sum(histogram[33:])


def page_of(svgs: dict[str, bytes]) -> str:
    figures = "".join(f'<div id="p{i}">{svg[svg.index(b"<svg"):].decode()}</div>'
                      for i, svg in enumerate(svgs.values()))
    return ("<!doctype html><html><head><meta charset='utf-8'><style>body{margin:0;"
            "display:flex;flex-wrap:wrap}div{line-height:0}</style></head>"
            f"<body>{figures}</body></html>")


def screenshots(tab, path: Path, svgs: dict[str, bytes]) -> dict[str, Image.Image]:
    """Each inlined SVG of a page, screenshotted at its natural size."""
    path.write_text(page_of(svgs), encoding="utf-8")
    tab.goto(path.as_uri())
    shots = {}
    for index, name in enumerate(svgs):
        element = tab.query_selector(f"#p{index} > svg")
        shots[name] = Image.open(io.BytesIO(element.screenshot())).convert("RGB")
    return shots


def test_inlined_svgs_render_like_their_pngs_in_chromium(pictures, tmp_path: Path) -> None:
    _require("Debian's chromium", CHROMIUM.is_file())
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require("the playwright package", False)
    svgs = {name: r.files["svg"] for name, r in pictures.items()}
    pngs = {name: Image.open(io.BytesIO(r.files["png"])).convert("RGB")
            for name, r in pictures.items()}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS,
                                             headless=True)
        try:
            tab = browser.new_page(viewport={"width": 2048, "height": 1024},
                                   device_scale_factor=1)
            shots = screenshots(tab, tmp_path / "page.html", svgs)
            tab.screenshot(path=str(PAGE_SHOT), full_page=True)
            old = screenshots(tab, tmp_path / "old.html",
                              {name: unprefixed(name, svg) for name, svg in svgs.items()})
        finally:
            browser.close()
    measured = {name: differing_pixels(shots[name], pngs[name]) for name in svgs}
    assert all(n <= MAX_DIFFERING_PIXELS for n in measured.values()), measured
    # The measure sees borrowed glyphs: the same page with the old ids fails it ...
    before = {name: differing_pixels(old[name], pngs[name]) for name in svgs}
    assert before["redis-cache-invalidation-beginner.ja"] > MAX_DIFFERING_PIXELS, before
    assert before["redis-cache-invalidation.ja"] > MAX_DIFFERING_PIXELS, before
    # ... and the wrong picture: the English SVG against the Japanese PNG.
    wrong = differing_pixels(shots["redis-cache-invalidation.en"],
                             pngs["redis-cache-invalidation.ja"])
    assert wrong > 10 * MAX_DIFFERING_PIXELS, wrong
