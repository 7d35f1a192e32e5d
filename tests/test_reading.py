"""Bounded reading: specs and catalogs are refused from their metadata, and PO files are
read in one strict pass, with every mistake at ``file:line``, whatever Babel's version."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import babel.messages.catalog
import pytest

from inkproof import SpecError, load_flow, yamlsource
from inkproof.i18n import catalog
from tests.conftest import FLOWS, ROOT

SENIOR = ROOT / "spec" / "flows" / "redis-cache-invalidation.yaml"
HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'


def inkproof(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess: a read that blocks fails the test instead of hanging it."""
    return subprocess.run([sys.executable, "-m", "inkproof", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def refused(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


def sparse(path: Path, size: int = 2**30) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


# ---- spec files -------------------------------------------------------------------------


def test_fifo_spec_is_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.yaml")
    result = inkproof("check", "fifo.yaml", cwd=tmp_path)
    refused(result, "fifo.yaml:1:1: cannot read file: it is a FIFO (named pipe), not a "
                    "regular file")


def test_device_spec_is_refused(tmp_path: Path) -> None:
    refused(inkproof("check", "/dev/zero", cwd=tmp_path),
            "/dev/zero:1:1: cannot read file: it is a character device")


def test_huge_spec_is_refused_without_reading(tmp_path: Path) -> None:
    big = sparse(tmp_path / "big.yaml")
    started = time.perf_counter()
    with pytest.raises(SpecError) as caught:
        load_flow(big)
    elapsed = time.perf_counter() - started
    assert elapsed < 1, f"{elapsed:.2f} s: the file was read"
    assert caught.value.problems[0].message == (
        f"file is 1,073,741,824 bytes; the limit is {yamlsource.MAX_BYTES:,}")
    refused(inkproof("check", big, cwd=tmp_path), "the limit is 524,288")


@pytest.mark.parametrize("kind", ["folder", "socket"])
def test_other_non_regular_specs_are_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "x.yaml"
    if kind == "folder":
        path.mkdir()
    else:
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(path))
        listener.close()
    with pytest.raises(SpecError) as caught:
        load_flow(path)
    assert caught.value.problems[0].message == (f"cannot read file: it is a {kind}, not a "
                                                "regular file")


# ---- catalogs ---------------------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of spec/ with an ``xx`` catalog folder to put odd files in."""
    shutil.copytree(ROOT / "spec", tmp_path / "spec",
                    ignore=shutil.ignore_patterns("seeds", "schema"))
    (tmp_path / "spec" / "locales" / "xx").mkdir()
    return tmp_path


def _xx(workspace: Path) -> Path:
    return workspace / "spec" / "locales" / "xx" / "redis-cache-invalidation.po"


@pytest.mark.parametrize("kind", ["fifo", "huge", "folder"])
def test_odd_catalog_is_refused_by_check_and_render(workspace: Path, kind: str) -> None:
    po = _xx(workspace)
    if kind == "fifo":
        os.mkfifo(po)
        expected = "it is a FIFO (named pipe), not a regular file"
    elif kind == "huge":
        sparse(po)
        expected = f"catalog is 1,073,741,824 bytes; the limit is {catalog.MAX_CATALOG_BYTES:,}"
    else:
        po.mkdir()
        expected = "it is a folder, not a regular file"
    spec = workspace / "spec" / "flows" / "redis-cache-invalidation.yaml"
    refused(inkproof("i18n", "check", spec, cwd=workspace), f"{po}:1:1:", expected)
    refused(inkproof("i18n", "check", spec, "--lang", "xx", cwd=workspace), expected)
    out = workspace / "out"
    refused(inkproof("render", spec, "--lang", "xx", "--format", "svg", "--out", out,
                     cwd=workspace), expected)
    assert not out.exists()


def _big_po(path: Path, entries: int) -> Path:
    lines = [HEADER]
    for i in range(entries):
        lines.append(f'#. Label {i}.\n#, fuzzy\n#| msgid "Old text {i}"\n'
                     f'msgctxt "box.b{i}.name"\nmsgid "Text {i}"\nmsgstr "Text {i} (de)"\n\n')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_reading_a_catalog_is_linear(tmp_path: Path) -> None:
    po = _big_po(tmp_path / "de" / "big.po", 8400)
    started = time.perf_counter()
    loaded = catalog.load(po)
    elapsed = time.perf_counter() - started
    assert elapsed < 1, f"8,400 entries took {elapsed:.2f} s"  # was ~15 s: quadratic
    assert len(loaded) == 8400
    entry = loaded.get("Text 8399", context="box.b8399.name")
    assert entry.fuzzy and entry.previous_id == ["Old text 8399"]


def test_previous_english_is_not_turned_into_a_translator_comment(tmp_path: Path) -> None:
    po = _big_po(tmp_path / "de" / "x.po", 1)
    again = tmp_path / "de" / "again.po"
    again.write_bytes(catalog.dump(catalog.load(po)))
    assert "# |" not in again.read_text(encoding="utf-8")
    entry = catalog.load(again).get("Text 0", context="box.b0.name")
    assert entry.previous_id == ["Old text 0"] and entry.user_comments == []


@pytest.mark.parametrize(("text", "line", "message"), [
    ('msgid "a\nmsgstr "b"\n', 1, "unterminated string"),
    ('msgid "a"\nmsgstr "b"\nhello there\n', 3, "unknown line starting 'hello'"),
    ('msgctxt "c"\nmsgid "a"\nmsgstr "b"\n\nmsgctxt "c"\nmsgid "a"\nmsgstr "x"\n', 5,
     "duplicate entry (msgctxt 'c', msgid 'a')"),
    ('msgctxt "c"\nmsgstr "b"\n', 2, "msgstr without a msgid before it"),
    ('msgid "a\\q"\nmsgstr "b"\n', 1, "bad escape '\\q'"),
    ('msgid "a"\n\nmsgid "b"\nmsgstr "c"\n', 1, "entry without msgstr"),
    ('msgid "a"\nmsgstr "b"\n\nmsgid "c"\n', 4, "entry without msgstr"),
    ('msgid "a" x\nmsgstr "b"\n', 1, "text after the closing quote"),
    ('"a"\nmsgid "a"\nmsgstr "b"\n', 1, "a string with no keyword before it"),
    ('msgid "a"\nmsgstr\n', 2, "msgstr without a string"),
    ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=ISO-8859-1\\n"\n', 1,
     "the header declares charset=ISO-8859-1"),
    (b'msgid "a"\nmsgstr "\xff"\n', 2, "invalid UTF-8 (invalid start byte, byte 0xFF)"),
])
def test_malformed_catalog_is_located(tmp_path: Path, text: str | bytes, line: int,
                                      message: str) -> None:
    po = tmp_path / "de" / "x.po"
    po.parent.mkdir()
    po.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(SpecError) as caught:
        catalog.load(po)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.message) == (str(po), line, message), problem
    assert problem.hint  # says what was expected


def test_duplicate_entry_names_both_lines(tmp_path: Path) -> None:
    po = tmp_path / "de" / "x.po"
    po.parent.mkdir()
    po.write_text(HEADER + 'msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n')
    with pytest.raises(SpecError) as caught:
        catalog.load(po)
    assert str(caught.value) == (f"{po}:8:1: duplicate entry (msgid 'a') — first at line 5; "
                                 "keep one of the two")


def test_committed_catalogs_read_strictly() -> None:
    for po in sorted((ROOT / "spec" / "locales").glob("**/*.po*")):
        assert catalog.load(po) is not None


# ---- what is written does not depend on Babel's version ---------------------------------


def test_written_catalogs_do_not_depend_on_babels_version(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(babel.messages.catalog, "VERSION", "99.9.9")
    for path in FLOWS:
        flow = load_flow(path)
        written = catalog.dump(catalog.template(flow))
        assert b"Babel" not in written and b"99.9.9" not in written
        assert written == (catalog.locales_dir(path) / f"{flow.id}.pot").read_bytes()
        po = catalog.po_path(catalog.locales_dir(path), "de", flow.id)
        assert catalog.dump(catalog.update(catalog.load(po), flow, "de")) == po.read_bytes()


def test_update_keeps_the_catalogs_plural_forms() -> None:
    # Babel derives Plural-Forms from its CLDR data, which changes between releases (2.19
    # gave Spanish three forms where 2.18 gave two): the catalog's own line is kept.
    flow = load_flow(SENIOR)
    po = catalog.po_path(catalog.locales_dir(SENIOR), "de", flow.id)
    existing = catalog.load(po)
    rule = "nplurals=4; plural=(n==1 ? 0 : n==2 ? 1 : n==3 ? 2 : 3);"
    existing.mime_headers = [("Plural-Forms", rule)]
    assert f'"Plural-Forms: {rule}\\n"'.encode() in catalog.dump(
        catalog.update(existing, flow, "de"))


def _checkout_with_glossary(tmp_path: Path) -> Path:
    (tmp_path / "spec" / "flows").mkdir(parents=True)
    spec = tmp_path / "spec" / "flows" / FLOWS[0].name
    shutil.copy(FLOWS[0], spec)
    shutil.copytree(ROOT / "spec" / "locales" / "de", tmp_path / "spec" / "locales" / "de")
    return tmp_path / "spec" / "glossary.yaml"


def test_a_glossary_is_read_like_a_spec(tmp_path: Path) -> None:
    glossary = _checkout_with_glossary(tmp_path)
    spec = glossary.parent / "flows" / FLOWS[0].name
    os.mkfifo(glossary)
    refused(inkproof("i18n", "check", spec, "--lang", "de", cwd=tmp_path),
            "glossary.yaml:1:1", "FIFO")
    glossary.unlink()
    sparse(glossary)
    refused(inkproof("i18n", "check", spec, "--lang", "de", cwd=tmp_path),
            "glossary.yaml:1:1", "glossary")
    glossary.unlink()
    glossary.write_text("terms: HTTPS\n")
    refused(inkproof("i18n", "check", spec, "--lang", "de", cwd=tmp_path),
            "a glossary is a mapping with `terms:`")
    glossary.write_text("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)))
    refused(inkproof("i18n", "check", spec, "--lang", "de", cwd=tmp_path), "glossary.yaml")
