"""Read YAML into plain data while remembering where every value came from.

PyYAML's constructors forget positions and silently keep the last of duplicate keys, so we
compose the node graph (safe: composing never instantiates anything) and convert it
ourselves. That gives us, in one walk: duplicate-key errors with both locations, a position
for every path (for precise error messages later), and a hard budget on nodes visited, which
is what stops alias bombs ("billion laughs") — aliases share nodes in the graph and only
blow up when expanded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import yaml

from inkproof.errors import Problem, SpecError
from inkproof.reading import read_bounded, too_large

Path = tuple[str | int, ...]

#: Largest spec file accepted, in bytes. A real flow is a few KiB.
MAX_BYTES = 512 * 1024
TOO_LARGE_HINT = "split the flow or remove generated content"
#: Most YAML nodes visited while converting, counting every alias expansion again.
MAX_NODES = 50_000
#: Deepest nesting of mappings and sequences.
MAX_DEPTH = 32

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


@dataclass(frozen=True)
class Positions:
    """Where each path of a document starts: its value, and (for mapping entries) its key."""

    file: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def of(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Position of ``path`` or of its nearest ancestor that has one (1-based)."""
        table = self.keys if key else self.values
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in table:
                return table[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return (1, 1)

    def problem(self, path: Path, message: str, hint: str | None = None, *, key: bool = False
                ) -> Problem:
        line, column = self.of(path, key=key)
        return Problem(self.file, line, column, message, hint)


def read_spec_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a spec file, refused before reading if it is not a small regular file."""
    return read_bounded(path, MAX_BYTES, "file", TOO_LARGE_HINT)


def read_yaml(text: str | bytes, file: str) -> tuple[Any, Positions]:
    """Parse one YAML document safely into dicts, lists and scalars, with positions.

    Raises SpecError for anything that is not a single, plain, bounded YAML document.
    """
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > MAX_BYTES:
        raise too_large(file, size, MAX_BYTES, "file", TOO_LARGE_HINT)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SpecError([Problem(file, 1, 1, f"file is not UTF-8 ({exc.reason} at byte "
                                     f"{exc.start})")]) from None
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # the reader rejects control characters right here
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise SpecError([Problem(file, line, column, f"invalid character U+{exc.character:04X}"
                                 " (control characters are not allowed in YAML)")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(p for p in (exc.context, exc.problem) if p)
        raise SpecError([Problem(file, line, column, f"invalid YAML: {message}")]) from None
    except yaml.YAMLError as exc:
        raise SpecError([Problem(file, 1, 1, f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise SpecError([Problem(file, 1, 1, "nesting is too deep",
                                 f"at most {MAX_DEPTH} levels are allowed")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        raise SpecError([Problem(file, 1, 1, "the file is empty", "expected a flow mapping "
                                 "starting with 'inkproof: 1'")])
    converter = _Converter(Positions(file))
    data = converter.convert(node, ())
    if converter.problems:
        raise SpecError(converter.problems)
    return data, converter.positions


class _Converter:
    def __init__(self, positions: Positions):
        self.positions = positions
        self.problems: list[Problem] = []
        self.visited = 0

    def _fail(self, node: yaml.Node, message: str, hint: str | None = None) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.positions.file, mark.line + 1, mark.column + 1,
                                     message, hint))

    def convert(self, node: yaml.Node, path: Path) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            # One fatal problem is enough: continuing would do exactly the work we refuse.
            self._fail(node, f"document expands to more than {MAX_NODES:,} values",
                       "anchors/aliases expand too much (a 'billion laughs' document?)")
            raise SpecError(self.problems)
        if len(path) > MAX_DEPTH:
            self._fail(node, "nesting is too deep", f"at most {MAX_DEPTH} levels are allowed")
            raise SpecError(self.problems)
        self.positions.values.setdefault(path, (node.start_mark.line + 1,
                                                node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                self._fail(node, f"unsupported YAML tag {node.tag!r}")
                return None
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any] | None:
        if node.tag != _MAP_TAG:
            self._fail(node, f"unsupported YAML tag {node.tag!r}")
            return None
        result: dict[str, Any] = {}
        first_seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._fail(key_node, "YAML merge keys ('<<') are not supported",
                           "write the fields out")
                continue
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self._fail(key_node, "mapping keys must be plain strings")
                continue
            if key in first_seen:
                earlier = first_seen[key].start_mark
                self._fail(key_node, f"duplicate key '{key}'",
                           f"first defined at line {earlier.line + 1}")
                continue
            first_seen[key] = key_node
            self.positions.keys[(*path, key)] = (key_node.start_mark.line + 1,
                                                 key_node.start_mark.column + 1)
            result[key] = self.convert(value_node, (*path, key))
        return result

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == _TIMESTAMP_TAG:
            return node.value  # a date-looking string stays a string
        if node.tag not in _SCALAR_TAGS:
            self._fail(node, f"unsupported YAML tag {node.tag!r}",
                       "only plain strings, numbers, booleans and null are allowed")
            return None
        constructor = yaml.SafeLoader.yaml_constructors[node.tag]
        return constructor(_CONSTRUCTOR, node)


# SafeConstructor's scalar constructors only need the instance for construct_scalar.
_CONSTRUCTOR = yaml.SafeLoader("")
