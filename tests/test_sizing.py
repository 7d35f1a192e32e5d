"""Canvas sizes: auto picks a preset the content fills, a fixed size that is too small is
refused with the short side and a size that works; the checker catches empty bands and
notes across lane borders; crowded arrow ends get their own ports."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from inkproof import InkproofError, load_flow, parse_flow
from inkproof.canvas import PRESETS, parse_size
from inkproof.render import check, pipeline, report
from inkproof.render.geometry import Rect
from inkproof.render.layout import LayoutError
from inkproof.render.ports import CROWDED, spread_ports
from inkproof.render.scene import ArrowShape, BoxShape
from tests.conftest import MINIMAL, ROOT

CORPUS = ROOT / "tests" / "corpus" / "flows"


def _render(spec: Path, **options: object) -> pipeline.Rendered:
    return pipeline.render_flow(load_flow(spec), pipeline.RenderOptions(formats=("svg",),
                                                                        **options))


def _ink_rows(result: pipeline.Rendered) -> float:
    """Share of the canvas height covered by something drawn (an independent reading of
    the report: the union of the elements' vertical extents)."""
    height = result.report["canvas"][1]
    spans = sorted((e["bbox"][1], e["bbox"][1] + e["bbox"][3])
                   for e in result.report["elements"])
    covered, reach = 0.0, 0.0
    for top, bottom in spans:
        if bottom > reach:
            covered += bottom - max(top, reach)
            reach = bottom
    return covered / height


def test_a_two_box_flow_fills_a_small_preset_instead_of_floating() -> None:
    result = _render(CORPUS / "webhook-retry.yaml")
    # A small page (its callout's room under a label makes it taller than 16:9).
    width, height = result.report["canvas"]
    assert width * height <= 1024 * 768
    assert _ink_rows(result) > 0.8
    boxes = [e for e in result.report["elements"] if e["kind"] == "box"]
    assert min(e["bbox"][2] for e in boxes) > 220  # grown past the theme's 200 px


def test_a_big_flow_gets_a_bigger_canvas_with_readable_text() -> None:
    result = _render(CORPUS / "commerce-platform.yaml")
    width, height = result.report["canvas"]
    assert width * height > 1024 * 1024
    assert min(e["size"] for e in result.report["elements"] if e["kind"] == "text") >= 13


def test_a_fixed_size_too_small_names_the_short_side_and_a_size_that_works() -> None:
    spec = CORPUS / "commerce-platform.yaml"
    with pytest.raises(LayoutError) as caught:
        _render(spec, size=(1024, 1024))
    message = str(caught.value)
    assert "does not fit 1024×1024" in message
    assert "the width is short by about" in message
    works = message.split("; ")[-1].split(" works")[0]
    width, height = (int(v) for v in works.split("×"))
    assert _render(spec, size=(width, height)).report["canvas"] == [width, height]


def test_presets_and_sizes_parse_and_bad_ones_are_refused() -> None:
    assert parse_size("auto") == "auto" and parse_size("wide") == "wide"
    assert parse_size("1280x720") == (1280, 720)
    assert PRESETS["social"] == (1200, 630)
    for bad in ("big", "1280", "10x10", "1280x99999"):
        with pytest.raises(InkproofError):
            parse_size(bad)
    flow = parse_flow(MINIMAL.replace("inkproof: 1", "inkproof: 1\nstyle: {canvas: portrait}"))
    assert flow.style.canvas == "portrait"


def test_checker_catches_an_empty_band() -> None:
    result = _render(CORPUS / "webhook-retry.yaml")
    elements = report.from_json(result.report)
    width, height = result.report["canvas"]
    assert not [f for f in check.check(elements, (width, height)) if f.kind == "empty-band"]
    taller = check.check(elements, (width, height * 2))  # the same picture on a taller page
    assert [f.kind for f in taller if f.kind == "empty-band"] == ["empty-band"]


def test_checker_catches_a_note_across_a_lane_border() -> None:
    result = _render(CORPUS / "order-saga.yaml")
    elements = report.from_json(result.report)
    canvas = tuple(result.report["canvas"])
    assert not [f for f in check.check(elements, canvas) if f.kind == "note-straddles-lane"]
    lane = next(e for e in elements if e.kind == "lane")
    note = next(e for e in elements if e.kind == "note" and e.id.startswith("callout."))
    across = dataclasses.replace(note, bbox=Rect(lane.bbox.right - note.bbox.w / 2,
                                                 note.bbox.y, note.bbox.w, note.bbox.h))
    found = check.check([across if e is note else e for e in elements], canvas)
    assert any(f.kind == "note-straddles-lane" and f.elements[0] == note.id for f in found)


def _arrow(arrow_id: str, start: tuple[float, float], end: tuple[float, float]) -> ArrowShape:
    mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    return ArrowShape(arrow_id, "read", (start, mid, mid, end), (end, end, end),
                      Rect(0, 0, 1, 1), None, (), False)  # type: ignore[arg-type]


def test_arrows_into_one_side_get_their_own_ports_in_order() -> None:
    target = BoxShape("db", Rect(100, 300, 200, 60), "database", Rect(0, 0, 1, 1),
                      None, None, False)  # type: ignore[arg-type]
    arrows = (_arrow("a", (0, 0), (200, 300)), _arrow("b", (400, 0), (203, 300)))
    spread = spread_ports(arrows, (target,))
    ends = [arrow.controls[-1][0] for arrow in spread]
    assert ends[1] - ends[0] >= CROWDED  # apart now, the one from the left on the left
    assert all(100 < x < 300 for x in ends)
    assert all(arrow.head[0][0] == arrow.controls[-1][0] for arrow in spread)
    apart = (_arrow("a", (0, 0), (130, 300)), _arrow("b", (400, 0), (270, 300)))
    assert spread_ports(apart, (target,)) == apart  # already apart: left alone


def _pointer_findings(elements: list[report.Element], canvas: tuple[int, int]) -> set[str]:
    return {f.kind for f in check.check(elements, canvas) if f.kind.startswith("pointer-")}


def test_checker_catches_a_pointer_across_an_arrow_and_a_long_one() -> None:
    result = _render(CORPUS / "order-saga.yaml")
    elements = report.from_json(result.report)
    canvas = tuple(result.report["canvas"])
    assert not _pointer_findings(elements, canvas)
    pointer = next(e for e in elements if e.kind == "pointer")
    stranger = next(e for e in elements if e.kind == "arrow" and e.owner not in pointer.joins)
    # A pointer from its note to the far end of an arrow it has no business with.
    (x0, y0), (x1, y1) = stranger.points[0], stranger.points[-1]
    start = (x0 - (x1 - x0), y0 - (y1 - y0))  # beyond one end, so it crosses the arrow
    across = dataclasses.replace(pointer, points=(start, (x1 + (x1 - x0), y1 + (y1 - y0))),
                                 bbox=Rect(0, 0, 1, 1))
    found = _pointer_findings([across if e is pointer else e for e in elements], canvas)
    assert found >= {"pointer-crosses-arrow", "pointer-too-long"}


def test_the_layout_keeps_room_for_each_note_beside_what_it_annotates() -> None:
    """A note near an arrow sits in a block the engine kept under the arrow's label, a note
    near a box in a node of the box's own rank: both pointers are short and cross nothing."""
    from inkproof.render import layout, measure
    from inkproof.render.theme import WHITEBOARD

    flow = load_flow(ROOT / "spec" / "flows" / "redis-cache-invalidation.yaml")
    measured = measure.measure(flow, WHITEBOARD, measure.untranslated)
    spec = layout.graph_spec(flow, measured, (40.0, 30.0))
    publish = next(e for e in spec.edges if e.id == "publish")  # "commit-first" is near it
    note = next(n for n in measured.notes if n.id == "callout.commit-first")
    label = measured.labels["publish"]
    assert publish.label_h == pytest.approx(label.h + layout.NOTE_GAP + note.h)
    assert publish.label_w == max(label.w, note.w)
    assert ("queue", layout.NOTE_NODE + "callout.consistency-window") in spec.ties
    result = _render(ROOT / "spec" / "flows" / "redis-cache-invalidation.yaml")
    elements = {e.id: e for e in report.from_json(result.report)}
    for pointer in (e for e in elements.values() if e.kind == "pointer"):
        (x0, y0), (x1, y1) = pointer.points
        assert ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 < 60, pointer.id


def test_labels_of_two_arrows_between_the_same_boxes_sit_on_the_outer_sides() -> None:
    """tb-deploy's Deploy and Failed smoke test arrows run side by side between Build and
    Staging: each label stands on its own arrow's outer side, not between the two."""
    result = _render(CORPUS / "tb-deploy.yaml")
    elements = {e.id: e for e in report.from_json(result.report)}
    middles = {}
    for arrow_id in ("a2", "a4"):
        points = elements[f"arrow.{arrow_id}"].points
        middles[arrow_id] = sum(p[0] for p in points) / len(points)
    left, right = sorted(middles, key=middles.get)
    assert elements[f"arrow.{left}.label-chip"].bbox.right < middles[left]
    assert elements[f"arrow.{right}.label-chip"].bbox.x > middles[right]
