"""Real servers for tests: redis-server and PostgreSQL from Debian, on 127.0.0.1.

Each is started on a free port in a temporary directory and stopped by its PID (never by
name). When the binary is missing the tests that need it are skipped locally, but fail
under CI (``CI`` set): CI installs both, so a skip there would hide a broken set-up.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _missing(what: str) -> None:
    message = f"{what} is not installed (Debian package; scripts/setup installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not listen on {port}:\n{log.read_text(errors='replace')}")


def _stop_child(process: subprocess.Popen, how: signal.Signals = signal.SIGTERM) -> None:
    """Stop a process we started, by its PID (Popen.wait also reaps it: no zombie)."""
    if process.poll() is None:
        process.send_signal(how)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _stop(pid: int, timeout: float = 10, how: signal.Signals = signal.SIGTERM) -> None:
    """Stop a process that is not our child, by its PID."""
    try:
        os.kill(pid, how)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


@contextmanager
def redis_server(workdir: Path, password: str | None = None) -> Iterator[str]:
    """``redis://127.0.0.1:<port>/0`` of a fresh redis-server, no persistence; with
    ``password``, the server requires it and the URL carries it percent-encoded."""
    binary = shutil.which("redis-server") or _missing("redis-server")
    port = free_port()
    log = workdir / "redis.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(workdir),
             *(["--requirepass", password] if password else [])], stdout=out, stderr=out)
    auth = f":{quote(password, safe='')}@" if password else ""
    try:
        _wait_for_port(port, process, log)
        yield f"redis://{auth}127.0.0.1:{port}/0"
    finally:
        _stop_child(process)


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@contextmanager
def postgres_server() -> Iterator[str]:
    """``postgresql://postgres@127.0.0.1:<port>/postgres`` of a fresh cluster (initdb)."""
    bindir = _postgres_bin() or _missing("PostgreSQL (package postgresql)")
    assert isinstance(bindir, Path)
    # PostgreSQL refuses to run as root: run it as the Debian package's postgres user, in
    # a directory of its own under /tmp that it can reach (pytest's are root-only).
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    workdir = Path(tempfile.mkdtemp(prefix="inkproof-pg-"))
    workdir.chmod(0o777)
    data, port = workdir / "pgdata", free_port()
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                    "-U", "postgres", "--no-sync"], check=True, capture_output=True)
    log = workdir / "postgres.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*as_user, str(bindir / "postgres"), "-D", str(data), "-p", str(port),
             "-k", str(workdir), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
            stdout=out, stderr=out)
    try:
        _wait_for_port(port, process, log)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        # Stop the postmaster itself by its PID (runuser in between may not pass signals).
        pid_file = data / "postmaster.pid"
        if pid_file.is_file():
            # SIGINT is PostgreSQL's "fast" shutdown; SIGTERM would wait for every client.
            _stop(int(pid_file.read_text().split()[0]), how=signal.SIGINT)
        _stop_child(process)
        shutil.rmtree(workdir, ignore_errors=True)
