"""The whiteboard look in numbers: palette, type sizes and spacing (at 1024 px wide).

Composition scales sizes together when a flow needs more room, but never below
``MIN_TEXT_PX``: below that a 1024 px image is no longer comfortable to read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from inkproof.render import fonts
from inkproof.render.text import TextStyle

MIN_TEXT_PX = 13.0


@dataclass(frozen=True)
class Palette:
    """Every colour of a look. ``background`` and ``grid`` may be ``none`` (transparent
    pictures for pages that bring their own background); ``halo``, when not ``none``,
    outlines every text so that it reads on whatever page is behind it."""

    background: str = "#f7fbff"
    grid: str = "#e2edf8"
    ink: str = "#17324d"
    muted: str = "#44698c"
    code: str = "#0d5c7d"
    read: str = "#0ea5c6"
    write: str = "#1f4e9c"
    error: str = "#c23b3b"
    asynchronous: str = "#6a4fb3"
    control: str = "#5b7fa3"
    event: str = "#1d8a5b"
    data: str = "#a8620a"
    box_fill: str = "#ffffff"
    box_stroke: str = "#1f4f82"
    icon: str = "#2a6aa8"
    icon_fill: str = "#d6ecfa"
    lane_fills: tuple[str, ...] = ("#e9f4fd", "#e6f7fa", "#eaf0fc")
    lane_stroke: str = "#8fbde3"
    label_fill: str = "#f7fbff"
    note_fill: str = "#dff5fb"
    note_stroke: str = "#3ba8c9"
    highlight_fill: str = "#d9e9ff"
    highlight_stroke: str = "#1f4e9c"
    caution_fill: str = "#eef3f8"
    caution_stroke: str = "#5b7fa3"
    badge_text: str = "#ffffff"
    halo: str = "none"


_DARK = Palette(
    background="#0f1b2a", grid="#1a2b3f", ink="#e8f1fa", muted="#a3bdd6", code="#8fdcf2",
    read="#3cc8e6", write="#8fb4ff", error="#ff8a80", asynchronous="#c3a6ff",
    control="#9fb6cf", event="#5fd39b", data="#f0b35e", box_fill="#15263a",
    box_stroke="#8ab2dc", icon="#9ccbf3", icon_fill="#1f3a55",
    lane_fills=("#13243a", "#112833", "#172139"), lane_stroke="#41688c",
    label_fill="#0f1b2a", note_fill="#14384a", note_stroke="#3fb2d4", highlight_fill="#1c3050",
    highlight_stroke="#8fb4ff", caution_fill="#1a2735", caution_stroke="#8ba7c5",
    badge_text="#0f1b2a")

#: The looks a spec can ask for (``style.palette``). Adding one is adding an entry here.
PALETTES: dict[str, Palette] = {
    "cool-blue": Palette(),
    "dark": _DARK,
    # For docs sites: the page's own background shows through. Texts keep a halo of the
    # look's own background, so a light picture still reads on a dark page and vice versa.
    "transparent": replace(Palette(), background="none", grid="none",
                           halo=Palette().background),
    "dark-transparent": replace(_DARK, background="none", grid="none", halo=_DARK.background),
}


@dataclass(frozen=True)
class PathKind:
    """How the arrows of one kind look (a palette colour, solid or dashed) and what they are
    called: ``word`` is the English name in the picture's key of path kinds (translated like
    the legend heading), ``note`` tells translators of an arrow's label which path it is on."""

    colour: str  # the name of a Palette field
    word: str
    note: str
    dashed: bool = False


#: Kinds of arrow an ``arrows[].path`` can name, in the order the key lists them. The model
#: accepts exactly these names. Adding one is adding an entry here (and a Palette colour
#: when it needs one of its own).
PATH_KINDS: dict[str, PathKind] = {
    "read": PathKind("read", "read", "read path (cyan)"),
    "write": PathKind("write", "write", "write/invalidation path (blue)"),
    "error": PathKind("error", "error", "error path (red): failures, rejections"),
    "async": PathKind("asynchronous", "async", "asynchronous path (dashed purple): fire and "
                      "forget, callbacks", dashed=True),
    "control": PathKind("control", "control", "control path (dashed grey-blue): "
                        "orchestration, scheduling, health checks", dashed=True),
    "event": PathKind("event", "event", "event path (dashed green): events published to a "
                      "bus or stream and consumed from it", dashed=True),
    "data": PathKind("data", "data", "data path (amber): bulk data, replication, batch "
                     "transfers"),
}


def path_key(kinds: Iterable[str]) -> tuple[str, ...]:
    """The kinds a picture's key lists: those ``kinds`` uses, in registry order, when there
    are two or more (one kind needs no key: every arrow looks the same)."""
    used = set(kinds)
    listed = tuple(kind for kind in PATH_KINDS if kind in used)
    return listed if len(listed) >= 2 else ()


#: Dash patterns (px): optional arrows (the flow works without them), and dashed kinds
#: (long dashes, so that an optional arrow and an asynchronous one stay distinct).
OPTIONAL_DASH = (8.0, 5.0)
KIND_DASH = (14.0, 6.0)


@dataclass(frozen=True)
class Sizes:
    """Type sizes (px) and spacing (px) of the whiteboard theme."""

    margin: float = 22
    title: float = 38
    subtitle: float = 19
    lane_title: float = 19
    lane_caption: float = 14.5
    box_name: float = 16.5
    box_role: float = 14.5
    arrow_label: float = 15
    badge: float = 11.5
    legend_heading: float = 17
    legend_item: float = 14.5
    note: float = 15
    box_width: float = 200
    box_padding: float = 9
    icon: float = 34
    label_max_width: float = 112
    nodesep: float = 16
    ranksep: float = 8


@dataclass(frozen=True)
class Theme:
    palette: Palette
    sizes: Sizes
    scale: float = 1.0
    script: fonts.Script = fonts.LATIN
    lang: str = "en"  # BCP 47 tag of the text, for shaping

    def px(self, value: float) -> float:
        return round(value * self.scale, 2)

    def style(self, size: float, *, bold: bool = False, color: str | None = None,
              code_color: str | None = None) -> TextStyle:
        script = self.script
        return TextStyle(size=round(self.px(size) * script.scale, 2),
                         stack=script.hand_bold if bold else script.hand,
                         color=color or self.palette.ink,
                         code_color=code_color or self.palette.code,
                         # Monospace looks larger, so code is set smaller, but never
                         # below the readable minimum while its prose is above it.
                         code_size=round(max(self.px(size) * 0.88,
                                             min(self.px(size) * script.scale, MIN_TEXT_PX)),
                                         2), rtl=script.rtl,
                         cjk_breaks=script.cjk_breaks, hyphenation=script.hyphenation,
                         language=self.lang)

    def arrow_colour(self, kind: str) -> str:
        """The colour of arrows (and their badges) of a path kind."""
        return getattr(self.palette, PATH_KINDS[kind].colour)

    def arrow_dash(self, kind: str, optional: bool = False) -> tuple[float, ...] | None:
        """The dash of an arrow: optional arrows, then dashed kinds; else solid."""
        if optional:
            return OPTIONAL_DASH
        return KIND_DASH if PATH_KINDS[kind].dashed else None

    def with_palette(self, name: str) -> Theme:
        """The same sizes and script in another look (``PALETTES``)."""
        return Theme(PALETTES[name], self.sizes, self.scale, self.script, self.lang)

    def scaled(self, scale: float) -> Theme:
        return Theme(self.palette, self.sizes, round(scale, 3), self.script, self.lang)

    def for_language(self, lang: str) -> Theme:
        """The same look, written the way ``lang`` is written (fonts, direction, breaks)."""
        return Theme(self.palette, self.sizes, self.scale, fonts.script_for(lang), lang)


WHITEBOARD = Theme(Palette(), Sizes())
