"""Rasterize an SVG document to PNG with resvg (no system fonts: all text is outlines)."""

from __future__ import annotations

import resvg_py


def to_png(svg: bytes, width: int, height: int) -> bytes:
    """PNG bytes of the SVG at width × height pixels."""
    return bytes(resvg_py.svg_to_bytes(svg_string=svg.decode("utf-8"), width=width,
                                       height=height, skip_system_fonts=True))
