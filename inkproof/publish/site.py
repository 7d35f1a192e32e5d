"""Publish a set of flows: pictures in every format, manifest.json and index.html.

The one place that knows the order of publishing. Verification has already happened (the
caller passes each flow's report); here unchanged pictures are kept, changed ones are
rendered across processes, and the whole set is assembled in a staging folder inside
``out`` and swapped in at the end — a failure half-way leaves the previous set as it was.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inkproof.model import Flow
from inkproof.publish import manifest
from inkproof.publish.assets import KINDS, Picture, PictureJob, make_picture
from inkproof.publish.gallery import render_index
from inkproof.render.batch import default_workers
from inkproof.runtime.verify import FlowReport

INDEX = "index.html"


@dataclass(frozen=True)
class FlowToPublish:
    spec: Path
    flow: Flow
    languages: tuple[str, ...]
    report: FlowReport

    @property
    def stamp(self) -> str:
        return "verified" if self.report.ok else "unverified"


@dataclass
class Published:
    """What a publish did: pictures rendered and kept, files of the new set, warnings."""

    rendered: list[tuple[str, str]] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


Progress = Callable[[str], None]  # called once per picture as it is done


def _picture_path(flow_id: str, lang: str, kind: str) -> str:
    return f"{flow_id}/{lang}.{kind}"


def _verification(report: FlowReport) -> dict[str, Any]:
    from inkproof.runtime.report import summary, to_json

    data = to_json([report])["flows"][0]
    rows = [{"kind": "arrow", "id": a["arrow"], "label": a["label"], "status": a["status"],
             "ok": a["ok"], "evidence": a["evidence"]} for a in data["arrows"]]
    rows += [{"kind": c["kind"], "id": c["id"], "label": c["text"], "status": c["status"],
              "ok": c["ok"], "evidence": "\n".join(dict.fromkeys(c["evidence"]))}
             for c in data["claims"]]
    rows += [{"kind": "traffic", "id": f"{u['source']}→{u['target']}", "label": "",
              "status": "undocumented", "ok": False, "evidence": u["evidence"]}
             for u in data["undocumented"]]
    rows += [{"kind": "legend", "id": "order", "label": "", "status": "out-of-order",
              "ok": False, "evidence": item["problem"]} for item in data["legend"]]
    return {"ok": report.ok, "status": "verified" if report.ok else "unverified",
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "system": report.system, "backends": report.backends,
            "summary": summary(report), "rows": rows}


def publish(flows: Sequence[FlowToPublish], out: Path, *, jobs: int | None = None,
            progress: Progress | None = None) -> Published:
    """Write the published set for ``flows`` into ``out`` (all or nothing)."""
    out.mkdir(parents=True, exist_ok=True)
    previous = manifest.load(out)
    before = manifest.previous_pictures(previous)
    result = Published()
    plan: dict[str, list[tuple[str, manifest.Inputs]]] = {}
    todo: list[PictureJob] = []
    for item in flows:
        for lang in item.languages:
            inputs = manifest.inputs_of(item.spec, item.flow.id, lang, item.stamp)
            plan.setdefault(item.flow.id, []).append((lang, inputs))
            if not manifest.reusable(before.get((item.flow.id, lang)), inputs, out):
                todo.append(PictureJob(item.spec, lang, item.stamp))
    pictures = _render(todo, jobs, progress)
    staging = out / f".inkproof-staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        entries = []
        for item in flows:
            entry = {"flow": item.flow.id, "title": item.flow.title.text,
                     "spec": str(item.spec),
                     "spec_sha256": manifest.sha256(item.spec.read_bytes()),
                     "verification": _verification(item.report), "pictures": []}
            for lang, inputs in plan[item.flow.id]:
                picture = pictures.get((item.flow.id, lang))
                if picture is None:
                    entry["pictures"].append(_keep(before[(item.flow.id, lang)], out, staging))
                    result.kept.append((item.flow.id, lang))
                else:
                    entry["pictures"].append(_write(picture, inputs, staging))
                    result.rendered.append((item.flow.id, lang))
                    result.warnings += [
                        f"{item.flow.id} ({lang}): {len(picture.fallbacks)} label(s) drawn in "
                        "English — " + ", ".join(f"{c} ({why})" for c, why in
                                                 sorted(picture.fallbacks.items()))
                    ] if picture.fallbacks else []
            entries.append(entry)
        languages = list(dict.fromkeys(lang for item in flows for lang in item.languages))
        data = {"format": manifest.FORMAT, "published": datetime.now(UTC).isoformat(
                    timespec="seconds"), "tools": manifest.tool_versions(), "flows": entries}
        (staging / manifest.MANIFEST).write_text(
            json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        (staging / INDEX).write_bytes(render_index(entries, languages))
        old = {f["flow"] for f in previous.get("flows", [])}
        _swap(staging, out, new={e["flow"] for e in entries} | {manifest.MANIFEST, INDEX},
              old=old)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.files = sorted(out / f["path"] for e in entries for p in e["pictures"]
                          for f in p["files"])
    return result


def _render(todo: Sequence[PictureJob], jobs: int | None,
            progress: Progress | None) -> dict[tuple[str, str], Picture]:
    done: dict[tuple[str, str], Picture] = {}
    workers = min(jobs or default_workers(), len(todo))
    if workers <= 1:
        for job in todo:
            picture = make_picture(job)
            done[(picture.flow_id, picture.lang)] = picture
            if progress:
                progress(f"{picture.flow_id} ({picture.lang})")
        return done
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(make_picture, job) for job in todo]
        for future in as_completed(futures):
            picture = future.result()  # the first failure stops the publish: nothing swapped
            done[(picture.flow_id, picture.lang)] = picture
            if progress:
                progress(f"{picture.flow_id} ({picture.lang})")
    return done


def _write(picture: Picture, inputs: manifest.Inputs, staging: Path) -> dict[str, Any]:
    files = []
    for kind in KINDS:
        path = _picture_path(picture.flow_id, picture.lang, kind)
        data = picture.files[kind]
        target = staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        files.append({"kind": kind, "path": path, "sha256": manifest.sha256(data),
                      "bytes": len(data)})
    return {"lang": picture.lang, "input": inputs.key, "stamp": inputs.stamp,
            "inputs": {"spec_sha256": inputs.spec, "catalog_sha256": inputs.catalog,
                       "glossary_sha256": inputs.glossary, "inkproof": inputs.tool},
            "caption": picture.caption, "alt": picture.alt, "files": files}


def _keep(entry: dict[str, Any], out: Path, staging: Path) -> dict[str, Any]:
    """An unchanged picture: its files go into the new set as they are (hard links)."""
    for item in entry["files"]:
        source, target = out / item["path"], staging / item["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
    return entry


def _swap(staging: Path, out: Path, *, new: set[str], old: set[str]) -> None:
    """Replace the previous set with the staged one, name by name, rolling back on error."""
    backup = out / f".inkproof-previous-{os.getpid()}"
    shutil.rmtree(backup, ignore_errors=True)
    backup.mkdir()
    moved: list[str] = []
    placed: list[str] = []
    try:
        for name in sorted(new | old):
            if (out / name).exists():
                os.replace(out / name, backup / name)
                moved.append(name)
        for name in sorted(new, key=lambda n: n in (manifest.MANIFEST, INDEX)):
            os.replace(staging / name, out / name)  # the manifest and the index go last
            placed.append(name)
    except BaseException:
        for name in placed:
            if (out / name).is_dir():
                shutil.rmtree(out / name, ignore_errors=True)
            else:
                (out / name).unlink(missing_ok=True)
        for name in moved:
            os.replace(backup / name, out / name)
        raise
    finally:
        shutil.rmtree(backup, ignore_errors=True)
