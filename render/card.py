"""The social card (1200×630, the Open Graph size): title and subtitle beside the picture.

It is composed like the infographic — the same theme, fonts, shaping, translated texts and
stamp — so a card in Hindi or Arabic is as legible as the picture it advertises. The
picture itself is embedded as PNG; right-to-left languages put it on the left.
"""

from __future__ import annotations

import base64
from dataclasses import replace

from inkproof.model import Flow
from inkproof.render.backends import BACKENDS, Drawing
from inkproof.render.chrome import stamp_note
from inkproof.render.geometry import Rect
from inkproof.render.measure import Translate, lay_label
from inkproof.render.scene import NoteShape, PlacedText, Scene
from inkproof.render.sketch import sketch
from inkproof.render.svg import id_prefix, to_svg
from inkproof.render.theme import Theme
from inkproof.render.transform import Mirror, Move, transform

CARD_SIZE = (1200, 630)


def compose_card(flow: Flow, theme: Theme, translate: Translate, stamp: str | None,
                 size: tuple[int, int] = CARD_SIZE) -> tuple[Scene, Rect]:
    """The card's scene (texts, stamp) and where the picture goes."""
    width, height = size
    margin = 48
    picture = Rect(width - margin - (height - 2 * margin), margin, height - 2 * margin,
                   height - 2 * margin)
    column = picture.x - 2 * margin
    title = PlacedText("card.title", lay_label(translate, ("flow.title", flow.title),
                       theme.style(theme.sizes.title * 1.35, bold=True), column),
                       margin, 0)
    blocks = [title]
    if flow.subtitle:
        blocks.append(PlacedText("card.subtitle", lay_label(
            translate, ("flow.subtitle", flow.subtitle),
            theme.style(theme.sizes.subtitle * 1.3, color=theme.palette.muted), column),
            margin, 0))
    total = sum(b.block.height for b in blocks) + 18 * (len(blocks) - 1)
    y = (height - total) / 2
    placed = []
    for block in blocks:
        placed.append(replace(block, y=round(y, 2)))
        y += block.block.height + 18
    notes: tuple[NoteShape, ...] = ()
    if stamp:
        mark = stamp_note(theme, translate, stamp, width, height)
        dx, dy = margin - mark.rect.x, height - margin - mark.rect.h - mark.rect.y
        notes = (transform(mark, Move(dx, dy)),)
    scene = Scene(width, height, placed[0], placed[1] if len(placed) > 1 else None, (), (), (),
                  None, notes, description=placed[0].block.text)
    if theme.script.rtl:
        scene = transform(scene, Mirror(width))
        picture = Mirror(width).rect(picture)
    return scene, picture


def render_card(flow: Flow, theme: Theme, translate: Translate, stamp: str | None,
                picture_png: bytes, lang: str, seed: int) -> bytes:
    """The card as PNG bytes (deterministic for the same inputs)."""
    scene, spot = compose_card(flow, theme, translate, stamp)
    svg = to_svg(scene, sketch(scene, theme, seed), theme, lang,
                 "rtl" if theme.script.rtl else "ltr", ids=id_prefix(flow.id, lang, "card"))
    data = base64.b64encode(picture_png).decode("ascii")
    frame = (f'<rect x="{spot.x + 4}" y="{spot.y + 6}" width="{spot.w}" height="{spot.h}" '
             f'rx="6" fill="{theme.palette.grid}"/>'
             f'<image x="{spot.x}" y="{spot.y}" width="{spot.w}" height="{spot.h}" '
             f'href="data:image/png;base64,{data}"/>'
             f'<rect x="{spot.x}" y="{spot.y}" width="{spot.w}" height="{spot.h}" rx="6" '
             f'fill="none" stroke="{theme.palette.lane_stroke}" stroke-width="2"/>')
    closing = svg.rindex(b"</svg>")
    return BACKENDS["png"](Drawing(svg[:closing] + frame.encode() + svg[closing:], *CARD_SIZE))
