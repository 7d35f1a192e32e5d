"""The general spec vocabulary: arrows and callouts that claim nothing, any kind of component,
a box's service, icons by name or from the user's own SVG file beside the spec — while every
existing spec keeps loading unchanged."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from inkproof import SpecError, load_flow, parse_flow
from inkproof.describe import outline
from inkproof.runtime.events import Event
from inkproof.runtime.matching import arrow_matches, undocumented
from inkproof.runtime.report import summary, table, to_json, to_junit
from inkproof.runtime.status import Status
from inkproof.runtime.topology import components_of
from inkproof.runtime.verify import ArrowRow, FlowReport
from inkproof.schema import json_schema
from tests.conftest import FLOWS, MINIMAL, ROOT, only_problem, position_of, problems_of

BEGINNER = ROOT / "spec" / "flows" / "redis-cache-invalidation-beginner.yaml"
README = (ROOT / "README.md").read_text(encoding="utf-8")
FILL_EXPECT = '    expect: {redis: "SETEX {{ key }} {{ ttl }} *"}\n'
NO_EXPECT = MINIMAL.replace(FILL_EXPECT, "")
SCENARIO = ("scenarios:\n  - id: s\n    title: S\n    steps: [{request: GET /x}]\n"
            "    arrows: [cache-get, LISTED]\n")


def last_position(text: str, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the last occurrence of ``needle``."""
    return position_of(text, needle, text.count(needle))


# ---- what already exists keeps loading ----------------------------------------------------

#: Fixtures newer than the vocabulary, whose arrows claim nothing on purpose.
NEWER_FIXTURES = {"job-retry-loop"}


@pytest.mark.parametrize("path", [*FLOWS, *sorted((ROOT / "tests" / "data").glob("*.yaml"))],
                         ids=lambda p: p.stem)
def test_every_existing_spec_still_loads_with_its_components(path: Path) -> None:
    flow = load_flow(path)
    assert path.stem in NEWER_FIXTURES or all(arrow.expect is not None for arrow in flow.arrows)
    if path == BEGINNER:
        assert components_of(flow) == {"client": "browser", "api": "api", "database": "db",
                                       "queue": "queue", "worker": "worker", "cache": "cache"}


# ---- arrows and callouts that claim nothing -----------------------------------------------

def test_an_arrow_may_claim_nothing_and_explain_says_so() -> None:
    flow = parse_flow(NO_EXPECT)
    assert flow.arrow("cache-fill").expect is None
    assert flow.arrow("cache-get").expect is not None
    assert "[read; claims nothing]" in outline(flow)
    assert "[read; expects redis]" in outline(flow)


@pytest.mark.parametrize("field", ["arrows", "absent"])
def test_a_scenario_may_not_list_an_arrow_that_claims_nothing(field: str) -> None:
    scenario = SCENARIO.replace("LISTED", "db-x" if field == "absent" else "cache-fill")
    if field == "absent":
        scenario = scenario.replace(", db-x]", "]") + "    absent: [cache-fill]\n"
    text = NO_EXPECT + scenario
    problem = only_problem(text)
    assert problem.message == ("arrow 'cache-fill' claims nothing (no expect): it cannot be "
                               "observed")
    assert problem.hint == "give the arrow an `expect:` or leave it out of this scenario"
    assert (problem.file, problem.line, problem.column) == (
        "flow.yaml", *last_position(text, "cache-fill"))


def test_a_scenario_may_list_the_same_arrow_once_it_claims_something() -> None:
    assert parse_flow(MINIMAL + SCENARIO.replace("LISTED", "cache-fill")).scenarios[0].arrows == (
        "cache-get", "cache-fill")


def test_a_callout_or_a_note_may_simply_inform() -> None:
    text = MINIMAL.replace(", proves: ttl-on-fill", "") + (
        "notes:\n  - {id: hint, kind: highlight, text: Reads are cheap, near: cache}\n")
    flow = parse_flow(text)
    assert flow.callouts[0].proves is None and flow.notes[0].proves is None
    assert '"TTL fallback" near cache-fill; informational (claims nothing)' in outline(flow)


# ---- components and services ----------------------------------------------------------

def test_a_box_may_be_any_kind_of_component_and_name_its_service() -> None:
    text = MINIMAL.replace("icon: memory-stack, lane: read}", "icon: memory-stack, lane: read, "
                           "component: object-store, service: media-bucket.v2}")
    flow = parse_flow(text)
    box = flow.box("cache")
    assert (box.component, box.service) == ("object-store", "media-bucket.v2")
    assert flow.box("api").service is None
    assert components_of(flow) == {"api": "api", "object-store": "cache"}
    assert "Cache: Keeps hot data (component object-store; service media-bucket.v2)" in (
        outline(flow))


@pytest.mark.parametrize(("field", "value", "message", "hint"), [
    ("component", "Object Store", "boxes[1] 'cache'.component: 'Object Store' is not a valid "
     "component kind", "component kinds are lowercase words joined by '-', like 'object-store'"),
    ("service", "orders api", "boxes[1] 'cache'.service: 'orders api' is not a valid service "
     "name", "a service name is letters, digits, '.', '_' and '-', like 'orders-api'"),
])
def test_a_bad_component_kind_or_service_name_is_located(field: str, value: str, message: str,
                                                          hint: str) -> None:
    text = MINIMAL.replace("icon: memory-stack, lane: read}",
                           f"icon: memory-stack, lane: read, {field}: {value}}}")
    problem = only_problem(text)
    assert (problem.message, problem.hint) == (message, hint)
    assert (problem.line, problem.column) == position_of(text, value)


def test_two_boxes_of_one_new_component_kind_are_refused_when_verified() -> None:
    from inkproof.errors import InkproofError

    text = MINIMAL.replace("lane: read}", "lane: read, component: function}")
    with pytest.raises(InkproofError, match="boxes 'api' and 'cache' both stand for the "
                                            "function"):
        components_of(parse_flow(text))


# ---- icons ----------------------------------------------------------------------------

def test_an_unknown_icon_name_is_located_with_a_near_miss() -> None:
    text = MINIMAL.replace("icon: server-rack,", "icon: servr-rack,")
    problem = only_problem(text)
    assert (problem.message, problem.hint) == ("unknown icon 'servr-rack'",
                                               "did you mean 'server-rack'?")
    assert (problem.line, problem.column) == position_of(text, "servr-rack")


def _spec_with_icon(folder: Path, icon: str) -> tuple[Path, str]:
    text = MINIMAL.replace("icon: server-rack,", f"icon: {icon},")
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "flow.yaml"
    spec.write_text(text, encoding="utf-8")
    return spec, text


def test_an_icon_may_be_the_users_own_svg_file_beside_the_spec(tmp_path: Path) -> None:
    (tmp_path / "icons").mkdir()
    (tmp_path / "icons" / "bucket.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    spec, _ = _spec_with_icon(tmp_path, "icons/bucket.svg")
    box = load_flow(spec).box("api")
    assert box.icon == "icons/bucket.svg" and box.icon.is_file
    assert not load_flow(spec).box("cache").icon.is_file
    # Without a file to stand beside (standard input), the path's form is all that is checked.
    assert parse_flow(spec.read_text(), "<stdin>").box("api").icon == "icons/bucket.svg"


@pytest.mark.parametrize(("icon", "message"), [
    ("icons/missing.svg", "boxes[0] 'api'.icon: icon file 'icons/missing.svg' not found beside "
     "the spec"),
    ("icons/big.svg", "boxes[0] 'api'.icon: icon file 'icons/big.svg' is 300,000 bytes; the "
     "limit is 65,536"),
    ("icons/folder.svg", "boxes[0] 'api'.icon: cannot read icon file 'icons/folder.svg': it is "
     "a folder, not a regular file"),
    ("outside.svg", "boxes[0] 'api'.icon: icon file 'outside.svg' leads outside the spec's "
     "folder"),
    ("/etc/icon.svg", "boxes[0] 'api'.icon: icon '/etc/icon.svg' is an absolute path"),
    ("../icon.svg", "boxes[0] 'api'.icon: icon '../icon.svg' leads outside the spec's folder"),
    ('"https://example.com/icon.svg"', "boxes[0] 'api'.icon: icon "
     "'https://example.com/icon.svg' is a URL"),
    ("icons/bucket.png", "boxes[0] 'api'.icon: icon 'icons/bucket.png' is neither an icon "
     "name (lowercase words joined by '-') nor an .svg file"),
    ('"icons\\\\bucket.svg"', "boxes[0] 'api'.icon: icon 'icons\\bucket.svg' uses '\\'"),
])
def test_an_icon_file_must_be_a_small_svg_inside_the_specs_folder(tmp_path: Path, icon: str,
                                                                  message: str) -> None:
    folder = tmp_path / "spec"
    (folder / "icons" / "folder.svg").mkdir(parents=True)
    (folder / "icons" / "big.svg").write_bytes(b"<svg>" + b" " * (300_000 - 11) + b"</svg>")
    (tmp_path / "outside.svg").write_text("<svg/>")
    (folder / "outside.svg").symlink_to(tmp_path / "outside.svg")
    spec, text = _spec_with_icon(folder, icon)
    with pytest.raises(SpecError) as caught:
        load_flow(spec)
    problems = caught.value.problems
    assert len(problems) == 1, problems
    assert problems[0].message.startswith(message), problems[0].message
    assert (problems[0].file, problems[0].line, problems[0].column) == (
        str(spec), *position_of(text, icon))


def test_the_schema_takes_icon_names_and_safe_svg_paths_only() -> None:
    import yaml

    validator = jsonschema.Draft202012Validator(json_schema())
    for icon, valid in (("server-rack", True), ("icons/bucket.svg", True), ("a.svg", True),
                        ("servr-rack", False), ("../a.svg", False), ("/a.svg", False),
                        ("https://x.org/a.svg", False), ("a.png", False)):
        document = yaml.safe_load(MINIMAL.replace("icon: server-rack,", f"icon: '{icon}',"))
        assert validator.is_valid(document) == valid, icon
    document = yaml.safe_load(NO_EXPECT.replace(", proves: ttl-on-fill", "").replace(
        "lane: read}", "lane: read, component: function, service: orders-api}", 1))
    validator.validate(document)


# ---- verification: "not claimed", never "proven" ------------------------------------------

def _event(kind: str, tokens: tuple[str, ...]) -> Event:
    return Event(0, "api", "cache", kind, tokens, evidence=" ".join(tokens))


def test_an_arrow_that_claims_nothing_never_matches_but_documents_its_edge() -> None:
    flow = parse_flow(NO_EXPECT)
    setex = _event("redis", ("SETEX", "k:1", "60", "v"))
    assert not arrow_matches(flow.arrow("cache-fill"), setex)
    assert undocumented(flow, [setex]) == ()  # the picture draws api → cache
    reverse = Event(1, "cache", "api", "redis", ("SETEX", "k:1", "60", "v"))
    assert undocumented(flow, [reverse]) == (reverse,)
    # the same edge drawn for another command (its label says so, as labels must)
    drawn_nowhere = parse_flow(MINIMAL.replace(FILL_EXPECT, '    expect: {redis: "DEL x"}\n')
                               .replace('"`SETEX {{ key }}` TTL {{ ttl }}s"', '"`DEL x`"'))
    assert undocumented(drawn_nowhere, [setex]) == (setex,)


def _report(*rows: ArrowRow) -> FlowReport:
    return FlowReport(flow="f", title="F", source="f.yaml", system="reference", backends="-",
                      arrows=rows, claims=(), undocumented=(), legend=())


def test_the_summary_counts_not_claimed_arrows_apart_and_still_verifies() -> None:
    report = _report(ArrowRow("a", "A", Status.PROVEN, "s", "seen"),
                     ArrowRow("b", "B", Status.NOT_CLAIMED, "", "no expect"),
                     ArrowRow("c", "C", Status.NOT_CLAIMED, "", "no expect"))
    assert report.ok
    assert "VERIFIED: f: 1/1 claimed arrows proven; 2 not claimed; 0/0 claims" in summary(report)
    failed = _report(ArrowRow("a", "A", Status.MISSING, "s", "x"),
                     ArrowRow("b", "B", Status.NOT_CLAIMED, "", "no expect"))
    assert not failed.ok and "DRIFT: f: 0/1 claimed arrows proven" in summary(failed)
    suite = ET.fromstring(to_junit([report]))[0]
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "0", "2")


def test_a_flow_that_claims_nothing_at_all_is_not_verified() -> None:
    report = _report(ArrowRow("b", "B", Status.NOT_CLAIMED, "", "no expect"))
    assert not report.ok
    assert summary(report).startswith("NOTHING CLAIMED: f: 0/0 claimed arrows proven; "
                                      "1 not claimed")


NOT_CLAIMED_EDITS = [
    ('    expect: {redis: "GET {{ key }}"}\n', ""),  # cache-get claims nothing...
    ("[read-request, cache-get, ", "[read-request, "),  # ...so no scenario lists it
    ("    proves: stale-read-window\n", ""),  # the stale-risk callout simply informs
    ("    icon: chart-pulse\n", "    icon: chart-pulse\n    component: metrics\n"
                              "    service: metrics-agent\n"),
]


@pytest.fixture(scope="module")
def not_claimed_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = BEGINNER.read_text(encoding="utf-8")
    for old, new in NOT_CLAIMED_EDITS:
        assert old in text, old
        text = text.replace(old, new)
    spec = tmp_path_factory.mktemp("flows") / "beginner-not-claimed.yaml"
    spec.write_text(text, encoding="utf-8")
    return spec


def test_verify_reports_not_claimed_in_the_table_json_and_junit(not_claimed_spec: Path,
                                                                tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "inkproof", "verify", str(not_claimed_spec),
                             "--json", str(tmp_path / "r.json"), "--junit",
                             str(tmp_path / "r.xml")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line.split()[1]: line for line in result.stdout.splitlines()
            if line.startswith(("arrow ", "callout "))}
    assert "not-claimed" in rows["cache-get"] and "proven" not in rows["cache-get"]
    assert "not-claimed" in rows["stale-risk"]
    assert ("VERIFIED: redis-cache-invalidation-beginner: 11/12 claimed arrows proven "
            "(1 optional not exercised); 1 not claimed; 4/4 claims proven; 1 not claimed"
            ) in result.stdout
    assert not any(line.startswith("traffic") for line in result.stdout.splitlines())
    flow = json.loads((tmp_path / "r.json").read_text())["flows"][0]
    arrows = {a["arrow"]: a for a in flow["arrows"]}
    assert (arrows["cache-get"]["status"], arrows["cache-get"]["claimed"]) == ("not-claimed",
                                                                               False)
    assert arrows["cache-fill"]["claimed"] is True
    claims = {c["id"]: c for c in flow["claims"]}
    assert (claims["stale-risk"]["status"], claims["stale-risk"]["property"]) == (
        "not-claimed", None)
    cases = {case.get("name"): case for case in ET.parse(tmp_path / "r.xml").iter("testcase")}
    for name in ("cache-get", "stale-risk"):
        skipped = cases[name].find("skipped")
        assert skipped is not None and skipped.get("message").startswith("not claimed: ")
        assert cases[name].find("failure") is None
    assert cases["cache-fill"].find("skipped") is None


def test_the_pytest_plugin_skips_what_is_not_claimed(not_claimed_spec: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "pytest", "--inkproof", str(not_claimed_spec),
                             "-q", "-p", "no:cacheprovider", "-rs",
                             "--rootdir", str(not_claimed_spec.parent)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b19 passed, 2 skipped\b", result.stdout), result.stdout
    assert "not claimed: arrow cache-get has no expect: drawn, not verified" in result.stdout


def test_explain_shows_the_service_of_a_box(not_claimed_spec: Path) -> None:
    text = outline(load_flow(not_claimed_spec))
    assert "Monitoring (optional): Tracks cache hit rate and invalidation lag (component " \
           "metrics; service metrics-agent)" in text
    get = next(line for line in text.splitlines() if "GET cache:key:42" in line)
    assert get.endswith("[read; claims nothing]"), get


def test_a_table_never_calls_a_not_claimed_arrow_proven() -> None:
    report = _report(ArrowRow("b", "B", Status.NOT_CLAIMED, "", "no expect: drawn only"))
    line = next(line for line in table([report]).splitlines() if line.startswith("arrow"))
    assert "– not-claimed" in line and "✓" not in line and "proven" not in line
    row = to_json([report])["flows"][0]["arrows"][0]
    assert (row["status"], row["claimed"], row["ok"]) == ("not-claimed", False, True)


# ---- the README's second example ---------------------------------------------------------

def _second_example() -> str:
    block = README.split("<!-- readme-example-2:start -->")[1].split(
        "<!-- readme-example-2:end -->")[0]
    return re.search(r"```yaml\n(.*?)```", block, re.S).group(1)


def test_the_readme_second_example_draws_an_architecture_that_claims_nothing() -> None:
    flow = parse_flow(_second_example(), "README.md")
    assert flow.id == "photo-upload"
    assert all(arrow.expect is None for arrow in flow.arrows) and not flow.scenarios
    assert all(callout.proves is None for callout in flow.callouts)
    assert {box.component for box in flow.boxes} >= {"object-store", "function"}
    assert any(box.service for box in flow.boxes)


def test_problems_name_the_file_they_are_in() -> None:
    problems = problems_of(NO_EXPECT + SCENARIO.replace("LISTED", "cache-fill"), "x.yaml")
    assert [str(p).split(": ", 1) for p in problems] == [[
        "x.yaml:31:25", "arrow 'cache-fill' claims nothing (no expect): it cannot be observed "
        "— give the arrow an `expect:` or leave it out of this scenario"]]
