"""`inkproof verify --target` and the system section, from the outside: what a user sees
when the service is not there, exits, never gets ready or exports no traces — a clear
message and exit 2, the system stopped by PID, no traceback, no password."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
BEGINNER = ROOT / "spec/flows/redis-cache-invalidation-beginner.yaml"


def inkproof(*args: str | Path, cwd: Path = ROOT, timeout: float = 120
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inkproof", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def _config(folder: Path, body: str) -> Path:
    path = folder / "inkproof.toml"
    path.write_text(textwrap.dedent(body))
    return path


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


def test_a_target_that_does_not_answer_is_exit_2_naming_it() -> None:
    port = free_port()
    result = inkproof("verify", BEGINNER, "--target", f"http://127.0.0.1:{port}",
                      "--otlp", "127.0.0.1:0")
    assert result.returncode == 2
    assert f"the target http://127.0.0.1:{port} does not answer" in result.stderr
    _no_traceback(result)


def test_a_system_that_exits_early_shows_its_output_and_code(tmp_path: Path) -> None:
    script = tmp_path / "crash.py"
    script.write_text("import sys\nprint('cannot connect to the database (password=hunter2)')"
                      "\nsys.exit(3)\n")
    config = _config(tmp_path, f"""
        [system]
        command = "{sys.executable} crash.py"
        target = "http://127.0.0.1:{{port}}"
        timeout = 20
        [system.env]
        DB_PASSWORD = "hunter2"
        """)
    result = inkproof("verify", BEGINNER, "--config", config, "--otlp", "127.0.0.1:0")
    assert result.returncode == 2
    assert "the system exited with code 3 before it was ready" in result.stderr
    assert "cannot connect to the database" in result.stderr  # its output, shown
    assert "hunter2" not in result.stdout + result.stderr  # the env's secret, masked
    _no_traceback(result)


def test_a_system_never_ready_is_stopped_by_pid_with_its_children(tmp_path: Path) -> None:
    """The command starts a child that never serves; after the timeout both are gone."""
    pids = tmp_path / "pids"
    script = tmp_path / "slow.sh"
    script.write_text(f"sleep 300 &\necho $$ $! > {pids}\nwait\n")
    config = _config(tmp_path, """
        [system]
        command = "bash slow.sh"
        target = "http://127.0.0.1:{port}"
        ready = "/healthz"
        timeout = 1.5
        """)
    result = inkproof("verify", BEGINNER, "--config", config, "--otlp", "127.0.0.1:0")
    assert result.returncode == 2
    assert "the system was not ready within 1.5 s" in result.stderr
    for pid in map(int, pids.read_text().split()):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        # a zombie is stopped too (not yet reaped by init in a container)
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        assert state == "Z", f"process {pid} survived the stop"
    _no_traceback(result)


def test_a_service_without_traces_or_wire_fails_per_arrow_saying_why(tmp_path: Path) -> None:
    """A plain HTTP service in another style (Python's http.server, no OpenTelemetry):
    what inkproof itself sent and received is proven; what only traces or the wire could
    show is not — no guessing."""
    script = tmp_path / "plain.py"
    script.write_text(textwrap.dedent("""
        import json, os
        from http.server import BaseHTTPRequestHandler, HTTPServer

        class Items(BaseHTTPRequestHandler):
            def _answer(self):
                body = json.dumps({"id": 42, "name": "Widget", "version": 1}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            do_GET = _answer
            def do_PUT(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self._answer()
            def log_message(self, *args):
                pass

        HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Items).serve_forever()
        """))
    config = _config(tmp_path, f"""
        [system]
        command = "{sys.executable} plain.py"
        target = "http://127.0.0.1:{{port}}"
        eventually = 1
        [system.env]
        PORT = "{{port}}"
        """)
    result = inkproof("verify", BEGINNER, "--config", config, "--otlp", "127.0.0.1:0",
                      "--json", tmp_path / "r.json")
    assert result.returncode == 1, result.stderr
    import json

    report = json.loads((tmp_path / "r.json").read_text())["flows"][0]
    status = {row["arrow"]: row["status"] for row in report["arrows"]}
    assert status["read-request"] == status["read-response"] == "proven"
    assert status["cache-get"] == status["db-select"] == "missing"
    request = next(row for row in report["arrows"] if row["arrow"] == "read-request")
    assert "(no server span)" in request["evidence"]
    claims = {row["property"]: row["status"] for row in report["claims"] if row["property"]}
    assert claims["stale-read-window"] == "not-exercised"
    assert "proven" not in {claims["cache-hit"], claims["cache-miss"]}
    _no_traceback(result)


def test_the_otlp_address_must_be_loopback() -> None:
    result = inkproof("verify", BEGINNER, "--target", "http://127.0.0.1:9", "--otlp",
                      "0.0.0.0:4318")
    assert result.returncode == 2
    assert "listens on loopback addresses only" in result.stderr
    _no_traceback(result)


def test_a_system_section_in_the_spec_is_checked_with_its_line() -> None:
    from tests.conftest import only_problem

    spec = BEGINNER.read_text()
    problem = only_problem(spec + 'system:\n  command: "bash run.sh"\n  timeout: -1\n')
    assert "system.timeout" in problem.message and problem.line == spec.count("\n") + 3
    problem = only_problem(spec + "system:\n  targett: http://127.0.0.1:8080\n")
    assert problem.hint == "did you mean 'target'?"


def _https_service(tmp_path: Path) -> None:
    """A plain HTTPS service with a certificate of a private authority (trustme)."""
    import trustme

    authority = trustme.CA()
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    authority.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(
        str(tmp_path / "server.pem"))
    (tmp_path / "tls.py").write_text(textwrap.dedent("""
        import json, os, ssl
        from http.server import BaseHTTPRequestHandler, HTTPServer

        class Items(BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps({"id": 42}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass

        server = HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Items)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain("server.pem")
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.serve_forever()
        """))


def test_an_https_target_is_checked_against_the_authority_it_names(tmp_path: Path) -> None:
    _https_service(tmp_path)
    section = f"""
        [system]
        command = "{sys.executable} tls.py"
        target = "https://127.0.0.1:{{port}}"
        timeout = 15
        eventually = 1
        [system.env]
        PORT = "{{port}}"
        """
    trusted = _config(tmp_path, section.replace("eventually = 1", 'eventually = 1\nca = "ca.pem"'))
    result = inkproof("verify", BEGINNER, "--config", trusted, "--otlp", "127.0.0.1:0",
                      "--json", tmp_path / "r.json")
    import json

    rows = {row["arrow"]: row for row in
            json.loads((tmp_path / "r.json").read_text())["flows"][0]["arrows"]}
    assert rows["read-request"]["status"] == "proven", result.stdout
    assert "over HTTPS" in rows["read-request"]["evidence"]
    untrusted = _config(tmp_path, section.replace("timeout = 15", "timeout = 3"))
    result = inkproof("verify", BEGINNER, "--config", untrusted, "--otlp", "127.0.0.1:0")
    assert result.returncode == 2  # a certificate nobody vouched for is never accepted
    assert "was not ready within 3 s" in result.stderr
    _no_traceback(result)
