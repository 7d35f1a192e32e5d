"""Shape, measure and wrap text into positioned glyph runs (plain data).

Every size the layout reserves comes from here, and the SVG back end draws exactly these
glyphs, so what was measured is what is drawn. Prose and code spans keep their own fonts;
each cluster (a character and its combining marks) takes the first face of its stack that
covers all of it (per-cluster fallback), and a character no face covers is an error rather
than a tofu box.

Lines break at spaces, and also between ideographs for Chinese and Japanese (never before a
closing mark or after an opening one); a word wider than the line is hyphenated where the
language has a dictionary. Each line is cut into bidi runs (FriBidi levels), those into
script runs (UAX #24, see render/scripts.py), those by font coverage; each run is shaped by
HarfBuzz with its own script, the label's language and its direction, then the runs are laid
out in visual order; right-to-left lines are right-aligned.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import uharfbuzz as hb

from inkproof.errors import InkproofError
from inkproof.labels import Label, Span
from inkproof.render import bidi, scripts
from inkproof.render.fonts import CODE, Face, FontSource, face


class GlyphMissing(InkproofError):
    """No installed font covers a character of a label (never drawn as a tofu box)."""

    def __init__(self, char: str, text: str, element: str | None = None,
                 lang: str | None = None):
        self.char, self.text, self.element, self.lang = char, text, element, lang
        where = f" in {element}" if element else ""
        language = f" (language {lang})" if lang else ""
        super().__init__(f"no installed font has the character {char!r} (U+{ord(char):04X})"
                         f"{where}{language}: {text!r} — add a font covering it to the stack "
                         "in render/fonts.py and its package to the set-up")

    def __reduce__(self) -> tuple[type, tuple[str, str, str | None, str | None]]:
        return (type(self), (self.char, self.text, self.element, self.lang))

    def within(self, element: str | None = None, lang: str | None = None) -> GlyphMissing:
        """The same error, told where it happened."""
        return GlyphMissing(self.char, self.text, element or self.element, lang or self.lang)



@dataclass(frozen=True)
class TextStyle:
    """How a piece of text looks: size in px, font stacks for prose and code, colours, and
    how the language is written (direction, break opportunities, hyphenation)."""

    size: float
    stack: tuple[FontSource, ...]
    color: str
    code_color: str | None = None
    code_stack: tuple[FontSource, ...] = CODE
    code_size: float | None = None  # default: 0.88 × size (monospace looks larger)
    line_height: float = 1.22
    rtl: bool = False
    cjk_breaks: bool = False
    hyphenation: str | None = None
    language: str = "en"  # BCP 47 tag: HarfBuzz picks language-specific glyph forms by it

    @property
    def code_px(self) -> float:
        return self.code_size if self.code_size is not None else round(self.size * 0.88, 2)


@dataclass(frozen=True)
class GlyphRun:
    """Glyphs of one face, size, script and direction; ``glyphs`` holds (glyph id, x, y) in
    px. ``text``, ``script`` (ISO 15924) and ``rtl`` say what was shaped, and how."""

    face: FontSource
    size: float
    x: float
    width: float
    color: str
    glyphs: tuple[tuple[int, float, float], ...]
    text: str = ""
    script: str = scripts.COMMON
    rtl: bool = False


@dataclass(frozen=True)
class TextLine:
    """One line: its runs in visual order; ``x`` offsets it in the block (right alignment)."""

    runs: tuple[GlyphRun, ...]
    width: float
    text: str
    x: float = 0.0


@dataclass(frozen=True)
class TextBlock:
    """Wrapped, shaped text. Baseline of line i is at ``ascent + i * line_step``."""

    text: str
    lines: tuple[TextLine, ...]
    width: float
    height: float
    ascent: float
    line_step: float
    size: float
    overflow: bool  # a single word was wider than the width it had to fit
    rtl: bool = False


@dataclass(frozen=True)
class _Token:
    text: str
    code: bool
    space: bool = False  # ends with a space the line may drop at a break


# ---- fonts and shaping ----------------------------------------------------------------------


def _joins_previous(char: str) -> bool:
    """A character that belongs to the cluster before it (combining marks, ZWJ/ZWNJ,
    variation selectors): never drawn from another font than its base."""
    return (unicodedata.category(char).startswith("M")
            or scripts.script_of(char) == scripts.INHERITED)


def _clusters(text: str) -> list[str]:
    clusters: list[str] = []
    for char in text:
        if clusters and _joins_previous(char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _itemize(text: str, stack: Sequence[FontSource]) -> list[tuple[Face, str]]:
    """Split one script run into (face, substring) by the first face of the stack that
    covers a whole cluster, so a base and its marks stay in one font; a space keeps the
    face before it."""
    faces = [face(source) for source in stack]
    segments: list[tuple[Face, str]] = []
    for cluster in _clusters(text):
        previous = segments[-1][0] if segments else None
        if cluster.isspace() and previous is not None and all(map(previous.covers, cluster)):
            choices = [(previous, cluster)]
        else:
            chosen = next((f for f in faces if all(map(f.covers, cluster))), None)
            # No face has the whole cluster: each character its own (or an error).
            choices = ([(chosen, cluster)] if chosen is not None else
                       [(next((f for f in faces if f.covers(c)), None), c) for c in cluster])
        for chosen, part in choices:
            if chosen is None:  # even a space: an uncovered one would be drawn as .notdef
                raise GlyphMissing(part, text)
            if segments and segments[-1][0] is chosen:
                segments[-1] = (chosen, segments[-1][1] + part)
            else:
                segments.append((chosen, part))
    return segments


@functools.lru_cache(maxsize=65536)
def _shape_units(source: FontSource, text: str, rtl: bool, script: str, language: str
                 ) -> tuple[int, tuple[tuple[int, int, int, int], ...]]:
    """HarfBuzz output in font units, cached: every size of a text reuses one shaping.

    Script, language and direction are set, never guessed: a guess takes the script of the
    first letter, and ``API सर्विस`` would then be shaped as Latin."""
    face_ = face(source)
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.direction = "rtl" if rtl else "ltr"
    buffer.script = script
    buffer.language = language
    hb.shape(face_.font, buffer, {"kern": True, "liga": True})
    glyphs = tuple((info.codepoint, pos.x_advance, pos.x_offset, pos.y_offset)
                   for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions,
                                        strict=True))
    return face_.upem, glyphs


def _shape(source: FontSource, text: str, size: float, rtl: bool, script: str, language: str
           ) -> tuple[float, list[tuple[int, float, float]]]:
    upem, units = _shape_units(source, text, rtl, script, language)
    scale = size / upem
    x = 0.0
    glyphs = []
    for glyph_id, advance, x_offset, y_offset in units:
        glyphs.append((glyph_id, round(x + x_offset * scale, 2), round(-y_offset * scale, 2)))
        x += advance * scale
    return x, glyphs


def _stack(style: TextStyle, code: bool) -> tuple[tuple[FontSource, ...], float, str]:
    if code:
        return style.code_stack, style.code_px, style.code_color or style.color
    return style.stack, style.size, style.color


def measure(text: str, style: TextStyle, code: bool = False) -> float:
    """Advance width of a single-line text in px (each script run in its own direction)."""
    stack, size, _ = _stack(style, code)
    return sum(_shape(f.source, part, size, scripts.is_rtl(script), script, style.language)[0]
               for script, run in scripts.runs(text) for f, part in _itemize(run, stack))


# ---- breaking lines ---------------------------------------------------------------------------

# Kinsoku: marks that may not start a line, and marks that may not end one.
_NO_START = set("、。，．,.!?！？:;：；)]}）」』】〕〉》〙〗〟’”ー・ゝゞ々〻%％"
                "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
_NO_END = set("([{（「『【〔〈《〘〖〝‘“")


def _breaks_anywhere(char: str) -> bool:
    name = unicodedata.name(char, "")
    return name.startswith(("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH", "HIRAGANA",
                            "KATAKANA", "IDEOGRAPHIC", "FULLWIDTH", "CJK SYMBOLS"))


def _tokens(spans: Iterable[Span], style: TextStyle) -> list[list[_Token]]:
    """Unbreakable groups of tokens; a line may break only between groups.

    Breaks come after spaces, and between ideographs when the script allows it. Prose and
    a code span that touch without a space (``(`SELECT`)``) stay in one group.
    """
    groups: list[list[_Token]] = []
    glued = False  # the previous span ended without a break opportunity
    for span in spans:
        word = ""

        def emit(token: _Token) -> None:
            nonlocal glued
            if glued and groups:
                groups[-1].append(token)
            else:
                groups.append([token])
            glued = False

        for char in span.text:
            if (style.cjk_breaks and not span.code and word and not word.endswith(" ")
                    and (_breaks_anywhere(char) or _breaks_anywhere(word[-1]))
                    and char not in _NO_START and word[-1] not in _NO_END):
                emit(_Token(word, span.code))
                word = ""
            word += char
            if char == " ":
                emit(_Token(word, span.code, space=True))
                word = ""
        if word:
            emit(_Token(word, span.code))
            glued = True
        else:
            glued = False
    return groups


@functools.cache
def _hyphenator(language: str) -> object | None:
    try:
        import pyphen

        return pyphen.Pyphen(lang=language)
    except (ImportError, KeyError):
        return None


def _hyphenate(token: _Token, style: TextStyle, width: float) -> list[_Token]:
    """Split a too-long word at hyphenation points so each piece fits ``width``."""
    dictionary = _hyphenator(style.hyphenation) if style.hyphenation and not token.code else None
    if dictionary is None:
        return [token]
    pieces: list[_Token] = []
    rest = token.text
    while measure(rest.rstrip(" "), style) > width:
        # A compound already hyphenated ("Invalidierungs-Worker") breaks after its own
        # hyphen; adding another would draw "--".
        cut = next(((head if head.endswith("-") else head + "-", tail)
                    for head, tail in dictionary.iterate(rest.rstrip(" "))
                    if measure(head if head.endswith("-") else head + "-", style) <= width),
                   None)
        if cut is None:
            break
        pieces.append(_Token(cut[0], False))
        rest = cut[1] + (" " if rest.endswith(" ") else "")
    pieces.append(_Token(rest, False, space=rest.endswith(" ")))
    return pieces


# ---- laying out ---------------------------------------------------------------------------------


def layout_text(content: Label | str, style: TextStyle, max_width: float = float("inf"),
                max_lines: int | None = None) -> TextBlock:
    """Shape ``content`` and wrap it greedily into lines no wider than ``max_width``."""
    spans = content.spans if isinstance(content, Label) else (Span(content),)
    plain = "".join(span.text for span in spans)
    lines_tokens: list[list[_Token]] = [[]]
    line_width = 0.0
    for group in _tokens(spans, style):
        if len(group) == 1:  # only a lone word can be hyphenated
            pieces = [[piece] for piece in _hyphenate(group[0], style, max_width)]
        else:
            pieces = [group]
        for unit in pieces:
            # Width of the unit without its trailing space, which a line end drops.
            text_width = sum(measure(t.text, style, t.code) for t in unit[:-1])
            last = unit[-1]
            width = text_width + measure(last.text.rstrip(" "), style, last.code)
            space = measure(" ", style, last.code) if last.space else 0.0
            if lines_tokens[-1] and line_width + width > max_width:
                lines_tokens.append([])
                line_width = 0.0
            lines_tokens[-1].extend(unit)
            line_width += width + space
    if style.cjk_breaks:
        _avoid_widow(lines_tokens)
    overflow = bool(max_lines is not None and len(lines_tokens) > max_lines)
    lines = [_line(tokens, style) for tokens in lines_tokens]
    width = max((line.width for line in lines), default=0.0)
    if style.rtl:
        lines = [TextLine(ln.runs, ln.width, ln.text, round(width - ln.width, 2)) for ln in lines]
    overflow = overflow or width > max_width + 0.5
    first = face(style.stack[0])
    ascent = style.size * first.ascender / first.upem
    step = style.size * style.line_height
    height = ascent + (len(lines) - 1) * step - style.size * first.descender / first.upem
    return TextBlock(plain, tuple(lines), round(width, 2), round(height, 2), round(ascent, 2),
                     round(step, 2), style.size, overflow, style.rtl)


def _avoid_widow(lines_tokens: list[list[_Token]]) -> None:
    """A Chinese or Japanese line of one lone character reads as a mistake: give it the
    last character of the line before (that line only gets shorter, so it still fits)."""
    if len(lines_tokens) < 2:
        return
    last, before = lines_tokens[-1], lines_tokens[-2]
    if (len(last) == 1 and len(last[0].text.strip()) == 1 and len(before) >= 3
            and _breaks_anywhere(before[-1].text[-1]) and not before[-1].space):
        last.insert(0, before.pop())


def _line(tokens: list[_Token], style: TextStyle) -> TextLine:
    """Shape one line: bidi runs in logical order, each in its direction, placed visually."""
    chars: list[tuple[str, bool]] = []
    for token in tokens:
        chars += [(c, token.code) for c in token.text]
    while chars and chars[-1][0] == " ":
        chars.pop()
    text = "".join(c for c, _ in chars)
    if style.rtl or any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        levels = bidi.levels_with_isolates(text, [code for _, code in chars], style.rtl)
    else:
        levels = [0] * len(text)
    # Runs of one level, one kind (prose or code) and one script, then split by font coverage.
    runs: list[tuple[int, bool, str, str]] = []
    for (char, code), level, script in zip(chars, levels, scripts.resolve(text), strict=True):
        if runs and runs[-1][:3] == (level, code, script):
            runs[-1] = (level, code, script, runs[-1][3] + char)
        else:
            runs.append((level, code, script, char))
    pieces: list[tuple[int, bool, Face, str, str]] = []
    for level, code, script, part in runs:
        stack, _, _ = _stack(style, code)
        pieces += [(level, code, f, script, sub) for f, sub in _itemize(part, stack)]
    order = bidi.visual_order([piece[0] for piece in pieces])
    glyph_runs: list[GlyphRun] = []
    x = 0.0
    for index in order:
        level, code, face_, script, part = pieces[index]
        _, size, color = _stack(style, code)
        rtl = level % 2 == 1
        width, glyphs = _shape(face_.source, part, size, rtl, script, style.language)
        glyph_runs.append(GlyphRun(face_.source, size, round(x, 2), round(width, 2), color,
                                   tuple(glyphs), part, script, rtl))
        x += width
    return TextLine(tuple(glyph_runs), round(x, 2), text)
