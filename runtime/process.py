"""Start the system under verification from its command line, wait until it is ready,
stop it by PID.

The command is split like a shell command line but never run by a shell, in a session of
its own (``start_new_session``), so that stopping it reaches every process it started (an
API and its worker): SIGTERM to its process group — the group of the PID inkproof started
— then SIGKILL after a grace period. Its output goes to a log file whose tail is shown
when it exits early or never becomes ready.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from inkproof.errors import InkproofError
from inkproof.redact import mask_text

#: Seconds a stopped system gets to flush its spans and exit before it is killed.
GRACE_SECONDS = 5.0


class SystemStartFailed(InkproofError):
    """The system's command could not start, exited early, or never became ready."""


class StartedSystem:
    """``with StartedSystem(command, cwd, env, ready_url, timeout, log) as system``."""

    def __init__(self, command: str, cwd: Path, env: Mapping[str, str], ready_url: str,
                 timeout: float, log: Path, verify: object = True):
        self.command, self.cwd, self.env = command, cwd, dict(env)
        self.ready_url, self.timeout, self.log = ready_url, timeout, log
        self.verify = verify  # how an https:// readiness URL's certificate is checked
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> StartedSystem:
        try:
            argv = shlex.split(self.command)
        except ValueError as exc:
            raise SystemStartFailed(f"system command {mask_text(self.command)!r}: {exc}") \
                from None
        if not argv:
            raise SystemStartFailed("the system's command is empty")
        if not self.cwd.is_dir():
            raise SystemStartFailed(f"the system's folder {self.cwd} does not exist")
        with self.log.open("wb") as out:
            try:
                self.process = subprocess.Popen(
                    argv, cwd=self.cwd, env={**os.environ, **self.env}, stdout=out,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True)
            except OSError as exc:
                raise SystemStartFailed(f"cannot start the system ({argv[0]}): "
                                        f"{exc.strerror or exc}") from None
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.timeout
        last = "no answer yet"
        with httpx.Client(timeout=1.0, verify=self.verify, trust_env=False) as client:  # type: ignore[arg-type]
            while time.monotonic() < deadline:
                code = self.process.poll()
                if code is not None:
                    raise SystemStartFailed(f"the system exited with code {code} before it "
                                            f"was ready; its output ends:\n{self.tail()}")
                try:
                    answer = client.get(self.ready_url)
                    if answer.status_code < 400:
                        return
                    last = f"{answer.status_code}"
                except httpx.HTTPError as exc:
                    last = f"{type(exc).__name__}: {exc}"[:160]  # a refused certificate says so
                time.sleep(0.1)
        raise SystemStartFailed(f"the system was not ready within {self.timeout:g} s "
                                f"({mask_text(self.ready_url)} last answered: {last}); its "
                                f"output ends:\n{self.tail()}")

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no output)"
        return mask_text("\n".join(text.splitlines()[-lines:])) or "(no output)"

    def stop(self) -> None:
        """SIGTERM to the system's process group, SIGKILL after the grace period; the
        started process is reaped (no zombie)."""
        process = self.process
        if process is None:
            return
        group = process.pid  # start_new_session: the group id is the PID we started
        for how in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(group, how)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + GRACE_SECONDS
            while time.monotonic() < deadline and (process.poll() is None
                                                   or _group_alive(group)):
                time.sleep(0.05)
            if process.poll() is not None and not _group_alive(group):
                break
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
        self.process = None


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
