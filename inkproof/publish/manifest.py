"""manifest.json: what was published, from which inputs, and whether it was verified.

Each picture records the hash of everything that decides its bytes — the spec, its catalog,
the glossary, the stamp and the tool's version — so the next ``publish`` can tell an
unchanged picture from a changed one without rendering it. A manifest read back from disk
is data from outside: it is validated before it decides anything (what is kept, what is
replaced, which files count as inkproof's own).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import platform
import re
import stat
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from inkproof import __version__
from inkproof.errors import InkproofError
from inkproof.i18n import catalog
from inkproof.model import Id
from inkproof.publish.assets import KINDS

MANIFEST = "manifest.json"
FORMAT = 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    return sha256(path.read_bytes()) if path.is_file() else None


@dataclass(frozen=True)
class Inputs:
    """Everything a picture's bytes depend on, hashed."""

    spec: str
    catalog: str | None  # None for the source language
    glossary: str | None
    stamp: str
    tool: str = __version__

    @property
    def key(self) -> str:
        return sha256(json.dumps([self.spec, self.catalog, self.glossary, self.stamp,
                                  self.tool, FORMAT]).encode())


def inputs_of(spec_path: Path, flow_id: str, lang: str, stamp: str) -> Inputs:
    po = catalog.po_path(catalog.locales_dir(spec_path), lang, flow_id)
    return Inputs(sha256(spec_path.read_bytes()),
                  file_sha256(po) if lang != catalog.SOURCE_LANGUAGE else None,
                  file_sha256(catalog.glossary_path(spec_path)), stamp)


def tool_versions() -> dict[str, str]:
    """The versions of what turns a spec into pixels, for the record."""
    versions = {"inkproof": __version__, "python": platform.python_version()}
    for package in ("resvg-py", "uharfbuzz", "rough", "pillow", "babel", "fakeredis",
                    "redis", "opentelemetry-sdk"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    try:
        import graphviz

        versions["graphviz (dot)"] = ".".join(map(str, graphviz.version()))
    except Exception:
        versions["graphviz (dot)"] = "unknown"
    return versions


class ManifestError(InkproofError):
    """A manifest.json read back from an output folder is not one inkproof wrote."""


_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_FLOW_ID = TypeAdapter(Id)  # the spec's own vocabulary of ids: the names of flow folders


def picture_path(flow_id: str, lang: str, kind: str) -> str:
    """Where a picture's file lives, relative to the output folder (the only shape a
    manifest path may have)."""
    return f"{flow_id}/{lang}.{kind}"


def is_flow_id(value: object) -> bool:
    """Whether ``value`` is a flow id (so also a safe name for a flow folder)."""
    try:
        _FLOW_ID.validate_python(value, strict=True)
    except ValidationError:
        return False
    return True


def _is_language(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        catalog.po_path(Path("."), value, "x")  # the catalogs' own test of a language tag
    except InkproofError:
        return False
    return True


def _check_picture(picture: object, flow_id: str, where: str) -> list[str]:
    if not isinstance(picture, dict):
        return [f"{where} is not an object"]
    lang = picture.get("lang")
    if not _is_language(lang):
        return [f"{where}.lang {lang!r} is not a language tag"]
    problems = [f"{where}.{key} is not text" for key in ("input", "stamp", "caption", "alt")
                if not isinstance(picture.get(key), str)]
    if not isinstance(picture.get("inputs"), dict):
        problems.append(f"{where}.inputs is not an object")
    files = picture.get("files")
    if not isinstance(files, list) or not files:
        return [*problems, f"{where}.files is not a list of files"]
    kinds = set()
    for j, item in enumerate(files):
        at = f"{where}.files[{j}]"
        if not isinstance(item, dict):
            problems.append(f"{at} is not an object")
            continue
        kind = item.get("kind")
        if kind not in KINDS or kind in kinds:
            problems.append(f"{at}.kind {kind!r} is not one of {', '.join(KINDS)} (once each)")
            continue
        kinds.add(kind)
        expected = picture_path(flow_id, lang, kind)
        if item.get("path") != expected:
            problems.append(f"{at}.path {item.get('path')!r} is not {expected!r}")
        if not (isinstance(item.get("sha256"), str) and _SHA256.match(item["sha256"])):
            problems.append(f"{at}.sha256 is not a SHA-256 in hex")
        size = item.get("bytes")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            problems.append(f"{at}.bytes is not a size")
    return problems


def validate(data: object) -> list[str]:
    """What is wrong with a manifest read back from disk (empty when nothing is).

    Nothing else in it is trusted: every path must be exactly ``<flow-id>/<lang>.<kind>``
    for a valid flow id, language tag and kind, so no manifest can name a path outside its
    folder (absolute, with ``..``) or outside the flow folders."""
    if not isinstance(data, dict):
        return ["it is not a JSON object"]
    if data.get("format") != FORMAT:
        return [f"format {data.get('format')!r} is not {FORMAT}"]
    flows = data.get("flows")
    if not isinstance(flows, list):
        return ["flows is not a list"]
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for i, flow in enumerate(flows):
        where = f"flows[{i}]"
        if not isinstance(flow, dict):
            problems.append(f"{where} is not an object")
            continue
        flow_id = flow.get("flow")
        if not is_flow_id(flow_id):
            problems.append(f"{where}.flow {flow_id!r} is not a flow id")
            continue
        pictures = flow.get("pictures")
        if not isinstance(pictures, list):
            problems.append(f"{where}.pictures is not a list")
            continue
        for j, picture in enumerate(pictures):
            found = _check_picture(picture, flow_id, f"{where}.pictures[{j}]")
            problems += found
            key = (flow_id, picture.get("lang") if isinstance(picture, dict) else None)
            if not found and key in seen:
                problems.append(f"{where}.pictures[{j}] repeats {key[0]} ({key[1]})")
            seen.add(key)
    return problems


def load(out: Path) -> dict[str, Any]:
    """The previous manifest of ``out``, validated; empty when there is none.

    Raises ManifestError when a manifest.json is there but is not one inkproof wrote (not
    a regular file, not JSON, or failing :func:`validate`): its caller then treats the
    folder as holding no published set, and touches nothing on its word."""
    path = out / MANIFEST
    if not os.path.lexists(path):
        return {}
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise ManifestError(f"{path}: not a regular file")
            data = json.loads(stream.read().decode("utf-8"))
    except ManifestError:
        raise
    except OSError as exc:
        reason = "a symbolic link" if exc.errno == errno.ELOOP else exc.strerror
        raise ManifestError(f"{path}: {reason}") from None
    except ValueError as exc:
        raise ManifestError(f"{path}: not valid JSON ({exc})") from None
    problems = validate(data)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ManifestError(f"{path}: " + "; ".join(problems[:3]) + more)
    return data


def previous_pictures(manifest: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(flow id, lang) → the picture entry of a validated previous manifest."""
    return {(flow["flow"], picture["lang"]): picture
            for flow in manifest.get("flows", []) for picture in flow["pictures"]}


def published_paths(manifest: dict[str, Any]) -> set[str]:
    """Every file a validated manifest says inkproof published (relative paths)."""
    return {item["path"] for flow in manifest.get("flows", []) for picture in flow["pictures"]
            for item in picture["files"]}


def regular_file(out: Path, relative: str) -> Path | None:
    """``out/relative`` when it and its folder are real (no symbolic link on the way), so
    reading or linking it cannot reach outside ``out``."""
    path = out / relative
    folder = path.parent
    if folder.is_symlink() or not folder.is_dir() or path.is_symlink() or not path.is_file():
        return None
    return path


def reusable(entry: dict[str, Any] | None, inputs: Inputs, out: Path) -> bool:
    """Whether a previous picture can be kept: same inputs, every file still as recorded."""
    if not entry or entry.get("input") != inputs.key or entry.get("stamp") != inputs.stamp:
        return False
    files = entry["files"]
    if {f["kind"] for f in files} != set(KINDS):
        return False
    for item in files:
        path = regular_file(out, item["path"])
        if path is None or file_sha256(path) != item["sha256"]:
            return False
    return True
