"""One published picture: the infographic in every format a blog needs, made in a worker.

SVG and PNG come from the render pipeline (with the verification stamp), WebP from the PNG
(Pillow), the 1200×630 social card from :mod:`inkproof.render.card`, the alt text from the
translated title and legend. Only paths and options go into a worker process; only bytes
come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inkproof.i18n.catalog import translator_for
from inkproof.labels import Label
from inkproof.loader import load_flow
from inkproof.render.backends import to_webp
from inkproof.render.card import render_card
from inkproof.render.compose import picture_description
from inkproof.render.pipeline import RenderOptions, render_flow
from inkproof.render.theme import WHITEBOARD

#: File name suffix → what it is, in the order they are listed in the manifest.
KINDS = {"svg": "infographic (SVG)", "png": "infographic (PNG)",
         "webp": "infographic (WebP)", "card.png": "social card 1200×630 (PNG)",
         "alt.txt": "alt text"}


@dataclass(frozen=True)
class PictureJob:
    spec: Path
    lang: str
    stamp: str  # "verified" or "unverified"


@dataclass(frozen=True)
class Picture:
    flow_id: str
    lang: str
    caption: str  # the translated title
    alt: str
    files: dict[str, bytes]  # suffix (see KINDS) → content
    fallbacks: dict[str, str]  # contexts drawn in English, and why


def _untranslated(_context: str, label: Label) -> Label:
    return label


def make_picture(job: PictureJob) -> Picture:
    flow = load_flow(job.spec)
    translator = translator_for(job.spec, flow, job.lang)
    rendered = render_flow(flow, RenderOptions(lang=job.lang, translate=translator,
                                               stamp=job.stamp, assets_dir=job.spec.parent))
    translate = translator or _untranslated
    png = rendered.files["png"]
    card = render_card(flow, WHITEBOARD.for_language(job.lang), translate, job.stamp, png,
                       job.lang, flow.style.seed)
    alt = picture_description(flow, translate)
    files = {"svg": rendered.files["svg"], "png": png, "webp": to_webp(png),
             "card.png": card, "alt.txt": (alt + "\n").encode()}
    return Picture(flow.id, job.lang, translate("flow.title", flow.title).text, alt, files,
                   dict(translator.fallbacks) if translator else {})
