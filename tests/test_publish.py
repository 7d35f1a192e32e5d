"""inkproof publish: the blog-ready set, backed by verification, incremental and atomic;
the pytest plugin and the pre-commit hooks that wire inkproof into CI."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from PIL import Image

from tests.conftest import ROOT

FLOWS = ROOT / "spec" / "flows"
LANGS = "en,de,ar"  # source, a translation, right-to-left: enough to see every code path


def inkproof(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inkproof", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` → its sha256 (to show nothing changed)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of spec/ (flows, catalogs, glossary) the tests may edit."""
    root = tmp_path_factory.mktemp("publish")
    shutil.copytree(ROOT / "spec", root / "spec")
    return root


@pytest.fixture(scope="module")
def published(workspace: Path) -> Path:
    out = workspace / "site"
    result = inkproof("publish", workspace / "spec" / "flows", "--lang", LANGS, "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 picture(s) rendered, 0 unchanged" in result.stdout
    return out


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def test_every_format_of_every_picture_is_written_and_recorded(published: Path) -> None:
    data = manifest(published)
    assert [f["flow"] for f in data["flows"]] == ["redis-cache-invalidation-beginner",
                                                  "redis-cache-invalidation"]
    assert {"inkproof", "python", "resvg-py", "pillow", "graphviz (dot)"} <= set(data["tools"])
    for flow in data["flows"]:
        assert flow["verification"]["ok"] and flow["verification"]["time"].endswith("+00:00")
        assert len(flow["spec_sha256"]) == 64
        assert [p["lang"] for p in flow["pictures"]] == LANGS.split(",")
        for picture in flow["pictures"]:
            kinds = {f["kind"]: f for f in picture["files"]}
            assert set(kinds) == {"svg", "png", "webp", "card.png", "alt.txt"}
            for item in picture["files"]:  # recorded hashes and sizes are the files'
                data_bytes = (published / item["path"]).read_bytes()
                assert hashlib.sha256(data_bytes).hexdigest() == item["sha256"]
                assert len(data_bytes) == item["bytes"]
            sizes = {kind: Image.open(published / kinds[kind]["path"]).size
                     for kind in ("png", "webp", "card.png")}
            assert sizes["png"] == sizes["webp"] and sizes["png"][0] >= 1024  # canvas: auto
            assert sizes["card.png"] == (1200, 630)
            assert (published / kinds["alt.txt"]["path"]).read_text() == picture["alt"] + "\n"
            catalog = picture["inputs"]["catalog_sha256"]
            assert (catalog is None) == (picture["lang"] == "en")


def test_alt_text_is_the_translated_legend(published: Path) -> None:
    pictures = {p["lang"]: p for p in manifest(published)["flows"][1]["pictures"]}
    assert pictures["en"]["alt"].startswith("Redis Cache Invalidation. 1. Client sends HTTPS")
    assert pictures["de"]["alt"] != pictures["en"]["alt"] and "7. " in pictures["de"]["alt"]
    assert re.search(r"[\u0600-\u06ff]", pictures["ar"]["alt"])  # Arabic script


def test_the_verified_stamp_is_drawn_in_the_language_of_the_picture(published: Path) -> None:
    svg = {lang: (published / "redis-cache-invalidation" / f"{lang}.svg").read_text()
           for lang in ("en", "de")}
    assert 'aria-label="Verified against a running system"' in svg["en"]
    assert 'aria-label="Gegen ein laufendes System verifiziert"' in svg["de"]


def test_the_gallery_lists_every_picture_with_alt_text_and_snippets(published: Path) -> None:
    page = (published / "index.html").read_text()
    assert "http://" not in page and "https://" not in page  # works from disk, offline
    for flow in manifest(published)["flows"]:
        for picture in flow["pictures"]:
            png = f"{flow['flow']}/{picture['lang']}.png"
            assert f'src="{png}"' in page
            assert f"![{picture['alt'][:30]}" in page  # the Markdown snippet
        assert "verified against a running system" in page
    assert '<option value="ar">العربية (ar)</option>' in page
    assert "&lt;figure&gt;" in page  # the HTML snippet, escaped inside the textarea


def test_a_second_publish_with_nothing_changed_renders_nothing(published: Path,
                                                                workspace: Path) -> None:
    before = {p: p.stat().st_ino for p in published.rglob("*.png")}
    result = inkproof("publish", workspace / "spec" / "flows", "--lang", LANGS, "--out",
                      published)
    assert result.returncode == 0, result.stderr
    assert "0 picture(s) rendered, 6 unchanged" in result.stdout
    assert {p: p.stat().st_ino for p in published.rglob("*.png")} == before  # same files


def test_a_changed_catalog_renders_only_its_pictures(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "spec", tmp_path / "spec")
    out = tmp_path / "site"
    flows = tmp_path / "spec" / "flows"
    assert inkproof("publish", flows, "--lang", "en,de", "--out", out).returncode == 0
    catalog = tmp_path / "spec" / "locales" / "de" / "redis-cache-invalidation.po"
    catalog.write_text(catalog.read_text().replace('msgstr "Legende"', 'msgstr "Zeichenerklärung"'))
    result = inkproof("publish", flows, "--lang", "en,de", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "1 picture(s) rendered, 3 unchanged" in result.stdout
    assert 'aria-label="Zeichenerklärung"' in (out / "redis-cache-invalidation" /
                                                 "de.svg").read_text()


def _drifted(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "spec", tmp_path / "spec", dirs_exist_ok=True)
    spec = tmp_path / "spec" / "flows" / "redis-cache-invalidation.yaml"
    spec.write_text(spec.read_text().replace("  ttl: 300\n", "  ttl: 600\n"))
    return spec


def test_a_drifted_flow_is_refused_and_nothing_changes(tmp_path: Path,
                                                        published: Path) -> None:
    out = tmp_path / "site"
    shutil.copytree(published, out)
    before = tree(out)
    spec = _drifted(tmp_path)
    result = inkproof("publish", spec, "--lang", "en", "--out", out)
    assert result.returncode == 1
    assert "not published — redis-cache-invalidation drifted" in result.stderr
    assert "cache-fill" in result.stdout and "EX 600" in result.stdout
    assert tree(out) == before


def test_allow_unverified_publishes_stamped_not_verified(tmp_path: Path) -> None:
    spec, out = _drifted(tmp_path), tmp_path / "site"
    result = inkproof("publish", spec, "--lang", "en", "--out", out, "--allow-unverified")
    assert result.returncode == 0, result.stderr
    assert "published unverified: redis-cache-invalidation" in result.stderr
    [flow] = manifest(out)["flows"]
    assert flow["verification"]["status"] == "unverified"
    assert flow["pictures"][0]["stamp"] == "unverified"
    svg = (out / "redis-cache-invalidation" / "en.svg").read_text()
    assert 'aria-label="Not verified against a running system"' in svg
    assert "not verified" in (out / "index.html").read_text()


def test_a_failure_half_way_leaves_the_previous_set_intact(tmp_path: Path, published: Path,
                                                           monkeypatch) -> None:
    from inkproof import load_flow
    from inkproof.publish import site
    from inkproof.runtime.verify import FlowReport

    out = tmp_path / "site"
    shutil.copytree(published, out)
    before = tree(out)
    calls = []
    real = site.make_picture

    def failing(job):
        calls.append(job)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return real(job)

    monkeypatch.setattr(site, "make_picture", failing)
    spec = FLOWS / "redis-cache-invalidation.yaml"
    report = FlowReport("redis-cache-invalidation", "t", "", "reference", "", (), (), (), ())
    flows = [site.FlowToPublish(spec, load_flow(spec), ("en", "es", "fr"), report)]
    with pytest.raises(RuntimeError, match="the disk is full"):
        site.publish(flows, out, jobs=1)
    assert tree(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".inkproof-")]


def test_published_bytes_are_deterministic() -> None:
    from inkproof.publish.assets import PictureJob, make_picture

    job = PictureJob(FLOWS / "redis-cache-invalidation-beginner.yaml", "ja", "verified")
    first, second = make_picture(job), make_picture(job)
    assert first.files == second.files


def test_webp_and_card_decode_to_the_picture() -> None:
    from inkproof.publish.assets import to_webp

    image = Image.new("RGB", (64, 64), "#1f4e9c")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    decoded = Image.open(io.BytesIO(to_webp(buffer.getvalue()))).convert("RGB")
    assert decoded.size == (64, 64)
    assert max(abs(a - b) for a, b in zip(decoded.getpixel((32, 32)), (31, 78, 156),
                                          strict=True)) < 8


# ---- CI integration -----------------------------------------------------------------------

def test_the_pytest_plugin_makes_each_arrow_and_claim_a_test(tmp_path: Path) -> None:
    junit = tmp_path / "flows.xml"
    result = subprocess.run([sys.executable, "-m", "pytest", "--inkproof", str(FLOWS), "-q",
                             "-p", "no:cacheprovider", f"--junitxml={junit}"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout
    assert "45 passed" in result.stdout  # 13 + 13 arrows, 8 + 5 claims, 3 checks per flow
    assert junit.read_text().count("<testcase ") == 45


def test_the_pytest_plugin_fails_naming_the_arrow_with_its_evidence(tmp_path: Path) -> None:
    spec = _drifted(tmp_path)
    result = subprocess.run([sys.executable, "-m", "pytest", "--inkproof", str(spec), "-q",
                             "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 1
    assert "2 failed, 22 passed" in result.stdout
    assert ("redis-cache-invalidation.yaml::arrow cache-fill ___" in result.stdout
            or "redis-cache-invalidation.yaml::arrow cache-fill" in result.stdout)
    assert "missing in read-miss: expected redis SET cache:key:42 * EX 600" in result.stdout
    assert "Traceback" not in result.stdout


def _hook_commands(paths: list[Path]) -> list[list[str]]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"inkproof-check", "inkproof-i18n-check"}
    commands = []
    for hook in hooks:
        pattern = re.compile(hook["files"])
        files = [str(p.relative_to(ROOT)) for p in paths if pattern.search(
            str(p.relative_to(ROOT)))]
        assert files, hook["id"]
        command = [sys.executable, "-m", "inkproof", *hook["entry"].split()[1:],
                   *hook.get("args", [])]
        commands.append(command + (files if hook.get("pass_filenames", True) else []))
    return commands


def test_the_pre_commit_hooks_pass_on_this_repository() -> None:
    paths = [p for p in (ROOT / "spec").rglob("*") if p.is_file()]
    for command in _hook_commands(paths):
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, (command, result.stdout, result.stderr)


def test_the_pre_commit_hooks_catch_a_broken_spec_and_a_stale_catalog(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "spec", tmp_path / "spec")
    spec = tmp_path / "spec" / "flows" / "redis-cache-invalidation.yaml"
    spec.write_text(spec.read_text().replace("    to: cache\n", "    to: cahce\n", 1))
    check = inkproof("check", "--quiet", spec)
    assert check.returncode == 2 and "unknown box 'cahce'" in check.stderr
    spec.write_text(spec.read_text().replace("    to: cahce\n", "    to: cache\n", 1)
                    .replace("label: result set", "label: rows returned"))
    stale = inkproof("i18n", "check", tmp_path / "spec" / "flows")
    assert stale.returncode == 1 and "arrow.db-result.label" in stale.stdout
