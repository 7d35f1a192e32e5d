"""Canvas sizes a spec or the command line may ask for: ``auto``, a named preset, or W×H.

``auto`` (the default) lets the renderer choose, among the sizes blogs and slides use, the
one the content needs; a preset or an explicit size is a promise the renderer keeps or
refuses with the side that is short. Defined here, once, for the model and the CLI.
"""

from __future__ import annotations

import re

from inkproof.errors import InkproofError

AUTO = "auto"

#: Named sizes (width, height), widest aspect first. Widths stay at 1024 px or more: at
#: that width a picture's smallest text (13 px) reads comfortably in a blog column.
PRESETS: dict[str, tuple[int, int]] = {
    "social": (1200, 630),  # Open Graph / Twitter card
    "wide": (1280, 720),  # 16:9, slides
    "landscape": (1024, 768),  # 4:3
    "square": (1024, 1024),
    "portrait": (1024, 1365),  # 3:4, a long flow in a blog column
}

#: What ``auto`` chooses from: the presets' aspects at growing widths, smallest area first.
#: A flow too big for the last one is refused (split it, or give an explicit size).
AUTO_SIZES: tuple[tuple[int, int], ...] = tuple(sorted(
    {(round(width * scale), round(height * scale))
     for width, height in PRESETS.values() for scale in (1.0, 1.25, 1.5625, 2.0)}
    | {(1024, 576)},
    key=lambda size: (size[0] * size[1], size[0])))

MIN_SIDE, MAX_SIDE = 256, 8192

#: A canvas as a spec gives it: "auto", a preset name, or (width, height).
Canvas = str | tuple[int, int]

_SIZE = re.compile(r"^(\d{1,5})[x×](\d{1,5})$")


def parse_size(text: str) -> Canvas:
    """``auto``, a preset name or ``WxH`` from the command line; a clear error otherwise."""
    value = text.strip().lower()
    if value == AUTO or value in PRESETS:
        return value
    match = _SIZE.match(value)
    if not match:
        raise InkproofError(f"--size {text!r}: expected auto, one of {', '.join(PRESETS)}, "
                            "or WIDTHxHEIGHT in pixels (like 1280x720)")
    size = (int(match[1]), int(match[2]))
    if not all(MIN_SIDE <= side <= MAX_SIDE for side in size):
        raise InkproofError(f"--size {text!r}: each side must be {MIN_SIDE} to {MAX_SIDE} px")
    return size


def fixed_size(canvas: Canvas) -> tuple[int, int] | None:
    """The pixel size a canvas promises, or None for ``auto``."""
    if isinstance(canvas, tuple):
        return canvas
    return None if canvas == AUTO else PRESETS[canvas]


def describe(canvas: Canvas) -> str:
    """How a canvas reads in a message: ``1024×768 (landscape)``, ``auto``."""
    size = fixed_size(canvas)
    if size is None:
        return AUTO
    named = f" ({canvas})" if isinstance(canvas, str) else ""
    return f"{size[0]}×{size[1]}{named}"
