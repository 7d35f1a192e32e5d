"""Seed fidelity: each flow spec must say what the seed prompt it was written from says.

The expected strings are read from the seed text files at test time, never copied here, so
an edit to a spec that drifts from its seed (a reworded label, a swapped arrow, a dropped
legend line) fails a test. Seed 000 -> redis-cache-invalidation.yaml,
seed 001 -> redis-cache-invalidation-beginner.yaml.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from inkproof import Flow, load_flow, parse_flow

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "spec" / "seeds"
FLOWS = ROOT / "spec" / "flows"

SEED_000 = SEEDS / "000_61aec625bf0fff8c.txt"
SEED_001 = SEEDS / "001_b7aabbd3c1228dc7.txt"
FLOW_000 = FLOWS / "redis-cache-invalidation.yaml"
FLOW_001 = FLOWS / "redis-cache-invalidation-beginner.yaml"
PAIRS = [(SEED_000, FLOW_000), (SEED_001, FLOW_001)]

#: Quoted strings of a seed prompt that are deliberately not picture text: string -> why.
#: Kept empty on purpose while every quoted string is drawn; a stale entry fails
#: test_exclusions_are_still_needed, so this list cannot silently grow.
EXCLUDED: dict[str, str] = {}

#: Seed 000 names the cache "Cache" in its box list but "Redis" in its arrow list.
ARROW_ALIASES_000 = {"Redis": "Redis Cache"}

# A component name as the prompts write it: capitalised words ("API", "Invalidation Worker").
_NAME = r"[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)*"
# "X → Y "label"" or "X → Y labeled "label"", optionally 'optional X → Y ...', or several
# labels joined by " or ". Phrases start after ': ' or '; ', which keeps out the prose
# "(extract → transform → load)".
_ARROW = re.compile(rf'[:;] (optional )?({_NAME}) → ({_NAME}) (?:labeled )?((?:"[^"]*"(?: or )?)+)')


# ---- reading the seeds --------------------------------------------------------------------


@functools.cache
def generation_prompt(seed: Path) -> str:
    """The generation prompt of a seed page: the one line starting 'Tech architecture ...'.

    Seed 000 puts it under a "Full generation prompt" heading; seed 001's page has no such
    heading, only the prompt line itself, so the line is what both have in common.
    """
    text = seed.read_text(encoding="utf-8")
    if "Full generation prompt" in text:
        text = text.split("Full generation prompt", 1)[1]
    lines = [line for line in text.splitlines()
             if line.startswith("Tech architecture infographic titled")]
    assert len(lines) == 1, f"{seed.name}: expected exactly one generation prompt line"
    prompt = lines[0]
    # An odd number of quotes would pair the wrong quotes and make every check meaningless.
    assert prompt.count('"') % 2 == 0, f"{seed.name}: unbalanced straight quotes"
    return prompt


def quoted_strings(prompt: str) -> list[str]:
    """Every straight-double-quoted string of the prompt, in order."""
    return re.findall(r'"([^"]*)"', prompt)


def section(prompt: str, pattern: str) -> str:
    """The one group of ``pattern`` in the prompt (fails the test if the seed lacks it)."""
    match = re.search(pattern, prompt)
    assert match, f"seed prompt has no part matching {pattern!r}"
    return match.group(1)


@dataclass(frozen=True)
class ArrowPhrase:
    """One 'X → Y "label"' phrase of a seed: box names and the label text(s) it asks for."""

    source: str
    target: str
    labels: tuple[str, ...]
    optional: bool


def arrow_phrases(prompt: str, aliases: dict[str, str]) -> list[ArrowPhrase]:
    """All arrow phrases of a prompt, with seed short names mapped to box names."""
    return [ArrowPhrase(aliases.get(src, src), aliases.get(dst, dst),
                        tuple(re.findall(r'"([^"]*)"', labels)), bool(optional))
            for optional, src, dst, labels in _ARROW.findall(prompt)]


def box_rows_000(prompt: str) -> list[tuple[str, str, str]]:
    """Seed 000's '(short) — "Name" — "Role"' rows as (short name, box name, role)."""
    return re.findall(rf'(?:[:;] |Add )({_NAME}) — "([^"]+)" — "([^"]+)"', prompt)


def box_rows_001(prompt: str) -> list[tuple[str, str, str]]:
    """Seed 001's 'Name — icon: description — role: "Role"' rows as (name, icon, role)."""
    return re.findall(rf'[:;] ({_NAME}) — icon: ([^—;]+?) — role: "([^"]+)"', prompt)


# ---- reading the flows --------------------------------------------------------------------


@functools.cache
def flow_of(path: Path) -> Flow:
    return load_flow(path)


def rendered_texts(flow: Flow) -> list[str]:
    """Every text the picture draws, as a reader sees it (placeholders filled, no backticks)."""
    labels = [flow.title, flow.subtitle]
    labels += [label for lane in flow.lanes for label in (lane.title, lane.caption)]
    labels += [label for box in flow.boxes for label in (box.name, box.role)]
    labels += [arrow.label for arrow in flow.arrows]
    labels += [step.text for step in flow.legend]
    labels += [callout.text for callout in flow.callouts]
    labels += [note.text for note in flow.notes]
    labels += [label for strategy in flow.strategies for label in (strategy.name, strategy.text)]
    return [label.text for label in labels if label is not None]


def missing_quoted_strings(flow: Flow, prompt: str) -> list[str]:
    """Quoted strings of the prompt that no rendered text of the flow contains verbatim."""
    texts = rendered_texts(flow)
    return [quoted for quoted in quoted_strings(prompt)
            if quoted not in EXCLUDED and not any(quoted in text for text in texts)]


def unmatched_arrow_phrases(flow: Flow, phrases: list[ArrowPhrase]) -> list[ArrowPhrase]:
    """Phrases with no arrow of their own (same endpoints, label containing every quoted text).

    Each arrow may serve one phrase only; phrases with fewer candidates are matched first so
    the greedy pairing cannot steal an arrow another phrase needs when labels are distinct.
    """
    names = {box.id: box.name.text for box in flow.boxes}

    def candidates(phrase: ArrowPhrase) -> list[str]:
        return [arrow.id for arrow in flow.arrows
                if names[arrow.source] == phrase.source and names[arrow.target] == phrase.target
                and all(label in arrow.label.text for label in phrase.labels)]

    used: set[str] = set()
    unmatched = []
    for phrase in sorted(phrases, key=lambda p: len(candidates(p))):
        free = [arrow_id for arrow_id in candidates(phrase) if arrow_id not in used]
        if free:
            used.add(free[0])
        else:
            unmatched.append(phrase)
    return unmatched


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---- both seeds -----------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "flow_path"), PAIRS, ids=["seed-000", "seed-001"])
def test_every_quoted_seed_string_is_drawn(seed: Path, flow_path: Path) -> None:
    prompt = generation_prompt(seed)
    assert len(quoted_strings(prompt)) >= 30  # the extraction itself did not silently break
    assert missing_quoted_strings(flow_of(flow_path), prompt) == []


def test_exclusions_are_still_needed() -> None:
    # An exclusion must name a string some seed quotes and no flow draws; otherwise drop it.
    for quoted in EXCLUDED:
        assert any(quoted in quoted_strings(generation_prompt(s)) for s, _ in PAIRS), quoted
        assert all(not any(quoted in t for t in rendered_texts(flow_of(f))) for _, f in PAIRS)


@pytest.mark.parametrize(("seed", "flow_path"), PAIRS, ids=["seed-000", "seed-001"])
def test_title_and_pipeline_lanes_follow_the_seed(seed: Path, flow_path: Path) -> None:
    prompt, flow = generation_prompt(seed), flow_of(flow_path)
    assert flow.title.text == section(prompt, r'titled "([^"]+)"')
    # "archetype DATA PIPELINE (extract → transform → load)": one lane per stage, in order.
    stages = section(prompt, r"archetype DATA PIPELINE \(([^)]*)\)").split(" → ")
    assert [lane.id for lane in flow.lanes] == stages
    assert [lane.title.text for lane in flow.lanes] == [s.capitalize() for s in stages]


# ---- seed 000: senior engineer -------------------------------------------------------------


def test_seed_000_counts() -> None:
    flow = flow_of(FLOW_000)
    assert len(flow.boxes) == 8
    assert {b.name.text for b in flow.boxes if b.optional} == {"Metrics / Logs", "Read Replica"}
    assert len(flow.arrows) == 13
    assert len(flow.lanes) == 3
    assert len(flow.legend) == 7
    assert len(flow.callouts) == 4
    assert len(flow.strategies) == 4


def test_seed_000_boxes_have_the_seed_names_and_roles() -> None:
    prompt, flow = generation_prompt(SEED_000), flow_of(FLOW_000)
    rows = box_rows_000(prompt)
    assert len(rows) == 6  # five "Required boxes" and the added Invalidation Worker
    optional_name, optional_role = section(prompt, r'Optional support box: ("[^"]+" — "[^"]+")'
                                           ).strip('"').split('" — "')
    expected = {name: role for _, name, role in rows} | {optional_name: optional_role}
    roles = {box.name.text: box.role.text for box in flow.boxes}
    assert {name: roles.get(name) for name in expected} == expected
    # A box the seed does not quote must at least be one it mentions as optional.
    extras = set(roles) - set(expected)
    assert all(f"optional {name}" in prompt for name in extras), extras
    assert {b.name.text for b in flow.boxes if b.optional} == extras | {optional_name}


def test_seed_000_arrows_match_the_seed_phrases() -> None:
    prompt, flow = generation_prompt(SEED_000), flow_of(FLOW_000)
    aliases = {short: name for short, name, _ in box_rows_000(prompt)} | ARROW_ALIASES_000
    phrases = arrow_phrases(prompt, aliases)
    # One phrase per arrow. The seed lists "API → Redis SET ..." last and the 200 reply before
    # the write path, while the flow keeps the read path together, so order is not compared.
    assert len(phrases) == len(flow.arrows) == 13
    assert unmatched_arrow_phrases(flow, phrases) == []


def test_seed_000_lane_captions_are_the_seed_definitions() -> None:
    prompt, flow = generation_prompt(SEED_000), flow_of(FLOW_000)
    # "Extract = ...; Transform = ...; Load = Redis DEL, UNLINK, EXPIRE, or ... refresh."
    lanes = section(prompt, r"style lanes: (.*?)\. Show arrows").split("; ")
    expected = [tuple(lane.split(" = ", 1)) for lane in lanes]
    assert [(lane.title.text, lane.caption and lane.caption.text) for lane in flow.lanes
            ] == expected


def test_seed_000_legend_is_the_seed_legend() -> None:
    prompt, flow = generation_prompt(SEED_000), flow_of(FLOW_000)
    legend = section(prompt, r"numbered legend 1-7 in English: (.*?) Visual style:")
    parts = re.split(r"(?:^|\s)(\d+)\. ", legend)[1:]  # ['1', 'Client sends ...', '2', ...]
    numbers, sentences = [int(n) for n in parts[0::2]], parts[1::2]
    assert numbers == list(range(1, 8))
    assert [step.n for step in flow.legend] == numbers
    assert [step.text.text for step in flow.legend] == sentences


def test_seed_000_callouts_and_strategies() -> None:
    prompt, flow = generation_prompt(SEED_000), flow_of(FLOW_000)
    callouts = quoted_strings(section(prompt, r"callout notes in English such as (.*?)\. Add"))
    assert [c.text.text for c in flow.callouts] == callouts
    # "note common strategies visually: delete-on-write, ..., and key-versioning tag."
    strategies = re.split(r", (?:and )?", section(prompt, r"common strategies visually: (.*?)\."))
    assert [s.name.text.casefold() for s in flow.strategies] == [s.casefold() for s in strategies]


# ---- seed 001: curious beginner ------------------------------------------------------------


def test_seed_001_counts() -> None:
    flow = flow_of(FLOW_001)
    assert len(flow.boxes) == 7
    assert [b.name.text for b in flow.boxes if b.optional] == ["Monitoring"]
    assert len(flow.arrows) == 13
    assert len(flow.legend) == 7
    assert len(flow.callouts) == 4
    assert sorted(note.kind for note in flow.notes) == ["caution", "highlight"]


def test_seed_001_boxes_have_the_seed_names_roles_and_icons() -> None:
    prompt, flow = generation_prompt(SEED_001), flow_of(FLOW_001)
    rows = box_rows_001(prompt)
    assert len(rows) == 7
    boxes = {box.name.text: box for box in flow.boxes}
    assert set(boxes) == {name for name, _, _ in rows}
    for name, icon_description, role in rows:
        assert boxes[name].role.text == role
        # "layered memory cylinder" -> memory-stack: the icon shares a word with the seed's.
        seed_words = {w.removesuffix("s") for w in re.findall(r"[a-z]+", icon_description)}
        assert seed_words & set(boxes[name].icon.value.split("-")), (name, icon_description)
    optional = re.findall(rf"an optional ({_NAME}) box", prompt)
    assert [b.name.text for b in flow.boxes if b.optional] == optional


def test_seed_001_arrows_match_the_seed_phrases() -> None:
    prompt, flow = generation_prompt(SEED_001), flow_of(FLOW_001)
    phrases = arrow_phrases(prompt, {})  # seed 001 uses the canonical box names
    # The seed lists the "200 OK JSON response" reply last; the flow ends the read path with
    # it, so order is not compared.
    assert len(phrases) == len(flow.arrows) == 13
    assert unmatched_arrow_phrases(flow, phrases) == []
    # The seed marks 'optional Worker → Redis Cache'; exactly that arrow is optional.
    optional = [p for p in phrases if p.optional]
    assert [a.label.text for a in flow.arrows if a.optional] == [p.labels[0] for p in optional]


def test_seed_001_legend_callouts_and_notes() -> None:
    prompt, flow = generation_prompt(SEED_001), flow_of(FLOW_001)
    legend = re.findall(r'(\d+)\. "([^"]+)"', section(prompt, r"numbered legend 1-7 (.*?) Add"))
    assert [(step.n, step.text.text) for step in flow.legend] == [(int(n), t) for n, t in legend]
    callouts = quoted_strings(section(prompt, r"callout labels such as (.*?) in English"))
    assert [c.text.text for c in flow.callouts] == callouts
    # "... with a highlighted note that invalidation happens after successful database update."
    highlight = section(prompt, r"highlighted note that (.+?)\.")
    assert [n.text.text for n in flow.notes if n.kind == "highlight"] == [sentence_case(highlight)]
    caution = section(prompt, r'caution note in English: "([^"]+)"')
    assert [n.text.text for n in flow.notes if n.kind == "caution"] == [caution]


# ---- the checkers can fail -----------------------------------------------------------------


@pytest.mark.parametrize(("seed", "flow_path", "old", "new", "lost"), [
    (SEED_001, FLOW_001, "label: Row data\n", "label: Row date\n", "Row data"),
    (SEED_000, FLOW_000, "label: cache hit / miss\n", "label: cache hit/miss\n",
     "cache hit / miss"),
], ids=["seed-001-row-data", "seed-000-cache-hit-miss"])
def test_quoted_string_checker_reports_an_altered_label(
        seed: Path, flow_path: Path, old: str, new: str, lost: str) -> None:
    text = flow_path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    altered = parse_flow(text.replace(old, new), file=flow_path.name)
    assert missing_quoted_strings(altered, generation_prompt(seed)) == [lost]


def test_arrow_checker_reports_a_moved_arrow() -> None:
    # Re-point "Primary Database → API Service 'Row data'" at the cache: same label, wrong box.
    text = FLOW_001.read_text(encoding="utf-8")
    old = "    from: db\n    to: api\n    label: Row data\n"
    assert text.count(old) == 1
    altered = parse_flow(text.replace(old, old.replace("to: api", "to: cache")), file="x.yaml")
    phrases = arrow_phrases(generation_prompt(SEED_001), {})
    assert unmatched_arrow_phrases(altered, phrases) == [
        ArrowPhrase("Primary Database", "API Service", ("Row data",), optional=False)]
