"""Benchmark: every language of both seed flows (SVG + PNG), serial and one process per core.

Prints the per-image median (from the serial run), and the total wall time of each run,
side by side. The target of issue 4: the whole set in less wall time than Mermaid CLI takes
for one handDrawn PNG of one flow (about 3 s on this machine class; Mermaid is not
installed here, so its figure is quoted, not measured).

    .venv/bin/python bench/i18n.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inkproof.i18n.catalog import languages, locales_dir  # noqa: E402
from inkproof.loader import load_flow  # noqa: E402
from inkproof.render import batch  # noqa: E402
from inkproof.render.pipeline import RenderOptions  # noqa: E402

MERMAID_HANDDRAWN_PNG_S = 3.0  # quoted in the issue, not measured here


def main() -> None:
    jobs = []
    for spec in sorted((ROOT / "spec" / "flows").glob("*.yaml")):
        flow = load_flow(spec)
        for lang in ["en", *languages(locales_dir(spec), flow.id)]:
            jobs.append(batch.Job(spec, lang, RenderOptions()))
    batch.render_one(jobs[0])  # warm-up: imports and fonts
    per_image = []
    start = time.perf_counter()
    for job in jobs:
        one = time.perf_counter()
        batch.render_one(job)
        per_image.append(time.perf_counter() - one)
    serial = time.perf_counter() - start
    workers = batch.default_workers()
    start = time.perf_counter()
    batch.render_all(jobs, workers)
    parallel = time.perf_counter() - start
    print(f"{len(jobs)} images (2 flows × {len(jobs) // 2} languages), SVG + PNG, 1024×1024")
    print(f"per-image median {statistics.median(per_image) * 1000:.0f} ms "
          f"(min {min(per_image) * 1000:.0f}, max {max(per_image) * 1000:.0f})")
    print(f"serial total     {serial:6.2f} s")
    print(f"{workers} processes     {parallel:6.2f} s   (speed-up {serial / parallel:.2f}×)")
    print(f"Mermaid CLI, one handDrawn PNG of one flow: ~{MERMAID_HANDDRAWN_PNG_S:.0f} s "
          f"(quoted) → the whole set takes {parallel / MERMAID_HANDDRAWN_PNG_S:.1f}× that")


if __name__ == "__main__":
    main()
