"""Faults during ``inkproof verify``: a backend that dies mid-run, a run that is killed, a
user's system that raises. Each ends in exit 2 with one located message and no traceback;
what had been proven is still shown; and nothing a run wrote to Redis lives forever.

The backends are the tests' own redis-server and PostgreSQL (tests/servers.py), killed with
SIGKILL at a chosen step by tests/data/faulty_system.py — a deterministic trigger, no sleep.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from inkproof import load_flow
from inkproof.cli import main
from inkproof.runtime.harness import Backends, Session
from inkproof.runtime.reference.mutants import MUTANTS
from inkproof.runtime.reference.system import build
from inkproof.runtime.system import KEY_TTL_SECONDS
from inkproof.runtime.verify import verify_flow
from tests.conftest import ROOT
from tests.servers import postgres_server, redis_server

SENIOR = ROOT / "spec" / "flows" / "redis-cache-invalidation.yaml"
BEGINNER = ROOT / "spec" / "flows" / "redis-cache-invalidation-beginner.yaml"
FAULTY = "tests.data.faulty_system:build"


def cli(*args: str | Path, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inkproof", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def port_of(url: str) -> int:
    return int(re.search(r"127\.0\.0\.1:(\d+)", url).group(1))  # type: ignore[union-attr]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[str]:
    """A redis-server of this test alone (it gets killed, or must end up empty)."""
    with redis_server(tmp_path) as url:
        yield url


def redis_pid(url: str) -> int:
    import redis

    with redis.Redis.from_url(url) as client:
        return int(client.info("server")["process_id"])


def postmaster_pid(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as db:
        data = db.execute("SHOW data_directory").fetchone()[0]  # type: ignore[index]
    return int((Path(data) / "postmaster.pid").read_text().split()[0])


def assert_one_message(result: subprocess.CompletedProcess[str], *parts: str) -> str:
    """Exit 2, exactly one line on stderr containing every part, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


# ---- a backend dies in the middle of a run ------------------------------------------------

@pytest.mark.parametrize(("run", "at", "where"), [
    (3, "request", "during scenario write-delete of flow redis-cache-invalidation"),
    (9, "drain", "during the delete-on-write check of flow redis-cache-invalidation"),
])
def test_redis_dying_mid_run_exits_2_naming_it_with_the_proven_rows(
        own_redis: str, tmp_path: Path, run: int, at: str, where: str) -> None:
    report = tmp_path / "report.json"
    result = cli("verify", SENIOR, BEGINNER, "--redis", own_redis, "--system", FAULTY,
                 "--json", report, env={
                     "INKPROOF_FAULT_KILL": f"{redis_pid(own_redis)}:{port_of(own_redis)}",
                     "INKPROOF_FAULT_RUN": str(run), "INKPROOF_FAULT_AT": at})
    message = assert_one_message(
        result, f"inkproof: Redis at {own_redis} stopped answering {where} (ConnectionError",
        "verification stopped", "cleanup not possible: keys under inkproof:",
        f"expire within {KEY_TTL_SECONDS // 60} min")
    assert "PostgreSQL" not in message and "SQLite" not in message
    # The table shows what had been proven before the fault, the rest as not run.
    rows = {line.split()[1]: line for line in result.stdout.splitlines()
            if line.startswith(("arrow ", "callout ", "strategy ", "note "))}
    for arrow in ("cache-get", "cache-reply", "db-select", "cache-fill"):  # read-miss, run 1
        assert "✓ proven" in rows[arrow], rows[arrow]
    assert "✗ not-run" in result.stdout and "not run: Redis at" in result.stdout
    assert "STOPPED: redis-cache-invalidation:" in result.stdout
    assert "VERIFIED" not in result.stdout and "DRIFT" not in result.stdout
    assert "redis-cache-invalidation-beginner" not in result.stdout  # never started
    assert not report.exists()  # no report of a run that did not finish


def test_postgresql_dying_mid_run_exits_2_naming_it(tmp_path: Path) -> None:
    with postgres_server() as db_url:
        result = cli("verify", SENIOR, "--db", db_url, "--system", FAULTY, env={
            "INKPROOF_FAULT_KILL": f"{postmaster_pid(db_url)}:{port_of(db_url)}",
            "INKPROOF_FAULT_RUN": "3", "INKPROOF_FAULT_AT": "request"})
    message = assert_one_message(
        result, f"inkproof: PostgreSQL at {db_url} stopped answering during scenario "
                "write-delete of flow redis-cache-invalidation (OperationalError",
        "cleanup not possible: tables under inkproof_")
    assert "Redis" not in message.split(" (")[0]
    assert "✓ proven" in result.stdout and "STOPPED:" in result.stdout


def test_a_backend_alive_after_a_500_is_drift_not_a_fault() -> None:
    """The probe decides: a system that answers 500 while Redis is fine is judged as drift."""
    result = cli("verify", SENIOR, "--system", "tests.data.raising_system:writes_fail")
    assert result.returncode == 1, result.stderr
    assert "stopped answering" not in result.stderr and "Traceback" not in result.stderr
    assert "DRIFT: redis-cache-invalidation:" in result.stdout


# ---- nothing a run writes lives forever --------------------------------------------------

def remaining_keys(url: str) -> dict[str, int]:
    import redis

    with redis.Redis.from_url(url, decode_responses=True) as client:
        return {key: client.ttl(key) for key in client.scan_iter(count=1000)}


@pytest.mark.parametrize(("run", "at"), [
    (3, "drain"),  # a write scenario: the stream holds an event, the cache a fill
    (12, "request"),  # key versioning: the version tags exist
    (15, "drain"),  # a write scenario of the beginner flow
])
def test_a_run_killed_with_sigkill_leaves_only_keys_that_expire(
        own_redis: str, tmp_path: Path, run: int, at: str) -> None:
    paused = tmp_path / "paused"
    process = subprocess.Popen(
        [sys.executable, "-m", "inkproof", "verify", SENIOR, BEGINNER, "--redis", own_redis,
         "--system", FAULTY], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "INKPROOF_FAULT_PAUSE": str(paused),
             "INKPROOF_FAULT_RUN": str(run), "INKPROOF_FAULT_AT": at})
    try:
        deadline = time.monotonic() + 60
        while not paused.exists():
            assert process.poll() is None and time.monotonic() < deadline, "never paused"
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)  # our own child, by PID
        process.wait(timeout=10)
    left = remaining_keys(own_redis)
    assert left, "the run was killed before it wrote anything: the test proves nothing"
    forever = sorted(key for key, ttl in left.items() if ttl < 0)
    assert not forever, f"keys without a TTL after a killed run: {forever}"
    assert all(0 < ttl <= KEY_TTL_SECONDS for ttl in left.values()), left


@pytest.mark.parametrize("strategy", [None, "key-versioning", "write-through-refresh"])
def test_the_reference_system_gives_every_key_it_creates_a_ttl(strategy: str | None) -> None:
    """Not thanks to the harness's backstop (off on fakeredis): the stream and the version
    tags carry a TTL from the moment they exist, so no kill can catch one without."""
    flow = load_flow(SENIOR)
    with Session(build) as session, session.run(strategy, flow=flow) as run:
        for method in ("GET", "PUT", "GET"):
            run.request(method, "/item/42", {"name": "renamed"} if method == "PUT" else None)
        run.drain()
        ttls = {key: run.harness.ttl(key) for key in run.harness.scan_iter(f"{run.key('')}*")}
    assert any(key.endswith(":invalidations") for key in ttls), ttls
    if strategy == "key-versioning":
        assert any(":cache:version:" in key for key in ttls), sorted(ttls)
    forever = sorted(key for key, ttl in ttls.items() if ttl < 0)
    assert not forever, f"created without a TTL: {forever}"


def test_a_finished_run_leaves_nothing(own_redis: str) -> None:
    result = cli("verify", SENIOR, BEGINNER, "--redis", own_redis)
    assert result.returncode == 0, result.stdout + result.stderr
    assert remaining_keys(own_redis) == {}


def test_the_harness_backstops_a_key_the_system_left_without_ttl(own_redis: str) -> None:
    """The no-ttl mutant fills without a TTL: the harness gives the key one (a killed run
    leaves nothing forever), yet the TTL claims still see "no TTL" and reject the mutant."""
    import redis

    flow = load_flow(SENIOR)
    with Session(MUTANTS["no-ttl"].factory, Backends(redis_url=own_redis)) as session:
        with session.run(flow=flow) as run:
            run.request("GET", "/item/42")
            run.backstop()
            key = run.key("cache:key:42")
            with redis.Redis.from_url(own_redis) as client:
                assert 0 < client.ttl(key) <= KEY_TTL_SECONDS  # the backstop
            assert run.ttl_ms("cache:key:42") == -1  # what the system did: no TTL
        report = verify_flow(session, flow)
    claims = {c.id: c.verdict for c in report.claims}
    assert claims["ttl-backstop"].status == "violated", claims["ttl-backstop"]
    assert "has no TTL" in " ".join(claims["ttl-backstop"].evidence)


# ---- a user's system raises -------------------------------------------------------------

def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
            *args: str | Path) -> tuple[int, str, str]:
    """The console entry point in this process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["inkproof", *map(str, args)])
    with pytest.raises(SystemExit) as leaving:
        main()
    out, err = capsys.readouterr()
    return int(leaving.value.code or 0), out, err


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


RAISING = ROOT / "tests" / "data" / "raising_system.py"


@pytest.mark.parametrize(("factory", "expected"), [
    ("build", "inkproof: the system factory tests.data.raising_system:build raised "
              "ValueError: no settings in /etc/myapp.toml at "
              f"{RAISING}:{line_of(RAISING, 'raise ValueError')}"),
    ("not_a_system", "inkproof: the system factory tests.data.raising_system:not_a_system "
                     "returned str 'a system, honestly', not a system: it has no app, drain, "
                     "source_of_truth, close (see inkproof.runtime.system.System)"),
    ("drain_fails", "inkproof: drain() of the system tests.data.raising_system:drain_fails "
                    f"raised KeyError: 'missing' at {RAISING}:{line_of(RAISING, '{}[')}"),
])
def test_a_system_that_raises_is_a_located_error(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, factory: str,
        expected: str) -> None:
    code, out, err = run_cli(capsys, monkeypatch, "verify", SENIOR, "--system",
                             f"tests.data.raising_system:{factory}")
    assert code == 2
    assert err.splitlines() == [expected]
    assert "Traceback" not in out + err


@pytest.mark.parametrize(("source", "located", "error"), [
    ("x = 1\ndef build(wiring:\n    return x\n", 2, "SyntaxError: "),
    ("import os\nraise RuntimeError('no DATABASE_URL set')\n", 2,
     "RuntimeError: no DATABASE_URL set"),
    ("\n\nimport inkproof_no_such_dependency\n", 3,
     "ModuleNotFoundError: No module named 'inkproof_no_such_dependency'"),
])
def test_a_module_that_fails_to_import_is_named_with_file_and_line(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        source: str, located: int, error: str) -> None:
    name = f"broken_{abs(hash(source)) % 10**8}"
    (tmp_path / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    code, _out, err = run_cli(capsys, monkeypatch, "verify", SENIOR, "--system",
                              f"{name}:build")
    assert code == 2 and "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"inkproof: --system '{name}:build': importing '{name}' failed at "
                          f"{tmp_path / name}.py:{located}: {error}"), err


def test_a_missing_factory_or_module_is_named(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, _out, err = run_cli(capsys, monkeypatch, "verify", SENIOR, "--system",
                              "tests.data.raising_system:nope")
    assert code == 2 and "has no callable 'nope'" in err
    code, _out, err = run_cli(capsys, monkeypatch, "verify", SENIOR, "--system",
                              "tests.data.not_there:build")
    assert code == 2 and "cannot import 'tests.data.not_there'" in err
