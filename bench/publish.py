"""Benchmark: inkproof publish of both seed flows in every language — cold, unchanged, and
with one catalog changed — side by side in one run.

Each publish is a fresh ``inkproof publish`` process (verification included), so the
figures are what a CI job sees. The unchanged and one-catalog runs reuse the cold run's
output folder.

    .venv/bin/python bench/publish.py
    .venv/bin/python bench/publish.py --jobs 1     # one rendering process
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def publish(workspace: Path, out: Path, jobs: int | None) -> tuple[float, str]:
    command = [sys.executable, "-m", "inkproof", "publish", str(workspace / "spec" / "flows"),
               "--lang", "all", "--out", str(out)]
    if jobs:
        command += ["--jobs", str(jobs)]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    line = next(li for li in result.stdout.splitlines() if li.startswith("published"))
    return elapsed, line.split(": ", 1)[1].split(";")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="inkproof-bench-") as scratch:
        workspace = Path(scratch)
        shutil.copytree(ROOT / "spec", workspace / "spec")
        out = workspace / "site"
        cold = publish(workspace, out, args.jobs)
        unchanged = publish(workspace, out, args.jobs)
        catalog = workspace / "spec" / "locales" / "de" / "redis-cache-invalidation.po"
        catalog.write_text(catalog.read_text().replace('msgstr "Legende"',
                                                       'msgstr "Zeichenerklärung"'))
        one = publish(workspace, out, args.jobs)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"inkproof publish, both seed flows × 13 languages ({size / 2**20:.1f} MiB set)")
        for name, (seconds, what) in (("cold (empty output)", cold),
                                      ("nothing changed", unchanged),
                                      ("one catalog changed", one)):
            print(f"  {name:22} {seconds:6.2f} s   {what}   "
                  f"({seconds / cold[0]:.2f}× the cold run)")


if __name__ == "__main__":
    main()
