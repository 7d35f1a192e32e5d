"""Rendering: determinism, faithful text, safety, clear errors, and a structural golden."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest

from inkproof import InkproofError, load_flow, parse_flow
from inkproof.canvas import AUTO_SIZES
from inkproof.model import Flow
from inkproof.render import check, compose, pipeline, report
from inkproof.render.fonts import FontMissing, FontSource
from inkproof.render.graphviz_layout import GraphvizMissing
from inkproof.render.text import GlyphMissing
from inkproof.render.theme import MIN_TEXT_PX, WHITEBOARD
from tests.conftest import FLOWS, MINIMAL, ROOT

SVG = "{http://www.w3.org/2000/svg}"
SENIOR = ROOT / "spec" / "flows" / "redis-cache-invalidation.yaml"
BEGINNER = ROOT / "spec" / "flows" / "redis-cache-invalidation-beginner.yaml"
GOLDEN = ROOT / "tests" / "golden"
CANVAS = (1600, 1600)  # a size that holds the beginner flow in English


@cache
def rendered(path: Path) -> pipeline.Rendered:
    return pipeline.render_flow(load_flow(path), pipeline.RenderOptions())


def svg_texts(svg: bytes) -> list[str]:
    """The words a screen reader or search engine gets: every text group's aria-label."""
    root = ET.fromstring(svg)
    return [g.get("aria-label") for g in root.iter(f"{SVG}g") if g.get("aria-label")]


def flow_texts(flow: Flow) -> list[str]:
    """Every text of the flow that the picture must show."""
    texts = [flow.title.text, *(flow.subtitle.text for _ in [0] if flow.subtitle)]
    for lane in flow.lanes:
        texts += [lane.title.text, *([lane.caption.text] if lane.caption else [])]
    for box in flow.boxes:
        texts += [box.name.text, box.role.text]
    texts += [a.label.text for a in flow.arrows]
    texts += [s.text.text for s in flow.legend]
    texts += [c.text.text for c in flow.callouts] + [n.text.text for n in flow.notes]
    texts += [s.name.text for s in flow.strategies]
    return texts


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_every_seed_text_is_in_the_svg(path: Path) -> None:
    shown = svg_texts(rendered(path).files["svg"])
    missing = [t for t in flow_texts(load_flow(path)) if t not in shown]
    assert not missing


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_seed_pictures_pass_the_legibility_check(path: Path) -> None:
    result = rendered(path)
    elements = report.from_json(result.report)
    canvas = tuple(result.report["canvas"])
    assert check.check(elements, canvas) == []
    sizes = [e.size for e in elements if e.kind == "text"]
    assert min(sizes) >= MIN_TEXT_PX == 13.0
    assert result.files["png"].startswith(b"\x89PNG")
    assert ET.fromstring(result.files["svg"]).get("width") == str(canvas[0])
    assert canvas in AUTO_SIZES  # the seeds ask for canvas: auto


def test_same_spec_same_seed_same_bytes_across_processes(tmp_path: Path) -> None:
    outputs = []
    for name in ("a", "b"):
        subprocess.run([sys.executable, "-m", "inkproof", "render", *map(str, FLOWS),
                        "--out", str(tmp_path / name)], check=True, capture_output=True)
        outputs.append({p.relative_to(tmp_path / name): p.read_bytes()
                        for p in sorted((tmp_path / name).rglob("*.*"))})
    assert len(outputs[0]) == 4
    assert outputs[0] == outputs[1]


def test_another_seed_changes_strokes_but_not_layout() -> None:
    flow = load_flow(FLOWS[0])
    a = pipeline.render_flow(flow, pipeline.RenderOptions(formats=("svg",)))
    b = pipeline.render_flow(flow, pipeline.RenderOptions(formats=("svg",), seed=12345))
    assert a.files["svg"] != b.files["svg"]
    assert a.report["elements"] == b.report["elements"]


def test_size_option_changes_the_canvas() -> None:
    flow = load_flow(FLOWS[0])
    result = pipeline.render_flow(flow, pipeline.RenderOptions(size=(1700, 1700)))
    assert ET.fromstring(result.files["svg"]).get("viewBox") == "0 0 1700 1700"
    assert result.report["canvas"] == [1700, 1700]
    assert check.check(report.from_json(result.report), (1700, 1700)) == []


# ---- the checker catches broken pictures ----------------------------------------------


def _scene():
    return compose.compose(load_flow(BEGINNER), WHITEBOARD, CANVAS)


def _moved_box(scene, box_id: str, dx: float, dy: float):
    boxes = tuple(dataclasses.replace(b, rect=b.rect.moved(dx, dy)) if b.id == box_id else b
                  for b in scene.boxes)
    return dataclasses.replace(scene, boxes=boxes)


def test_checker_catches_a_label_over_a_box() -> None:
    scene = _scene()
    label = next(a for a in scene.arrows if a.id == "db-row").label_rect
    target = next(b for b in scene.boxes if b.id == "queue").rect
    broken = _moved_box(scene, "queue", label.x - target.x, label.y - target.y)
    kinds = {(f.kind, f.elements[1]) for f in check.check(report.elements(broken))}
    assert ("overlaps-box", "box.queue") in kinds


def test_checker_catches_text_touching_text() -> None:
    scene = _scene()
    title = scene.title
    subtitle = dataclasses.replace(scene.subtitle, y=title.y + 4)
    findings = check.check(report.elements(dataclasses.replace(scene, subtitle=subtitle)))
    assert any(f.kind == "text-overlaps-text" and set(f.elements) == {"title", "subtitle"}
               for f in findings)


def test_checker_catches_an_arrow_through_a_label_and_a_box() -> None:
    scene = _scene()
    arrow = next(a for a in scene.arrows if a.id == "deliver")
    other = next(a for a in scene.arrows if a.id == "db-row").label_rect
    db = next(b for b in scene.boxes if b.id == "db").rect
    start = arrow.controls[0]  # straight through the label, then through the db box
    through = (start, start, other.center, other.center, other.center, db.center, db.center)
    broken = dataclasses.replace(scene, arrows=tuple(
        dataclasses.replace(a, controls=through) if a.id == "deliver" else a
        for a in scene.arrows))
    found = {(f.kind, f.elements[1]) for f in check.check(report.elements(broken))}
    assert ("arrow-crosses-text", "arrow.db-row.label") in found
    assert ("arrow-crosses-box", "box.db") in found


def test_checker_catches_outside_canvas_and_tiny_text() -> None:
    scene = _moved_box(_scene(), "browser", -CANVAS[0], 0)
    findings = check.check(report.elements(scene), CANVAS)
    assert any(f.kind == "outside-canvas" and f.elements == ("box.browser",) for f in findings)
    small = compose.compose(load_flow(BEGINNER), WHITEBOARD.scaled(0.4), CANVAS)
    tiny = [f for f in check.check(report.elements(small)) if f.kind == "text-too-small"]
    assert tiny and "at least 13 px" in tiny[0].message


def test_crowded_flow_is_refused_and_nothing_written(tmp_path: Path) -> None:
    boxes = "\n".join(f"  - {{id: b{i}, name: Component number {i} with a long name, "
                      f"role: Does a great many things for a great many other components, "
                      f"icon: gear, lane: {'abc'[i % 3]}}}" for i in range(14))
    pairs = [(i % 14, (i * 5 + 1) % 14) for i in range(30)]
    arrows = "\n".join(f"  - {{id: a{i}, from: b{a}, to: b{b}, label: 'a rather long arrow "
                       f"label number {i}', path: read, expect: {{redis: GET k}}}}"
                       for i, (a, b) in enumerate(pairs) if a != b)
    spec = tmp_path / "crowded.yaml"
    spec.write_text(f"inkproof: 1\nid: crowded\ntitle: Crowded\nlanes:\n"
                    "  - {id: a, title: A}\n  - {id: b, title: B}\n  - {id: c, title: C}\n"
                    f"boxes:\n{boxes}\narrows:\n{arrows}\n")
    result = subprocess.run([sys.executable, "-m", "inkproof", "render", str(spec), "--out",
                             str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "use a larger --size" in result.stderr
    assert not (tmp_path / "out").exists()


# ---- safety -------------------------------------------------------------------------------


def test_markup_in_labels_is_escaped_text() -> None:
    evil = '<script>alert(1)</script>'
    text = (MINIMAL.replace("name: API,", f"name: '{evil}',")
            .replace("text: TTL fallback", 'text: "x\\" onload=\\"alert(1)"'))
    result = pipeline.render_flow(parse_flow(text), pipeline.RenderOptions(formats=("svg",)))
    svg = result.files["svg"]
    root = ET.fromstring(svg)  # still well-formed XML
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert not [name for e in root.iter() for name in e.attrib if name.startswith("on")]
    assert evil in svg_texts(svg)
    assert b"<script>" not in svg


@pytest.mark.parametrize("lang", ["../../etc", "en/../../x", "EN_us", ""])
def test_language_cannot_escape_the_output_folder(tmp_path: Path, lang: str) -> None:
    with pytest.raises(InkproofError):
        pipeline.output_path(tmp_path, "flow", lang, "svg")


def test_output_paths_come_from_ids(tmp_path: Path) -> None:
    assert pipeline.output_path(tmp_path, "my-flow", "pt-BR", "png") == (
        tmp_path.resolve() / "my-flow" / "pt-BR.png")
    with pytest.raises(InkproofError):
        pipeline.output_path(tmp_path, "../evil", "en", "svg")


def test_cli_refuses_a_bad_language_and_writes_nothing(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "inkproof", "render", str(FLOWS[0]),
                             "--lang", "../x", "--out", str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "not a language tag" in result.stderr
    assert not (tmp_path / "out").exists()


def test_missing_dot_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda _name: None)
    with pytest.raises(GraphvizMissing, match="install the Debian package graphviz"):
        compose.compose(parse_flow(MINIMAL), WHITEBOARD, (1024, 1024))


def test_missing_font_says_what_to_install() -> None:
    with pytest.raises(FontMissing, match="install the PyPI package fontpkg-no-such-hand"):
        FontSource("no-such-hand").locate()
    with pytest.raises(FontMissing, match="install the Debian package fonts-x"):
        FontSource("X", path="/nonexistent/x.ttf", debian="fonts-x").locate()


def test_uncovered_character_names_element_and_language() -> None:
    flow = parse_flow(MINIMAL.replace("role: Keeps hot data", "role: Keeps 𓀀 data"))
    with pytest.raises(GlyphMissing) as caught:
        pipeline.render_flow(flow, pipeline.RenderOptions(lang="en"))
    message = str(caught.value)
    assert "U+13000" in message and "box.cache.role" in message and "language en" in message


# ---- classic style ------------------------------------------------------------------------


def test_classic_style_is_deterministic_and_self_contained() -> None:
    flow = load_flow(SENIOR)
    options = pipeline.RenderOptions(style="classic")
    a, b = pipeline.render_flow(flow, options), pipeline.render_flow(flow, options)
    assert a.files == b.files
    assert a.files["png"].startswith(b"\x89PNG")
    svg = a.files["svg"]
    assert b"data:image/png;base64," in svg and b'xlink:href="/' not in svg
    assert b"Invalidation Worker" in svg
    from inkproof.render import classic

    images = [line for line in classic.build(flow).dot.source.splitlines() if "image=" in line]
    assert len(images) == len(flow.boxes)
    for vendor in ("/aws/", "/gcp/", "/azure/", "/alibabacloud/", "/oci/"):
        assert not [line for line in images if vendor in line]


# ---- structural golden --------------------------------------------------------------------


def structure(result: pipeline.Rendered) -> dict:
    """Coarse facts about a layout that a tweak should not change by accident."""
    items = {e["id"]: e for e in result.report["elements"]}
    lanes = sorted((e for e in items.values() if e["kind"] == "lane"), key=lambda e: e["bbox"][0])
    boxes = [e for e in items.values() if e["kind"] == "box"]

    def lane_of(box: dict) -> str:
        x, _, w, _ = box["bbox"]
        return next(lane["id"] for lane in lanes if lane["bbox"][0] <= x + w / 2
                    <= lane["bbox"][0] + lane["bbox"][2])

    rows: dict[float, list[str]] = {}
    for box in sorted(boxes, key=lambda b: (b["bbox"][1], b["bbox"][0])):
        top = next((t for t in rows if abs(t - box["bbox"][1]) < 20), box["bbox"][1])
        rows.setdefault(top, []).append(box["id"])
    diagram_bottom = max(lane["bbox"][1] + lane["bbox"][3] for lane in lanes)
    return {
        "lanes_left_to_right": [lane["id"] for lane in lanes],
        "box_lane": {b["id"]: lane_of(b) for b in sorted(boxes, key=lambda b: b["id"])},
        "rows": list(rows.values()),
        "title_above_diagram": items["title"]["bbox"][1] < min(l_["bbox"][1] for l_ in lanes),
        "legend_below_diagram": items["legend"]["bbox"][1] >= diagram_bottom,
        "callouts": sorted(e["id"] for e in items.values() if e["kind"] == "note"),
    }


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_layout_structure_matches_golden(path: Path) -> None:
    actual = structure(rendered(path))
    golden = GOLDEN / f"{path.stem}.structure.json"
    if os.environ.get("INKPROOF_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(json.dumps(actual, indent=1) + "\n")
    assert actual == json.loads(golden.read_text())


def test_errors_survive_the_trip_from_a_worker_process() -> None:
    # Parallel rendering pickles a worker's error back to the parent; a custom __init__
    # without __reduce__ turned refusals into a BrokenProcessPool traceback.
    import pickle

    from inkproof import Problem, SpecError
    from inkproof.render.pipeline import IllegibleLayout

    errors = [SpecError([Problem("f.yaml", 3, 4, "bad", "fix")]),
              GlyphMissing("𓀀", "a 𓀀", "box.a.name", "ko"),
              IllegibleLayout("flow", "de", [check.Finding("k", ("a", "b"), "a touches b")])]
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)


def test_parallel_render_refusal_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("role: Keeps hot data", "role: Keeps 𓀀 data"))
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL.replace("id: tiny", "id: tiny-two"))
    result = subprocess.run([sys.executable, "-m", "inkproof", "render", str(good), str(bad),
                             "--jobs", "2", "--out", str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "U+13000" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()  # the good flow is not half-published either


def test_checker_catches_a_callout_pointer_through_text() -> None:
    scene = _scene()
    note = next(n for n in scene.notes if n.pointer)
    title = scene.title.rect
    through = (note.pointer[0], (title.center[0], title.center[1]))
    broken = dataclasses.replace(scene, notes=tuple(
        dataclasses.replace(n, pointer=through) if n is note else n for n in scene.notes))
    found = {(f.kind, f.elements[1]) for f in check.check(report.elements(broken))}
    assert ("pointer-crosses-text", "title") in found
