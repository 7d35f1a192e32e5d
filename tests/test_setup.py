"""The set-up is complete and reproducible: what a fresh machine gets is what was tested.

Debian files are checked against ``dpkg -S`` (Debian's own record of which package owns a
file), not against what the registry says of itself: a package installed by hand on a
developer's machine must not hide a package missing from ``deps/debian-packages.txt``.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.version import Version

from inkproof import doctor
from inkproof.cli import cli
from inkproof.render.fonts import ALL_SOURCES
from tests.conftest import ROOT

LISTED = frozenset(
    line.strip() for line in (ROOT / "deps" / "debian-packages.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#"))
LOCK = (ROOT / "deps" / "requirements.lock").read_text()

needs_dpkg = pytest.mark.skipif(shutil.which("dpkg") is None, reason="not a Debian machine")


def _owner(path: Path) -> str | None:
    """The Debian package that installed ``path``, by dpkg's own records."""
    candidates = [path, path.resolve()]
    candidates += [Path(str(p).removeprefix("/usr")) for p in list(candidates)
                   if str(p).startswith("/usr/")]  # /usr/sbin/x is /sbin/x to dpkg
    for candidate in candidates:
        done = subprocess.run(["dpkg", "-S", str(candidate)], capture_output=True, text=True)
        if done.returncode == 0:
            return done.stdout.split(":")[0].strip()
    return None


def _depends(package: str) -> set[str]:
    done = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", package], capture_output=True,
                          text=True)
    return {re.split(r"[\s(:]", alt.strip())[0] for part in done.stdout.split(",")
            for alt in part.split("|") if alt.strip()}


def _provides(package: str) -> set[str]:
    """Virtual packages ``package`` provides (NodeSource's nodejs provides npm)."""
    done = subprocess.run(["dpkg-query", "-W", "-f=${Provides}", package], capture_output=True,
                          text=True)
    return {re.split(r"[\s(]", part.strip())[0] for part in done.stdout.split(",")
            if part.strip()}


def _package_problem(requirement: doctor.Requirement, path: Path | None) -> str | None:
    """Why a Debian requirement is not provided by a listed package (None when it is)."""
    name = f"{requirement.kind} {requirement.name}"
    if requirement.package not in LISTED:
        return f"{name}: its package {requirement.package} is not in deps/debian-packages.txt"
    if path is None:
        return f"{name}: not installed (package {requirement.package})"
    owner = _owner(path)
    if owner is None:
        return f"{name}: {path} belongs to no Debian package (installed by hand?)"
    if owner != requirement.package and owner not in _depends(requirement.package) \
            and requirement.package not in _provides(owner):
        return (f"{name}: {path} comes from {owner}, which is neither "
                f"{requirement.package} nor one of its dependencies")
    return None


@needs_dpkg
def test_every_debian_file_comes_from_a_listed_package() -> None:
    problems = [problem for finding in doctor.examine()
                if finding.requirement.provider is doctor.Provider.DEBIAN
                and finding.requirement.use is not doctor.Use.PEERS  # optional, unlisted
                if (problem := _package_problem(finding.requirement, finding.path))]
    assert not problems, "\n".join(problems)


@needs_dpkg
def test_the_package_check_catches_a_wrong_or_unlisted_package() -> None:
    nanum = next(f for f in doctor.examine() if f.requirement.name == "Nanum Barun Pen 400")
    # The bug a fresh machine once showed: the font is in fonts-nanum-extra, not fonts-nanum.
    wrong = doctor.Requirement(doctor.Kind.FONT, "Nanum Barun Pen 400", "", doctor.Use.RENDER,
                               doctor.Provider.DEBIAN, "fonts-dejavu-core", lambda: None)
    problem = _package_problem(wrong, nanum.path)
    assert problem and "comes from fonts-nanum-extra" in problem
    unlisted = doctor.Requirement(doctor.Kind.PROGRAM, "cowsay", "", doctor.Use.TESTS,
                                  doctor.Provider.DEBIAN, "cowsay", lambda: None)
    assert "not in deps/debian-packages.txt" in (_package_problem(unlisted, None) or "")
    orphan = doctor.Requirement(doctor.Kind.PROGRAM, "x", "", doctor.Use.TESTS,
                                doctor.Provider.DEBIAN, "graphviz", lambda: None)
    assert "belongs to no Debian package" in (
        _package_problem(orphan, ROOT / "scripts" / "setup") or "")


def _named_in_code() -> tuple[set[str], set[str]]:
    """Programs and font files the source names: ``which("x")``, ``/usr/bin/x``, fonts."""
    programs: set[str] = set()
    fonts: set[str] = set()
    for folder in ("inkproof", "render", "runtime", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "test_setup.py":  # this file names dpkg, the oracle itself
                continue
            text = path.read_text(encoding="utf-8")
            programs |= set(re.findall(r"""which\(\s*["']([\w.-]+)["']""", text))
            programs |= set(re.findall(r"""["']/usr/(?:s?bin|lib/postgresql/\*/bin)/([\w.-]+)""",
                                       text))
            programs |= set(re.findall(r"""engine=["'](\w+)["']""", text))
            fonts |= set(re.findall(r"""["'](/usr/share/fonts/[^"']+)["']""", text))
    return programs, fonts


def test_every_program_and_font_the_code_names_is_registered() -> None:
    programs, fonts = _named_in_code()
    registered = {r.name for r in doctor.requirements()}
    assert programs, "the scan found no program: it is broken"
    assert not programs - registered, f"add to inkproof/doctor.py: {programs - registered}"
    font_paths = {s.path for s in ALL_SOURCES if s.path} | {
        str(r.found()) for r in doctor.requirements() if r.kind is doctor.Kind.FONT
        and r.found()}
    unregistered = {pattern for pattern in fonts
                    if not any(fnmatch.fnmatch(p, pattern.replace("{}", "*"))
                               for p in font_paths)}
    assert fonts and not unregistered, unregistered


def test_every_installed_python_package_is_locked_with_hashes() -> None:
    pins = dict(re.findall(r"^([A-Za-z0-9._-]+)==([^\s;]+)", LOCK, re.MULTILINE))
    pins = {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins.items()}
    entries = re.split(r"\n(?=\S)", LOCK.strip())
    unhashed = [e.split()[0] for e in entries if not e.startswith("#") and "--hash=" not in e]
    assert pins and not unhashed, unhashed
    drift = []
    for dist in importlib.metadata.distributions():
        name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        if name in ("inkproof", "pip"):
            continue
        if name not in pins or Version(pins[name]) != Version(dist.version):
            drift.append(f"{name} {dist.version} (lock: {pins.get(name, 'absent')})")
    assert not drift, "installed but not as locked (make lock, then make setup): " + \
        ", ".join(sorted(drift))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    names = {re.sub(r"[-_.]+", "-", re.split(r"[<>=\[ ;]", w)[0]).lower() for w in wanted}
    assert not names - pins.keys(), f"not in the lock (make lock): {names - pins.keys()}"


def test_doctor_lists_everything_and_names_the_package_of_what_is_missing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "dot" in result.output and "Nanum Barun Pen 400" in result.output
    missing = doctor.Requirement(doctor.Kind.PROGRAM, "no-such-tool", "a test", doctor.Use.TESTS,
                                 doctor.Provider.DEBIAN, "no-such-package", lambda: None)
    monkeypatch.setattr(doctor, "_PROGRAMS", (*doctor._PROGRAMS, missing))
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 1
    assert "✗ program  no-such-tool" in result.output
    assert "apt-get install no-such-package" in result.output
