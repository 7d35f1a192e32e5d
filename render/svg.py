"""Write a sketched scene as an SVG document (a thin back end: geometry in, XML out).

Text is drawn as glyph outlines (shared ``<defs>``, one ``<use>`` per glyph) so every
renderer shows exactly the shaped text; each text keeps its words in ``aria-label`` and
``<title>`` for search engines and screen readers. The document is built with ElementTree,
which escapes every label: a box named ``<script>`` stays text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from inkproof.render.fonts import face
from inkproof.render.scene import PlacedText, Scene
from inkproof.render.sketch import Stroke
from inkproof.render.theme import Theme

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)

_LAYER_ORDER = ("lanes", "arrows", "boxes", "icons", "labels", "badges", "panels", "notes",
                "legend")


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


class _Glyphs:
    """Glyph outlines used by the document, each defined once."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, int], str] = {}
        self.faces: dict[str, int] = {}

    def ref(self, source_key: str, glyph_id: int) -> str:
        key = (source_key, glyph_id)
        if key not in self.ids:
            index = self.faces.setdefault(source_key, len(self.faces))
            self.ids[key] = f"g{index}-{glyph_id}"
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
           direction: str = "ltr") -> bytes:
    """The SVG document as UTF-8 bytes (deterministic for the same inputs)."""
    root = ET.Element(f"{{{SVG_NS}}}svg", {
        "width": str(scene.width), "height": str(scene.height),
        "viewBox": f"0 0 {scene.width} {scene.height}", "role": "img",
        "aria-labelledby": "inkproof-title inkproof-desc", "lang": lang,
        "direction": direction,
    })
    title = ET.SubElement(root, "title", {"id": "inkproof-title"})
    title.text = scene.title.block.text
    desc = ET.SubElement(root, "desc", {"id": "inkproof-desc"})
    desc.text = scene.description
    defs = ET.SubElement(root, "defs")
    _background(root, scene, theme)
    glyphs = _Glyphs()
    by_layer: dict[str, list[Stroke]] = {}
    for stroke in strokes:
        by_layer.setdefault(stroke.layer, []).append(stroke)
    texts = texts_by_layer(scene)
    for layer in _LAYER_ORDER:
        group = ET.SubElement(root, "g", {"id": f"layer-{layer}"})
        for stroke in by_layer.get(layer, []):
            _path(group, stroke)
        for text in texts[layer]:
            _text(group, text, glyphs)
    for (source_key, glyph_id), ref in sorted(glyphs.ids.items(), key=lambda kv: kv[1]):
        source = next(s for s in _sources(scene) if _key(s) == source_key)
        ET.SubElement(defs, "path", {"id": ref, "d": face(source).outline(glyph_id)})
    ET.indent(root, space="", level=0)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


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


def _background(root: ET.Element, scene: Scene, theme: Theme) -> None:
    p = theme.palette
    ET.SubElement(root, "rect", {"width": str(scene.width), "height": str(scene.height),
                                 "fill": p.background})
    step = 24
    lines = [f"M{x} 0V{scene.height}" for x in range(step, scene.width, step)]
    lines += [f"M0 {y}H{scene.width}" for y in range(step, scene.height, step)]
    # Axis-aligned 1 px lines: crisp edges look sharper and rasterize ~30 ms faster.
    ET.SubElement(root, "path", {"id": "grid", "d": "".join(lines), "stroke": p.grid,
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


def _text(group: ET.Element, text: PlacedText, glyphs: _Glyphs) -> None:
    block = text.block
    node = ET.SubElement(group, "g", {"data-id": text.id, "aria-label": block.text})
    label = ET.SubElement(node, "title")
    label.text = block.text
    for index, line in enumerate(block.lines):
        baseline = text.y + block.ascent + index * block.line_step
        for run in line.runs:
            upem = face(run.face).upem
            k = run.size / upem
            run_node = ET.SubElement(node, "g", {
                "transform": f"translate({_num(text.x + line.x + run.x)} {_num(baseline)}) "
                             f"scale({k:.5f} {-k:.5f})",
                "fill": run.color})
            for glyph_id, gx, gy in run.glyphs:
                attrs = {"href": "#" + glyphs.ref(_key(run.face), glyph_id)}
                if gx:
                    attrs["x"] = str(round(gx / k))
                if gy:
                    attrs["y"] = str(round(-gy / k))
                ET.SubElement(run_node, "use", attrs)
