"""The published gallery in a real browser: Debian's Chromium, driven by Playwright.

index.html is opened from disk (file://, no server, no network); the test switches the
language, checks that every image of the shown language loads and that the alt text
changes with the language, and keeps a screenshot (output/screenshots/) to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# The machine's network is closed: without these, Chromium keeps trying to reach Google.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
SCREENSHOTS = ROOT / "output" / "screenshots"


def _require(what: str, present: bool) -> None:
    if not present:
        message = f"{what} is missing (scripts/setup installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gallery")
    result = subprocess.run([sys.executable, "-m", "inkproof", "publish",
                             str(ROOT / "spec" / "flows"), "--lang", "en,de,ja,ar", "--out",
                             str(out), "--quiet"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return out / "index.html"


@pytest.fixture(scope="module")
def page(gallery: Path):
    _require("Debian's chromium", CHROMIUM.is_file())
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require("the playwright package", False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS,
                                             headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 1400})
        tab = context.new_page()
        failed: list[str] = []
        tab.on("requestfailed", lambda request: failed.append(request.url))
        tab.goto(gallery.as_uri())
        yield tab, failed
        browser.close()


def _visible_images(tab) -> list[dict]:
    return tab.evaluate("""() => Array.from(document.querySelectorAll('figure img'))
        .filter(img => !img.closest('figure').hidden)
        .map(img => ({src: img.currentSrc || img.src, alt: img.alt, complete: img.complete,
                      width: img.naturalWidth, lang: img.closest('figure').lang}))""")


def _wait_for_images(tab) -> None:
    tab.wait_for_function("""() => Array.from(document.querySelectorAll('figure img'))
        .filter(img => !img.closest('figure').hidden)
        .every(img => img.complete && img.naturalWidth > 0)""", timeout=20_000)


def test_switching_language_shows_loaded_images_with_translated_alt_text(page) -> None:
    tab, failed = page
    codes = tab.eval_on_selector_all("#language option", "options => options.map(o => o.value)")
    assert codes == ["en", "de", "ja", "ar"]
    seen_alts: dict[str, list[str]] = {}
    for code in codes:
        tab.select_option("#language", code)
        for figure in tab.query_selector_all("figure[data-lang]"):  # lazy images: scroll
            if figure.is_visible():
                figure.scroll_into_view_if_needed()
        _wait_for_images(tab)
        images = _visible_images(tab)
        assert len(images) == 2, images  # one picture per flow
        assert all(i["lang"] == code and i["width"] >= 1024 for i in images), images
        assert all(i["src"].endswith(f"/{code}.webp") for i in images), images
        seen_alts[code] = [i["alt"] for i in images]
        assert tab.evaluate("location.hash") == f"#lang={code}"
    assert len({tuple(alts) for alts in seen_alts.values()}) == 4  # alt text follows language
    assert "Redis" in seen_alts["ar"][0] and seen_alts["ar"] != seen_alts["en"]
    assert failed == []


def test_the_page_looks_right(page) -> None:
    tab, _failed = page
    tab.select_option("#language", "ja")
    tab.evaluate("window.scrollTo(0, 0)")
    _wait_for_images(tab)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "gallery-ja.png"
    tab.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 50_000  # a page with pictures, not a blank one
    details = tab.query_selector("section.flow details")
    details.click()
    assert "VERIFIED" in details.inner_text()


def test_the_embed_snippets_can_be_copied(page) -> None:
    tab, _failed = page
    tab.select_option("#language", "de")
    button = tab.query_selector("figure[data-lang='de'] button[data-copy]")
    button.click()
    assert button.inner_text() == "copied"
    snippet = tab.eval_on_selector("figure[data-lang='de'] textarea", "t => t.value")
    assert snippet.startswith("<figure>\n  <img src=") and 'alt="' in snippet
    assert shutil.which("chromium") or CHROMIUM.is_file()
