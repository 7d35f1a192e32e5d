"""manifest.json: what was published, from which inputs, and whether it was verified.

Each picture records the hash of everything that decides its bytes — the spec, its catalog,
the glossary, the stamp and the tool's version — so the next ``publish`` can tell an
unchanged picture from a changed one without rendering it.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from inkproof import __version__
from inkproof.i18n import catalog

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


def load(out: Path) -> dict[str, Any]:
    """The previous manifest of ``out`` (empty when there is none or it is unreadable:
    then everything is simply rendered again)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("format") == FORMAT else {}


def previous_pictures(manifest: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(flow id, lang) → the picture entry of a previous manifest."""
    found = {}
    for flow in manifest.get("flows", []):
        for picture in flow.get("pictures", []):
            found[(flow.get("flow"), picture.get("lang"))] = picture
    return found


def reusable(entry: dict[str, Any] | None, inputs: Inputs, out: Path) -> bool:
    """Whether a previous picture can be kept: same inputs, every file still as recorded."""
    if not entry or entry.get("input") != inputs.key:
        return False
    files = entry.get("files", [])
    return bool(files) and all(file_sha256(out / f["path"]) == f["sha256"] for f in files)
