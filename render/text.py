"""Shape, measure and wrap text into positioned glyph runs (plain data).

Every size the layout reserves comes from here, and the SVG back end draws exactly these
glyphs, so what was measured is what is drawn. Prose and code spans keep their own fonts;
each character takes the first face of its stack that covers it (per-glyph fallback), and a
character no face covers is an error rather than a tofu box.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import uharfbuzz as hb

from inkproof.errors import InkproofError
from inkproof.labels import Label, Span
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

    def within(self, element: str | None = None, lang: str | None = None) -> GlyphMissing:
        """The same error, told where it happened."""
        return GlyphMissing(self.char, self.text, element or self.element, lang or self.lang)


@dataclass(frozen=True)
class TextStyle:
    """How a piece of text looks: size in px, font stacks for prose and code, colours."""

    size: float
    stack: tuple[FontSource, ...]
    color: str
    code_color: str | None = None
    code_stack: tuple[FontSource, ...] = CODE
    code_scale: float = 0.88  # monospace looks larger than handwriting at the same size
    line_height: float = 1.22


@dataclass(frozen=True)
class GlyphRun:
    """Glyphs of one face at one size; ``glyphs`` holds (glyph id, x, y) in px from ``x``."""

    face: FontSource
    size: float
    x: float
    width: float
    color: str
    glyphs: tuple[tuple[int, float, float], ...]


@dataclass(frozen=True)
class TextLine:
    runs: tuple[GlyphRun, ...]
    width: float
    text: str


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


@dataclass(frozen=True)
class _Token:
    text: str
    code: bool


def _itemize(text: str, stack: Sequence[FontSource]) -> list[tuple[Face, str]]:
    """Split text into (face, substring) by the first face of the stack covering each char."""
    faces = [face(source) for source in stack]
    segments: list[tuple[Face, str]] = []
    for char in text:
        chosen = None
        if segments and (char.isspace() or _is_mark(char)) and segments[-1][0].covers(char):
            chosen = segments[-1][0]  # keep spaces and marks with the run before them
        else:
            chosen = next((f for f in faces if f.covers(char)), None)
        if chosen is None:
            if char.isspace():
                chosen = faces[0]
            else:
                raise GlyphMissing(char, text)
        if segments and segments[-1][0] is chosen:
            segments[-1] = (chosen, segments[-1][1] + char)
        else:
            segments.append((chosen, char))
    return segments


def _is_mark(char: str) -> bool:
    import unicodedata

    return unicodedata.category(char).startswith("M")


def _shape(face_: Face, text: str, size: float) -> tuple[float, list[tuple[int, float, float]]]:
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    hb.shape(face_.font, buffer, {"kern": True, "liga": True})
    scale = size / face_.upem
    x = 0.0
    glyphs = []
    for info, position in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True):
        glyphs.append((info.codepoint, round(x + position.x_offset * scale, 2),
                       round(-position.y_offset * scale, 2)))
        x += position.x_advance * scale
    return x, glyphs


def _runs(text: str, code: bool, style: TextStyle, x: float) -> list[GlyphRun]:
    stack = style.code_stack if code else style.stack
    size = style.size * (style.code_scale if code else 1.0)
    color = (style.code_color or style.color) if code else style.color
    runs = []
    for face_, part in _itemize(text, stack):
        width, glyphs = _shape(face_, part, size)
        runs.append(GlyphRun(face_.source, size, round(x, 2), round(width, 2), color,
                             tuple(glyphs)))
        x += width
    return runs


def measure(text: str, style: TextStyle, code: bool = False) -> float:
    """Advance width of a single-line text in px."""
    return sum(run.width for run in _runs(text, code, style, 0.0))


def _tokens(spans: Iterable[Span]) -> list[_Token]:
    """Break spans into words that keep their trailing space; code words stay code."""
    tokens: list[_Token] = []
    for span in spans:
        word = ""
        for char in span.text:
            word += char
            if char == " ":
                tokens.append(_Token(word, span.code))
                word = ""
        if word:
            tokens.append(_Token(word, span.code))
    return tokens


def layout_text(content: Label | str, style: TextStyle, max_width: float = float("inf"),
                max_lines: int | None = None) -> TextBlock:
    """Shape ``content`` and wrap it greedily into lines no wider than ``max_width``."""
    spans = content.spans if isinstance(content, Label) else (Span(content),)
    plain = "".join(span.text for span in spans)
    lines_tokens: list[list[_Token]] = [[]]
    line_width = 0.0
    for token in _tokens(spans):
        width = measure(token.text.rstrip(" "), style, token.code)
        space = measure(" ", style, token.code) if token.text.endswith(" ") else 0.0
        if lines_tokens[-1] and line_width + width > max_width:
            lines_tokens.append([])
            line_width = 0.0
        lines_tokens[-1].append(token)
        line_width += width + space
    overflow = bool(max_lines is not None and len(lines_tokens) > max_lines)
    lines = []
    for tokens in lines_tokens:
        runs: list[GlyphRun] = []
        x = 0.0
        # Re-shape whole stretches of the same kind so kerning and ligatures cross words.
        for chunk, code in _merge(tokens):
            new = _runs(chunk, code, style, x)
            runs += new
            x = new[-1].x + new[-1].width if new else x
        text = "".join(t.text for t in tokens).rstrip(" ")
        lines.append(TextLine(tuple(runs), round(x, 2), text))
    width = max((line.width for line in lines), default=0.0)
    overflow = overflow or width > max_width + 0.5
    faces = [face(style.stack[0])]
    ascent = style.size * faces[0].ascender / faces[0].upem
    step = style.size * style.line_height
    height = ascent + (len(lines) - 1) * step - style.size * faces[0].descender / faces[0].upem
    return TextBlock(plain, tuple(lines), round(width, 2), round(height, 2), round(ascent, 2),
                     round(step, 2), style.size, overflow)


def _merge(tokens: list[_Token]) -> list[tuple[str, bool]]:
    chunks: list[tuple[str, bool]] = []
    for i, token in enumerate(tokens):
        text = token.text.rstrip(" ") if i == len(tokens) - 1 else token.text
        if chunks and chunks[-1][1] == token.code:
            chunks[-1] = (chunks[-1][0] + text, token.code)
        else:
            chunks.append((text, token.code))
    return [c for c in chunks if c[0]]
