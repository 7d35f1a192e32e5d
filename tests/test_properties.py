"""Property tests: a mutated spec either loads or is rejected with located problems.

The loader's contract (errors.py) is that a user's mistake never surfaces as a traceback:
whatever the text, ``parse_flow`` returns a Flow or raises SpecError whose every problem has
a place and a message. Each test starts from the real seed specs and breaks them at random:
structurally (edit the parsed data, dump it again), textually (edit the raw YAML characters)
and inside labels (random ``{{ placeholder }}`` expressions, the one mini-language in a spec).
Any exception other than SpecError is a bug in inkproof, not in the test.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from inkproof import Flow, SpecError, parse_flow

ROOT = Path(__file__).resolve().parent.parent
SPECS = {path.name: path.read_text(encoding="utf-8")
         for path in sorted((ROOT / "spec" / "flows").glob("*.yaml"))}
DATA = {name: yaml.safe_load(text) for name, text in SPECS.items()}
FILE = "mutant.yaml"

# No example database: the repo stays untouched, and a failure prints its minimal example.
PROPERTY = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

Doc = dict[str, Any] | list[Any]


def parse_or_spec_error(text: str | bytes) -> Flow | SpecError:
    """Parse ``text``; a SpecError is returned after checking every problem is well located."""
    try:
        flow = parse_flow(text, file=FILE)
    except SpecError as exc:
        assert exc.problems, "a SpecError must say what is wrong"
        for problem in exc.problems:
            assert problem.line >= 1 and problem.column >= 1, problem
            assert problem.message.strip(), problem
            assert str(problem).startswith(f"{FILE}:"), problem
        return exc
    assert isinstance(flow, Flow)
    return flow


# ---- values a mutation may write -------------------------------------------------------


def _scalars_of(node: Any) -> set[str]:
    """Every key and string value of a document: ids, enum values, field names."""
    if isinstance(node, dict):
        return set(node) | {s for value in node.values() for s in _scalars_of(value)}
    if isinstance(node, list):
        return {s for item in node for s in _scalars_of(item)}
    return {node} if isinstance(node, str) else set()


#: Real ids, field names and enum values, so mutations also make *plausible* mistakes
#: (a reference to the wrong kind of element, a field moved to the wrong place).
CORPUS = sorted(set().union(*(_scalars_of(doc) for doc in DATA.values())))

# Strings that mean something to YAML, Jinja or the label syntax.
SPECIAL = ["`", "``", "{{", "}}", "{%", "%}", "{#", "#}", "{{ ttl }}", "{{ nope }}",
           "`{{ key }}`", "{{ key", "&a", "*a", "!!str", "<<", ":", "- ", "? ", "#", "'", '"',
           "\t", "\n", "→", "é", "😀", "\u200b", "\x00", "", " ", "1e3", "0x1F", "~", "null",
           "yes", "2024-01-01"]

_IDENTIFIER = st.from_regex(r"[a-z_][a-z0-9_]{0,7}", fullmatch=True)
# Operands: the specs' vars, an undefined name, literals, Jinja globals, attribute access.
_OPERAND = st.one_of(
    st.sampled_from(["key", "ttl", "id", "'x'", "range(3)", "lipsum", "cycler", "namespace",
                     "key.upper()", "key.__class__", "key[0]", "[1, 2]", "none"]),
    _IDENTIFIER, st.integers(0, 99).map(str),
)
# Filters and tests: some real, and random names (which Jinja does not know).
_FILTERS = st.sampled_from(["upper", "int", "length", "e", "default", "join", "string",
                            "round", "first"]) | _IDENTIFIER
_TESTS = st.sampled_from(["defined", "number", "string", "even"]) | _IDENTIFIER


@st.composite
def _expression(draw: st.DrawFn) -> str:
    """A well-formed expression: operands joined by operators, then filters and a test."""
    parts = [draw(_OPERAND)]
    for _ in range(draw(st.integers(0, 2))):
        parts += [draw(st.sampled_from(["+", "-", "*", "/", "//", "%", "~", "==", "and"])),
                  draw(_OPERAND)]
    parts += [f"| {draw(_FILTERS)}" for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        parts.append(f"is {draw(_TESTS)}")
    return " ".join(parts)


# Token soup, for the malformed expressions the grammar above never writes.
_SOUP = st.lists(st.sampled_from(["|", "is", ".", "(", ")", "[", "]", ",", "not", ":", "="])
                 | _OPERAND, min_size=1, max_size=6).map(" ".join)


def _placeholder(expression: str, nesting: tuple[tuple[str, str], int],
                 around: tuple[str, str]) -> str:
    """``before {{ ((expression)) }} after``: the expression possibly nested ``depth`` deep."""
    ((opener, closer), depth), (before, after) = nesting, around
    return f"{before}{{{{ {opener * depth}{expression}{closer * depth} }}}}{after}"


#: A label with a random Jinja expression in it. Numbers stay small (no resource blow-ups).
#: Brackets nest up to the 400-character label limit; unary operators only 60 deep, because
#: jinja2 needs seconds to compile a few hundred (see the "-" * 198 example below).
PLACEHOLDER_TEXT = st.builds(
    _placeholder,
    _expression() | _SOUP,
    st.tuples(st.sampled_from([("(", ")"), ("[", "]")]), st.integers(0, 3) | st.integers(0, 190))
    | st.tuples(st.sampled_from([("-", ""), ("not ", "")]), st.integers(0, 60)),
    # Prose or code around it; the last few pairs are malformed on purpose.
    st.sampled_from([("", ""), ("TTL ", "s"), ("`", "`"), ("`GET ", "` key"), ("`", ""),
                     ("", " }}"), ("{{ ", "")]),
)

TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(SPECIAL),
    st.sampled_from(CORPUS),
    st.lists(st.sampled_from(SPECIAL) | st.text(max_size=4), max_size=5).map("".join),
    PLACEHOLDER_TEXT,
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=8,
)
#: Keys may also be non-strings: YAML allows them, the loader must reject them cleanly.
KEYS = st.one_of(st.sampled_from(CORPUS), TEXT, st.integers(), st.booleans(), st.none())


# ---- (a) structural mutations --------------------------------------------------------------


def containers(node: Any) -> list[Doc]:
    """Every mapping and sequence of a document, the root first."""
    found: list[Doc] = []
    if isinstance(node, dict | list):
        found.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            found += containers(child)
    return found


def mutate(data: st.DataObject, doc: Any) -> None:
    """Apply one random edit, in place, to one random mapping or sequence of ``doc``."""
    target = data.draw(st.sampled_from(containers(doc)), label="container")
    if isinstance(target, dict):
        op = data.draw(st.sampled_from(["delete", "replace", "rename", "add"]), label="op")
        if not target or op == "add":
            target[data.draw(KEYS, label="new key")] = data.draw(VALUES, label="value")
            return
        key = data.draw(st.sampled_from(list(target)), label="key")
        if op == "delete":
            del target[key]
        elif op == "replace":
            target[key] = data.draw(VALUES, label="value")
        else:  # rename, keeping the key's place so the dump stays in the original order
            new = data.draw(KEYS, label="new name")
            items = [(new if k == key else k, v) for k, v in target.items()]
            target.clear()
            target.update(items)
        return
    op = data.draw(st.sampled_from(["replace", "remove", "duplicate", "swap", "append"]),
                   label="op")
    if not target or op == "append":
        target.append(data.draw(VALUES, label="value"))
        return
    i = data.draw(st.integers(0, len(target) - 1), label="index")
    j = data.draw(st.integers(0, len(target) - 1), label="other index")
    if op == "replace":
        target[i] = data.draw(VALUES, label="value")
    elif op == "remove":
        del target[i]
    elif op == "duplicate":
        target.insert(j, copy.deepcopy(target[i]))
    else:
        target[i], target[j] = target[j], target[i]


@PROPERTY
@given(spec=st.sampled_from(sorted(SPECS)), data=st.data())
def test_structural_mutations_load_or_raise_spec_error(spec: str, data: st.DataObject) -> None:
    doc = copy.deepcopy(DATA[spec])
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        mutate(data, doc)
    # sort_keys=False: keys may now mix types, and the original order keeps errors readable.
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    parse_or_spec_error(text)


# ---- (b) textual mutations ------------------------------------------------------------------

#: Characters YAML gives a meaning to, plus a few multi-character constructs.
YAML_CHARS = [":", "-", "&", "*", "!", "{", "}", "[", "]", "'", '"', "#", "\t", "\n", "|",
              ">", "?", "%", "@", "`", ",", " ", "\\", "\r", "\ufeff", "\x00", "\x85",
              "&a ", "*a", "!!python/object:os.system ", "!!binary ", "<<: ", "--- ", "...",
              "%YAML 1.1\n", "{{", "}}", "{%"]
EDITS = st.lists(
    st.tuples(st.sampled_from(["insert", "delete", "replace"]),
              st.integers(0, 1 << 16),
              st.sampled_from(YAML_CHARS) | st.characters() | st.text(max_size=3)),
    min_size=1, max_size=5,
)


def edit_text(text: str, edits: list[tuple[str, int, str]]) -> str:
    """Apply character edits; positions wrap around the text so every edit lands somewhere."""
    for op, position, chars in edits:
        at = position % (len(text) + 1)
        if op == "insert":
            text = text[:at] + chars + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + chars + text[at + 1:]
    return text


@PROPERTY
@given(spec=st.sampled_from(sorted(SPECS)), edits=EDITS)
# Regression: a form feed (any YAML-unprintable character) made PyYAML raise ReaderError
# while the loader was being constructed.
@example(spec="redis-cache-invalidation.yaml", edits=[("insert", 11, "\x0c")])
def test_textual_mutations_load_or_raise_spec_error(
        spec: str, edits: list[tuple[str, int, str]]) -> None:
    parse_or_spec_error(edit_text(SPECS[spec], edits))


@PROPERTY
@given(spec=st.sampled_from(sorted(SPECS)), position=st.integers(0, 1 << 16),
       junk=st.binary(max_size=4), cut=st.booleans())
def test_byte_mutations_load_or_raise_spec_error(spec: str, position: int, junk: bytes,
                                                 cut: bool) -> None:
    # Files are read as bytes: splice in stray bytes, or cut the file off, possibly inside a
    # multi-byte character ("→" is three bytes).
    raw = SPECS[spec].encode("utf-8")
    at = position % (len(raw) + 1)
    parse_or_spec_error(raw[:at] if cut else raw[:at] + junk + raw[at:])


# ---- (c) placeholder expressions in labels and templates -----------------------------------


def template_paths(doc: dict[str, Any]) -> list[tuple[str | int, ...]]:
    """Paths of every label (drawn text) and template (expect/request) string of a flow."""
    paths: list[tuple[str | int, ...]] = [("title",), ("subtitle",)]
    fields = {"lanes": ("title", "caption"), "boxes": ("name", "role"), "arrows": ("label",),
              "legend": ("text",), "callouts": ("text",), "notes": ("text",),
              "strategies": ("name", "text")}
    for section, names in fields.items():
        for i, item in enumerate(doc.get(section, [])):
            paths += [(section, i, name) for name in names if name in item]
    for i, arrow in enumerate(doc.get("arrows", [])):
        paths += [("arrows", i, "expect", kind) for kind in ("request", "redis")
                  if isinstance(arrow["expect"].get(kind), str)]
    for i, scenario in enumerate(doc.get("scenarios", [])):
        for part in ("setup", "steps"):
            paths += [("scenarios", i, part, j, "request")
                      for j, step in enumerate(scenario.get(part, [])) if "request" in step]
    return [path for path in paths if _get(doc, path[:-1]) is not None]


def _get(doc: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


@PROPERTY
@given(spec=st.sampled_from(sorted(SPECS)), target=st.integers(0, 1 << 10),
       label=PLACEHOLDER_TEXT)
# Regressions, each once a traceback. An unknown filter or test: jinja2 only notices it
# when compiling (TemplateAssertionError).
@example(spec="redis-cache-invalidation.yaml", target=0, label="{{ key | nope }}")
@example(spec="redis-cache-invalidation.yaml", target=0, label="{{ key is nope }}")
# Deep nesting: jinja2's recursive parser overflows (RecursionError). Hypothesis raises the
# recursion limit to 2048 while testing, so this needs more depth than plain Python would.
@example(spec="redis-cache-invalidation.yaml", target=0,
         label="{{ " + "(" * 190 + "1" + ")" * 190 + " }}")
# 198 unary minuses: jinja2 parses this, but the Python it generates nests more than the
# 200 parentheses CPython's parser accepts (SyntaxError).
@example(spec="redis-cache-invalidation.yaml", target=0, label="{{ " + "-" * 198 + "key }}")
def test_placeholder_expressions_load_or_raise_spec_error(spec: str, target: int,
                                                           label: str) -> None:
    doc = copy.deepcopy(DATA[spec])
    paths = template_paths(doc)
    path = paths[target % len(paths)]
    _get(doc, path[:-1])[path[-1]] = label
    parse_or_spec_error(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


def test_the_unmutated_specs_load() -> None:
    # The baseline every mutation starts from must itself be valid.
    for name, text in SPECS.items():
        assert isinstance(parse_or_spec_error(text), Flow), name
        assert len(template_paths(DATA[name])) > 30
