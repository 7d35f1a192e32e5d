"""Property: any valid flow either renders or is refused with an InkproofError naming why.

Flows are generated with or without lanes, arrows, legend, callouts and notes, and with
texts of every length; the renderer must never crash on them (found: rows of arrow-less
boxes drifting into the lane headers, lanes tiled in the wrong order).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inkproof import InkproofError, load_flow, parse_flow
from inkproof.render import check, pipeline, report

WORDS = ("cache", "api", "queue", "worker", "database", "stream", "write", "read", "refresh",
         "event", "key", "value", "service", "store", "token")
ICONS = ("web-window", "server-rack", "memory-stack", "message-queue", "gear", "database",
         "chart-pulse")


def _words(r: random.Random, low: int, high: int) -> str:
    return " ".join(r.choices(WORDS, k=r.randint(low, high)))


def generated_flow(r: random.Random) -> str:
    lanes, boxes = r.choice([0, 1, 2, 3, 4]), r.randint(1, 9)
    lines = ["inkproof: 1", "id: generated", f"title: {_words(r, 1, 12)}"]
    if r.random() < 0.5:
        lines.append(f"subtitle: {_words(r, 1, 15)}")
    if lanes:
        lines.append("lanes:")
        lines += [f"  - {{id: l{i}, title: {r.choice(WORDS)}"
                  + (f", caption: {_words(r, 1, 10)}}}" if r.random() < 0.6 else "}")
                  for i in range(lanes)]
    lines.append("boxes:")
    for i in range(boxes):
        lane = f", lane: l{r.randrange(lanes)}" if lanes and r.random() < 0.85 else ""
        lines.append(f"  - {{id: b{i}, name: {_words(r, 1, 4)}, role: {_words(r, 1, 14)}, "
                     f"icon: {r.choice(ICONS)}{lane}, optional: {str(r.random() < 0.2).lower()}}}")
    arrows = []
    for i in range(r.randint(0, min(12, boxes * 2)) if boxes > 1 else 0):
        a, b = r.sample(range(boxes), 2)
        arrows.append(f"  - {{id: a{i}, from: b{a}, to: b{b}, label: '{_words(r, 1, 6)}', "
                      f"path: {r.choice(['read', 'write'])}, expect: {{redis: GET k}}}}")
    lines += ["arrows:" + ("" if arrows else " []"), *arrows]
    if arrows and r.random() < 0.7:
        lines.append("legend:")
        lines += [f"  - {{n: {n}, text: {_words(r, 2, 16)}, arrows: [a{r.randrange(len(arrows))}]}}"
                  for n in range(1, r.randint(2, 8))]
    if r.random() < 0.6:
        lines.append("callouts:")
        lines += [f"  - {{id: c{i}, text: {_words(r, 1, 6)}, near: b{r.randrange(boxes)}, "
                  "proves: cache-hit}" for i in range(r.randint(1, 4))]
    if r.random() < 0.5:
        lines.append(f"notes:\n  - {{id: n0, kind: caution, text: {_words(r, 1, 12)}}}")
    return "\n".join(lines) + "\n"


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_generated_flows_render_or_are_refused_cleanly(r: random.Random) -> None:
    flow = parse_flow(generated_flow(r))
    try:
        result = pipeline.render_flow(flow, pipeline.RenderOptions(formats=("svg",)))
    except InkproofError as exc:
        assert str(exc).strip()  # refused, saying why
        return
    # What was written passed the checker: re-check it from its own report.
    assert check.check(report.from_json(result.report), tuple(result.report["canvas"])) == []


@pytest.mark.parametrize("name", ["no-arrows-two-lanes", "lanes-reordered"])
def test_generated_regressions_now_render(name: str) -> None:
    flow = load_flow(Path(__file__).parent / "data" / f"{name}.yaml")
    result = pipeline.render_flow(flow, pipeline.RenderOptions(formats=("svg",)))
    assert check.check(report.from_json(result.report), tuple(result.report["canvas"])) == []
