"""Mutation score of the reference system: how many of its broken variants verify catches.

``make mutate`` runs this. Cosmic Ray (a maintained mutation-testing tool, in a venv of its
own from deps/mutate.lock) changes the reference system's source one operator at a time
(``<`` to ``<=``, a number to another, ``and`` to ``or``, a loop that never runs, …); for
each such mutant the test is ``inkproof verify`` of both seed flows — the same command a
user runs. A mutant is *killed* when verify fails (drift, a harness fault or a hang), and
*survives* when the pictures still verify.

The score is killed / behaviour-changing mutants. A surviving mutant that cannot change
behaviour (an *equivalent* mutant) is listed in scripts/mutation_equivalents.toml with the
reason, and counted out of the denominator; every other survivor is a gap, listed here.

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
    return where


def _config(where: Path, modules: tuple[str, ...]) -> Path:
    paths = ", ".join(f'"pkg/inkproof/runtime/reference/{m}"' for m in modules)
    command = f"{sys.executable} -m inkproof verify {' '.join(FLOWS)}"
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
            incompetent=test == "incompetent", diff=result.get("diff") or ""))
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


def main() -> int:
    started = time.monotonic()
    tool = _tool_venv()
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
    print(f"killed {len(killed)} / {changing} behaviour-changing = {score:.1f}% "
          f"(equivalent, counted out: {len(excused)}) in {time.monotonic() - started:.0f} s")
    for outcome in excused:
        print(f"  equivalent {outcome.where} {outcome.operator}: "
              f"{equivalent[(outcome.module, outcome.line, outcome.operator)]}")
    for outcome in survivors:
        print(f"  SURVIVED  {outcome.where} {outcome.operator}: {_changed_line(outcome.diff)}")
    return 0 if score >= 95.0 else 1


if __name__ == "__main__":
    sys.exit(main())
