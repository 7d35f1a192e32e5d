"""Output formats, registered in one table: a drawn SVG document in, the file's bytes out.

SVG is the drawing itself; PNG is rasterized with resvg (all text is glyph outlines, so no
system font is involved); WebP is encoded from the PNG with Pillow. Adding a format is
one row in :data:`BACKENDS`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PIL import Image

from inkproof.render.raster import to_png


@dataclass(frozen=True)
class Drawing:
    """A finished SVG document and the pixel size it is drawn at."""

    svg: bytes
    width: int
    height: int


def to_webp(png: bytes) -> bytes:
    """WebP for the web (quality 90; deterministic for the same PNG)."""
    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as image:
        image.convert("RGB").save(out, "WEBP", quality=90, method=6, exact=True)
    return out.getvalue()


def _png(drawing: Drawing) -> bytes:
    return to_png(drawing.svg, drawing.width, drawing.height)


#: Format name → how to make its bytes from a drawing.
BACKENDS: dict[str, Callable[[Drawing], bytes]] = {
    "svg": lambda drawing: drawing.svg,
    "png": _png,
    "webp": lambda drawing: to_webp(_png(drawing)),
}


def encode(drawing: Drawing, formats: Iterable[str]) -> dict[str, bytes]:
    """The drawing in each of ``formats`` (names of :data:`BACKENDS`), in that order."""
    return {fmt: BACKENDS[fmt](drawing) for fmt in formats}
