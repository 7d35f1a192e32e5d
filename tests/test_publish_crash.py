"""inkproof publish survives kill -9 at any instant, trusts nothing it reads back from its
output folder, never overwrites files it did not write, and its workers die with it.

Most tests publish in-process with a stand-in for the renderer (the swap, not the pictures,
is under test), so a kill can be placed before every single file-system call of a publish;
the kill loop and the worker test run the real ``inkproof publish``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from inkproof import load_flow
from inkproof.errors import InkproofError
from inkproof.publish import manifest, site, transaction
from inkproof.publish.assets import KINDS, Picture, PictureJob
from inkproof.runtime.verify import FlowReport
from tests.conftest import MINIMAL, ROOT

#: The file-system calls of a publish that change what is on disk (and opens, which create
#: files); a kill before any one of them is a distinct possible crash. (fsync only matters
#: for power loss: the page cache outlives a killed process.)
OPERATIONS = ("open", "mkdir", "rename", "replace", "link", "unlink", "rmdir")


def _spec(workspace: Path, flow_id: str, title: str) -> Path:
    path = workspace / "spec" / "flows" / f"{flow_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(MINIMAL.replace("id: tiny\n", f"id: {flow_id}\n")
                    .replace('title: "Tiny {{ name }}"', f'title: "{title}"'))
    return path


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fake_picture(job: PictureJob) -> Picture:
    """Deterministic bytes that depend on the spec, like a real picture's."""
    seed = (job.spec.read_bytes() + job.lang.encode()).hex().encode()
    return Picture(job.spec.stem, job.lang, job.spec.stem, f"{job.spec.stem}. 1. steps",
                   {kind: kind.encode() + b":" + seed for kind in KINDS}, {})


def _fake_index(flows: list[dict], languages: list[str]) -> bytes:
    return "".join(f'<img src="{f["path"]}">' for flow in flows for p in flow["pictures"]
                   for f in p["files"] if f["kind"] == "png").encode()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-ins for the renderer and the gallery, and no fsync: it protects against power
    loss, not against kill -9 (the page cache outlives a process), and costs ms a call."""
    monkeypatch.setattr(site, "make_picture", _fake_picture)
    monkeypatch.setattr(site, "render_index", _fake_index)
    monkeypatch.setattr(manifest, "tool_versions", lambda: {"inkproof": "test"})
    monkeypatch.setattr(os, "fsync", lambda fd: None)


_LOADED: dict[Path, object] = {}


def _publish(specs: list[Path], out: Path) -> site.Published:
    flows = []
    for spec in specs:
        flow = _LOADED.get(spec) or _LOADED.setdefault(spec, load_flow(spec))
        report = FlowReport(flow.id, flow.title.text, str(spec), "reference", "", (), (), (),
                            ())
        flows.append(site.FlowToPublish(spec, flow, ("en",), report))
    return site.publish(flows, out, jobs=1)


def published_set(out: Path) -> dict[str, str] | None:
    """The set ``out`` holds ({path: sha256}), checked against its manifest: it validates,
    every file it lists is there with its hash and size, no other file is in a flow folder,
    no other flow folder exists, and index.html shows exactly its pictures. None when there
    is no manifest.json."""
    if not (out / "manifest.json").exists():
        return None
    data = json.loads((out / "manifest.json").read_text())
    assert manifest.validate(data) == []
    listed = {}
    for flow in data["flows"]:
        for picture in flow["pictures"]:
            for item in picture["files"]:
                assert (out / item["path"]).is_file(), f"{item['path']} listed, missing"
                body = (out / item["path"]).read_bytes()
                assert (_sha(body), len(body)) == (item["sha256"], item["bytes"]), item["path"]
                listed[item["path"]] = item["sha256"]
    folders = {p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")}
    assert folders == {path.split("/")[0] for path in listed}, "a flow folder not listed"
    on_disk = {str(p.relative_to(out)) for folder in folders for p in (out / folder).rglob("*")}
    assert on_disk == set(listed), "a file the manifest does not list"
    shown = set(re.findall(r'src="([^"]+)"', (out / "index.html").read_text()))
    assert shown == {p for p in listed if re.search(r"/[^.]+\.png$", p)}, "a stale index.html"
    return listed


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".inkproof-"))


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): ("link:" + os.readlink(p)) if p.is_symlink()
            else _sha(p.read_bytes()) if p.is_file() else "folder"
            for p in sorted(folder.rglob("*"))}


@contextmanager
def failing_at(step: int, action: Callable[[], None]) -> Iterator[list[str]]:
    """Run ``action`` right before the ``step``-th file-system call (counting from 1);
    yields the names of the calls seen."""
    seen: list[str] = []
    saved = {name: getattr(os, name) for name in OPERATIONS}

    def wrap(name: str) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            seen.append(name)
            if len(seen) == step:
                action()
            return saved[name](*args, **kwargs)
        return call

    for name in OPERATIONS:
        setattr(os, name, wrap(name))
    try:
        yield seen
    finally:
        for name, function in saved.items():
            setattr(os, name, function)


def _reset(out: Path, reference: Path) -> None:
    """``out`` holds the reference set again (hard links: a publish never writes in place)."""
    shutil.rmtree(out)
    shutil.copytree(reference, out, copy_function=os.link)


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.fixture
def two_sets(tmp_path: Path, fake: None) -> tuple[list[Path], list[Path], dict, dict]:
    """Set A (flows one, two, four) and set B (one changed, two gone, three new, four the
    same: kept), published once each into reference folders."""
    a = [_spec(tmp_path / "a", "one", "One A"), _spec(tmp_path / "a", "two", "Two"),
         _spec(tmp_path / "a", "four", "Four")]
    b = [_spec(tmp_path / "b", "one", "One B"), _spec(tmp_path / "b", "three", "Three"),
         _spec(tmp_path / "b", "four", "Four")]
    _publish(a, tmp_path / "ref-a")
    _publish(b, tmp_path / "ref-b")
    return a, b, published_set(tmp_path / "ref-a"), published_set(tmp_path / "ref-b")


def test_a_kill_before_any_file_operation_leaves_a_whole_set(tmp_path: Path,
                                                           two_sets: tuple) -> None:
    """kill -9 before each file-system call of a publish A → B, one run per call."""
    _, b, set_a, set_b = two_sets
    assert set_a != set_b and set_a and set_b
    out = tmp_path / "site"
    shutil.copytree(tmp_path / "ref-a", out)
    with failing_at(0, lambda: None) as seen:
        _publish(b, out)
    assert published_set(out) == set_b
    steps = len(seen)
    states: Counter[str] = Counter()
    for step in range(1, steps + 1):
        _reset(out, tmp_path / "ref-a")
        child = os.fork()
        if child == 0:  # pragma: no cover - the child is killed or exits here
            try:
                with failing_at(step, _kill_self):
                    _publish(b, out)
            finally:
                os._exit(3)
        _, status = os.waitpid(child, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, step
        found, committed = published_set(out), (out / transaction.JOURNAL).is_file()
        if found is None:  # mid-swap: the journal must say how to finish
            assert committed, f"step {step}: no manifest and no journal"
            states["no manifest (mid-swap)"] += 1
        else:
            assert found in (set_a, set_b), f"step {step}: a mixed set"
            states[("A" if found == set_a else "B") + (" + journal" if committed else "")] += 1
        site.recover(out)  # what the next publish does first
        assert leftovers(out) == [], step
        assert published_set(out) == (set_b if committed else found), step
    print(f"\n{steps} kill points: {dict(states)}")
    assert states["no manifest (mid-swap)"] and states["A"] and states["B"]


def test_a_failure_at_any_file_operation_rolls_back_or_completes(tmp_path: Path,
                                                               two_sets: tuple) -> None:
    """An error (disk full, permission) at each call: the publish raises, the folder keeps
    a whole set, and what is left is cleaned by the next run."""
    _, b, set_a, set_b = two_sets

    def fail() -> None:
        raise OSError(errno.EIO, "injected failure")

    out = tmp_path / "site"
    shutil.copytree(tmp_path / "ref-a", out)
    with failing_at(0, fail) as seen:
        _publish(b, out)
    outcomes: Counter[str] = Counter()
    for step in range(1, len(seen) + 1):
        _reset(out, tmp_path / "ref-a")
        with failing_at(step, fail):
            try:
                _publish(b, out)
                outcome = "absorbed"  # e.g. a failed hard link falls back to a copy
            except (OSError, InkproofError):
                outcome = "raised"
        found = published_set(out)
        state = "A" if found == set_a else "B" if found == set_b else None
        assert (outcome, state) in {("raised", "A"), ("absorbed", "B")}, f"step {step}"
        outcomes[f"{outcome}, {state}"] += 1
        site.recover(out)  # what the next publish does first
        assert published_set(out) == found and leftovers(out) == [], f"step {step}"
    print(f"\n{len(seen)} failure points: {dict(outcomes)}")
    assert outcomes["raised, A"] > 20


def _hostile(out: Path, edit: Callable[[dict], None]) -> None:
    data = json.loads((out / "manifest.json").read_text())
    edit(data)
    (out / "manifest.json").write_text(json.dumps(data))


@pytest.mark.parametrize("edit", [
    lambda d: d["flows"][0]["pictures"][0]["files"][0].update(path="../../etc/passwd"),
    lambda d: d["flows"][0]["pictures"][0]["files"][0].update(path="/etc/passwd"),
    lambda d: d["flows"][0].update(flow=".."),
    lambda d: d["flows"][0]["pictures"][0].update(lang="../x"),
    lambda d: d["flows"][0]["pictures"][0]["files"][0].update(bytes="many"),
    lambda d: d.update(flows={"one": 1}),
], ids=["dot-dot", "absolute", "flow-dot-dot", "lang-path", "bytes-type", "flows-type"])
def test_a_hostile_manifest_is_rejected_and_nothing_is_touched(tmp_path: Path, two_sets: tuple,
                                                              edit: Callable) -> None:
    _, b, _, _ = two_sets
    out = tmp_path / "site"
    shutil.copytree(tmp_path / "ref-a", out)
    _hostile(out, edit)
    with pytest.raises(manifest.ManifestError, match=r"manifest\.json: "):
        manifest.load(out)
    before = tree(tmp_path)
    with pytest.raises(InkproofError, match=r"holds files inkproof did not publish: "
                                            r"manifest\.json, index\.html, four/en\.alt\.txt"
                                            r".* and 4 more \(.*manifest\.json: flows"):
        _publish(b, out)
    assert tree(tmp_path) == before


def test_symbolic_links_out_of_the_folder_are_never_followed(tmp_path: Path,
                                                           two_sets: tuple) -> None:
    _, b, _, _ = two_sets
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "en.png").write_bytes(b"precious")
    out = tmp_path / "site"
    shutil.copytree(tmp_path / "ref-a", out)
    shutil.rmtree(out / "two")
    (out / "two").symlink_to(outside)  # a listed flow folder now points outside
    (out / "one" / "en.png").unlink()
    (out / "one" / "en.png").symlink_to(outside / "en.png")
    (out / ".inkproof-staging-1").symlink_to(outside)  # a "leftover" pointing outside
    before = tree(outside)
    with pytest.raises(InkproofError, match=r"did not publish: one/en\.png, two;"):
        _publish(b, out)
    assert tree(outside) == before
    (out / "manifest.json").unlink()
    (out / "manifest.json").symlink_to(outside / "en.png")
    with pytest.raises(manifest.ManifestError, match="a symbolic link"):
        manifest.load(out)
    assert tree(outside) == before and not (out / ".inkproof-staging-1").exists()


def test_files_inkproof_did_not_write_are_refused_by_name(tmp_path: Path, two_sets: tuple) -> None:
    _, b, _, _ = two_sets
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.html").write_text("<h1>my docs</h1>")
    with pytest.raises(InkproofError, match=r"index\.html \(there is no manifest\.json"):
        _publish(b, docs)
    assert tree(docs) == {"index.html": _sha(b"<h1>my docs</h1>")}
    out = tmp_path / "site"
    shutil.copytree(tmp_path / "ref-a", out)
    (out / "two" / "notes.txt").write_text("mine")  # two is removed by B: must not vanish
    (out / "one" / "drafts").mkdir()
    before = tree(out)
    with pytest.raises(InkproofError, match=r"did not publish: one/drafts/, two/notes\.txt;"):
        _publish(b, out)
    assert tree(out) == before


def test_files_beside_the_set_are_left_alone(tmp_path: Path, two_sets: tuple) -> None:
    """make demo writes verification.json and classic/ next to the published set."""
    _, b, _, set_b = two_sets
    out = tmp_path / "site"
    shutil.copytree(tmp_path / "ref-a", out)
    (out / "verification.json").write_text("{}")
    (out / "classic" / "one").mkdir(parents=True)
    (out / "classic" / "one" / "en.svg").write_text("<svg/>")
    _publish(b, out)
    assert (out / "verification.json").read_text() == "{}"
    assert (out / "classic" / "one" / "en.svg").read_text() == "<svg/>"
    shutil.rmtree(out / "classic")
    (out / "verification.json").unlink()
    assert published_set(out) == set_b


def test_a_second_publish_into_the_same_folder_waits_its_turn(tmp_path: Path,
                                                            two_sets: tuple) -> None:
    _, b, set_a, _ = two_sets
    out = tmp_path / "site"
    shutil.copytree(tmp_path / "ref-a", out)
    with transaction.locked(out), pytest.raises(InkproofError,
                                                match="another inkproof publish is writing"):
        _publish(b, out)
    assert published_set(out) == set_a


@pytest.mark.parametrize("journal", [
    {"staging": "../victim", "place": ["keep.txt"]},
    {"staging": ".inkproof-staging-9", "place": ["notes.txt", "manifest.json"]},
    {"staging": ".inkproof-staging-9", "place": ["one/../../victim", "manifest.json"]},
], ids=["staging-outside", "foreign-name", "path-in-name"])
def test_invalid_journals_and_leftovers_are_removed_without_following_links(
        tmp_path: Path, two_sets: tuple, journal: dict) -> None:
    _, b, set_a, set_b = two_sets
    out = tmp_path / "site"
    shutil.copytree(tmp_path / "ref-a", out)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("keep")
    (out / "notes.txt").write_text("mine")
    (out / ".inkproof-staging-9").mkdir()
    (out / ".inkproof-staging-9" / "notes.txt").write_text("staged")
    (out / ".inkproof-previous-7").mkdir()
    (out / ".inkproof-previous-7" / "x").write_text("old")
    (out / ".inkproof-journal.json.tmp").write_text("{")
    (out / transaction.JOURNAL).write_text(json.dumps(
        {"format": 1, "previous": ".inkproof-previous-7", "remove": [], **journal}))
    done = site.recover(out)
    assert "invalid journal" in done[0] and "removed what an interrupted publish left" in done[1]
    assert leftovers(out) == [] and (victim / "keep.txt").read_text() == "keep"
    assert (out / "notes.txt").read_text() == "mine"
    assert published_set(out) == set_a
    result = _publish(b, out)
    assert published_set(out) == set_b and result.rendered


def test_the_command_refuses_foreign_files_with_exit_2_and_changes_nothing(
        tmp_path: Path) -> None:
    spec = _spec(tmp_path, "tiny", "Tiny")
    docs = tmp_path / "docs"
    (docs / "tiny").mkdir(parents=True)
    (docs / "index.html").write_text("<h1>my docs</h1>")
    (docs / "tiny" / "en.png").write_bytes(b"my picture")
    before = tree(docs)
    done = subprocess.run(_command(spec, docs), cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert f"inkproof: {docs}: not published — it holds files inkproof did not publish: " \
           "index.html, tiny/en.png (there is no manifest.json" in done.stderr
    assert "Traceback" not in done.stderr and tree(docs) == before


# ---- the real command, killed -------------------------------------------------------------

def _command(spec: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "inkproof", "publish", str(spec), "--lang", "en", "--out",
            str(out), "--quiet", "--allow-unverified", *extra]


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the publish and everything in its session (started with start_new_session)."""
    for kill in (os.kill, os.killpg):
        with suppress(ProcessLookupError):
            kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _phase(out: Path) -> str:
    names = leftovers(out)
    if transaction.JOURNAL in names:
        return "swap"
    if any(n.startswith(transaction.STAGING_PREFIX) for n in names):
        return "staging"
    if any(n.startswith(transaction.PREVIOUS_PREFIX) for n in names):
        return "cleanup"
    return "no leftovers"


def test_kill_9_at_30_random_instants_always_leaves_a_whole_set(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "tiny", "Tiny A")
    texts = {"A": spec.read_text(), "B": spec.read_text().replace("Tiny A", "Tiny B")}
    out, sets = tmp_path / "site", {}
    for name, text in texts.items():  # A, then B over it: T is one publish of the kind killed
        spec.write_text(text)
        started = time.monotonic()
        done = subprocess.run(_command(spec, out, "-j", "1"), cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
        longest = time.monotonic() - started
        assert done.returncode == 0, done.stderr
        sets[name] = published_set(out)
    assert sets["A"] != sets["B"]
    current = "B"
    rng = random.Random(10)
    phases: Counter[str] = Counter()
    for kill in range(30):
        target = "B" if current == "A" else "A"
        spec.write_text(texts[target])
        process = subprocess.Popen(_command(spec, out, "-j", "1"), cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   start_new_session=True)
        try:
            time.sleep(rng.uniform(0, longest))
        finally:
            finished = process.poll() is not None
            _kill_group(process)
        if finished:
            assert process.returncode == 0, process.stderr.read().decode()
            assert published_set(out) == sets[target]
        process.stderr.close()
        phase = "finished" if finished else _phase(out)
        found = published_set(out)
        if found is None:
            assert phase == "swap", f"kill {kill}: no manifest and no journal"
            site.recover(out)  # what the next run does first
            found = published_set(out)
            assert found == sets[target]
            phase = "swap, no manifest"
        assert found in sets.values(), f"kill {kill}: a mixed set"
        state = "A" if found == sets["A"] else "B"
        if phase == "no leftovers":
            phase = "before staging" if state == current else "after cleanup"
        phases[phase] += 1
        current = state
    spec.write_text(texts["B" if current == "A" else "A"])
    done = subprocess.run(_command(spec, out), cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert leftovers(out) == [] and published_set(out) in sets.values()
    print(f"\none publish: {longest:.2f} s; 30 kills: {dict(phases)}")


def _children(pid: int) -> set[int]:
    """Every process whose parent is ``pid``, from /proc/*/stat."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_rendering_workers_die_with_a_killed_publish(tmp_path: Path) -> None:
    specs = [_spec(tmp_path, flow_id, f"Flow {flow_id}") for flow_id in ("one", "two", "six")]
    process = subprocess.Popen(_command(specs[0].parent, tmp_path / "site", "-j", "2"),
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline, workers = time.monotonic() + 60, set()
        while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
            workers = {pid for pid in _children(process.pid)
                       if Path(f"/proc/{pid}/comm").exists()
                       and Path(f"/proc/{pid}/comm").read_text()
                       == Path(f"/proc/{process.pid}/comm").read_text()}
            time.sleep(0.01)
        assert len(workers) == 2, "the publish did not start two rendering workers"
        os.kill(process.pid, signal.SIGKILL)  # the parent only, not its process group
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if _alive(pid)], "workers outlived the publish"
    finally:
        _kill_group(process)
