"""What a flow asks translators for: every label, keyed by a stable context.

The context (``msgctxt``) is the element's id and field (``arrow.cache-fill.label``), so a
translation follows its element even when the English text changes, and the renderer asks
for labels by the same keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from inkproof.labels import Label, Span
from inkproof.model import Flow
from inkproof.render.theme import PATH_KINDS, path_key


def path_word(kind: str) -> str:
    """The context of a path kind's name in the key (``chrome.path.async``)."""
    return f"chrome.path.{kind}"


#: Words the picture adds around the spec's own text (legend heading, strategy panel, the
#: names of path kinds in the key: ``chrome.path.read``, one per registered kind).
CHROME = {
    "chrome.legend": "Legend",
    "chrome.strategies": "Invalidation strategies",
    "chrome.verified": "Verified against a running system",
    "chrome.unverified": "Not verified against a running system",
    **{path_word(kind): spec.word for kind, spec in PATH_KINDS.items()},
}


@dataclass(frozen=True)
class Message:
    context: str
    source: str  # the English label source: placeholders and `code` spans included
    comment: str  # where it appears, for the translator


def plain(text: str) -> Label:
    return Label(text, (Span(text),))


def messages(flow: Flow) -> Iterator[Message]:
    """Every translatable text of a flow, in reading order."""
    names = {box.id: box.name.text for box in flow.boxes}
    yield Message("flow.title", flow.title.source, "Title at the top of the picture.")
    if flow.subtitle:
        yield Message("flow.subtitle", flow.subtitle.source, "Subtitle under the title.")
    for lane in flow.lanes:
        yield Message(f"lane.{lane.id}.title", lane.title.source,
                      "Lane (stage column) heading; one or two words.")
        if lane.caption:
            yield Message(f"lane.{lane.id}.caption", lane.caption.source,
                          f"Caption under the '{lane.title.text}' lane heading.")
    for box in flow.boxes:
        yield Message(f"box.{box.id}.name", box.name.source,
                      "Component name in bold inside its box, next to an icon; keep it short.")
        yield Message(f"box.{box.id}.role", box.role.source,
                      f"One-line role under '{box.name.text}', in a narrow box.")
    for arrow in flow.arrows:
        ends = (f"a loop on {names[arrow.source]}" if arrow.source == arrow.target
                else f"{names[arrow.source]} → {names[arrow.target]}")
        yield Message(f"arrow.{arrow.id}.label", arrow.label.source,
                      f"Arrow label, {ends}, {PATH_KINDS[arrow.path].note}; short.")
    for step in flow.legend:
        yield Message(f"legend.{step.n}.text", step.text.source,
                      f"Numbered legend, step {step.n} of {len(flow.legend)}.")
    for callout in flow.callouts:
        yield Message(f"callout.{callout.id}.text", callout.text.source,
                      "Sticky note next to the diagram; a few words.")
    for note in flow.notes:
        yield Message(f"note.{note.id}.text", note.text.source,
                      f"{note.kind.capitalize()} note.")
    for strategy in flow.strategies:
        yield Message(f"strategy.{strategy.id}.name", strategy.name.source,
                      "Name of an invalidation strategy, shown as a small chip.")
        if strategy.text:
            yield Message(f"strategy.{strategy.id}.text", strategy.text.source,
                          f"One-sentence description of '{strategy.name.text}' (alt text).")
    if flow.legend:
        yield Message("chrome.legend", CHROME["chrome.legend"], "Heading of the legend.")
    for kind in path_key(arrow.path for arrow in flow.arrows):
        yield Message(path_word(kind), CHROME[path_word(kind)],
                      f"Key of the kinds of arrow, after a sample arrow: {PATH_KINDS[kind].note}. "
                      "One short word (lowercase where the language allows).")
    if flow.strategies:
        yield Message("chrome.strategies", CHROME["chrome.strategies"],
                      "Heading in front of the strategy chips.")
    if flow.scenarios:
        yield Message("chrome.verified", CHROME["chrome.verified"],
                      "Small stamp at the bottom of a published picture whose flow was run "
                      "and proven against real software (inkproof verify).")
        yield Message("chrome.unverified", CHROME["chrome.unverified"],
                      "Small warning stamp at the bottom of a published picture whose flow "
                      "was NOT proven against real software.")
