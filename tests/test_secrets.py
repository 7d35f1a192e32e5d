"""Secrets never leave: a password in a connection URL or DSN is masked in every output.

Unit tests pin every URL and DSN form the masking knows (and what it must leave alone);
the end-to-end tests plant a canary password, run the real CLI against a real redis-server
that requires it (and against unreachable servers, for the error paths), and grep every
stream and every file written for any spelling of the canary.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from inkproof import redact
from inkproof.redact import mask_text, passwords_in, register_secrets_from
from inkproof.runtime import report as reports
from inkproof.runtime.verify import ArrowRow, FlowReport
from tests.conftest import ROOT
from tests.servers import free_port, redis_server


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    redact.forget_secrets()
    yield
    redact.forget_secrets()


# ---- masking, unit by unit ----------------------------------------------------------------

MASKED = [
    ("redis://:pw@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
    ("redis://user:pw@127.0.0.1:6379/0", "redis://user:***@127.0.0.1:6379/0"),
    ("rediss://user:pw@cache.internal:6380/1", "rediss://user:***@cache.internal:6380/1"),
    ("redis://:pa/ss@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),  # unescaped /
    ("redis://:p@ss@127.0.0.1/0", "redis://:***@127.0.0.1/0"),  # unescaped @: the LAST @
    ("redis://u:a:b/c@d@h:1/0", "redis://u:***@h:1/0"),  # : / @ all at once
    ("redis://:p%40ss%2F@h:6379/0", "redis://:***@h:6379/0"),  # percent-escaped
    ("redis://127.0.0.1:6379/0?password=pw", "redis://127.0.0.1:6379/0?password=***"),
    ("redis://h/0?db=1&password=p%40w&x=2", "redis://h/0?db=1&password=***&x=2"),
    ("redis://h/0?pass=pw", "redis://h/0?pass=***"),
    ("redis://h/0?PASSWD=pw", "redis://h/0?PASSWD=***"),
    ("unix://:pw@/run/redis.sock?db=0", "unix://:***@/run/redis.sock?db=0"),
    ("unix:///run/redis.sock?db=0&password=pw", "unix:///run/redis.sock?db=0&password=***"),
    ("postgres://app:pw@127.0.0.1:5432/db", "postgres://app:***@127.0.0.1:5432/db"),
    ("postgresql://app:s3/cr@t@127.0.0.1/db?sslmode=require",
     "postgresql://app:***@127.0.0.1/db?sslmode=require"),
    ("host=127.0.0.1 port=5432 password=pw user=app",
     "host=127.0.0.1 port=5432 password=*** user=app"),
    ("host=h password = pw dbname=x", "host=h password = *** dbname=x"),
    ("host=h password='a quoted secret' user=u", "host=h password='***' user=u"),
    (r"host=h password='it\'s secret' user=u", "host=h password='***' user=u"),
    ("cannot reach Redis at redis://:pw@127.0.0.1:1/0: Error 111 connecting to 127.0.0.1:1.",
     "cannot reach Redis at redis://:***@127.0.0.1:1/0: Error 111 connecting to 127.0.0.1:1."),
    ("two: 'redis://:a@h/0' and (postgresql://u:b@h/db)",
     "two: 'redis://:***@h/0' and (postgresql://u:***@h/db)"),
]


@pytest.mark.parametrize(("text", "masked"), MASKED)
def test_every_url_and_dsn_form_is_masked_keeping_user_and_host(text: str,
                                                                masked: str) -> None:
    assert mask_text(text) == masked
    assert mask_text(masked) == masked  # idempotent: masking twice changes nothing


UNCHANGED = [
    "redis://127.0.0.1:6379/0",
    "redis://user@127.0.0.1:6379/0",  # a user name is no secret
    "redis://u:@h/0",  # an empty password
    "write to ops@example.com or alice@host about it",
    "https://medium.com/@someone/post",
    "https://example.com/search?next=a@b.c&q=1",
    "redis://127.0.0.1:6379/0?next=a@b",
    "bypass=1 compass=north passage",
    "SET cache:key:42 * EX 600; GET item:7 → hit",
    "",
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_text_without_a_secret_is_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_passwords_are_found_as_written_in_every_form() -> None:
    assert passwords_in("redis://:p@ss/w@h/0") == ["p@ss/w"]
    assert passwords_in("rediss://u:p%40w@h/0?password=q") == ["p%40w", "q"]
    assert passwords_in("host=h password='a b' port=1") == ["a b"]
    assert passwords_in("redis://u@h/0 user@example.com") == []


def test_a_registered_password_is_masked_out_of_url_form() -> None:
    register_secrets_from("redis://:s%40cret%2Fpw@127.0.0.1/0", None,
                          "host=h password='dsn secret'")
    # A driver repeats it decoded, re-encoded or in a repr, outside any URL.
    for spelled in ("s@cret/pw", "s%40cret%2Fpw", "dsn secret"):
        assert mask_text(f"AUTH failed for {spelled!r}") == "AUTH failed for '***'"
    # A broken (unescaped) URL is split by drivers; its pieces are masked too.
    register_secrets_from("redis://:alpha/beta@h/0")
    assert mask_text("Port could not be cast to integer value as 'alpha'") == \
        "Port could not be cast to integer value as '***'"
    redact.forget_secrets()
    assert mask_text("AUTH failed for 's@cret/pw'") == "AUTH failed for 's@cret/pw'"


def test_a_registered_password_too_short_to_mask_alone_is_still_masked_in_urls() -> None:
    register_secrets_from("redis://:ab@h/0")
    assert mask_text("tab cab ab") == "tab cab ab"
    assert mask_text("redis://:ab@h/0") == "redis://:***@h/0"


def test_json_like_data_is_masked_before_it_is_serialized() -> None:
    data = {"backends": "Redis at redis://:a&b<c\"@h/0", "rows": [("host=h password=x",)],
            "n": 3}
    assert redact.mask_data(data) == {"backends": "Redis at redis://:***@h/0",
                                      "rows": [("host=h password=***",)], "n": 3}


# ---- the report sinks: table, JSON, JUnit -------------------------------------------------

def _report(password: str) -> FlowReport:
    url = f"redis://:{password}@127.0.0.1:6379/0"
    return FlowReport(
        flow="f", title="T", source="spec.yaml", system="reference",
        backends=f"Redis at {url} + SQLite, HTTP on 127.0.0.1",
        arrows=(ArrowRow("a", "label", "not-run", "s", f"cannot reach Redis at {url}"),),
        claims=(), undocumented=(), legend=())


def test_table_json_and_junit_mask_a_password_that_escaping_would_disguise() -> None:
    password = 'x&y<z"/@:q'  # XML and JSON escape these: the mask must act before that
    report = _report(password)
    table = reports.table([report], width=60)  # narrow: a long URL is wrapped
    junit = reports.to_junit([report]).decode()
    data = json.dumps(reports.to_json([report]))
    for out in (table, junit, data):
        for leaked in ("x&y", "x&amp;y", "z&quot;", "&lt;z", "<z", "/@:q"):
            assert leaked not in out, (leaked, out)
    assert "redis://:***@127.0.0.1:6379/0" in data
    assert "redis://:***@127.0.0.1:6379/0" in junit


# ---- end to end: a canary through the real CLI --------------------------------------------

FLOW = ROOT / "spec/flows/redis-cache-invalidation-beginner.yaml"
MARK_A, MARK_B = secrets.token_hex(6), secrets.token_hex(6)
CANARY = f"Cnry{MARK_A}/p@ss:w0rd-{MARK_B}"  # unescaped / @ : — the hard case
ESCAPED = quote(CANARY, safe="")


def _leaks(data: str | bytes) -> list[str]:
    """Every spelling of the canary found in ``data`` (any fragment carries a mark)."""
    blob = data.encode() if isinstance(data, str) else data
    return [m for m in (CANARY, ESCAPED, MARK_A, MARK_B) if m.encode() in blob]


def _inkproof(*args: str | Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "inkproof", *map(str, args)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert not _leaks(result.stdout), result.stdout
    assert not _leaks(result.stderr), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _files_do_not_leak(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert files
    for path in files:
        assert not _leaks(path.read_bytes()), path
    return files


@pytest.fixture(scope="module")
def guarded_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server that requires the canary password; its URL (percent-encoded)."""
    with redis_server(tmp_path_factory.mktemp("redis-auth"), password=CANARY) as url:
        assert ESCAPED in url
        yield url


def test_verify_with_the_right_password_masks_it_in_table_json_and_junit(
        guarded_redis: str, tmp_path: Path) -> None:
    json_path, junit_path = tmp_path / "r.json", tmp_path / "r.xml"
    result = _inkproof("verify", FLOW, "--redis", guarded_redis, "--json", json_path,
                       "--junit", junit_path)
    assert result.returncode == 0, result.stdout + result.stderr
    masked = guarded_redis.replace(ESCAPED, "***")
    assert masked == mask_text(guarded_redis) and masked.startswith("redis://:***@127.0.0.1:")
    assert f"Redis at {masked}" in result.stdout
    assert json.loads(json_path.read_text())["flows"][0]["backends"].startswith(
        f"Redis at {masked}")
    _files_do_not_leak(tmp_path)


def _error_cases(redis_url: str) -> list[tuple[str, str, str]]:
    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    closed = str(free_port())
    return [
        ("--redis", f"redis://:{CANARY}@127.0.0.1:{port}/0", "redis://:***@"),  # unescaped
        ("--redis", f"rediss://default:{ESCAPED}@127.0.0.1:{closed}/0",
         "rediss://default:***@"),
        ("--redis", f"unix:///nonexistent/redis.sock?db=0&password={ESCAPED}", "password=***"),
        ("--db", f"postgresql://postgres:{CANARY}@127.0.0.1:{closed}/postgres",
         "postgresql://postgres:***@"),
        ("--db", f"host=127.0.0.1 port={closed} password='{CANARY} with space'",
         "password='***'"),
    ]


def test_a_wrong_password_is_named_masked_in_the_error(guarded_redis: str,
                                                       tmp_path: Path) -> None:
    wrong = guarded_redis.replace(ESCAPED, ESCAPED + "x")
    result = _inkproof("verify", FLOW, "--redis", wrong, "--json", tmp_path / "r.json")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"cannot reach Redis at {mask_text(wrong)}: invalid username-password" in \
        result.stderr
    assert not (tmp_path / "r.json").exists()


def test_connection_errors_name_the_server_but_never_the_password(
        guarded_redis: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    from inkproof.cli import main  # the console script itself, in this process (fast)

    for option, url, shown in _error_cases(guarded_redis):
        redact.forget_secrets()
        json_path = tmp_path / "r.json"
        monkeypatch.setattr(sys, "argv", ["inkproof", "verify", str(FLOW), option, url,
                                          "--json", str(json_path)])
        with pytest.raises(SystemExit) as exit_:
            main()
        out, err = capfd.readouterr()
        assert exit_.value.code == 2, (url, out, err)
        assert shown in err, (url, err)
        assert not _leaks(out) and not _leaks(err), (url, out, err)
        assert "Traceback" not in err and not json_path.exists()


def test_publish_masks_the_password_in_manifest_gallery_and_every_file(
        guarded_redis: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = _inkproof("publish", FLOW, "--redis", guarded_redis, "--out", out,
                       "--lang", "en", "--jobs", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    files = _files_do_not_leak(out)
    assert {"manifest.json", "index.html"} <= {p.name for p in files}
    masked = mask_text(guarded_redis)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["flows"][0]["verification"]["backends"].startswith(f"Redis at {masked}")
    assert masked in (out / "index.html").read_text()


def test_pytest_plugin_failure_messages_and_junit_mask_the_password(guarded_redis: str,
                                                                    tmp_path: Path) -> None:
    wrong = guarded_redis.replace(ESCAPED, ESCAPED + "x")
    junit = tmp_path / "junit.xml"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--inkproof",
         "--inkproof-redis", wrong, f"--junitxml={junit}", "--rootdir", str(tmp_path),
         "-k", "cache-get", str(FLOW)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "cannot reach Redis at redis://:***@" in result.stdout
    assert not _leaks(result.stdout) and not _leaks(result.stderr), result.stdout
    assert not _leaks(junit.read_bytes())
