"""Path kinds are an open registry (render/theme.py PATH_KINDS): the model accepts exactly its
names, every kind is drawn in its own colour and dash, the picture's key names the kinds a
flow uses, and an arrow may loop back to its own box (a worker retrying a job)."""

from __future__ import annotations

import re
import typing
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from inkproof import SpecError, load_flow, parse_flow
from inkproof.i18n.messages import messages
from inkproof.labels import Label, Span
from inkproof.model import Arrow
from inkproof.render import chrome, classic, pipeline
from inkproof.render.geometry import Rect
from inkproof.render.scene import NoteShape, PlacedText
from inkproof.render.sketch import _note, _Pen
from inkproof.render.text import layout_text
from inkproof.render.theme import KIND_DASH, PATH_KINDS, WHITEBOARD, path_key
from inkproof.render.transform import Mirror, transform
from inkproof.runtime.events import Event
from inkproof.runtime.matching import arrow_matches, documents, undocumented
from inkproof.runtime.status import Status
from inkproof.runtime.verify import _arrow_rows
from inkproof.schema import json_schema
from tests.conftest import MINIMAL, ROOT, position_of

LOOP = ROOT / "tests" / "data" / "job-retry-loop.yaml"
SVG = "{http://www.w3.org/2000/svg}"


def every_kind_flow() -> str:
    """A chain of boxes with one arrow of each registered kind."""
    kinds = list(PATH_KINDS)
    boxes = "".join(f"  - {{id: b{i}, name: Box {i}, role: Step {i}, icon: gear}}\n"
                    for i in range(len(kinds) + 1))
    arrows = "".join(f"  - {{id: a-{kind}, from: b{i}, to: b{i + 1}, label: {kind} step, "
                     f"path: {kind}}}\n" for i, kind in enumerate(kinds))
    return f"inkproof: 1\nid: kinds\ntitle: Every kind\nboxes:\n{boxes}arrows:\n{arrows}"


def render(flow, **options) -> pipeline.Rendered:
    return pipeline.render_flow(flow, pipeline.RenderOptions(formats=("svg",), **options))


def elements(result: pipeline.Rendered) -> dict[str, dict]:
    assert result.report is not None
    return {e["id"]: e for e in result.report["elements"]}


def key_of(result: pipeline.Rendered) -> list[str]:
    """The kinds the picture's key lists, in drawing order (left to right)."""
    entries = [e for e in elements(result).values() if e["kind"] == "note"
               and e["id"].startswith("key.")]
    return [e["id"].removeprefix("key.") for e in sorted(entries, key=lambda e: e["bbox"][0])]


# ---- the model takes the registry's names -------------------------------------------------

def test_the_model_and_the_schema_accept_exactly_the_registered_kinds() -> None:
    assert typing.get_args(Arrow.model_fields["path"].annotation) == tuple(PATH_KINDS)
    schema = json_schema()["$defs"]["Arrow"]["properties"]["path"]
    assert schema["enum"] == list(PATH_KINDS)
    assert {"read", "write", "error", "async", "control", "event", "data"} <= set(PATH_KINDS)


def test_an_unknown_kind_names_file_and_line_and_lists_the_known_kinds(tmp_path: Path) -> None:
    text = MINIMAL.replace("    path: read\n", "    path: sideways\n", 1)
    spec = tmp_path / "flow.yaml"
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_flow(spec)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == (str(spec), position_of(text, "sideways")[0])
    assert problem.message == "arrows[0] 'cache-get'.path: 'sideways' is not allowed"
    assert problem.hint == "expected one of: " + ", ".join(PATH_KINDS)
    assert str(problem).startswith(f"{spec}:{problem.line}:")


def test_a_near_miss_kind_is_suggested() -> None:
    with pytest.raises(SpecError) as caught:
        parse_flow(MINIMAL.replace("    path: read\n", "    path: asynk\n", 1))
    assert caught.value.problems[0].hint == "did you mean 'async'?"


# ---- every kind is drawn in its colour and dash ------------------------------------------

def arrow_strokes(svg: bytes) -> list[ET.Element]:
    root = ET.fromstring(svg)
    layer = next(g for g in root.iter(f"{SVG}g") if g.get("id", "").endswith("layer-arrows"))
    return [p for p in layer.iter(f"{SVG}path") if p.get("stroke")]


def test_every_registered_kind_renders_in_its_own_colour_and_dash() -> None:
    result = render(parse_flow(every_kind_flow()))
    strokes = arrow_strokes(result.files["svg"])
    colours = {kind: WHITEBOARD.arrow_colour(kind) for kind in PATH_KINDS}
    assert len(set(colours.values())) == len(colours), "two kinds share a colour"
    assert colours["read"] == "#0ea5c6" and colours["error"] == "#c23b3b"  # by eye: cyan, red
    dash = " ".join(f"{v:g}" for v in KIND_DASH)
    for kind, colour in colours.items():
        own = [p for p in strokes if p.get("stroke") == colour]
        assert own, f"no stroke of {kind} ({colour})"
        dashes = {p.get("stroke-dasharray") for p in own}
        assert dashes <= ({dash, None} if PATH_KINDS[kind].dashed else {None}), (kind, dashes)
        assert (dash in dashes) == PATH_KINDS[kind].dashed, kind
    assert {p.get("stroke") for p in strokes} == set(colours.values())


def test_the_classic_style_colours_and_dashes_every_kind() -> None:
    source = classic.build(parse_flow(every_kind_flow())).dot.source  # type: ignore[attr-defined]
    for kind in PATH_KINDS:
        line = next(line for line in source.splitlines() if f'"{kind} step"' in line)
        assert f'color="{WHITEBOARD.arrow_colour(kind)}"' in line, line
        assert ('style=dashed' in line) == PATH_KINDS[kind].dashed, line


def test_translators_are_told_the_path_of_every_arrow() -> None:
    flow = parse_flow(every_kind_flow())
    comments = {m.context: m.comment for m in messages(flow)}
    for kind, spec in PATH_KINDS.items():
        assert spec.note in comments[f"arrow.a-{kind}.label"]


# ---- the key of path kinds ---------------------------------------------------------------

def test_path_key_lists_kinds_in_registry_order_only_from_two_kinds_on() -> None:
    assert path_key(["write", "read", "write"]) == ("read", "write")
    assert path_key(["data", "error", "read"]) == ("read", "error", "data")
    assert path_key(["write", "write"]) == ()
    assert path_key([]) == ()


def test_the_key_lists_exactly_the_kinds_used() -> None:
    result = render(load_flow(LOOP))
    assert key_of(result) == ["read", "write", "error", "async"]
    items = elements(result)
    assert [items[f"key.{k}.text"]["text"] for k in key_of(result)] == [
        PATH_KINDS[k].word for k in key_of(result)]
    assert key_of(render(parse_flow(every_kind_flow()))) == list(PATH_KINDS)


def test_one_kind_needs_no_key_and_no_key_words_to_translate() -> None:
    flow = parse_flow(MINIMAL)  # both arrows are read arrows
    assert {a.path for a in flow.arrows} == {"read"}
    assert key_of(render(flow)) == []
    assert not [m for m in messages(flow) if m.context.startswith("chrome.path.")]


def test_key_words_are_asked_for_only_for_the_kinds_used() -> None:
    contexts = [m.context for m in messages(load_flow(LOOP))]
    assert [c for c in contexts if c.startswith("chrome.path.")] == [
        "chrome.path.read", "chrome.path.write", "chrome.path.error", "chrome.path.async"]


def test_the_key_sits_on_the_legend_heading_line_and_costs_the_diagram_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    flow = load_flow(LOOP)
    with_key = elements(render(flow))
    heading = Rect(*with_key["legend.heading"]["bbox"])
    for kind in key_of(render(flow)):
        entry = Rect(*with_key[f"key.{kind}"]["bbox"])
        assert entry.x > heading.right and heading.y <= entry.y and entry.bottom <= heading.bottom
    monkeypatch.setattr(chrome, "_path_key", lambda *args, **kwargs: ())
    without = elements(render(flow))
    assert {k: v for k, v in with_key.items() if not k.startswith("key.")} == without


def test_the_key_words_are_translated() -> None:
    def shout(context: str, label: Label) -> Label:
        text = label.text.upper() if context.startswith("chrome.path.") else label.text
        return Label(text, (Span(text),))

    items = elements(render(load_flow(LOOP), translate=shout))
    assert items["key.error.text"]["text"] == "ERROR"


def test_a_long_key_gets_a_row_of_its_own_and_stays_legible() -> None:
    def long_words(context: str, label: Label) -> Label:
        text = (label.text + " path of this flow, drawn like this" if context.startswith(
            "chrome.path.") else label.text)
        return Label(text, (Span(text),))

    items = elements(render(load_flow(LOOP), translate=long_words))  # raises if illegible
    heading = Rect(*items["legend.heading"]["bbox"])
    assert all(Rect(*items[f"key.{k}"]["bbox"]).y >= heading.bottom
               for k in ("read", "write", "error", "async"))


def test_right_to_left_pictures_read_the_key_from_the_right() -> None:
    items = elements(render(load_flow(LOOP), lang="ar"))  # English words, mirrored layout
    entries = [Rect(*items[f"key.{k}"]["bbox"]) for k in ("read", "write", "error", "async")]
    assert [e.x for e in entries] == sorted((e.x for e in entries), reverse=True)
    heading = Rect(*items["legend.heading"]["bbox"])
    assert all(e.right < heading.x for e in entries)  # the heading is at the right now
    for kind, entry in zip(("read", "write", "error", "async"), entries, strict=True):
        text = Rect(*items[f"key.{kind}.text"]["bbox"])
        assert abs(text.x - entry.x) < 1 < entry.right - text.right  # the stroke on the right


def sample_xs(note: NoteShape) -> tuple[list[float], list[float]]:
    """x coordinates of a key entry's sample line and of its arrowhead."""
    pen = _Pen(7)
    _note(pen, note, WHITEBOARD)
    line, *head = pen.strokes
    colour = WHITEBOARD.arrow_colour(note.path or "")
    assert line.stroke == colour and colour in {stroke.fill for stroke in head}

    def xs(d: str) -> list[float]:
        return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)[0::2]]

    return xs(line.d), [x for stroke in head for x in xs(stroke.d)]


def test_a_key_sample_is_drawn_where_its_name_leaves_room_pointing_at_it() -> None:
    block = layout_text("async", WHITEBOARD.style(14))
    note = NoteShape("key.async", "key", Rect(100, 50, 42 + block.width, block.height),
                     PlacedText("key.async.text", block, 142, 50), path="async")
    line, head = sample_xs(note)
    assert min(line) >= 100 and max(head) <= 142  # left of the name
    assert max(head) > max(line) - 1  # pointing right, at the name
    mirrored = transform(note, Mirror(400))
    line, head = sample_xs(mirrored)
    assert mirrored.text.rect.right <= min(head) and max(line) <= mirrored.rect.right + 2
    assert min(head) < min(line) + 1  # pointing left, at the name
    pen = _Pen(7)
    _note(pen, note, WHITEBOARD)
    assert pen.strokes[0].dash == KIND_DASH  # dashed like async arrows


# ---- self-loops ----------------------------------------------------------------------------

def distance(point: list[float], rect: Rect) -> float:
    dx = max(rect.x - point[0], 0.0, point[0] - rect.right)
    dy = max(rect.y - point[1], 0.0, point[1] - rect.bottom)
    return (dx * dx + dy * dy) ** 0.5


def test_a_self_loop_renders_starting_and_ending_on_its_box() -> None:
    flow = load_flow(LOOP)
    assert flow.arrow("retry").source == flow.arrow("retry").target == "worker"
    result = render(flow)  # the legibility checker accepts it, or this raises
    items = elements(result)
    box = Rect(*items["box.worker"]["bbox"])
    loop = items["arrow.retry"]
    assert loop["joins"] == ["box.worker", "box.worker"]
    assert distance(loop["points"][0], box) < 3 and distance(loop["points"][-1], box) < 12
    assert Rect(*loop["bbox"]).right > box.right  # it leaves the box and comes back
    head = Rect(*items["arrow.retry.head"]["bbox"])
    assert head.w > 3 and head.h > 3 and distance([head.x, head.y + head.h / 2], box) < 3
    assert any(p.get("stroke") == WHITEBOARD.arrow_colour("error")
               for p in arrow_strokes(result.files["svg"]))


def test_a_self_loop_without_expect_is_reported_not_claimed() -> None:
    flow = load_flow(LOOP)
    rows = {row.arrow: row for row in _arrow_rows(flow, [], {})}
    assert rows["retry"].status == Status.NOT_CLAIMED
    loop = Event(0, "worker", "worker", "redis", ("SET", "job:1"))
    out = Event(1, "worker", "parked", "sql", ("INSERT",))
    assert documents(flow.arrow("retry"), loop) and not documents(flow.arrow("retry"), out)
    assert not arrow_matches(flow.arrow("retry"), loop)  # claims nothing: never proven
    assert undocumented(flow, [loop]) == ()


def test_a_self_loop_that_claims_something_matches_only_its_own_box() -> None:
    flow = parse_flow(MINIMAL.replace("    to: cache\n", "    to: api\n", 1))
    arrow = flow.arrow("cache-get")
    assert arrow_matches(arrow, Event(0, "api", "api", "redis", ("GET", "k:1")))
    assert not arrow_matches(arrow, Event(1, "api", "cache", "redis", ("GET", "k:1")))


def test_translators_are_told_an_arrow_loops() -> None:
    comments = {m.context: m.comment for m in messages(load_flow(LOOP))}
    assert comments["arrow.retry.label"].startswith("Arrow label, a loop on Worker, error path")
