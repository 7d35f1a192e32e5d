"""The corpus (tests/corpus/flows): flows of many domains and sizes that inkproof must draw.

Every flow loads, has complete and valid Arabic and Japanese catalogs, and renders in English
with no checker finding -- except the known failures below, marked strict xfail with the
checker's message: when layout work makes one of them pass, its test fails until the entry is
removed, so the list stays honest. A few small flows are also rendered in ar and ja.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from inkproof import load_flow
from inkproof.i18n import catalog, guard

CORPUS = Path(__file__).parent / "corpus"
FLOWS = sorted((CORPUS / "flows").glob("*.yaml"))
LANGS = ("ar", "ja")

#: flow id (and language) -> what the renderer says today; empty since layout fits content
#: (kept: a flow that stops rendering goes here, with the message, until it is fixed).
KNOWN_FAILURES: dict[tuple[str, str], str] = {}


def _cases(langs: tuple[str, ...], flows: list[Path]) -> list[object]:
    out = []
    for spec in flows:
        for lang in langs:
            why = KNOWN_FAILURES.get((spec.stem, lang))
            marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
            out.append(pytest.param(spec, lang, marks=marks, id=f"{spec.stem}-{lang}"))
    return out


def test_corpus_is_big_and_varied() -> None:
    flows = [load_flow(spec) for spec in FLOWS]
    sizes = [len(flow.boxes) for flow in flows]
    assert len(flows) >= 25
    assert min(sizes) == 2 and max(sizes) == 20
    assert any(flow.lanes for flow in flows) and any(not flow.lanes for flow in flows)
    parallel = [f.id for f in flows
                if len({(a.source, a.target) for a in f.arrows}) < len(f.arrows)]
    assert len(parallel) >= 3, parallel
    assert max(len(flow.callouts) for flow in flows) >= 6


def test_file_names_are_flow_ids() -> None:
    assert [load_flow(spec).id for spec in FLOWS] == [spec.stem for spec in FLOWS]


@pytest.mark.parametrize("spec", FLOWS, ids=[spec.stem for spec in FLOWS])
def test_catalogs_complete_and_valid(spec: Path) -> None:
    flow = load_flow(spec)
    glossary = guard.load_glossary(catalog.glossary_path(spec))
    assert glossary, "the corpus glossary is read"
    for lang in LANGS:
        po = catalog.po_path(catalog.locales_dir(spec), lang, flow.id)
        report = catalog.check(flow, catalog.load_if_present(po), lang, po, glossary)
        assert report.clean, "\n".join(report.lines())


def test_catalog_check_catches_a_broken_translation(tmp_path: Path) -> None:
    """The catalog test above can fail: a dropped placeholder is reported as invalid."""
    spec = CORPUS / "flows" / "webhook-retry.yaml"
    flow = load_flow(spec)
    po = catalog.po_path(catalog.locales_dir(spec), "ja", flow.id)
    broken = catalog.load(po)
    for message in broken:
        if message.context == "arrow.first-try.label":
            message.string = "イベントを送る"
    report = catalog.check(flow, broken, "ja", tmp_path / "x.po",
                           guard.load_glossary(catalog.glossary_path(spec)))
    assert {context for context, _ in report.invalid} == {"arrow.first-try.label"}


@pytest.mark.parametrize(("spec", "lang"), _cases(("en", *LANGS), FLOWS))
def test_renders_at_default_size(spec: Path, lang: str) -> None:
    """At its default (auto) size, in English, Arabic and Japanese, with no finding of the
    checker: no overlap, nothing under 13 px, no empty band (the renderer refuses those)."""
    from inkproof.render import pipeline

    flow = load_flow(spec)
    translate = catalog.translator_for(spec, flow, lang) if lang != "en" else None
    result = pipeline.render_flow(flow, pipeline.RenderOptions(
        lang=lang, formats=("svg",), translate=translate))
    assert result.files["svg"].startswith(b"<")
    texts = [e["size"] for e in result.report["elements"] if e["kind"] == "text"]
    assert min(texts) >= 13.0, min(texts)
    if translate is not None:
        assert not translate.fallbacks, translate.fallbacks


def _bench() -> object:
    import importlib.util

    path = Path(__file__).parent.parent / "bench" / "layout.py"
    spec = importlib.util.spec_from_file_location("bench_layout", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


def test_benchmark_measures_catch_crossings_and_text() -> None:
    """The layout benchmark's measures count what they claim (and nothing at shared boxes)."""
    bench = _bench()
    box_a, box_b = (0.0, 0.0, 10.0, 10.0), (100.0, 0.0, 10.0, 10.0)
    crossing = [[(0.0, 0.0), (50.0, 50.0)], [(0.0, 50.0), (50.0, 0.0)]]
    assert bench.crossings(crossing, []) == 1
    fan = [[(5.0, 5.0), (100.0, 5.0)], [(5.0, 5.0), (100.0, 9.0)]]  # both leave box_a
    assert bench.crossings(fan, [box_a, box_b]) == 0
    report = {"canvas": [1024, 1024], "elements": [
        {"id": "box.a", "kind": "box", "owner": "box.a", "bbox": list(box_a)},
        {"id": "arrow.x", "kind": "arrow", "owner": "arrow.x", "bbox": [0, 0, 1, 1],
         "points": [[0, 50], [200, 50]]},
        {"id": "arrow.x.label", "kind": "text", "owner": "arrow.x", "bbox": [90, 20, 20, 10],
         "size": 12.0},
        {"id": "note", "kind": "text", "owner": "note", "bbox": [40, 45, 20, 10], "size": 14.0},
    ]}
    measures = bench.measure_report(report, None)
    assert (measures.crossings, measures.through_text) == (0, 1)
    assert measures.label_distance == 20.0 and measures.min_text == 12.0
