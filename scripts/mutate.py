"""Mutation score of the reference system: how many of its broken variants are caught.

``make mutate`` runs this. Cosmic Ray (a maintained mutation-testing tool, in a venv of its
own from deps/mutate.lock) changes the reference system's source one operator at a time
(``<`` to ``<=``, a number to another, ``and`` to ``or``, a loop that never runs, …). Each
mutant is judged as a user's system is: ``inkproof verify --https`` of both seed flows;
a mutant verify lets through then meets the reference system's own tests
(tests/test_reference_system.py: its error answers, the worker's other actions), which
cover what no picture draws. A mutant is *killed* when either fails (drift, a harness
fault, a failing test or a hang); the report says which one killed it.

The score is killed / behaviour-changing mutants, with verify's own share beside it. A
surviving mutant that cannot change behaviour (an *equivalent* mutant) is listed in
scripts/mutation_equivalents.toml with the reason and counted out of the denominator;
every other survivor is a gap, listed here.

Work happens in copies under build/mutate/ (Cosmic Ray edits files in place): two shards,
one per core, each mutating its own modules in its own copy, sequentially.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "mutate"
VENV = WORK / "venv"
FLOWS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "spec" / "flows").glob("*.yaml"))
#: The reference system's modules, two shards of about equal work. Left out: serve.py
#: (the process entry of the target path, covered by tests/test_reference_process.py, not
#: by an in-process verify), mutants.py (the named mutants themselves) and __init__.py.
SHARDS = (
    ("service.py", "config.py", "checkpoints.py"),
    ("worker.py", "store.py", "system.py", "server.py"),
)
EQUIVALENTS = Path(__file__).with_name("mutation_equivalents.toml")


def _tool_venv() -> Path:
    """Cosmic Ray, installed from its hash-checked lock into a venv of its own."""
    tool = VENV / "bin" / "cosmic-ray"
    if not tool.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "-q",
                        "--disable-pip-version-check", "--require-hashes", "-r",
                        str(ROOT / "deps" / "mutate.lock")], check=True)
    return tool


def _copy(shard: int) -> Path:
    """A copy of the package as an importable tree (pkg/inkproof with render/ and
    runtime/ inside, as the installed package maps them), and the seed flows."""
    where = WORK / f"shard{shard}"
    if where.exists():
        shutil.rmtree(where)
    package = where / "pkg" / "inkproof"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "inkproof", package, ignore=ignore)
    shutil.copytree(ROOT / "render", package / "render", ignore=ignore)
    shutil.copytree(ROOT / "runtime", package / "runtime", ignore=ignore)
    shutil.copytree(ROOT / "spec", where / "spec", ignore=ignore)
    (where / "tests").mkdir()
    for name in ("__init__.py", "conftest.py", "servers.py", "test_reference_system.py"):
        shutil.copy2(ROOT / "tests" / name, where / "tests" / name)
    return where


def _config(where: Path, modules: tuple[str, ...]) -> Path:
    paths = ", ".join(f'"pkg/inkproof/runtime/reference/{m}"' for m in modules)
    command = f"{sys.executable} {Path(__file__).resolve()} --judge"
    config = where / "cosmic-ray.toml"
    config.write_text(f"""[cosmic-ray]
module-path = [{paths}]
timeout = 120.0
excluded-modules = []
test-command = "{command}"

[cosmic-ray.distributor]
name = "local"

# `X | None` occurs in annotations only, which are never evaluated here (every module has
# `from __future__ import annotations`): replacing that `|` cannot change behaviour.
[cosmic-ray.filters.operators-filter]
exclude-operators = ["core/ReplaceBinaryOperator_BitOr_.*"]
""")
    return config


def _run_shard(tool: Path, shard: int, modules: tuple[str, ...]) -> Path:
    where = _copy(shard)
    config = _config(where, modules)
    session = where / "session.sqlite"
    env = {**os.environ, "PYTHONPATH": str(where / "pkg"), "PYTHONDONTWRITEBYTECODE": "1"}
    log = (where / "cosmic-ray.log").open("w")
    filter_operators = tool.with_name("cr-filter-operators")
    for command in ([tool, "init", config, session], [filter_operators, session, config],
                    [tool, "baseline", config], [tool, "exec", config, session]):
        subprocess.run([str(part) for part in command], cwd=where, env=env, stdout=log,
                       stderr=subprocess.STDOUT, check=True)
    log.close()
    return session


@dataclass(frozen=True)
class Outcome:
    module: str
    line: int
    operator: str
    occurrence: int
    killed: bool
    incompetent: bool
    diff: str
    by_verify: bool = False  # killed by verify itself, not only by the tests

    @property
    def where(self) -> str:
        return f"runtime/reference/{self.module}:{self.line}"


def _outcomes(tool: Path, session: Path) -> list[Outcome]:
    dump = subprocess.run([str(tool), "dump", str(session)], capture_output=True, text=True,
                          check=True).stdout
    found = []
    for line in dump.splitlines():
        item, result = json.loads(line)
        if result is None or result.get("worker_outcome") == "skipped":
            continue  # not run, or filtered out (an annotation's `|`)
        mutation = item["mutations"][0]
        test = result.get("test_outcome")
        worker = result.get("worker_outcome")
        found.append(Outcome(
            Path(mutation["module_path"]).name, int(mutation["start_pos"][0]),
            mutation["operator_name"], int(mutation["occurrence"]),
            killed=test == "killed" or worker in ("abnormal", "exception"),
            incompetent=test == "incompetent", diff=result.get("diff") or "",
            by_verify=f"{KILLED_BY}verify" in (result.get("output") or "")
            or worker == "abnormal"))
    return found


def _equivalents() -> dict[tuple[str, int, str], str]:
    if not EQUIVALENTS.exists():
        return {}
    table = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8"))
    return {(e["module"], int(e["line"]), e["operator"]): e["why"]
            for e in table.get("equivalent", [])}


def _changed_line(diff: str) -> str:
    lines = [ln[1:].strip() for ln in diff.splitlines()
             if ln.startswith("+") and not ln.startswith("+++")]
    return lines[0] if lines else ""


#: What the judge prints when a stage kills the mutant (read back from Cosmic Ray's record).
KILLED_BY = "inkproof-mutation: killed by "


def judge() -> int:
    """The test of one mutant, run by Cosmic Ray in a shard's folder: verify, then the
    reference system's own tests; non-zero when either fails."""
    verify = subprocess.run([sys.executable, "-m", "inkproof", "verify", *FLOWS, "--https"],
                            capture_output=True, text=True)
    if verify.returncode != 0:
        print(f"{KILLED_BY}verify (exit {verify.returncode})")
        print(verify.stdout[-2000:] + verify.stderr[-2000:])
        return 1
    tests = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                            "tests/test_reference_system.py"], capture_output=True, text=True)
    if tests.returncode != 0:
        print(f"{KILLED_BY}tests")
        print(tests.stdout[-2000:])
        return 1
    return 0


def main() -> int:
    """``scripts/mutate.py``: run every shard, then report; ``--report``: report the
    sessions of the last run again (after editing the equivalents, say)."""
    if sys.argv[1:] == ["--judge"]:
        return judge()
    started = time.monotonic()
    tool = _tool_venv()
    if sys.argv[1:] == ["--report"]:
        sessions = [WORK / f"shard{n}" / "session.sqlite" for n in range(1, len(SHARDS) + 1)]
    else:
        with ThreadPoolExecutor(max_workers=len(SHARDS)) as pool:
            sessions = list(pool.map(lambda pair: _run_shard(tool, *pair),
                                     enumerate(SHARDS, start=1)))
    outcomes = [o for session in sessions for o in _outcomes(tool, session)]
    equivalent = _equivalents()
    judged = [o for o in outcomes if not o.incompetent]
    excused = [o for o in judged if not o.killed
               and (o.module, o.line, o.operator) in equivalent]
    survivors = [o for o in judged if not o.killed and o not in excused]
    killed = [o for o in judged if o.killed]
    changing = len(killed) + len(survivors)
    score = 100.0 * len(killed) / changing if changing else 0.0
    print(f"mutants: {len(outcomes)} ({len(outcomes) - len(judged)} incompetent: they do "
          f"not run at all)")
    by_verify = sum(1 for o in killed if o.by_verify)
    print(f"killed {len(killed)} / {changing} behaviour-changing = {score:.1f}% "
          f"(equivalent, counted out: {len(excused)}) in {time.monotonic() - started:.0f} s")
    if changing:
        print(f"  by verify itself: {by_verify} = {100.0 * by_verify / changing:.1f}%; by the "
              f"reference system's own tests after verify passed: {len(killed) - by_verify}")
    for outcome in excused:
        print(f"  equivalent {outcome.where} {outcome.operator}: "
              f"{equivalent[(outcome.module, outcome.line, outcome.operator)]}")
    for outcome in survivors:
        print(f"  SURVIVED  {outcome.where} {outcome.operator}: {_changed_line(outcome.diff)}")
    return 0 if score >= 95.0 else 1


if __name__ == "__main__":
    sys.exit(main())
