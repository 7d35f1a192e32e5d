"""Contact sheet of every registered icon, sketched exactly as the renderer sketches them.

Each cell shows the icon at its real size in a box (34 px, the theme's icon size) and the
same strokes magnified 3x, with its name, so a reader can judge every icon at a glance:

    .venv/bin/python bench/icon_sheet.py docs/images/icons.png
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inkproof.render import icons, sketch  # noqa: E402
from inkproof.render.geometry import Rect  # noqa: E402
from inkproof.render.raster import to_png  # noqa: E402
from inkproof.render.theme import WHITEBOARD  # noqa: E402

ZOOM = 3
CELL_W, CELL_H = 190, 150


def icon_png(name: str, shape: icons.Geometry, size: float, zoom: int) -> Image.Image:
    """The icon's strokes on a box-coloured tile, rasterized at ``zoom`` times."""
    pen = sketch._Pen(7)
    pad = 6
    sketch._icon(pen, name, shape, Rect(pad, pad, size, size), WHITEBOARD)
    side = size + 2 * pad
    paths = "".join(
        f'<path d="{s.d}" fill="{s.fill or "none"}"'
        + (f' stroke="{s.stroke}" stroke-width="{s.width}" stroke-linecap="round"'
           ' stroke-linejoin="round"' if s.stroke else "") + "/>"
        for s in pen.strokes)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{side}" '
           f'viewBox="0 0 {side} {side}"><rect width="{side}" height="{side}" '
           f'fill="{WHITEBOARD.palette.box_fill}"/>{paths}</svg>')
    data = to_png(svg.encode(), int(side * zoom), int(side * zoom))
    return Image.open(io.BytesIO(data)).convert("RGB")


def sheet(entries: dict[str, icons.Geometry], columns: int = 6) -> Image.Image:
    """One cell per icon: real size, 3x, its name and its aliases."""
    size = WHITEBOARD.sizes.icon
    rows = (len(entries) + columns - 1) // columns
    image = Image.new("RGB", (columns * CELL_W, rows * CELL_H), "white")
    draw = ImageDraw.Draw(image)
    font, small = ImageFont.load_default(14), ImageFont.load_default(11)
    aliases = icons.drawings()
    for index, (name, shape) in enumerate(entries.items()):
        x, y = (index % columns) * CELL_W, (index // columns) * CELL_H
        image.paste(icon_png(name, shape, size, 1), (x + 8, y + 30))
        image.paste(icon_png(name, shape, size, ZOOM), (x + 64, y + 4))
        draw.text((x + 8, y + CELL_H - 30), name, fill="#1d2b3a", font=font)
        if aliases.get(name):
            draw.text((x + 8, y + CELL_H - 14), ", ".join(aliases[name]), fill="#5a6b7d",
                      font=small)
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    entries = {name: icons.geometry(name) for name in icons.drawings()}
    sheet(entries).save(args.out, optimize=True)
    print(f"{args.out}: {len(entries)} icons")


if __name__ == "__main__":
    main()
