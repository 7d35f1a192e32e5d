"""Write a sketched scene as an SVG document (a thin back end: geometry in, XML out).

Text is drawn as glyph outlines (shared ``<defs>``, one ``<use>`` per glyph) so every
renderer shows exactly the shaped text; each text keeps its words in ``aria-label`` and
``<title>`` for search engines and screen readers. The document is built with ElementTree,
which escapes every label: a box named ``<script>`` stays text.

Every ``id`` starts with a prefix naming the picture (:func:`id_prefix`): ids of SVGs inlined
in one HTML page share the page's namespace, so without it the second picture's ``<use>``
elements would draw the first picture's glyphs.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from inkproof.render.fonts import face
from inkproof.render.scene import Badge, PlacedText, Scene
from inkproof.render.sketch import Stroke
from inkproof.render.theme import Theme

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)

_LAYER_ORDER = ("lanes", "arrows", "boxes", "icons", "labels", "badges", "panels", "notes",
                "legend")




def id_prefix(flow_id: str, lang: str, variant: str = "") -> str:
    """The prefix of every id of one picture, unique to its flow, language and variant.

    Pictures inlined in one HTML page share one id space: without a prefix, the second
    picture's ``<use href="#g0-12">`` draws the first one's glyph. The prefix is a short
    digest (``i3fa9c21b_``) rather than the readable ``<flow>_<lang>_``: every glyph
    reference carries it, and the long form made SVGs a quarter larger. A variant
    (``classic``, ``card``) keeps two drawings of one flow and language apart. It starts
    with a letter, so every id is an XML NCName.
    """
    digest = hashlib.sha256("\0".join((flow_id, lang, variant)).encode()).hexdigest()
    return f"i{digest[:8]}_"


def prefix_ids(svg: bytes, prefix: str) -> bytes:
    """Put ``prefix`` before every id of a foreign SVG (Graphviz's) and every reference to one.

    Only markup is rewritten (``id="…"``, ``href="#…"``, ``xlink:href="#…"``, ``url(#…)`` in
    tags); text between tags stays as it is. Graphviz escapes ``<``, ``>`` and ``"`` inside
    attribute values, so a tag ends at the first ``>``.
    """
    token = prefix.encode()

    def insert(match: re.Match[bytes]) -> bytes:
        return match.group(1) + token

    def tag(match: re.Match[bytes]) -> bytes:
        text = re.sub(rb'(\sid=")', insert, match.group(0))
        text = re.sub(rb'(\s(?:xlink:)?href="#)', insert, text)
        return re.sub(rb"(url\(#)", insert, text)

    return re.sub(rb"<[A-Za-z][^>]*>", tag, svg)


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


class _Glyphs:
    """Glyph outlines used by the document, each defined once."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.ids: dict[tuple[str, int], str] = {}
        self.faces: dict[str, int] = {}

    def ref(self, source_key: str, glyph_id: int) -> str:
        key = (source_key, glyph_id)
        if key not in self.ids:
            index = self.faces.setdefault(source_key, len(self.faces))
            self.ids[key] = f"{self.prefix}g{index}-{glyph_id}"
        return self.ids[key]


def texts_by_layer(scene: Scene) -> dict[str, list[PlacedText]]:
    """Every text of the scene, grouped by the layer it is drawn after."""
    layers: dict[str, list[PlacedText]] = {name: [] for name in _LAYER_ORDER}
    layers["lanes"] += [t for lane in scene.lanes for t in (lane.title, lane.caption) if t]
    layers["icons"] += [t for box in scene.boxes for t in (box.name, box.role)]
    layers["labels"] += [arrow.label for arrow in scene.arrows]
    layers["badges"] += [b.text for arrow in scene.arrows for b in arrow.badges]
    layers["panels"] += [heading for _, _, heading in scene.panels]
    layers["notes"] += [t for note in scene.notes for t in (note.heading, note.text) if t]
    if scene.legend:
        layers["legend"] += [scene.legend.heading, *scene.legend.items,
                             *(b.text for b in scene.legend.badges)]
    layers["legend"] += [t for t in (scene.title, scene.subtitle) if t]
    return layers


def to_svg(scene: Scene, strokes: Iterable[Stroke], theme: Theme, lang: str = "en",
           direction: str = "ltr", *, ids: str) -> bytes:
    """The SVG document as UTF-8 bytes (deterministic for the same inputs).

    ``ids`` (from :func:`id_prefix`) starts every id, so pictures can share an HTML page.
    """
    root = ET.Element(f"{{{SVG_NS}}}svg", {
        "width": str(scene.width), "height": str(scene.height),
        "viewBox": f"0 0 {scene.width} {scene.height}", "role": "img",
        "aria-labelledby": f"{ids}title {ids}desc", "lang": lang,
        "direction": direction,
    })
    title = ET.SubElement(root, "title", {"id": f"{ids}title"})
    title.text = scene.title.block.text
    desc = ET.SubElement(root, "desc", {"id": f"{ids}desc"})
    desc.text = scene.description
    defs = ET.SubElement(root, "defs")
    _background(root, scene, theme, ids)
    glyphs = _Glyphs(ids)
    by_layer: dict[str, list[Stroke]] = {}
    for stroke in strokes:
        by_layer.setdefault(stroke.layer, []).append(stroke)
    texts = texts_by_layer(scene)
    # Digits on a badge's disc need no halo (it would blot out the disc).
    on_discs = {badge.text.id for badge in _badges(scene)}
    for layer in _LAYER_ORDER:
        group = ET.SubElement(root, "g", {"id": f"{ids}layer-{layer}"})
        for stroke in by_layer.get(layer, []):
            _path(group, stroke)
        for text in texts[layer]:
            _text(group, text, glyphs,
                  "none" if text.id in on_discs else theme.palette.halo)
    for (source_key, glyph_id), ref in sorted(glyphs.ids.items(), key=lambda kv: kv[1]):
        source = next(s for s in _sources(scene) if _key(s) == source_key)
        ET.SubElement(defs, "path", {"id": ref, "d": face(source).outline(glyph_id)})
    ET.indent(root, space="", level=0)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _badges(scene: Scene) -> list[Badge]:
    legend = list(scene.legend.badges) if scene.legend else []
    return [*(b for arrow in scene.arrows for b in arrow.badges), *legend]


def _key(source: object) -> str:
    return f"{source.family}-{source.weight}"  # type: ignore[attr-defined]


def _sources(scene: Scene) -> list[object]:
    seen = {}
    for layer in texts_by_layer(scene).values():
        for text in layer:
            for line in text.block.lines:
                for run in line.runs:
                    seen.setdefault(_key(run.face), run.face)
    return list(seen.values())


def _background(root: ET.Element, scene: Scene, theme: Theme, ids: str) -> None:
    p = theme.palette
    if p.background != "none":  # a transparent picture shows the page behind it
        ET.SubElement(root, "rect", {"width": str(scene.width), "height": str(scene.height),
                                     "fill": p.background})
    if p.grid == "none":
        return
    step = 24
    lines = [f"M{x} 0V{scene.height}" for x in range(step, scene.width, step)]
    lines += [f"M0 {y}H{scene.width}" for y in range(step, scene.height, step)]
    # Axis-aligned 1 px lines: crisp edges look sharper and rasterize ~30 ms faster.
    ET.SubElement(root, "path", {"id": f"{ids}grid", "d": "".join(lines), "stroke": p.grid,
                                 "stroke-width": "1", "fill": "none",
                                 "shape-rendering": "crispEdges"})


def _path(group: ET.Element, stroke: Stroke) -> None:
    attrs = {"d": stroke.d, "fill": stroke.fill or "none"}
    if stroke.stroke:
        attrs.update({"stroke": stroke.stroke, "stroke-width": _num(stroke.width),
                      "stroke-linecap": "round", "stroke-linejoin": "round"})
    if stroke.dash:
        attrs["stroke-dasharray"] = " ".join(_num(v) for v in stroke.dash)
    if stroke.opacity != 1.0:
        attrs["opacity"] = _num(stroke.opacity)
    ET.SubElement(group, "path", attrs)


#: A text halo's width outside the glyphs, as a share of the text size (at least 1.5 px).
HALO_SHARE = 0.12


def _text(group: ET.Element, text: PlacedText, glyphs: _Glyphs, halo: str = "none") -> None:
    """One text as glyph outlines; with a ``halo`` colour (transparent palettes), each glyph
    is outlined in it under its fill, so the text reads on a light and on a dark page."""
    block = text.block
    node = ET.SubElement(group, "g", {"data-id": text.id, "aria-label": block.text})
    label = ET.SubElement(node, "title")
    label.text = block.text
    for index, line in enumerate(block.lines):
        baseline = text.y + block.ascent + index * block.line_step
        for run in line.runs:
            upem = face(run.face).upem
            k = run.size / upem
            attrs = {"transform": f"translate({_num(text.x + line.x + run.x)} "
                                  f"{_num(baseline)}) scale({k:.5f} {-k:.5f})",
                     "fill": run.color}
            if halo != "none":  # stroke widths are in glyph units here: px / k
                attrs.update({"stroke": halo, "stroke-linejoin": "round",
                              "paint-order": "stroke",
                              "stroke-width": str(round(2 * max(1.5, HALO_SHARE * run.size)
                                                        / k))})
            run_node = ET.SubElement(node, "g", attrs)
            for glyph_id, gx, gy in run.glyphs:
                attrs = {"href": "#" + glyphs.ref(_key(run.face), glyph_id)}
                if gx:
                    attrs["x"] = str(round(gx / k))
                if gy:
                    attrs["y"] = str(round(-gy / k))
                ET.SubElement(run_node, "use", attrs)
