"""The command line stays clean whatever it is given: standard input, escape sequences in
input, bad language tags, loose YAML types, missing fonts and unwritable targets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FLOWS, MINIMAL, ROOT, problems_of


def inkproof(*args: str | Path, stdin: str | None = None,
             cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inkproof", *map(str, args)], cwd=cwd,
                          input=stdin, capture_output=True, text=True, timeout=120)


def _clean(result: subprocess.CompletedProcess[str]) -> None:
    """No traceback, and no raw control character on either stream."""
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, stream
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", stream), \
            repr(stream)


def test_check_reads_standard_input() -> None:
    result = inkproof("check", "-", stdin=FLOWS[0].read_text())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("✓ redis-cache-invalidation") and "(<stdin>)" in result.stdout
    broken = inkproof("check", "-", stdin=MINIMAL.replace("to: cache", "to: cahce", 1))
    assert broken.returncode == 2
    assert "<stdin>:" in broken.stderr and "unknown box 'cahce'" in broken.stderr
    assert "✗ <stdin>: 1 problem" in broken.stderr
    _clean(broken)


def test_standard_input_is_refused_where_a_spec_is_read_twice(tmp_path: Path) -> None:
    result = inkproof("render", "-", "--out", tmp_path / "out", stdin=MINIMAL)
    assert result.returncode == 2
    assert "standard input (-) is read by check and explain only" in result.stderr
    assert not (tmp_path / "out").exists()
    _clean(result)


def test_control_characters_from_input_are_escaped(tmp_path: Path) -> None:
    spec = tmp_path / "flow.yaml"
    # YAML's "\e" is ESC: a spec can carry escape sequences into any message that quotes it.
    spec.write_text(MINIMAL.replace("    to: cache\n", '    to: "\\e]0;pwned\\a\\e[2J"\n', 1))
    result = inkproof("check", spec)
    assert result.returncode == 2
    assert "\\x1b]0;pwned\\x07\\x1b[2J" in result.stderr
    _clean(result)
    weird = tmp_path / "a\x1b[31m\u202eb.yaml"
    weird.write_text(MINIMAL)
    result = inkproof("check", weird)
    assert result.returncode == 0 and "a\\x1b[31m\\u202eb.yaml" in result.stdout
    _clean(result)


BAD_TAGS = ["../../etc", "", "en,\x1b[31m", "x" * 300, "-lang", "de_DE", ","]


@pytest.mark.parametrize("command", [
    ["render", *FLOWS, "--out", "{tmp}/out"],
    ["publish", FLOWS[0], "--out", "{tmp}/out", "--quiet"],
    ["check", *FLOWS],
    ["i18n", "check", *FLOWS],
    ["i18n", "update", "{tmp}/spec/flows/tiny.yaml"],
])
def test_a_bad_language_never_gives_a_traceback(command: list[str | Path],
                                                tmp_path: Path) -> None:
    flows = tmp_path / "spec" / "flows"
    flows.mkdir(parents=True)
    (flows / "tiny.yaml").write_text(MINIMAL)
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in command]
    for tag in BAD_TAGS:
        result = inkproof(*args, f"--lang={tag}")
        assert result.returncode == 2, (tag, result.stdout, result.stderr)
        assert result.stderr.strip(), tag
        _clean(result)
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "spec" / "locales").exists()  # i18n update wrote nothing


@pytest.mark.parametrize("command", ["render", "publish"])
def test_a_language_without_a_catalog_is_a_clear_error(command: str, tmp_path: Path) -> None:
    result = inkproof(command, FLOWS[0], "--lang", "en,zz", "--out", tmp_path / "out")
    assert result.returncode == 2 and "zz" in result.stderr, result.stderr
    _clean(result)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("style", ["{seed: true}", "{seed: '7'}", "{seed: 7.0}",
                                   "{canvas: [1024.0, 1024]}", '{canvas: [1024, "1024"]}'])
def test_numbers_are_taken_as_written(style: str) -> None:
    problems = problems_of(MINIMAL + f"style: {style}\n")
    expected = "in whole pixels" if "canvas" in style else "input should be a valid integer"
    assert len(problems) == 1 and expected in problems[0].message, problems


def test_flags_and_counts_are_taken_as_written() -> None:
    for old, new in (("lane: read}", "lane: read, optional: 'yes'}"),
                     ("{n: 1, text", "{n: '1', text")):
        assert problems_of(MINIMAL.replace(old, new, 1)), new


def _thai_catalog(tmp_path: Path) -> Path:
    flows = tmp_path / "spec" / "flows"
    flows.mkdir(parents=True)
    spec = flows / "tiny.yaml"
    spec.write_text(MINIMAL)
    made = inkproof("i18n", "update", spec, "--lang", "th")
    assert made.returncode == 0, made.stderr
    po = tmp_path / "spec" / "locales" / "th" / "tiny.po"
    text = po.read_text()
    text = re.sub(r'(msgid "Serves requests"\nmsgstr )""', r'\1"ให้บริการคำขอ"', text)
    assert "ให้บริการ" in text
    po.write_text(text)
    return spec


def test_check_lang_reports_characters_no_installed_font_draws(tmp_path: Path) -> None:
    spec = _thai_catalog(tmp_path)
    assert inkproof("check", spec).returncode == 0  # without --lang: fonts are not asked
    result = inkproof("check", spec, "--lang", "th")
    assert result.returncode == 2
    assert "language th: box.api.role: no installed font has the character 'ใ' (U+0E43)" \
        in result.stderr
    assert inkproof("check", spec, "--lang", "en").returncode == 0
    _clean(result)


def test_output_targets_are_validated_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("keep me")
    for args in (["render", FLOWS[0], "--out", blocker],
                 ["render", FLOWS[0], "--out", tmp_path / "out",
                  "--layout-report", blocker / "report.json"],
                 ["render", FLOWS[0], "--out", tmp_path / "out", "--layout-report", tmp_path],
                 ["publish", FLOWS[0], "--out", blocker / "site"],
                 ["verify", FLOWS[0], "--json", tmp_path],
                 ["verify", FLOWS[0], "--junit", blocker / "x.xml"]):
        result = inkproof(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "verified" not in result.stdout.lower()  # refused before verifying
        _clean(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
    assert blocker.read_text() == "keep me"


def test_publish_refuses_foreign_files_before_verifying(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<h1>the docs site's own page</h1>")
    result = inkproof("publish", FLOWS[0], "--lang", "en", "--out", tmp_path)
    assert result.returncode == 2
    assert "holds files inkproof did not publish: index.html" in result.stderr
    assert result.stdout == ""  # no verification summary: refused before verifying
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]
    _clean(result)
