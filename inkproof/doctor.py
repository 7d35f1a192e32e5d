"""What inkproof needs from the machine, found or missing, and which package provides it.

One registry names every font, program, library and server the code uses, so that
``inkproof doctor`` can tell a user what to install, ``scripts/setup`` can end by proving the
set-up complete, and a test can ask ``dpkg -S`` whether each Debian file really comes from a
package listed in ``deps/debian-packages.txt`` (a package installed by hand hides a broken
set-up; that is how a Korean font once went missing on fresh machines).
"""

from __future__ import annotations

import enum
import glob
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


class Kind(enum.StrEnum):
    FONT = "font"
    PROGRAM = "program"
    LIBRARY = "library"
    SERVER = "server"


class Use(enum.StrEnum):
    """What a requirement is for: rendering and verifying need it; tests only for tests."""

    RENDER = "render"
    VERIFY = "verify"
    TESTS = "tests"
    PEERS = "peers"  # optional: benchmark peers (bench/layout.py says n/a without them)


class Provider(enum.StrEnum):
    DEBIAN = "Debian"
    PYPI = "PyPI"


@dataclass(frozen=True)
class Requirement:
    """One thing the project uses; ``locate`` returns its path on this machine, or None."""

    kind: Kind
    name: str
    purpose: str
    use: Use
    provider: Provider
    package: str
    locate: Callable[[], Path | None]

    def found(self) -> Path | None:
        try:
            return self.locate()
        except Exception:  # a broken font package must read as "missing", not crash doctor
            return None


def _program(name: str) -> Callable[[], Path | None]:
    def locate() -> Path | None:
        found = shutil.which(name)
        return Path(found) if found else None

    return locate


def _newest(pattern: str) -> Callable[[], Path | None]:
    """The last match of a glob (``/usr/lib/postgresql/*/bin/postgres``: the newest major)."""
    def locate() -> Path | None:
        found = sorted(glob.glob(pattern))
        return Path(found[-1]) if found else None

    return locate


def postgres_bindir() -> Path | None:
    """Folder of the newest installed PostgreSQL server's programs (initdb, postgres)."""
    found = _newest("/usr/lib/postgresql/*/bin/initdb")()
    return found.parent if found else None


_PROGRAMS = (
    Requirement(Kind.PROGRAM, "dot", "lays out boxes and arrows", Use.RENDER, Provider.DEBIAN,
                "graphviz", _program("dot")),
    Requirement(Kind.LIBRARY, "libfribidi.so.0", "orders right-to-left text", Use.RENDER,
                Provider.DEBIAN, "libfribidi0",
                _newest("/usr/lib/*/libfribidi.so.0")),
    Requirement(Kind.SERVER, "redis-server", "the real Redis of the tests and benchmarks",
                Use.TESTS, Provider.DEBIAN, "redis-server", _program("redis-server")),
    Requirement(Kind.SERVER, "postgres", "the real PostgreSQL of the tests", Use.TESTS,
                Provider.DEBIAN, "postgresql",
                _newest("/usr/lib/postgresql/*/bin/postgres")),
    Requirement(Kind.PROGRAM, "initdb", "creates the tests' PostgreSQL clusters", Use.TESTS,
                Provider.DEBIAN, "postgresql",
                _newest("/usr/lib/postgresql/*/bin/initdb")),
    Requirement(Kind.PROGRAM, "runuser", "runs PostgreSQL as its own user (it refuses root)",
                Use.TESTS, Provider.DEBIAN, "util-linux", _program("runuser")),
    Requirement(Kind.PROGRAM, "chromium", "the browser of the gallery and SVG tests",
                Use.TESTS, Provider.DEBIAN, "chromium", _program("chromium")),
    Requirement(Kind.PROGRAM, "node", "runs the Node.js example service the tests verify "
                "(and the D2 and Mermaid peers of bench/layout.py)", Use.TESTS,
                Provider.DEBIAN, "nodejs", _program("node")),
    Requirement(Kind.PROGRAM, "npm", "installs the Node.js example's locked packages",
                Use.TESTS, Provider.DEBIAN, "npm", _program("npm")),
    Requirement(Kind.PROGRAM, "hb-shape", "HarfBuzz's own shaper, the shaping tests' oracle",
                Use.TESTS, Provider.DEBIAN, "libharfbuzz-bin", _program("hb-shape")),
)


def _file(path: str) -> Callable[[], Path | None]:
    return lambda: Path(path) if Path(path).is_file() else None


_NOTO = "/usr/share/fonts/truetype/noto/NotoSans{}-Regular.ttf"
#: Faces only the tests draw with: scripts no shipped catalog uses yet.
_TEST_FONTS = tuple(
    Requirement(Kind.FONT, f"Noto Sans {script}", "shaping tests of mixed-script text",
                Use.TESTS, Provider.DEBIAN, "fonts-noto-core", _file(_NOTO.format(script)))
    for script in ("Bengali", "Tamil", "Thai"))


def _fonts() -> tuple[Requirement, ...]:
    from inkproof.render.fonts import ALL_SOURCES

    found: list[Requirement] = []
    for source in ALL_SOURCES:
        if source.debian:
            provider, package = Provider.DEBIAN, source.debian
        else:
            provider, package = Provider.PYPI, f"fontpkg-{source.family}"
        found.append(Requirement(Kind.FONT, f"{source.family} {source.weight}",
                                 "draws labels", Use.RENDER, provider, package,
                                 source.locate))
    return tuple(found)


def requirements() -> tuple[Requirement, ...]:
    """Every font, program, library and server the project uses."""
    return (*_fonts(), *_TEST_FONTS, *_PROGRAMS)


@dataclass(frozen=True)
class Finding:
    requirement: Requirement
    path: Path | None


def examine(which: Iterable[Requirement] | None = None) -> list[Finding]:
    return [Finding(r, r.found()) for r in (requirements() if which is None else which)]


def report(findings: list[Finding]) -> str:
    """One line per requirement: ✓/✗, kind, name, what for, where (or the package)."""
    lines = []
    for finding in findings:
        req = finding.requirement
        mark = "✓" if finding.path else "✗"
        where = str(finding.path) if finding.path else "MISSING"
        lines.append(f"{mark} {req.kind:<8} {req.name:<24} {req.use:<7} "
                     f"{req.provider} {req.package:<24} {where}")
    missing = [f for f in findings if f.path is None and f.requirement.use is not Use.PEERS]
    if missing:
        debian = sorted({f.requirement.package for f in missing
                         if f.requirement.provider is Provider.DEBIAN})
        pypi = sorted({f.requirement.package for f in missing
                       if f.requirement.provider is Provider.PYPI})
        lines.append(f"{len(missing)} of {len(findings)} missing.")
        if debian:
            lines.append("  apt-get install " + " ".join(debian))
        if pypi:
            lines.append("  Python packages (scripts/setup installs them from "
                         "deps/requirements.lock): " + " ".join(pypi))
    else:
        lines.append(f"all {len(findings)} found.")
    return "\n".join(lines) + "\n"
