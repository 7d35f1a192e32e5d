"""Publish a set of flows: pictures in every format, manifest.json and index.html.

The one place that knows the order of publishing. Verification has already happened (the
caller passes each flow's report); here what an interrupted publish left is recovered,
names that hold files inkproof did not publish are refused, unchanged pictures are kept,
changed ones are rendered across processes, and the whole set is assembled in a staging
folder inside ``out`` and swapped in by a journaled transaction — a failure or a kill
half-way leaves the previous set (or, once the swap began, the next run completes it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inkproof.errors import InkproofError
from inkproof.model import Flow
from inkproof.publish import manifest, transaction
from inkproof.publish.assets import KINDS, Picture, PictureJob, make_picture
from inkproof.publish.gallery import render_index
from inkproof.redact import mask_data
from inkproof.render.batch import default_workers, worker_pool
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
    # The manifest and index.html show this: the backends name servers by their URLs.
    return mask_data({"ok": report.ok, "status": "verified" if report.ok else "unverified",
                      "time": datetime.now(UTC).isoformat(timespec="seconds"),
                      "system": report.system, "backends": report.backends,
                      "summary": summary(report), "rows": rows})


def publish(flows: Sequence[FlowToPublish], out: Path, *, jobs: int | None = None,
            progress: Progress | None = None) -> Published:
    """Write the published set for ``flows`` into ``out``: all or nothing, even when killed
    (see :mod:`inkproof.publish.transaction`); files inkproof did not publish are never
    overwritten (an InkproofError naming them, and nothing changes)."""
    out.mkdir(parents=True, exist_ok=True)
    result = Published()
    new_flows = list(dict.fromkeys(item.flow.id for item in flows))
    with transaction.locked(out):
        result.warnings += transaction.recover(out, _is_entry)
        previous, old_flows = _previous_set(out, new_flows)
        entries = _stage_and_commit(flows, out, previous, result, jobs, progress,
                                    place=[*sorted(new_flows), INDEX, manifest.MANIFEST],
                                    remove=sorted(set(old_flows) - set(new_flows)))
    result.files = sorted(out / f["path"] for e in entries for p in e["pictures"]
                          for f in p["files"])
    return result


def preflight(out: Path, flow_ids: Sequence[str]) -> list[str]:
    """Before the (slow) verification: finish what an interrupted publish left, and refuse
    a folder holding files inkproof did not publish. ``publish`` checks again under its lock.
    Returns what recovery did."""
    if not out.is_dir():
        return []
    with transaction.locked(out):
        done = transaction.recover(out, _is_entry)
        _previous_set(out, flow_ids)
    return done


def _previous_set(out: Path, new_flows: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """The previous manifest and its flows, after refusing foreign files (InkproofError)."""
    try:
        previous, problem = manifest.load(out), None
    except manifest.ManifestError as exc:
        previous, problem = {}, str(exc)
    old_flows = [f["flow"] for f in previous.get("flows", [])]
    # An invalid manifest counts as none: then its own file is not inkproof's either.
    _refuse_foreign(out, previous, problem, [*new_flows, *old_flows])
    return previous, old_flows


def recover(out: Path) -> list[str]:
    """Finish or remove what an interrupted publish left in ``out`` (every publish does this
    first); what was done, for the user to read."""
    with transaction.locked(out):
        return transaction.recover(out, _is_entry)


def _is_entry(name: str) -> bool:
    """The names of the output folder a publish writes: the set's entries."""
    return name in (INDEX, manifest.MANIFEST) or manifest.is_flow_id(name)


def _stage_and_commit(flows: Sequence[FlowToPublish], out: Path, previous: dict[str, Any],
                      result: Published, jobs: int | None, progress: Progress | None, *,
                      place: list[str], remove: list[str]) -> list[dict[str, Any]]:
    """Render what changed, assemble the whole new set in a staging folder, swap it in."""
    before = manifest.previous_pictures(previous)
    plan: dict[str, list[tuple[str, manifest.Inputs]]] = {}
    todo: list[PictureJob] = []
    for item in flows:
        for lang in item.languages:
            inputs = manifest.inputs_of(item.spec, item.flow.id, lang, item.stamp)
            plan.setdefault(item.flow.id, []).append((lang, inputs))
            if not manifest.reusable(before.get((item.flow.id, lang)), inputs, out):
                todo.append(PictureJob(item.spec, lang, item.stamp))
    pictures = _render(todo, jobs, progress)
    staging = transaction.new_staging(out)
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
                    entry["pictures"].append(
                        _keep(before[(item.flow.id, lang)], inputs, out, staging))
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
        transaction.write_durably(staging / INDEX, render_index(entries, languages))
        transaction.write_durably(staging / manifest.MANIFEST, (json.dumps(
            data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    except BaseException:
        transaction.remove_entry(staging)
        raise
    result.warnings += transaction.commit(out, staging, place, remove)
    return entries


def _refuse_foreign(out: Path, previous: dict[str, Any], problem: str | None,
                    flow_ids: Sequence[str]) -> None:
    """Stop before anything changes when a name the swap would replace or remove holds
    something the previous manifest does not list as published by inkproof."""
    ours = manifest.published_paths(previous)
    found = []
    for name in (manifest.MANIFEST, INDEX):
        path = out / name
        if os.path.lexists(path) and (not previous or path.is_symlink() or not path.is_file()):
            found.append(name)
    for flow_id in sorted(set(flow_ids)):
        folder = out / flow_id
        if not os.path.lexists(folder):
            continue
        if folder.is_symlink() or not folder.is_dir():
            found.append(flow_id)
            continue
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            relative = f"{flow_id}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                found.append(relative + "/")
            elif relative not in ours or not entry.is_file(follow_symlinks=False):
                found.append(relative)
    if not found:
        return
    shown = ", ".join(found[:8]) + (f" and {len(found) - 8} more" if len(found) > 8 else "")
    why = (f" ({problem})" if problem else
           "" if previous else f" (there is no {manifest.MANIFEST} of a previous publish)")
    raise InkproofError(
        f"{out}: not published — it holds files inkproof did not publish: {shown}{why}; "
        "nothing was changed. Move them away or publish into another folder.")


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
    with worker_pool(workers) as pool:
        futures = [pool.submit(make_picture, job) for job in todo]
        try:
            for future in as_completed(futures):
                picture = future.result()  # the first failure stops the publish
                done[(picture.flow_id, picture.lang)] = picture
                if progress:
                    progress(f"{picture.flow_id} ({picture.lang})")
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return done


def _entry(lang: str, inputs: manifest.Inputs, caption: str, alt: str,
           files: list[dict[str, Any]]) -> dict[str, Any]:
    """A picture's manifest entry (built here only, never copied from a previous one)."""
    return {"lang": lang, "input": inputs.key, "stamp": inputs.stamp,
            "inputs": {"spec_sha256": inputs.spec, "catalog_sha256": inputs.catalog,
                       "glossary_sha256": inputs.glossary, "inkproof": inputs.tool},
            "caption": caption, "alt": alt,
            "files": [{"kind": f["kind"], "path": f["path"], "sha256": f["sha256"],
                       "bytes": f["bytes"]} for f in files]}


def _write(picture: Picture, inputs: manifest.Inputs, staging: Path) -> dict[str, Any]:
    files = []
    for kind in KINDS:
        path = manifest.picture_path(picture.flow_id, picture.lang, kind)
        data = picture.files[kind]
        target = staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        transaction.write_durably(target, data)
        files.append({"kind": kind, "path": path, "sha256": manifest.sha256(data),
                      "bytes": len(data)})
    return _entry(picture.lang, inputs, picture.caption, picture.alt, files)


def _keep(entry: dict[str, Any], inputs: manifest.Inputs, out: Path,
          staging: Path) -> dict[str, Any]:
    """An unchanged picture: its files go into the new set as they are (hard links)."""
    for item in entry["files"]:
        source = manifest.regular_file(out, item["path"])  # reusable() checked each one
        if source is None:
            raise InkproofError(f"{out / item['path']} changed while publishing")
        target = staging / item["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target, follow_symlinks=False)
        except OSError:
            transaction.write_durably(target, source.read_bytes())
    return _entry(entry["lang"], inputs, entry["caption"], entry["alt"], entry["files"])
