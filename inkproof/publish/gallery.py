"""index.html: a static gallery of the published set that works from disk, offline.

A language switcher, every picture with its alt text, download links, copy-paste embed
snippets (HTML ``<figure>`` and Markdown) and each flow's verification table. Rendered from
plain data (the manifest entries) with an autoescaping Jinja2 template: labels are data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale, UnknownLocaleError
from markupsafe import escape

from inkproof import __version__

_TEMPLATES = Path(__file__).parent / "templates"
RTL = frozenset({"ar", "he", "fa", "ur"})


def language_name(code: str) -> str:
    """The language's own name for itself ("Deutsch", "日本語"), or the code."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:] if name else code


def _snippets(title: str, alt: str, png: str) -> tuple[str, str]:
    """What a blog author pastes: an HTML figure and a Markdown image."""
    html = (f'<figure>\n  <img src="{escape(png)}" alt="{escape(alt)}" width="1024" '
            f'height="1024" loading="lazy">\n  <figcaption>{escape(title)}</figcaption>\n'
            "</figure>")
    markdown = f"![{_markdown(alt)}]({png})"
    return html, markdown


def _markdown(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def render_index(flows: Sequence[dict[str, Any]], languages: Sequence[str],
                 heading: str = "inkproof gallery") -> bytes:
    """The page for manifest ``flows`` (each with its ``pictures`` and verification)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    context_flows = []
    for flow in flows:
        pictures = []
        for picture in flow["pictures"]:
            paths = {f["kind"]: f["path"] for f in picture["files"]}
            html, markdown = _snippets(picture["caption"], picture["alt"], paths["png"])
            pictures.append({
                "lang": picture["lang"], "dir": "rtl" if picture["lang"] in RTL else "ltr",
                "caption": picture["caption"], "alt": picture["alt"],
                "svg": paths["svg"], "png": paths["png"], "webp": paths["webp"],
                "card": paths["card.png"], "alt_file": paths["alt.txt"],
                "html_snippet": html, "markdown_snippet": markdown,
            })
        context_flows.append({"id": flow["flow"], "title": flow["title"],
                              "verified": flow["verification"]["ok"],
                              "verification": flow["verification"], "pictures": pictures})
    page = env.get_template("index.html.j2").render(
        heading=heading, version=__version__, flows=context_flows,
        languages=[{"code": code, "name": language_name(code)} for code in languages],
        default_language=languages[0] if languages else "en")
    return page.encode("utf-8")
