"""Benchmark: full verification of both seed flows, and what observation costs per command.

1. Both seed flows fully verified (every scenario, callout, note and strategy; mutants
   excluded), on fakeredis + SQLite and on a real redis-server + SQLite. Medians of
   ``--repeat`` runs after one warm-up. Target: under 2 s for both flows on fakeredis.
2. The observation overhead per Redis command: the same GET/SET loop with and without the
   OpenTelemetry instrumentation, side by side in this process, on both backends.
3. The beginner flow verified against each foreign example under examples/ (started from
   its inkproof.toml, observed through OTLP and MONITOR, on redis-server + PostgreSQL),
   next to the in-process reference run of the same flow on the same servers: wall time
   and the ratio. Examples not set up (their setup.sh) are skipped, said so.

    .venv/bin/python bench/verify.py              # starts its own redis-server on 127.0.0.1
    .venv/bin/python bench/verify.py --redis redis://127.0.0.1:6379/0 --repeat 9
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.servers (starts redis-server on a free port)

FLOWS = sorted((ROOT / "spec" / "flows").glob("*.yaml"))
BEGINNER = ROOT / "spec" / "flows" / "redis-cache-invalidation-beginner.yaml"
EXAMPLES = {"flask-items": ".venv/bin/python",
            "node-catalog": "node_modules/@opentelemetry/auto-instrumentations-node",
            "reference": "inkproof.toml"}  # the reference system in its own processes


def verify_reference(redis_url: str, db_url: str) -> tuple[float, bool]:
    from inkproof import load_flow
    from inkproof.runtime.harness import Backends, Session
    from inkproof.runtime.reference.system import build
    from inkproof.runtime.verify import verify_flow

    flow = load_flow(BEGINNER)
    start = time.perf_counter()
    with Session(build, Backends(redis_url=redis_url, db_url=db_url)) as session:
        ok = verify_flow(session, flow).ok
    return time.perf_counter() - start, ok


def verify_example(folder: str, redis_url: str, db_url: str) -> tuple[float, bool]:
    """Start to stop: the system's start-up and shutdown are part of what a user waits."""
    from inkproof import load_flow
    from inkproof.runtime.system_config import load_system_config
    from inkproof.runtime.target import TargetOptions, TargetSession
    from inkproof.runtime.verify import verify_flow

    flow = load_flow(BEGINNER)
    config, base = load_system_config(BEGINNER, flow, ROOT / "examples" / folder /
                                      "inkproof.toml")
    start = time.perf_counter()
    with TargetSession(TargetOptions(None, redis_url, db_url, ("127.0.0.1", 0), config, base),
                       flow) as session:
        ok = verify_flow(session, flow).ok  # type: ignore[arg-type]
    return time.perf_counter() - start, ok


def verify_both(redis_url: str | None) -> tuple[float, bool, int]:
    from inkproof import load_flow
    from inkproof.runtime.harness import Backends, Session
    from inkproof.runtime.reference.system import build
    from inkproof.runtime.verify import verify_flow

    flows = [load_flow(path) for path in FLOWS]
    start = time.perf_counter()
    with Session(build, Backends(redis_url=redis_url)) as session:
        reports = [verify_flow(session, flow) for flow in flows]
    witnessed = sum(r.witnessed for r in reports)
    return time.perf_counter() - start, all(r.ok for r in reports), witnessed


def per_command(client_factory, commands: int) -> tuple[float, float]:
    """µs per command without and with observation (GET + SET pairs)."""
    from inkproof.runtime.observe import Observation, acting_as

    def loop() -> float:
        client = client_factory()
        start = time.perf_counter()
        for i in range(commands // 2):
            client.set(f"inkproof:bench:{i % 50}", "x" * 64, ex=60)
            client.get(f"inkproof:bench:{i % 50}")
        elapsed = time.perf_counter() - start
        client.delete(*[f"inkproof:bench:{i}" for i in range(50)])
        client.close()
        return elapsed / commands * 1e6

    loop()  # warm-up
    bare = statistics.median(loop() for _ in range(3))
    with Observation(), acting_as("api"):
        observed = statistics.median(loop() for _ in range(3))
    return bare, observed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--redis", help="a real Redis URL (default: start redis-server)")
    parser.add_argument("--commands", type=int, default=4000)
    args = parser.parse_args()

    import fakeredis
    import redis

    with ExitStack() as stack:
        url = args.redis
        if url is None:
            from tests.servers import redis_server

            url = stack.enter_context(redis_server(Path(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="inkproof-bench-")))))
        print(f"full verification of {len(FLOWS)} seed flows (all scenarios, callouts, notes "
              f"and strategies; no mutants); median of {args.repeat} after a warm-up")
        for name, target in (("fakeredis + SQLite", None), ("redis-server + SQLite", url)):
            verify_both(target)
            runs = [verify_both(target) for _ in range(args.repeat)]
            seconds = statistics.median(r[0] for r in runs)
            verdict = "all verified" if all(r[1] for r in runs) else "DRIFT"
            witness = f", MONITOR agreed on {runs[-1][2]} commands" if runs[-1][2] else ""
            print(f"  {name:22} {seconds * 1000:7.0f} ms  (min {min(r[0] for r in runs) * 1000:.0f}"
                  f", max {max(r[0] for r in runs) * 1000:.0f}; {verdict}{witness})")
        from tests.servers import postgres_server

        db_url = stack.enter_context(postgres_server())
        print(f"\nthe beginner flow, every arrow and claim, on redis-server + PostgreSQL; "
              f"median of {args.repeat}")
        reference = statistics.median(verify_reference(url, db_url)[0]
                                      for _ in range(args.repeat))
        print(f"  {'reference, in process':34} {reference:6.2f} s   (ratio 1.00)")
        for folder, marker in EXAMPLES.items():
            if not (ROOT / "examples" / folder / marker).exists():
                print(f"  {folder:34} skipped: run examples/{folder}/setup.sh")
                continue
            runs = [verify_example(folder, url, db_url) for _ in range(args.repeat)]
            seconds = statistics.median(r[0] for r in runs)
            verdict = "verified" if all(r[1] for r in runs) else "DRIFT"
            print(f"  {folder + ', started by inkproof':28} {seconds:6.2f} s   (ratio "
                  f"{seconds / reference:.1f}; {verdict})")
        print(f"\nobservation overhead per Redis command ({args.commands} commands, GET/SET)")
        server = fakeredis.FakeServer()
        for name, factory in (
                ("fakeredis", lambda: fakeredis.FakeRedis(server=server)),
                ("redis-server", lambda: redis.Redis.from_url(url))):
            bare, observed = per_command(factory, args.commands)
            print(f"  {name:13} bare {bare:6.1f} µs   observed {observed:6.1f} µs   "
                  f"overhead {observed - bare:6.1f} µs/command  (ratio {observed / bare:.2f})")


if __name__ == "__main__":
    main()
