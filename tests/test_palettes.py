"""Palettes are data (render/theme.py PALETTES): ``style.palette`` and ``--palette`` pick one,
the background follows it, and the transparent ones leave the page's own colour showing
while every text stays readable on a light and on a dark page."""

from __future__ import annotations

import io
import subprocess
import sys
import typing
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from inkproof import SpecError, load_flow, parse_flow
from inkproof.model import Style
from inkproof.render import pipeline
from inkproof.render.theme import PALETTES, Palette
from inkproof.schema import json_schema
from tests.conftest import MINIMAL, ROOT, position_of

LOOP = ROOT / "tests" / "data" / "job-retry-loop.yaml"
SVG = "{http://www.w3.org/2000/svg}"
PAGES = {"white": "#ffffff", "dark": "#0d1117"}  # a docs site's light and dark mode


def render(flow, formats: tuple[str, ...] = ("svg",), **options) -> pipeline.Rendered:
    return pipeline.render_flow(flow, pipeline.RenderOptions(formats=formats, **options))


def background(svg: bytes) -> tuple[str | None, bool]:
    """The fill of the full-canvas rectangle (None when there is none) and whether a grid
    is drawn."""
    root = ET.fromstring(svg)
    rects = [r for r in root.findall(f"{SVG}rect") if r.get("width") == root.get("width")]
    grid = any(p.get("id", "").endswith("grid") for p in root.findall(f"{SVG}path"))
    return (rects[0].get("fill") if rects else None), grid


# ---- the model takes the registry's names -------------------------------------------------

def test_style_palette_accepts_exactly_the_registered_palettes() -> None:
    assert typing.get_args(Style.model_fields["palette"].annotation) == tuple(PALETTES)
    assert {"cool-blue", "dark", "transparent", "dark-transparent"} <= set(PALETTES)
    schema = json_schema()["$defs"]["Style"]["properties"]["palette"]
    assert schema["enum"] == list(PALETTES) and schema["default"] == "cool-blue"
    assert parse_flow(MINIMAL).style.palette == "cool-blue"


def test_an_unknown_palette_is_located_and_the_known_ones_listed(tmp_path: Path) -> None:
    text = MINIMAL.replace("lanes:", "style: {palette: neon}\nlanes:")
    spec = tmp_path / "flow.yaml"
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_flow(spec)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == (str(spec), position_of(text, "neon")[0])
    assert problem.message == "style.palette: 'neon' is not allowed"
    assert problem.hint == "expected one of: " + ", ".join(PALETTES)


# ---- the background follows the palette --------------------------------------------------

@pytest.mark.parametrize("name", list(PALETTES))
def test_a_palette_sets_the_background(name: str) -> None:
    palette = PALETTES[name]
    fill, grid = background(render(parse_flow(MINIMAL), palette=name).files["svg"])
    if palette.background == "none":
        assert fill is None and not grid  # nothing painted: the page shows through
    else:
        assert fill == palette.background and grid


def test_the_specs_palette_is_used_and_the_option_overrides_it() -> None:
    dark = parse_flow(MINIMAL.replace("lanes:", "style: {palette: dark}\nlanes:"))
    drawn = render(dark)
    assert background(drawn.files["svg"])[0] == PALETTES["dark"].background
    assert drawn.report is not None and drawn.report["palette"] == "dark"
    assert background(render(dark, palette="cool-blue").files["svg"])[0] == (
        PALETTES["cool-blue"].background)


def test_a_transparent_png_is_transparent_where_nothing_is_drawn() -> None:
    for name in ("transparent", "dark-transparent"):
        png = render(parse_flow(MINIMAL), formats=("png",), palette=name).files["png"]
        with Image.open(io.BytesIO(png)) as image:
            assert image.mode == "RGBA"
            assert image.getpixel((2, 2))[3] == 0  # a corner: margin, no grid
            alpha = image.getchannel("A")
            assert alpha.getextrema() == (0, 255)  # ...and the drawing is opaque
    png = render(parse_flow(MINIMAL), formats=("png",)).files["png"]
    with Image.open(io.BytesIO(png)) as image:
        assert image.convert("RGBA").getpixel((2, 2))[3] == 255


def test_palettes_are_deterministic() -> None:
    flow = load_flow(LOOP)
    assert render(flow, palette="dark-transparent").files == render(
        flow, palette="dark-transparent").files


# ---- text stays readable on the page behind a transparent picture ------------------------

def luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_grounds(palette: Palette) -> list[str]:
    """What a text's glyphs are seen against, on any page: the halo if there is one, else
    the background, else every page."""
    if palette.halo != "none":
        return [palette.halo]
    return [palette.background] if palette.background != "none" else list(PAGES.values())


def readable(palette: Palette) -> list[str]:
    """Text colours of ``palette`` that fall below 4.5:1 (WCAG AA) against their ground."""
    return [f"{field}={getattr(palette, field)} on {ground}"
            for field in ("ink", "muted", "code")
            for ground in text_grounds(palette)
            if contrast(getattr(palette, field), ground) < 4.5]


@pytest.mark.parametrize("name", list(PALETTES))
def test_every_palettes_text_reads_on_any_page(name: str) -> None:
    assert readable(PALETTES[name]) == []


def test_the_readability_check_catches_a_transparent_palette_without_halo() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    broken = replace(PALETTES["dark-transparent"], halo="none")
    assert any("on #ffffff" in problem for problem in readable(broken))


def test_transparent_texts_carry_a_halo_but_badge_digits_do_not() -> None:
    svg = render(load_flow(LOOP), palette="transparent").files["svg"]
    root = ET.fromstring(svg)
    texts = {g.get("data-id"): g for g in root.iter(f"{SVG}g") if g.get("data-id")}
    halo = PALETTES["transparent"].halo
    for text_id in ("title", "legend.heading", "key.read.text"):
        runs = [g for g in texts[text_id] if g.tag == f"{SVG}g"]
        assert runs and all(r.get("stroke") == halo and r.get("paint-order") == "stroke"
                            for r in runs), text_id
    digits = [g for g in texts["legend.1.badge.text"] if g.tag == f"{SVG}g"]
    assert digits and not any(r.get("stroke") for r in digits)
    plain = ET.fromstring(render(load_flow(LOOP)).files["svg"])
    assert not [g for g in plain.iter(f"{SVG}g") if g.get("paint-order")]


# ---- the command line ----------------------------------------------------------------------

def inkproof(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inkproof", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_the_palette_option_of_render(tmp_path: Path) -> None:
    done = inkproof("render", LOOP, "--palette", "dark", "--format", "svg", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    svg = (tmp_path / "job-retry-loop" / "en.svg").read_bytes()
    assert background(svg)[0] == PALETTES["dark"].background
    refused = inkproof("render", LOOP, "--palette", "neon", "--out", tmp_path / "no")
    assert refused.returncode == 2 and "neon" in refused.stderr
    assert all(name in refused.stderr for name in PALETTES)
    assert not (tmp_path / "no").exists()
