"""Checks that span elements: unique ids, references between elements (and to the icon
registry and icon files), legend numbering, scenarios listing only arrows that claim something.

They read the raw document (dicts and lists) rather than the model so that they run even
when some other part of the file is malformed: a user fixing a spec sees every mistake in
one pass. Items of the wrong shape are skipped here; the schema reports those.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path as FsPath
from typing import Any

from inkproof.errors import Problem, SpecError, did_you_mean
from inkproof.model import icon_form_problem, icon_names
from inkproof.reading import read_bounded
from inkproof.yamlsource import Path, Positions

#: Sections whose items share one id namespace (a callout's `near` may name any of them).
ELEMENT_SECTIONS = ("lanes", "boxes", "arrows", "callouts", "notes", "strategies")
#: The largest icon file a spec may name (an icon is a few shapes, not a picture).
MAX_ICON_BYTES = 64 * 1024  # the renderer's limit too (render/user_icon.py)

_KIND = {"lanes": "lane", "boxes": "box", "arrows": "arrow", "callouts": "callout",
         "notes": "note", "strategies": "strategy", "scenarios": "scenario"}


def _items(data: Any, section: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = data.get(section) if isinstance(data, dict) else None
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def _ids(data: Any, section: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for index, item in _items(data, section):
        if isinstance(item.get("id"), str):
            found.setdefault(item["id"], (section, index, "id"))
    return found


class _Checker:
    def __init__(self, data: Any, positions: Positions):
        self.data = data
        self.positions = positions
        self.problems: list[Problem] = []

    def fail(self, path: Path, message: str, hint: str | None = None) -> None:
        self.problems.append(self.positions.problem(path, message, hint))

    def ref(self, path: Path, value: Any, kind: str, known: dict[str, Path]) -> None:
        """Report ``value`` at ``path`` unless it names one of ``known``."""
        if isinstance(value, str) and value not in known:
            hint = did_you_mean(value, known)
            if hint is None:
                hint = (f"known: {', '.join(sorted(known))}" if 0 < len(known) <= 12
                        else "no such id is defined")
            self.fail(path, f"unknown {kind} '{value}'", hint)

    def refs(self, path: Path, values: Any, kind: str, known: dict[str, Path]) -> None:
        if isinstance(values, list):
            for i, value in enumerate(values):
                self.ref((*path, i), value, kind, known)


def check_references(data: Any, positions: Positions, folder: FsPath | None = None
                     ) -> list[Problem]:
    """All cross-element problems of a raw flow document. ``folder`` is the spec file's
    folder, where icon files are looked for (None: the spec is not a file, e.g. stdin)."""
    checker = _Checker(data, positions)
    _unique_ids(checker)
    lanes, boxes, arrows = _ids(data, "lanes"), _ids(data, "boxes"), _ids(data, "arrows")
    anchors = {**lanes, **boxes, **arrows}

    for i, box in _items(data, "boxes"):
        if "lane" in box:
            checker.ref(("boxes", i, "lane"), box["lane"], "lane", lanes)
        _check_icon(checker, ("boxes", i, "icon"), box.get("icon"), folder)

    for i, arrow in _items(data, "arrows"):
        # `from` and `to` may name the same box: a self-loop (a worker retrying its job).
        for end in ("from", "to"):
            checker.ref(("arrows", i, end), arrow.get(end), "box", boxes)

    _check_legend(checker, arrows)

    for section in ("callouts", "notes"):
        for i, item in _items(data, section):
            if "near" in item:
                checker.ref((section, i, "near"), item["near"], "box, arrow or lane", anchors)

    for i, strategy in _items(data, "strategies"):
        checker.refs(("strategies", i, "arrows"), strategy.get("arrows"), "arrow", arrows)

    strategies = _ids(data, "strategies")
    claimed = {arrow["id"]: "expect" in arrow for _, arrow in _items(data, "arrows")
               if isinstance(arrow.get("id"), str)}
    for i, scenario in _items(data, "scenarios"):
        if "strategy" in scenario:
            checker.ref(("scenarios", i, "strategy"), scenario["strategy"], "strategy",
                        strategies)
        for field in ("arrows", "absent"):
            checker.refs(("scenarios", i, field), scenario.get(field), "arrow", arrows)
            _check_observable(checker, ("scenarios", i, field), scenario.get(field), claimed)
        expected, absent = scenario.get("arrows"), scenario.get("absent")
        if isinstance(expected, list) and isinstance(absent, list):
            for j, arrow_id in enumerate(absent):
                if isinstance(arrow_id, str) and arrow_id in expected:
                    checker.fail(("scenarios", i, "absent", j), f"arrow '{arrow_id}' is both "
                                 "expected and absent in this scenario")
    return checker.problems


def _unique_ids(checker: _Checker) -> None:
    seen: dict[str, tuple[str, Path]] = {}
    for section in (*ELEMENT_SECTIONS, "scenarios"):
        # Scenarios have their own namespace: nothing in the picture refers to them.
        namespace = seen if section != "scenarios" else {}
        for i, item in _items(checker.data, section):
            element_id = item.get("id")
            if not isinstance(element_id, str):
                continue
            if element_id in namespace:
                other_section, other_path = namespace[element_id]
                line, _ = checker.positions.of(other_path)
                checker.fail((section, i, "id"), f"duplicate id '{element_id}'",
                             f"already used by the {_KIND[other_section]} at line {line}")
            else:
                namespace[element_id] = (section, (section, i, "id"))


def _check_legend(checker: _Checker, arrows: dict[str, Path]) -> None:
    steps = list(_items(checker.data, "legend"))
    for position, (i, step) in enumerate(steps, start=1):
        number = step.get("n")
        if isinstance(number, int) and not isinstance(number, bool) and number != position:
            checker.fail(("legend", i, "n"), f"legend step {position} is numbered {number}",
                         f"legend numbers must run 1..{len(steps)} in order")
        checker.refs(("legend", i, "arrows"), step.get("arrows"), "arrow", arrows)


def _check_observable(checker: _Checker, path: Path, values: Any,
                      claimed: dict[str, bool]) -> None:
    """A scenario lists arrows to observe: an arrow without ``expect`` says nothing to see."""
    if not isinstance(values, list):
        return
    for j, arrow_id in enumerate(values):
        if isinstance(arrow_id, str) and claimed.get(arrow_id) is False:
            checker.fail((*path, j), f"arrow '{arrow_id}' claims nothing (no expect): it cannot "
                         "be observed", "give the arrow an `expect:` or leave it out of this "
                         "scenario")


def _check_icon(checker: _Checker, path: Path, icon: Any, folder: FsPath | None) -> None:
    """An icon names a registered icon, or a small file inside the spec's folder.

    Values of the wrong form are the model's to report (:func:`inkproof.model.IconRef`)."""
    if not isinstance(icon, str) or icon_form_problem(icon) is not None:
        return
    if not icon.endswith(".svg"):  # a name
        known = icon_names()
        if icon not in known:
            checker.fail(path, f"unknown icon '{icon}'", did_you_mean(icon, known)
                         or "an icon name from the README's list, or the path of an .svg file "
                            "beside the spec")
        return
    if folder is None:
        return
    box_id = checker.data["boxes"][path[1]].get("id")
    where = f"boxes[{path[1]}]" + (f" '{box_id}'" if isinstance(box_id, str) else "") + ".icon"
    file = folder / icon
    if not os.path.lexists(file):
        checker.fail(path, f"{where}: icon file '{icon}' not found beside the spec",
                     f"looked for {file}")
        return
    try:
        inside = file.resolve().is_relative_to(folder.resolve())
    except OSError:
        inside = False
    if not inside:
        checker.fail(path, f"{where}: icon file '{icon}' leads outside the spec's folder",
                     "keep icon files in the spec's folder or below it")
        return
    try:
        read_bounded(file, MAX_ICON_BYTES, f"icon file '{icon}'")
    except SpecError as exc:
        for problem in exc.problems:
            checker.fail(path, f"{where}: {problem.message}", problem.hint)

