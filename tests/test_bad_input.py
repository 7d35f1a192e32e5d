"""One test per class of bad input: each is rejected with a located, explained problem."""

from __future__ import annotations

import tracemalloc

import pytest

from inkproof import parse_flow, yamlsource
from tests.conftest import MINIMAL, only_problem, position_of, problems_of


def test_minimal_spec_is_valid() -> None:
    # Every other test breaks this spec in one place; it must load as it is.
    flow = parse_flow(MINIMAL)
    assert flow.title.text == "Tiny cache"
    assert [a.label.text for a in flow.arrows] == ["GET k:1", "SETEX k:1 TTL 60s"]


def test_duplicate_key_names_both_places() -> None:
    text = MINIMAL.replace("    path: read\n", "    path: read\n    path: write\n", 1)
    problem = only_problem(text)
    assert problem.message == "duplicate key 'path'"
    assert (problem.line, problem.column) == position_of(text, "path: write")
    assert problem.hint == f"first defined at line {position_of(text, 'path: read')[0]}"


def test_unknown_field_suggests_the_near_miss() -> None:
    text = MINIMAL.replace("icon: server-rack,", "icno: server-rack,")
    problems = problems_of(text)
    unknown = next(p for p in problems if "unknown field" in p.message)
    assert unknown.message == "unknown field 'icno' in boxes[0] 'api'"
    assert unknown.hint == "did you mean 'icon'?"
    assert (unknown.line, unknown.column) == position_of(text, "icno")
    # ...and the now-missing `icon` is reported in the same run.
    assert any(p.message == "boxes[0] 'api': missing field 'icon'" for p in problems)


def test_unknown_field_without_near_miss_lists_the_fields() -> None:
    problem = only_problem(MINIMAL.replace("vars:", "zzz: 1\nvars:"))
    assert problem.message == "unknown field 'zzz' in the flow"
    assert problem.hint is not None and "boxes" in problem.hint and "arrows" in problem.hint


def test_wrong_type_says_what_was_expected_and_got() -> None:
    text = MINIMAL.replace("name: API,", "name: 42,")
    problem = only_problem(text)
    assert problem.message == ("boxes[0] 'api'.name: input should be a valid string, "
                               "got a number 42")
    assert (problem.line, problem.column) == position_of(text, "42,")


def test_wrong_choice_suggests_the_allowed_value() -> None:
    text = MINIMAL.replace("path: read\n", "path: reed\n", 1)
    problem = only_problem(text)
    assert problem.message == "arrows[0] 'cache-get'.path: 'reed' is not allowed"
    assert problem.hint == "did you mean 'read'?"


def test_duplicate_id_across_element_kinds() -> None:
    text = MINIMAL.replace("id: ttl-note", "id: cache")
    problem = only_problem(text)
    assert problem.message == "duplicate id 'cache'"
    assert problem.hint == f"already used by the box at line {position_of(text, 'id: cache')[0]}"
    line, column = position_of(text, "{id: cache, text")
    assert (problem.line, problem.column) == (line, column + len("{id: "))


def test_arrow_to_unknown_box_did_you_mean() -> None:
    text = MINIMAL.replace("    to: cache\n", "    to: cahce\n", 1)
    problem = only_problem(text)
    line, column = position_of(text, "cahce")
    assert str(problem) == f"flow.yaml:{line}:{column}: unknown box 'cahce' — did you mean 'cache'?"


def test_legend_step_to_unknown_arrow() -> None:
    text = MINIMAL.replace("arrows: [cache-fill]", "arrows: [cache-full]")
    problem = only_problem(text)
    assert problem.message == "unknown arrow 'cache-full'"
    assert problem.hint == "did you mean 'cache-fill'?"
    assert (problem.line, problem.column) == position_of(text, "cache-full")


def test_callout_to_unknown_anchor_lists_known_ids() -> None:
    text = MINIMAL.replace("near: cache-fill", "near: database")
    problem = only_problem(text)
    assert problem.message == "unknown box, arrow or lane 'database'"
    assert problem.hint == "known: api, cache, cache-fill, cache-get, read"


def test_box_in_unknown_lane() -> None:
    problem = only_problem(MINIMAL.replace("icon: memory-stack, lane: read",
                                           "icon: memory-stack, lane: raed"))
    assert problem.message == "unknown lane 'raed'"
    assert problem.hint == "did you mean 'read'?"


def test_undefined_variable_in_a_label() -> None:
    text = MINIMAL.replace("TTL {{ ttl }}s", "TTL {{ tll }}s")
    problem = only_problem(text)
    assert problem.message == ("arrows[1] 'cache-fill'.label: undefined variable 'tll' — "
                               "did you mean 'ttl'?")
    assert problem.line == position_of(text, "tll")[0]


def test_undefined_variable_in_an_expectation() -> None:
    problem = only_problem(MINIMAL.replace('"GET {{ key }}"}', '"GET {{ kee }}"}'))
    assert "expect.redis: undefined variable 'kee' — did you mean 'key'?" in problem.message


def test_legend_numbers_must_run_from_one() -> None:
    text = MINIMAL.replace("{n: 2,", "{n: 3,")
    problem = only_problem(text)
    assert problem.message == "legend step 2 is numbered 3"
    assert problem.hint == "legend numbers must run 1..2 in order"
    assert (problem.line, problem.column) == position_of(text, "3,")


def test_every_problem_is_reported_at_once() -> None:
    text = (MINIMAL.replace("    to: cache\n", "    to: cahce\n", 1)
            .replace("{n: 2,", "{n: 5,")
            .replace("icon: server-rack,", "icon: servr-rakc,")
            .replace("TTL {{ ttl }}s", "TTL {{ tll }}s"))
    messages = [p.message for p in problems_of(text)]
    assert len(messages) == 4, messages


def test_file_over_the_size_limit_fails_before_parsing() -> None:
    text = MINIMAL + "#" * yamlsource.MAX_BYTES
    problem = only_problem(text)
    assert (problem.line, problem.column) == (1, 1)
    assert "the limit is" in problem.message


def test_alias_bomb_fails_fast_with_bounded_memory() -> None:
    # Nine levels of nine aliases each would expand to 9**9 (387 million) strings.
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    tracemalloc.start()
    try:
        problem = only_problem("\n".join(lines))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "expands to more than" in problem.message
    assert peak < 64 * 1024 * 1024


def test_deep_nesting_is_refused() -> None:
    problem = only_problem("a: " + "[" * 3000 + "]" * 3000 + "\n")
    assert problem.message == "nesting is too deep"


@pytest.mark.parametrize(("text", "message", "where"), [
    ("inkproof: 1\nid: x\n  title: [\n", "invalid YAML: mapping values are not allowed here",
     (3, 8)),
    ("inkproof: 1\n---\ninkproof: 1\n", "invalid YAML: expected a single document in the "
     "stream but found another document", (2, 1)),
    ("!!python/object/apply:os.system [ls]\n", "unsupported YAML tag "
     "'tag:yaml.org,2002:python/object/apply:os.system'", (1, 1)),
    ("base: &b {a: 1}\nother:\n  <<: *b\n", "YAML merge keys ('<<') are not supported",
     (3, 3)),
    ("", "the file is empty", (1, 1)),
    ("- just\n- a list\n", "a flow spec must be a mapping", (1, 1)),
    ("inkproof: 2\nid: x\n", "unsupported format version 2", (1, 11)),
    ("id: x\n", "missing 'inkproof: 1' (the format version)", (1, 1)),
])
def test_malformed_documents(text: str, message: str, where: tuple[int, int]) -> None:
    problem = only_problem(text)
    assert problem.message == message
    assert (problem.line, problem.column) == where


def test_non_utf8_bytes() -> None:
    problem = only_problem(b"inkproof: 1\nid: \xff\n")
    assert problem.message.startswith("file is not UTF-8")


def test_invalid_id_explains_the_id_shape() -> None:
    problem = only_problem(MINIMAL.replace("id: tiny", "id: Tiny_Flow"))
    assert problem.message == "id: 'Tiny_Flow' is not a valid id"
    assert problem.hint == "ids are lowercase words joined by '-', like 'cache-fill'"


def test_self_loop_arrow_is_not_bad_input() -> None:
    # A box may act on itself (a worker retrying its job): `from` and `to` may be equal.
    flow = parse_flow(MINIMAL.replace("    to: cache\n", "    to: api\n", 1))
    arrow = flow.arrow("cache-get")
    assert arrow.source == arrow.target == "api"


def test_expectation_needs_exactly_one_kind() -> None:
    problem = only_problem(MINIMAL.replace('{redis: "GET {{ key }}"}',
                                           '{redis: "GET {{ key }}", sql: [SELECT]}'))
    assert problem.message.endswith("(got redis, sql)")
    assert problem.message.startswith("arrows[0] 'cache-get'.expect: expected exactly one of:")


def test_scenario_arrow_both_expected_and_absent() -> None:
    text = MINIMAL + ("scenarios:\n  - id: s\n    title: S\n    steps: [{request: GET /x}]\n"
                      "    arrows: [cache-get]\n    absent: [cache-get]\n")
    problem = only_problem(text)
    assert problem.message == "arrow 'cache-get' is both expected and absent in this scenario"


def test_request_body_only_goes_with_a_request() -> None:
    text = MINIMAL + ("scenarios:\n  - id: s\n    title: S\n"
                      "    steps: [{drain: worker, json: {a: 1}}]\n    arrows: [cache-get]\n")
    problem = only_problem(text)
    assert problem.message.endswith("'json' only goes with 'request'")


def test_loaded_flow_is_immutable() -> None:
    from pydantic import ValidationError

    flow = parse_flow(MINIMAL)
    with pytest.raises(ValidationError):
        flow.boxes[0].name = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        flow.vars["ttl"] = 1  # type: ignore[index]
    assert isinstance(flow.boxes, tuple) and isinstance(flow.legend[0].arrows, tuple)
    assert flow.model_dump(by_alias=True)["vars"] == {"name": "cache", "key": "k:1", "ttl": 60}


@pytest.mark.parametrize("char", ["\x00", "\x0c", "\x1b"])
def test_control_characters_are_located(char: str) -> None:
    # Found by the property tests: PyYAML rejects these while constructing its reader.
    text = MINIMAL.replace("id: tiny", f"id: ti{char}ny")
    problem = only_problem(text)
    assert problem.message.startswith(f"invalid character U+{ord(char):04X}")
    assert (problem.line, problem.column) == position_of(text, char)
