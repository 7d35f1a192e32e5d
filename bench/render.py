"""Benchmark: inkproof's whiteboard render (SVG + PNG) against mingrammer/diagrams (PNG).

Each contender runs in its own subprocess so that peak memory (max RSS) is its own; both
render the same boxes and arrows of each seed flow, several times, in the same run. Then
synthetic flows of 10, 50 and 200 boxes show how time grows.

    .venv/bin/python bench/render.py            # 7 repetitions
    .venv/bin/python bench/render.py --repeat 15
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOWS = sorted((ROOT / "spec" / "flows").glob("*.yaml"))


def _worker(contender: str, spec: str, repeat: int, size: int | None) -> None:
    """Run one contender ``repeat`` times on one spec; print JSON timings."""
    from inkproof import load_flow
    from inkproof.errors import InkproofError

    flow = load_flow(spec)
    if contender == "inkproof":
        from inkproof.render import pipeline

        options = pipeline.RenderOptions(size=(size, size) if size else None)

        def once() -> None:
            pipeline.render_flow(flow, options)
    else:
        from inkproof.render import classic

        def once() -> None:
            classic.build(flow).dot.pipe(format="png", quiet=True)  # type: ignore[attr-defined]

    times, error = [], None
    try:
        once()  # warm-up: imports, font loading
        for _ in range(repeat):
            start = time.perf_counter()
            once()
            times.append(time.perf_counter() - start)
    except InkproofError as exc:
        error = str(exc).splitlines()[0]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"times": times, "peak_mb": peak_mb, "error": error}))


def _run(contender: str, spec: Path, repeat: int, size: int | None = None) -> dict:
    command = [sys.executable, __file__, "--worker", contender, str(spec), "--repeat",
               str(repeat)] + (["--size", str(size)] if size else [])
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def synthetic(boxes: int) -> str:
    """A grid-shaped flow of ``boxes`` boxes in three lanes (columns).

    Box i sits in row i // w and column i % w (w ≈ √boxes); each box is wired to the one
    below it and to its right-hand neighbour, so the flow is about as deep as it is wide,
    like real architecture flows, rather than one long chain.
    """
    width = max(3, round(boxes ** 0.5))
    lines = ["inkproof: 1", f"id: synthetic-{boxes}", f"title: Synthetic flow of {boxes} boxes",
             "lanes:", "  - {id: a, title: Extract}", "  - {id: b, title: Transform}",
             "  - {id: c, title: Load}", "boxes:"]
    for i in range(boxes):
        lane = "abc"[(i % width) * 3 // width]
        lines.append(f"  - {{id: b{i}, name: Service {i}, role: Handles step {i}, "
                     f"icon: server-rack, lane: {lane}}}")
    lines.append("arrows:")
    for i in range(boxes):
        if i + width < boxes:
            lines.append(f"  - {{id: d{i}, from: b{i}, to: b{i + width}, label: call {i}, "
                         "path: read, expect: {redis: GET k}}")
        if (i + 1) % width and i + 1 < boxes:
            lines.append(f"  - {{id: r{i}, from: b{i}, to: b{i + 1}, label: event {i}, "
                         "path: write, expect: {redis: DEL k}}")
    return "\n".join(lines) + "\n"


def _fmt(result: dict) -> str:
    if result["error"]:
        return f"refused ({result['error'][:70]})"
    return f"{statistics.median(result['times']) * 1000:7.0f} ms   peak {result['peak_mb']:5.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--worker", nargs=2, metavar=("CONTENDER", "SPEC"))
    parser.add_argument("--size", type=int)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker[0], args.worker[1], args.repeat, args.size)
        return
    print(f"median of {args.repeat} runs after a warm-up; peak = max RSS of the process\n")
    print(f"{'flow':38} {'inkproof SVG+PNG':>28} {'diagrams PNG':>28}   ratio")
    for spec in FLOWS:
        ours, theirs = _run("inkproof", spec, args.repeat), _run("diagrams", spec, args.repeat)
        ratio = statistics.median(ours["times"]) / statistics.median(theirs["times"])
        print(f"{spec.stem:38} {_fmt(ours):>28} {_fmt(theirs):>28}   {ratio:5.2f}")
    print("\nsynthetic flows (canvas grows with the flow: 1024 px per 10 boxes, up to 8192)")
    with tempfile.TemporaryDirectory() as folder:
        for boxes in (10, 50, 200):
            spec = Path(folder) / f"synthetic-{boxes}.yaml"
            spec.write_text(synthetic(boxes))
            size = min(8192, round(1024 * max(1.0, (boxes / 10) ** 0.5)))
            repeat = max(1, args.repeat // (1 if boxes <= 10 else 3 if boxes <= 50 else 7))
            ours = _run("inkproof", spec, repeat, size)
            theirs = _run("diagrams", spec, repeat)
            print(f"{boxes:4} boxes, {size}px: inkproof {_fmt(ours)}   diagrams {_fmt(theirs)}")


if __name__ == "__main__":
    main()
