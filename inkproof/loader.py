"""Load a spec file into a :class:`~inkproof.model.Flow`, or explain every mistake in it.

The one entry point is :func:`load_flow`. It reads YAML with positions
(:mod:`inkproof.yamlsource`), checks references between elements (:mod:`inkproof.checks`)
and validates the structure against the model (:mod:`inkproof.model`), then turns all
findings into located :class:`~inkproof.errors.Problem` s raised together as one SpecError.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from inkproof.agreement import flow_disagreements
from inkproof.checks import check_references
from inkproof.errors import Problem, SpecError, did_you_mean
from inkproof.model import FORMAT_VERSION, Flow
from inkproof.yamlsource import Path, Positions, read_spec_bytes, read_yaml

_SPEC_MARKER = re.compile(r"^inkproof:\s*1\b", re.MULTILINE)


def is_spec_file(path: FsPath) -> bool:
    """Whether a YAML file is an inkproof spec (has ``inkproof: 1`` near the top)."""
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        return False
    with path.open("rb") as handle:
        head = handle.read(4096).decode("utf-8", "replace")
    return bool(_SPEC_MARKER.search(head))


def spec_files(paths: Iterable[FsPath]) -> list[FsPath]:
    """The given files, with each folder replaced by the spec files directly inside it."""
    found: list[FsPath] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if is_spec_file(p))
        else:
            found.append(path)
    return found


def load_flow(path: str | FsPath) -> Flow:
    """Read, validate and build the flow in ``path``. Raises SpecError listing all mistakes."""
    return parse_flow(read_spec_bytes(path), str(path), folder=FsPath(path).parent)


def parse_flow(text: str | bytes, file: str = "<spec>", *, folder: FsPath | None = None
               ) -> Flow:
    """Validate and build a flow from YAML text; ``file`` is used in messages only.

    ``folder`` is where the spec's own files (icons) are; without it (standard input) their
    paths are checked for form only."""
    data, positions = read_yaml(text, file)
    if not isinstance(data, dict):
        raise SpecError([positions.problem((), "a flow spec must be a mapping",
                                           "start the file with 'inkproof: 1'")])
    version = data.get("inkproof")
    if version != FORMAT_VERSION:
        raise SpecError([positions.problem(("inkproof",), f"unsupported format version "
                                           f"{version!r}" if "inkproof" in data else
                                           "missing 'inkproof: 1' (the format version)",
                                           f"this inkproof reads version {FORMAT_VERSION}")])
    problems = check_references(data, positions, folder)
    variables = data.get("vars") if isinstance(data.get("vars"), dict) else {}
    try:
        flow = Flow.model_validate(data, context={"vars": variables})
    except ValidationError as exc:
        problems += [_problem(error, data, positions)
                     for error in _relevant(exc.errors(include_url=False))]
    if problems:
        raise SpecError(problems)
    problems = [positions.problem(path, message, "make the text say what is checked, or the "
                                  "expect check what the text says")
                for path, message in flow_disagreements(flow)]
    if problems:
        raise SpecError(problems)
    return flow


# ---- turning pydantic's errors into a user's language -----------------------------------


def _relevant(errors: list[Any]) -> list[Any]:
    """Drop "too short" errors caused by an item that itself failed (pydantic reports both)."""
    failed = [tuple(e["loc"]) for e in errors if e["type"] != "too_short"]
    return [e for e in errors if e["type"] != "too_short"
            or not any(loc[:len(e["loc"])] == tuple(e["loc"]) and len(loc) > len(e["loc"])
                       for loc in failed)]


def _problem(error: Any, data: Any, positions: Positions) -> Problem:
    loc: Path = _data_path(error["loc"], data)
    where = _describe(loc, data)
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "missing":
        field = error["loc"][-1]
        parent = loc[:-1] if loc and loc[-1] == field else loc
        return positions.problem(parent, f"{_describe(parent, data)}: missing field '{field}'")
    if kind == "extra_forbidden":
        field = error["loc"][-1]
        allowed = _fields_at(loc[:-1])
        hint = did_you_mean(field, allowed) or f"expected one of: {', '.join(allowed)}"
        return positions.problem(loc, f"unknown field '{field}' in {_describe(loc[:-1], data)}",
                                 hint, key=True)
    if kind in ("literal_error", "enum"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = did_you_mean(value, choices) or f"expected one of: {', '.join(choices)}"
        return positions.problem(loc, f"{where}: {value!r} is not allowed", hint)
    if kind == "string_pattern_mismatch" and loc and loc[-1] in _NAMED_FIELDS:
        noun, hint = _NAMED_FIELDS[str(loc[-1])]
        return positions.problem(loc, f"{where}: {value!r} is not a valid {noun}", hint)
    message = error["msg"][:1].lower() + error["msg"][1:]
    if kind.endswith("_type") or kind.endswith("_parsing"):
        message += (", got an empty value" if value is None
                     else f", got {_type_name(value)} {_short(value)}")
    return positions.problem(loc, f"{where}: {message}")


_ID_HINT = ("id", "ids are lowercase words joined by '-', like 'cache-fill'")
#: Fields whose values are names of a fixed form: what to call a bad one, and the form.
_NAMED_FIELDS = {
    **dict.fromkeys(("id", "from", "to", "lane", "near", "strategy"), _ID_HINT),
    "component": ("component kind",
                  "component kinds are lowercase words joined by '-', like 'object-store'"),
    "service": ("service name",
                "a service name is letters, digits, '.', '_' and '-', like 'orders-api'"),
}


def _data_path(loc: tuple[Any, ...], data: Any) -> Path:
    """Keep the parts of pydantic's location that are real keys/indexes of the document."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict | list) and _has(node, part):
            node = node[part]
            path.append(part)
        elif isinstance(part, str) and isinstance(node, dict):
            path.append(part)  # a missing or unknown key: still name it
            break
    return tuple(path)


def _describe(path: Path, data: Any) -> str:
    """A reader's name for a place: ``arrows[3] 'cache-fill'.label``."""
    if not path:
        return "the flow"
    text, node = "", data
    for part in path:
        node = node[part] if isinstance(node, dict | list) and _has(node, part) else None
        if isinstance(part, int):
            text += f"[{part}]"
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                text += f" '{node['id']}'"
        else:
            text += f".{part}" if text else part
    return text


def _has(node: dict[str, Any] | list[Any], part: str | int) -> bool:
    return part in node if isinstance(node, dict) else isinstance(part, int) and part < len(node)


def _fields_at(path: Path) -> list[str]:
    """The field names (as written in YAML) of the model found at ``path``."""
    model: type[BaseModel] | None = Flow
    for part in path:
        if model is None:
            break
        if isinstance(part, int):
            continue
        field = next((f for name, f in model.model_fields.items()
                      if (f.alias or name) == part), None)
        model = _model_in(field.annotation) if field else None
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, tuple, list,
                                         typing.Annotated, dict):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _type_name(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "nothing"}
    return names.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
