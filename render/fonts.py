"""Font faces, font stacks and glyph outlines.

We draw text as glyph outlines, not as SVG ``<text>``: rasterizers disagree on font fallback
and complex shaping, while outlines render the same everywhere and let us measure exactly
what we draw. Fonts come from packages the set-up installs (PyPI ``fontpkg-*`` wheels or
Debian ``fonts-*``); nothing is fetched at run time.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import uharfbuzz as hb
from fontTools.pens.svgPathPen import SVGPathPen

from inkproof.errors import InkproofError


class FontMissing(InkproofError):
    """A font file the renderer needs is not installed."""


@dataclass(frozen=True)
class FontSource:
    """Where a face comes from: a fontpkg family/weight, or a file path (Debian fonts)."""

    family: str
    weight: int = 400
    path: str | None = None
    install: str = ""

    def locate(self) -> Path:
        if self.path is not None:
            candidate = Path(self.path)
            if candidate.is_file():
                return candidate
            raise FontMissing(f"font file {self.path} is missing — install {self.install}")
        try:
            import fontpkg

            return Path(fontpkg.path(self.family, self.weight))
        except Exception:  # fontpkg raises its own errors, and ImportError if absent
            raise FontMissing(f"font '{self.family}' ({self.weight}) is not installed — "
                              f"install {self.install or 'fontpkg-' + self.family} "
                              "(`make setup` does)") from None


class Face:
    """One font file, ready for shaping, coverage checks and outline extraction."""

    def __init__(self, source: FontSource):
        self.source = source
        self.path = source.locate()
        self.key = f"{source.family}-{source.weight}"
        blob = hb.Blob.from_file_path(str(self.path))
        self._face = hb.Face(blob)
        self.font = hb.Font(self._face)
        self.upem: int = self._face.upem
        self.coverage: frozenset[int] = frozenset(self._face.unicodes)
        extents = self.font.get_font_extents("ltr")
        self.ascender: int = extents.ascender
        self.descender: int = extents.descender  # negative

    def covers(self, char: str) -> bool:
        return ord(char) in self.coverage

    @functools.lru_cache(maxsize=8192)  # noqa: B019 - faces live as long as the process
    def outline(self, glyph_id: int) -> str:
        """SVG path data of a glyph in font units (y up), integers only for small output."""
        pen = SVGPathPen(None, ntos=lambda value: str(round(value)))
        self.font.draw_glyph_with_pen(glyph_id, pen)
        return pen.getCommands()


@functools.cache
def face(source: FontSource) -> Face:
    """The shared Face for a source (loading a font is the expensive part)."""
    return Face(source)


# Handwriting first, then faces that cover what it lacks (arrows, dashes, symbols).
_SYMBOLS = FontSource("DejaVu Sans", path="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                      install="the Debian package fonts-dejavu-core")
HAND = (FontSource("kalam", 400), _SYMBOLS)
HAND_BOLD = (FontSource("kalam", 700), _SYMBOLS)
CODE = (FontSource("jetbrains-mono", 400), _SYMBOLS)

#: Every font source the renderer may use, for the set-up check.
ALL_SOURCES: Sequence[FontSource] = tuple(dict.fromkeys((*HAND, *HAND_BOLD, *CODE)))
