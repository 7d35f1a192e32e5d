"""Translation: catalogs stay in step with the English, the guard protects what must not
change, and every language renders legibly in its own script and direction."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest

from inkproof import load_flow
from inkproof.i18n import catalog, guard
from inkproof.render import bidi, check, pipeline, report
from inkproof.render.text import GlyphMissing, layout_text
from inkproof.render.theme import WHITEBOARD
from tests.conftest import FLOWS, ROOT

LANGUAGES = ["de", "es", "fr", "pt-BR", "ru", "el", "ar", "he", "hi", "ja", "zh-Hans", "ko"]
GLOSSARY = guard.load_glossary(ROOT / "spec" / "glossary.yaml")
SENIOR = ROOT / "spec" / "flows" / "redis-cache-invalidation.yaml"


def inkproof(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inkproof", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


# ---- catalogs -----------------------------------------------------------------------------


def test_every_target_language_has_complete_catalogs() -> None:
    for path in FLOWS:
        flow = load_flow(path)
        assert catalog.languages(catalog.locales_dir(path), flow.id) == sorted(LANGUAGES)
        for lang in LANGUAGES:
            po = catalog.po_path(catalog.locales_dir(path), lang, flow.id)
            result = catalog.check(flow, catalog.load(po), lang, po, GLOSSARY)
            assert result.clean, "\n".join(result.lines())
            assert "# Style:" in catalog.load(po).header_comment


def test_committed_templates_are_current() -> None:
    for path in FLOWS:
        flow = load_flow(path)
        pot = catalog.locales_dir(path) / f"{flow.id}.pot"
        assert pot.read_bytes() == catalog.dump(catalog.template(flow)), (
            "stale .pot: run `inkproof i18n extract spec/flows/*.yaml`")


def test_catalog_entries_say_where_they_appear() -> None:
    template = catalog.template(load_flow(SENIOR))
    entry = template.get("Stores hot key-value data with TTL", context="box.cache.role")
    assert entry is not None and entry.auto_comments == [
        "One-line role under 'Redis Cache', in a narrow box."]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of spec/ to edit freely."""
    shutil.copytree(ROOT / "spec", tmp_path / "spec",
                    ignore=shutil.ignore_patterns("seeds", "schema"))
    return tmp_path


def test_stale_cycle_english_change_to_fuzzy_to_retranslated(workspace: Path) -> None:
    spec = workspace / "spec" / "flows" / "redis-cache-invalidation.yaml"
    assert inkproof("i18n", "check", spec, cwd=workspace).returncode == 0
    spec.write_text(spec.read_text().replace("role: Stores hot key-value data with TTL",
                                             "role: Keeps hot key-value data with a TTL"))
    stale = inkproof("i18n", "check", spec, cwd=workspace)
    assert stale.returncode == 1
    for lang in LANGUAGES:  # every language reports the changed role, and only that
        assert f"{lang}/redis-cache-invalidation.po: 0 missing, 1 fuzzy/stale" in stale.stdout
    assert "fuzzy    box.cache.role (English was: 'Stores hot key-value data with TTL')" in (
        stale.stdout)
    assert inkproof("i18n", "update", spec, cwd=workspace).returncode == 0
    po = workspace / "spec" / "locales" / "de" / "redis-cache-invalidation.po"
    merged = catalog.load(po)
    entry = merged.get("Keeps hot key-value data with a TTL", context="box.cache.role")
    assert entry.fuzzy and entry.previous_id == ["Stores hot key-value data with TTL"]
    assert entry.string  # the old translation is kept for the translator to revise
    render = inkproof("render", spec, "--lang", "de", "--format", "svg", "--out",
                      workspace / "out", cwd=workspace)
    assert render.returncode == 0
    assert "box.cache.role (fuzzy/stale)" in render.stderr  # drawn in English, and said
    entry.string, entry.flags = "Hält heiße Key-Value-Daten mit TTL", set()
    po.write_bytes(catalog.dump(merged))
    again = inkproof("i18n", "check", spec, "--lang", "de", cwd=workspace)
    assert again.returncode == 0 and "complete" in again.stdout


def test_update_creates_a_catalog_for_a_new_language(workspace: Path) -> None:
    spec = workspace / "spec" / "flows" / "redis-cache-invalidation.yaml"
    assert inkproof("i18n", "update", spec, "--lang", "it", cwd=workspace).returncode == 0
    result = inkproof("i18n", "check", spec, "--lang", "it", cwd=workspace)
    assert result.returncode == 1 and "63 missing" in result.stdout


# ---- the guard ------------------------------------------------------------------------------


@pytest.mark.parametrize(("translation", "reason"), [
    ("`SETEX {{ key }}` mit TTL {{ tll }}s", "placeholders differ"),
    ("`SETEX cache:key:42` mit TTL {{ ttl }}s", "code spans differ"),
    ("`SETX {{ key }}` mit TTL {{ ttl }}s", "code spans differ"),
    ("SETEX {{ key }} mit TTL {{ ttl }}s", "code spans differ"),
    ("`SETEX {{ key }}` mit Ablaufzeit {{ ttl }}s", "'TTL' must stay as it is"),
    ("`SETEX {{ key }} mit TTL {{ ttl }}s", "unclosed code span"),
])
def test_guard_rejects_changed_code_placeholders_and_terms(translation: str,
                                                           reason: str) -> None:
    found = guard.problems("`SETEX {{ key }}` TTL {{ ttl }}s", translation, GLOSSARY,
                           {"key": "k", "ttl": 300})
    assert any(reason in problem for problem in found), found


# Native digits (٢٠٠) are the same number: see tests/test_guard.py.
@pytest.mark.parametrize("translation", ["zweihundert OK JSON", "201 OK JSON"])
def test_guard_keeps_numbers_as_digits(translation: str) -> None:
    assert any("numbers differ" in p for p in guard.problems("200 OK JSON", translation))


def test_guard_accepts_a_faithful_translation() -> None:
    assert guard.problems("`SETEX {{ key }}` TTL {{ ttl }}s",
                          "TTL {{ ttl }}s で `SETEX {{ key }}`", GLOSSARY,
                          {"key": "k", "ttl": 300}) == []


def test_invalid_translation_is_reported_and_drawn_in_english(workspace: Path) -> None:
    spec = workspace / "spec" / "flows" / "redis-cache-invalidation.yaml"
    po = workspace / "spec" / "locales" / "fr" / "redis-cache-invalidation.po"
    edited = catalog.load(po)
    entry = edited.get("`SET key JSON EX {{ ttl }}`", context="arrow.cache-fill.label")
    assert "`SET key JSON EX {{ ttl }}`" in entry.string
    entry.string = entry.string.replace("`SET key JSON EX", "`SET clé JSON EX")
    po.write_bytes(catalog.dump(edited))
    result = inkproof("i18n", "check", spec, "--lang", "fr", cwd=workspace)
    assert result.returncode == 1
    assert "invalid  arrow.cache-fill.label: code spans differ" in result.stdout
    flow = load_flow(spec)
    translator = catalog.Translator(flow, catalog.load(po), GLOSSARY)
    label = flow.arrow("cache-fill").label
    assert translator("arrow.cache-fill.label", label) is label
    assert translator.fallbacks == {"arrow.cache-fill.label": "invalid"}


def test_uncovered_character_names_label_character_and_language(workspace: Path) -> None:
    spec = workspace / "spec" / "flows" / "redis-cache-invalidation.yaml"
    po = workspace / "spec" / "locales" / "ko" / "redis-cache-invalidation.po"
    flow = load_flow(spec)
    merged = catalog.load(po)
    merged.get(flow.box("queue").name.source, context="box.queue.name").string = "메시지 큐 𓀀"
    po.write_bytes(catalog.dump(merged))
    result = inkproof("render", spec, "--lang", "ko", "--out", workspace / "out",
                      cwd=workspace)
    assert result.returncode == 2
    assert "U+13000" in result.stderr and "box.queue.name" in result.stderr
    assert "language ko" in result.stderr and "Traceback" not in result.stderr


# ---- text in other scripts ------------------------------------------------------------------


def test_bidi_levels_keep_code_spans_left_to_right() -> None:
    text = "اطلب /item/42 الآن"
    plain = bidi.levels(text, rtl=True)
    isolated = bidi.levels_with_isolates(text, [5 <= i < 13 for i in range(len(text))],
                                         rtl=True)
    assert plain[5] == 1  # a leading "/" alone takes the paragraph's direction...
    assert isolated[5:13] == [2] * 8  # ...but a code span stays one left-to-right run


def test_visual_order_follows_rule_l2() -> None:
    assert bidi.visual_order([1, 2, 1]) == [2, 1, 0]
    assert bidi.visual_order([0, 1, 0]) == [0, 1, 2]
    assert bidi.visual_order([1, 2, 2, 1]) == [3, 1, 2, 0]


def test_rtl_lines_are_right_aligned_and_shaped_in_order() -> None:
    style = WHITEBOARD.for_language("ar").style(14)
    block = layout_text("يخزن المفتاح cache:key:42 لمدة 300 ثانية", style, 120)
    assert block.rtl and len(block.lines) > 1
    assert all(abs(line.x + line.width - block.width) < 0.01 for line in block.lines)


def test_cjk_lines_break_between_ideographs_but_not_before_closing_marks() -> None:
    style = WHITEBOARD.for_language("ja").style(14)
    block = layout_text("キャッシュミスなら、プライマリ DB からレコードを読み取り。", style, 90)
    assert len(block.lines) >= 3
    assert all(not line.text.startswith(("、", "。", "ー")) for line in block.lines)
    assert "".join(line.text for line in block.lines).replace(" ", "") == (
        "キャッシュミスなら、プライマリDBからレコードを読み取り。")


def test_long_german_compound_is_hyphenated_to_fit() -> None:
    style = WHITEBOARD.for_language("de").style(14)
    block = layout_text("Invalidierungsereignisverarbeitung", style, 100)
    assert not block.overflow and len(block.lines) > 1
    assert block.lines[0].text.endswith("-") and not block.lines[0].text.endswith("--")


def test_glyph_missing_is_an_error_not_a_tofu_box() -> None:
    with pytest.raises(GlyphMissing, match="U\\+13000"):
        layout_text("Cache 𓀀", WHITEBOARD.for_language("ko").style(14))


# ---- every language, rendered ----------------------------------------------------------------


@cache
def rendered(path: Path, lang: str) -> tuple[pipeline.Rendered, catalog.Translator]:
    flow = load_flow(path)
    po = catalog.po_path(catalog.locales_dir(path), lang, flow.id)
    translator = catalog.Translator(flow, catalog.load(po), GLOSSARY)
    result = pipeline.render_flow(flow, pipeline.RenderOptions(lang=lang, formats=("svg",),
                                                               translate=translator))
    return result, translator


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_language_renders_legibly_with_no_english_left(path: Path, lang: str) -> None:
    result, translator = rendered(path, lang)
    assert translator.fallbacks == {}
    assert check.check(report.from_json(result.report), tuple(result.report["canvas"])) == []
    root = ET.fromstring(result.files["svg"])
    assert root.get("lang") == lang
    shown = {g.get("aria-label") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    flow = load_flow(path)
    english_roles = [box.role.text for box in flow.boxes]
    assert not [role for role in english_roles if role in shown]
    assert translator("box.api.role", flow.box("api").role).text in shown


def test_rtl_layout_is_mirrored_unless_kept() -> None:
    flow = load_flow(SENIOR)
    po = catalog.po_path(catalog.locales_dir(SENIOR), "he", flow.id)

    def lanes(layout: str) -> list[str]:
        translator = catalog.Translator(flow, catalog.load(po), GLOSSARY)
        result = pipeline.render_flow(flow, pipeline.RenderOptions(
            lang="he", formats=("svg",), translate=translator, rtl_layout=layout))
        items = [e for e in result.report["elements"] if e["kind"] == "lane"]
        return [e["id"] for e in sorted(items, key=lambda e: e["bbox"][0])]

    assert lanes("mirror") == ["lane.load", "lane.transform", "lane.extract"]
    assert lanes("keep") == ["lane.extract", "lane.transform", "lane.load"]


def test_cjk_last_line_never_holds_a_lone_character() -> None:
    style = WHITEBOARD.for_language("zh-Hans").style(14)
    for width in range(60, 200, 7):
        block = layout_text("数据库更新成功后再失效", style, width)
        if len(block.lines) > 1:
            assert len(block.lines[-1].text) >= 2, (width, [ln.text for ln in block.lines])
