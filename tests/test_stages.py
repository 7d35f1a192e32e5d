"""Composition as stages with plain data between them, and one scene-wide transform.

The stages (measure → layout engine → place → callouts, with the chrome around them) hand
each other frozen dataclasses; the layout engine is an interface a tiny grid engine can
stand in for; mirroring and moving are one transform walking every point, rect and text.
"""

from __future__ import annotations

import dataclasses
import pickle
from functools import cache
from typing import Any

import pytest

from inkproof import parse_flow
from inkproof.render import backends, check, chrome, layout, measure, pipeline, report
from inkproof.render.fit import fit
from inkproof.render.geometry import Rect
from inkproof.render.graphviz_layout import DotEngine
from inkproof.render.layout import EdgeGeometry, GraphLayout, GraphSpec, LayoutEngine
from inkproof.render.mirror import mirror
from inkproof.render.scene import Scene
from inkproof.render.theme import WHITEBOARD
from inkproof.render.transform import Mirror, Move, transform
from tests.conftest import MINIMAL

SIZE = (1024, 576)  # the smallest automatic size: a two-box flow fills it


@cache
def scene() -> Scene:
    return pipeline.compose(parse_flow(MINIMAL), WHITEBOARD, SIZE, stamp="verified")


def _floats(value: Any, places: int = 6) -> Any:
    """Plain data with every float rounded (sums of floats differ in the last bit)."""
    if isinstance(value, float):
        return round(value, places)
    if isinstance(value, dict):
        return {k: _floats(v, places) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_floats(v, places) for v in value]
    return value


def test_mirroring_twice_gives_the_scene_back() -> None:
    once = mirror(scene())
    assert once != scene()
    assert once.title.x != scene().title.x
    assert mirror(once) == scene()


def test_mirror_moves_every_shape_and_keeps_sizes() -> None:
    flipped = transform(scene(), Mirror(scene().width))
    for before, after in zip(scene().boxes, flipped.boxes, strict=True):
        assert after.rect.w == before.rect.w
        assert after.rect.x == pytest.approx(SIZE[0] - before.rect.right, abs=0.01)
        assert after.name.x + after.name.block.width == pytest.approx(
            SIZE[0] - before.name.x, abs=0.01)
    for before, after in zip(scene().arrows, flipped.arrows, strict=True):
        assert [p[0] for p in after.controls] == [round(SIZE[0] - p[0], 2)
                                                  for p in before.controls]
        assert [p[1] for p in after.controls] == [p[1] for p in before.controls]


def test_moves_compose_and_the_null_move_changes_nothing() -> None:
    assert transform(scene(), Move(0, 0)) == scene()
    twice = transform(transform(scene(), Move(12, -5)), Move(-3, 40))
    once = transform(scene(), Move(9, 35))
    assert _floats(dataclasses.asdict(twice)) == _floats(dataclasses.asdict(once))
    moved = transform(scene(), Move(9, 35))
    assert moved.boxes[0].rect.x == pytest.approx(scene().boxes[0].rect.x + 9)
    assert moved.arrows[0].badges[0].center[1] == pytest.approx(
        scene().arrows[0].badges[0].center[1] + 35)
    assert moved.width == scene().width  # sizes of the canvas are not coordinates


@pytest.mark.parametrize("stage", ["measured", "graph", "layout", "placed", "header",
                                   "footer", "scene", "drawing"])
def test_every_stage_output_is_plain_data(stage: str) -> None:
    flow = parse_flow(MINIMAL)
    tr = measure.untranslated
    measured = measure.measure(flow, WHITEBOARD, tr)
    graph = layout.graph_spec(flow, measured, (40.0, 30.0))
    outputs = {
        "measured": measured,
        "graph": graph,
        "layout": DotEngine().layout(graph),
        "placed": fit(flow, WHITEBOARD, tr, Rect(40, 100, 940, 700), DotEngine()),
        "header": chrome.header(flow, WHITEBOARD, tr, 1024),
        "footer": chrome.footer(flow, WHITEBOARD, tr, 1024),
        "scene": scene(),
        "drawing": backends.Drawing(b"<svg/>", 10, 10),
    }
    value = outputs[stage]
    assert dataclasses.is_dataclass(value)
    assert type(value).__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert dataclasses.asdict(value)
    assert pickle.loads(pickle.dumps(value)) == value


class GridEngine:
    """A stand-in layout engine: lanes as columns, ranks as rows, straight edges."""

    def __init__(self) -> None:
        self.calls = 0

    def layout(self, spec: GraphSpec) -> GraphLayout:
        self.calls += 1
        lanes = [c.id for c in spec.clusters]
        header_h = max((c.label_h for c in spec.clusters), default=0.0)
        room = max((e.label_w for e in spec.edges), default=0.0) + spec.nodesep  # for labels
        column_w = max(n.w for n in spec.nodes) + 2 * room
        row_h = max(n.h for n in spec.nodes) + spec.ranksep + 120
        nodes = {}
        for node in spec.nodes:
            column = lanes.index(node.cluster) if node.cluster in lanes else 0
            nodes[node.id] = Rect(column * column_w + room, header_h + 20 + node.rank * row_h,
                                  node.w, node.h)
        edges = {}
        for index, edge in enumerate(spec.edges):
            a, b = nodes[edge.source], nodes[edge.target]
            x = a.x + a.w * (index + 1) / (len(spec.edges) + 1)
            y0, y1 = a.bottom, b.y - 8
            controls = tuple((x, y0 + (y1 - y0) * t / 3) for t in range(4))
            head = ((x - 4, y1), (x + 4, y1), (x, b.y))
            side = x + 6 if index % 2 else x - 6 - edge.label_w
            label = Rect(side, (y0 + y1) / 2 - edge.label_h / 2, edge.label_w, edge.label_h)
            edges[edge.id] = EdgeGeometry(controls, head, label)
        width = max(len(lanes), 1) * column_w
        height = max(r.bottom for r in nodes.values()) + 10
        clusters = {lane: Rect(i * column_w, 0, column_w, height) for i, lane in enumerate(lanes)}
        labels = {c.id: Rect(i * column_w + 12, 4, c.label_w, c.label_h)
                  for i, c in enumerate(spec.clusters)}
        return GraphLayout(width, height, nodes, clusters, labels, edges)


def test_a_fake_layout_engine_can_be_plugged_in() -> None:
    engine = GridEngine()
    assert isinstance(engine, object) and hasattr(LayoutEngine, "layout")
    flow = parse_flow(MINIMAL)
    made = pipeline.compose(flow, WHITEBOARD, SIZE, engine=engine)
    assert engine.calls >= 2  # the first guess and at least one try
    by_dot = pipeline.compose(flow, WHITEBOARD, SIZE)
    assert [b.rect for b in made.boxes] != [b.rect for b in by_dot.boxes]
    api, cache_box = made.boxes
    assert api.rect.x == cache_box.rect.x  # the grid: one lane, one column
    assert cache_box.rect.y > api.rect.bottom
    for arrow in made.arrows:
        assert len(arrow.controls) == 4 and arrow.controls[0][0] == arrow.controls[-1][0]
    assert check.check(report.elements(made), SIZE) == []
