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
    """Where a face comes from: a fontpkg family/weight, or a file path (Debian fonts).

    ``index`` picks a face in a collection (.ttc); ``weight`` also sets the ``wght`` axis
    of variable fonts.
    """

    family: str
    weight: int = 400
    path: str | None = None
    debian: str | None = None  # the Debian package of ``path``; None: a PyPI fontpkg
    index: int = 0

    @property
    def install(self) -> str:
        """What to install when the face is missing."""
        if self.debian:
            return f"the Debian package {self.debian}"
        return f"the PyPI package fontpkg-{self.family}"

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
                              f"install {self.install} "
                              "(`make setup` does)") from None


class Face:
    """One font file, ready for shaping, coverage checks and outline extraction."""

    def __init__(self, source: FontSource):
        self.source = source
        self.path = source.locate()
        self.key = f"{source.family}-{source.weight}"
        blob = hb.Blob.from_file_path(str(self.path))
        self._face = hb.Face(blob, source.index)
        self.font = hb.Font(self._face)
        self.font.set_variations({"wght": source.weight})  # no effect on static fonts
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


def _debian(family: str, path: str, package: str, weight: int = 400,
            index: int = 0) -> FontSource:
    return FontSource(family, weight, path, package, index)


# Handwriting first, then faces that cover what it lacks (arrows, dashes, symbols).
_SYMBOLS = _debian("DejaVu Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                   "fonts-dejavu-core")
HAND = (FontSource("kalam", 400), _SYMBOLS)
HAND_BOLD = (FontSource("kalam", 700), _SYMBOLS)
CODE = (FontSource("jetbrains-mono", 400), _SYMBOLS)

_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-{}.ttc"
_KLEE = "/usr/share/fonts/truetype/klee/KleeOne-{}.ttf"
_WENKAI = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-{}.ttf"
_NANUM = "/usr/share/fonts/truetype/nanum/NanumBarunpen{}.ttf"


@dataclass(frozen=True)
class Script:
    """How one language is written: font stacks, relative size, direction, line breaking.

    Handwriting faces where a good open one exists for the script (Kalam for Latin and
    Devanagari, Caveat for Cyrillic, Klee One, LXGW WenKai, Nanum Barun Pen for CJK), a
    friendly rounded face where none does (Comfortaa for Greek, Rubik for Hebrew, Cairo for
    Arabic). ``scale`` evens out x-heights so every language reads at the same size.
    """

    hand: tuple[FontSource, ...] = HAND
    hand_bold: tuple[FontSource, ...] = HAND_BOLD
    scale: float = 1.0
    rtl: bool = False
    cjk_breaks: bool = False  # a line may break between any two ideographs
    hyphenation: str | None = None  # pyphen dictionary for long words


LATIN = Script()
_BY_LANGUAGE: dict[str, Script] = {
    "de": Script(hyphenation="de_DE"),
    "es": Script(hyphenation="es"),
    "fr": Script(hyphenation="fr"),
    "pt-BR": Script(hyphenation="pt_BR"),
    "ru": Script((FontSource("caveat", 500), *HAND), (FontSource("caveat", 700), *HAND_BOLD),
                 scale=1.2, hyphenation="ru"),
    "el": Script((FontSource("comfortaa", 400), *HAND), (FontSource("comfortaa", 700),
                                                         *HAND_BOLD),
                 scale=0.95, hyphenation="el"),
    "ar": Script((FontSource("cairo", 400), *HAND), (FontSource("cairo", 700), *HAND_BOLD),
                 rtl=True),
    "he": Script((FontSource("rubik", 400), *HAND), (FontSource("rubik", 600), *HAND_BOLD),
                 scale=0.96, rtl=True),
    "hi": Script(),  # Kalam is a Devanagari handwriting face
    "ja": Script((_debian("Klee One", _KLEE.format("Regular"), "fonts-klee"),
                  _debian("Noto Sans CJK JP", _CJK.format("Regular"), "fonts-noto-cjk"), *HAND),
                 (_debian("Klee One", _KLEE.format("SemiBold"), "fonts-klee", 600),
                  _debian("Noto Sans CJK JP", _CJK.format("Bold"), "fonts-noto-cjk", 700),
                  *HAND_BOLD),
                 cjk_breaks=True),
    "zh-Hans": Script((_debian("LXGW WenKai", _WENKAI.format("Regular"), "fonts-lxgw-wenkai"),
                       _debian("Noto Sans CJK SC", _CJK.format("Regular"), "fonts-noto-cjk",
                               index=2), *HAND),
                      (_debian("LXGW WenKai", _WENKAI.format("Bold"), "fonts-lxgw-wenkai", 700),
                       _debian("Noto Sans CJK SC", _CJK.format("Bold"), "fonts-noto-cjk", 700,
                               index=2), *HAND_BOLD),
                      cjk_breaks=True),
    "ko": Script((_debian("Nanum Barun Pen", _NANUM.format("R"), "fonts-nanum-extra"),
                  _debian("Noto Sans CJK KR", _CJK.format("Regular"), "fonts-noto-cjk",
                          index=1), *HAND),
                 (_debian("Nanum Barun Pen", _NANUM.format("B"), "fonts-nanum-extra", 700),
                  _debian("Noto Sans CJK KR", _CJK.format("Bold"), "fonts-noto-cjk", 700,
                          index=1), *HAND_BOLD),
                 scale=1.15),  # Nanum Barun Pen draws Hangul small for its em
}


def script_for(lang: str) -> Script:
    """The script of a language tag (``en``, ``pt-BR``, ``zh-Hans``); Latin by default."""
    return _BY_LANGUAGE.get(lang) or _BY_LANGUAGE.get(lang.split("-")[0]) or LATIN


#: Every font source the renderer may use, for the set-up check.
ALL_SOURCES: Sequence[FontSource] = tuple(dict.fromkeys(
    [*HAND, *HAND_BOLD, *CODE,
     *(s for script in _BY_LANGUAGE.values() for s in (*script.hand, *script.hand_bold))]))
