"""Direction LR: ranks run left to right, lanes are horizontal bands in the spec's order with
their headers at the left, and a chain wider than every preset gets a page of its own
height rather than empty bands above and below it."""

from __future__ import annotations

import itertools
import re

from inkproof import load_flow, parse_flow
from inkproof.canvas import AUTO_SIZES
from inkproof.render import check, layout, pipeline, report
from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "corpus" / "flows"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _render(flow: object) -> pipeline.Rendered:
    return pipeline.render_flow(flow, pipeline.RenderOptions(formats=("svg",)))  # type: ignore[arg-type]


def _boxes(result: pipeline.Rendered) -> dict[str, report.Element]:
    return {e.owner[len("box."):]: e for e in report.from_json(result.report)
            if e.kind == "box"}


def test_lr_lanes_are_bands_in_spec_order_with_headers_at_the_left() -> None:
    flow = load_flow(CORPUS / "log-pipeline.yaml")
    assert flow.style.direction == "LR"
    result = _render(flow)
    elements = report.from_json(result.report)
    lanes = [e for e in elements if e.kind == "lane"]
    assert [lane.id for lane in sorted(lanes, key=lambda e: e.bbox.y)] == \
        [f"lane.{lane.id}" for lane in flow.lanes]
    for upper, lower in itertools.pairwise(lanes):  # stacked, full width
        assert abs(upper.bbox.bottom - lower.bbox.y) < 1
        assert abs(upper.bbox.w - lower.bbox.w) < 1
    boxes = _boxes(result)
    for lane in lanes:
        title = next(e for e in elements if e.id == f"{lane.id}.title")
        inside = [b for b in boxes.values() if lane.bbox.contains(b.bbox)]
        assert inside and all(title.bbox.right < b.bbox.x for b in inside)
    rows = layout.rows(flow)
    for arrow in flow.arrows:  # each row is a column, further right
        if rows[arrow.target] > rows[arrow.source]:
            assert boxes[arrow.target].bbox.x > boxes[arrow.source].bbox.right


def test_the_same_flow_top_to_bottom_stacks_its_rows() -> None:
    text = (CORPUS / "log-pipeline.yaml").read_text(encoding="utf-8")
    flow = parse_flow(text.replace("style: {direction: LR}\n", ""), "tb.yaml")
    assert flow.style.direction is None
    boxes = _boxes(_render(flow))
    rows = layout.rows(flow)
    for arrow in flow.arrows:
        if rows[arrow.target] > rows[arrow.source]:
            assert boxes[arrow.target].bbox.y > boxes[arrow.source].bbox.bottom


def _second_example() -> str:
    block = README.split("<!-- readme-example-2:start -->")[1].split(
        "<!-- readme-example-2:end -->")[0]
    return re.search(r"```yaml\n(.*?)```", block, re.S).group(1)  # type: ignore[union-attr]


def test_a_chain_wider_than_every_preset_gets_the_height_it_needs() -> None:
    """The README's LR example without its lanes is one row of boxes, about 3:1: no preset
    holds it without empty bands, so the page keeps a preset's width and crops its height."""
    text = re.sub(r"\nlanes:\n(  - .*\n)+", "\n", _second_example())
    flow = parse_flow(re.sub(r",\s*lane: [a-z]+", "", text), "chain.yaml")
    assert not flow.lanes
    result = _render(flow)
    width, height = result.report["canvas"]
    assert (width, height) not in AUTO_SIZES and width / height > 2
    elements = report.from_json(result.report)
    assert not check.check(elements, (width, height))
    # The cropping is needed: the same drawing on the preset it started from has bands.
    preset = next(size for size in AUTO_SIZES if size[0] == width)
    banded = pipeline._draw(flow, pipeline.WHITEBOARD.for_language("en"), preset,
                            pipeline.RenderOptions(), pipeline.MAX_SCALE)
    assert {f.kind for f in banded.findings} == {"empty-band"}


def test_the_readme_lr_example_renders_cleanly_with_a_self_loop_and_a_key() -> None:
    flow = parse_flow(_second_example(), "README.md")
    assert flow.style.direction == "LR"
    assert any(a.source == a.target for a in flow.arrows)
    result = _render(flow)
    elements = report.from_json(result.report)
    assert not check.check(elements, tuple(result.report["canvas"]))
    keys = {e.id for e in elements if e.kind == "note" and e.id.startswith("key.")}
    assert len(keys) == len({a.path for a in flow.arrows}) >= 4
