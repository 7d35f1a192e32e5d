"""Shaping of mixed-script text, checked against an independent oracle: HarfBuzz's hb-shape.

Every label of every shipped catalog (and English) is laid out by the renderer's text module;
each drawn glyph run must be of one Unicode script (by the UCD, not by the renderer), and
its glyph ids and positions must equal what the system's ``hb-shape`` (Debian
``libharfbuzz-bin``, a separate HarfBuzz build from the one in ``uharfbuzz``) gives for the
same text, font, script, language and direction. A run shaped with a guessed script, such as
``API सर्विस`` shaped as Latin, fails both checks.

hb-shape shapes each line of its input separately, so all runs of one font, script,
language and direction go through one process: the whole check takes a few seconds.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fontTools import unicodedata as ucd
from fontTools.ttLib import TTFont

from inkproof.i18n.catalog import languages, locales_dir, translator_for
from inkproof.i18n.messages import messages
from inkproof.labels import Label, render_label
from inkproof.loader import load_flow
from inkproof.render import scripts
from inkproof.render.fonts import HAND_BOLD, FontSource
from inkproof.render.text import GlyphRun, TextStyle, layout_text
from inkproof.render.theme import WHITEBOARD

ROOT = Path(__file__).resolve().parent.parent
FLOWS = sorted((ROOT / "spec" / "flows").glob("*.yaml"))
HB_SHAPE = shutil.which("hb-shape") or "/usr/bin/hb-shape"

pytestmark = pytest.mark.skipif(not Path(HB_SHAPE).is_file(),
                                reason="hb-shape (Debian libharfbuzz-bin) is not installed")

# (font source, script, language, direction) → texts shaped with those settings
Group = tuple[FontSource, str, str, str]


def shipped_labels() -> Iterator[tuple[str, str, Label]]:
    """(language, context, label) of every message of every flow, in English and in every
    language with a catalog, translated the way the renderer translates them."""
    for path in FLOWS:
        flow = load_flow(path)
        for lang in ["en", *languages(locales_dir(path), flow.id)]:
            translate = translator_for(path, flow, lang)
            for message in messages(flow):
                english = render_label(message.source, flow.vars)
                yield lang, message.context, translate(message.context, english) \
                    if translate else english


def styles(lang: str) -> list[tuple[TextStyle, float]]:
    """The stacks labels are drawn with: regular prose wrapped narrow (so hyphenated and
    broken lines are checked too), and bold on one line."""
    theme = WHITEBOARD.for_language(lang)
    return [(theme.style(13.5), 112.0), (theme.style(16.5, bold=True), float("inf"))]


def ucd_script(text: str) -> str:
    """The one script of a run by the UCD (Common when it has none); ``mixed`` when the run
    holds letters of two scripts, which one shaping call cannot get right."""
    found = {str(ucd.script(c)) for c in text} - {"Zyyy", "Zinh", "Zzzz"}
    if len(found) > 1:
        return "mixed:" + "+".join(sorted(found))
    return found.pop() if found else "Zyyy"


@functools.cache
def upem(source: FontSource) -> int:
    with TTFont(source.locate(), fontNumber=source.index, lazy=True) as font:
        return int(font["head"].unitsPerEm)


def hb_shape(group: Group, texts: list[str]) -> list[list[dict[str, int]]]:
    """hb-shape's glyphs (font units) for each text, one process for the whole group."""
    source, script, lang, direction = group
    command = [HB_SHAPE, f"--font-file={source.locate()}", f"--face-index={source.index}",
               f"--variations=wght={source.weight}", f"--script={script}",
               f"--language={lang}", f"--direction={direction}", "--features=kern,liga",
               "--no-glyph-names", "--output-format=json"]
    done = subprocess.run(command, input="\n".join(texts) + "\n", capture_output=True,
                          text=True, check=True, timeout=60)
    lines = done.stdout.splitlines()
    assert len(lines) == len(texts), done.stderr
    return [json.loads(line) for line in lines]


def expected_glyphs(shaped: list[dict[str, int]], size: float, scale_upem: int
                    ) -> tuple[float, list[tuple[int, float, float]]]:
    """hb-shape's output in the renderer's units: px at ``size``, rounded to 0.01."""
    scale = size / scale_upem
    x, glyphs = 0.0, []
    for glyph in shaped:
        glyphs.append((glyph["g"], round(x + glyph["dx"] * scale, 2),
                       round(-glyph["dy"] * scale, 2)))
        x += glyph["ax"] * scale
    return x, glyphs


def oracle_mismatches(runs: list[tuple[str, str, GlyphRun]]) -> list[str]:
    """Each run (language, context, run) compared with hb-shape; the problems found."""
    problems: list[str] = []
    groups: dict[Group, list[tuple[str, str, GlyphRun]]] = {}
    for lang, context, run in runs:
        script = ucd_script(run.text)
        if script.startswith("mixed"):
            problems.append(f"{lang} {context}: run {run.text!r} is {script}")
            continue
        group = (run.face, script, lang, "rtl" if run.rtl else "ltr")
        groups.setdefault(group, []).append((lang, context, run))
    for group, members in sorted(groups.items(), key=lambda kv: repr(kv[0])):
        unique = sorted({run.text for _, _, run in members})
        shaped = dict(zip(unique, hb_shape(group, unique), strict=True))
        for lang, context, run in members:
            width, glyphs = expected_glyphs(shaped[run.text], run.size, upem(run.face))
            # One font unit (plus the 0.01 px rounding) of slack: HarfBuzz 6 (hb-shape) and
            # the newer HarfBuzz in uharfbuzz round the variation deltas of a variable
            # font's anchors differently (Cairo at wght 700: a damma 265 vs 266 units up).
            slack = run.size / upem(run.face) + 0.011
            if [g[0] for g in run.glyphs] != [g[0] for g in glyphs]:
                problems.append(f"{lang} {context}: {run.text!r} ({group[1]}) glyphs "
                                f"{[g[0] for g in run.glyphs]} != hb-shape "
                                f"{[g[0] for g in glyphs]}")
            elif (any(abs(a[1] - b[1]) > slack or abs(a[2] - b[2]) > slack
                      for a, b in zip(run.glyphs, glyphs, strict=True))
                  or abs(run.width - width) > slack):
                problems.append(f"{lang} {context}: {run.text!r} ({group[1]}) positions "
                                f"{run.glyphs} != hb-shape {glyphs}")
    return problems


def drawn_runs() -> list[tuple[str, str, GlyphRun]]:
    runs = []
    for lang, context, label in shipped_labels():
        for style, width in styles(lang):
            for line in layout_text(label, style, width).lines:
                runs += [(lang, context, run) for run in line.runs]
    return runs


def test_every_shipped_label_is_shaped_as_hb_shape_shapes_it() -> None:
    runs = drawn_runs()
    assert {lang for lang, _, _ in runs} >= {"en", "hi", "ar", "ja"}  # the catalogs were read
    problems = oracle_mismatches(runs)
    assert not problems, f"{len(problems)} of {len(runs)} runs differ from hb-shape:\n" + \
        "\n".join(problems[:40])


# ---- the regression of issue 10, and the parts --------------------------------------------


def _runs_of(text: str, lang: str, bold: bool = True) -> list[GlyphRun]:
    style = WHITEBOARD.for_language(lang).style(16.5, bold=bold)
    return [run for line in layout_text(text, style).lines for run in line.runs]


def test_api_service_in_hindi_is_shaped_as_devanagari() -> None:
    runs = _runs_of("API सर्विस", "hi")
    kalam = runs[0].face
    drawn = [g[0] for run in runs for g in run.glyphs]
    latin, deva = hb_shape((kalam, "latn", "hi", "ltr"), ["API ", "सर्विस"])
    [as_devanagari] = hb_shape((kalam, "deva", "hi", "ltr"), ["सर्विस"])
    assert drawn == [g["g"] for g in latin] + [g["g"] for g in as_devanagari]
    # The old, guessed shaping (the whole label as Latin) keeps the virama visible and
    # the i-matra after its consonant: other glyphs, and more of them.
    [guessed] = hb_shape((kalam, "latn", "hi", "ltr"), ["API सर्विस"])
    assert drawn != [g["g"] for g in guessed]
    assert len(deva) > len(as_devanagari)
    assert [(run.script, run.text) for run in runs] == [("Latn", "API "), ("Deva", "सर्विस")]
    assert not oracle_mismatches([("hi", "test", run) for run in runs])


def test_the_oracle_catches_a_run_shaped_with_the_wrong_script() -> None:
    kalam = HAND_BOLD[0]

    def run(text: str, shaped_as: str) -> GlyphRun:
        [shaped] = hb_shape((kalam, shaped_as, "hi", "ltr"), [text])
        width, glyphs = expected_glyphs(shaped, 16.5, upem(kalam))
        return GlyphRun(kalam, 16.5, 0, round(width, 2), "#000", tuple(glyphs), text)

    assert not oracle_mismatches([("hi", "right", run("सर्विस", "deva"))])
    [problem] = oracle_mismatches([("hi", "wrong", run("सर्विस", "latn"))])
    assert "glyphs" in problem
    [problem] = oracle_mismatches([("hi", "mixed", run("API सर्विस", "latn"))])
    assert "mixed:Deva+Latn" in problem


def test_the_language_reaches_the_shaper() -> None:
    assert WHITEBOARD.for_language("hi").style(14).language == "hi"
    assert WHITEBOARD.for_language("hi").scaled(0.9).style(14).language == "hi"
    assert WHITEBOARD.style(14).language == "en"


@pytest.mark.parametrize(("text", "expected"), [
    ("API सर्विस", [("Latn", "API "), ("Deva", "सर्विस")]),
    ("(200) सर्विस", [("Deva", "(200) सर्विस")]),  # leading Common takes the next script
    ("सर्विस (API) है", [("Deva", "सर्विस ("), ("Latn", "API"), ("Deva", ") है")]),
    ("200 / 300", [("Zyyy", "200 / 300")]),
    ("key-वर्ज़निंग।", [("Latn", "key-"), ("Deva", "वर्ज़निंग।")]),  # nukta, virama: Deva
    ("Redis ক্যাশ", [("Latn", "Redis "), ("Beng", "ক্যাশ")]),
    ("API சேவை", [("Latn", "API "), ("Taml", "சேவை")]),
    ("แคช Redis", [("Thai", "แคช "), ("Latn", "Redis")]),
    ("キャッシュ無効化 TTL", [("Kana", "キャッシュ"), ("Hani", "無効化 "), ("Latn", "TTL")]),
    ("مفتاح key", [("Arab", "مفتاح "), ("Latn", "key")]),
])
def test_script_runs_follow_uax_24(text: str, expected: list[tuple[str, str]]) -> None:
    assert scripts.runs(text) == expected


def test_a_script_change_inside_a_word_splits_the_run_not_the_font() -> None:
    runs = _runs_of("सर्विस-API", "hi", bold=False)
    assert [(run.script, run.text) for run in runs] == [("Deva", "सर्विस-"), ("Latn", "API")]
    assert {run.face for run in runs} == {runs[0].face}  # Kalam draws both


_OTHER_FONTS = {  # fonts-noto-core, when installed
    "bn": ("/usr/share/fonts/truetype/noto/NotoSansBengali-Regular.ttf", "Redis ক্যাশ সার্ভিস",
           "Beng"),
    "ta": ("/usr/share/fonts/truetype/noto/NotoSansTamil-Regular.ttf", "API சேவை ஸ்ட்ரீம்",
           "Taml"),
    "th": ("/usr/share/fonts/truetype/noto/NotoSansThai-Regular.ttf", "API แคชที่นี่", "Thai"),
}


@pytest.mark.parametrize("lang", sorted(_OTHER_FONTS))
def test_other_indic_and_thai_mixed_labels(lang: str) -> None:
    path, text, script = _OTHER_FONTS[lang]
    if not Path(path).is_file():
        pytest.skip(f"{path} is not installed (Debian fonts-noto-core)")
    source = FontSource(f"Noto {script}", 400, path, "fonts-noto-core")
    style = TextStyle(16, (source, *WHITEBOARD.style(16).stack), "#000", language=lang)
    runs = [run for line in layout_text(text, style).lines for run in line.runs]
    assert script in {run.script for run in runs}
    assert not oracle_mismatches([(lang, "test", run) for run in runs])
