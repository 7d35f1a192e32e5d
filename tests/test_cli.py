"""The command line as a user meets it: exit codes, messages on stderr, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from inkproof import __version__
from tests.conftest import FLOWS, MINIMAL, ROOT, position_of


def inkproof(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inkproof", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_check_summarises_each_seed_flow() -> None:
    result = inkproof("check", *FLOWS)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert any(line.startswith("✓ redis-cache-invalidation: 8 boxes (2 optional), 13 arrows "
                               "(7 read, 6 write), 7 legend steps, 4 callouts") for line in lines)
    assert any(line.startswith("✓ redis-cache-invalidation-beginner: 7 boxes (1 optional), "
                               "13 arrows") for line in lines)


def test_check_reports_bad_spec_with_location_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = MINIMAL.replace("    to: cache\n", "    to: cahce\n", 1)
    bad.write_text(text)
    line, column = position_of(text, "cahce")
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL.replace("id: tiny", "id: tiny-two"))
    result = inkproof("check", bad, good)
    assert result.returncode == 2
    assert f"{bad}:{line}:{column}: unknown box 'cahce' — did you mean 'cache'?" in result.stderr
    assert "Traceback" not in result.stderr
    assert "✓ tiny-two:" in result.stdout  # the valid file is still checked


@pytest.mark.parametrize("content", [b"\xff\xfe", b"a: [", b"!!python/name:os.system x",
                                     b"inkproof: 1\n" + b"x" * 600_000])
def test_garbage_never_gives_a_traceback(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(content)
    result = inkproof("check", path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}:")
    assert "Traceback" not in result.stderr


def test_missing_file_and_folder() -> None:
    result = inkproof("check", "no/such/flow.yaml")
    assert result.returncode == 2
    assert "no/such/flow.yaml:1:1: cannot read file" in result.stderr
    result = inkproof("check", "spec")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_two_specs_with_the_same_flow_id(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(MINIMAL)
    result = inkproof("check", tmp_path / "a.yaml", tmp_path / "b.yaml")
    assert result.returncode == 2
    assert "flow id 'tiny' is also used by" in result.stderr


def test_explain_walks_the_flow() -> None:
    result = inkproof("explain", ROOT / "spec/flows/redis-cache-invalidation-beginner.yaml")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Lane Extract" in out and "[memory-stack] Redis Cache" in out
    assert '(4) API Service → Redis Cache: "SETEX cache:key:42 TTL 300s"' in out
    assert "  7. Worker deletes or refreshes the Redis key" in out


def test_schema_to_stdout_and_file(tmp_path: Path) -> None:
    result = inkproof("schema")
    assert result.returncode == 0 and '"$schema"' in result.stdout
    target = tmp_path / "s.json"
    assert inkproof("schema", "--output", target).returncode == 0
    assert target.read_text() == result.stdout


def test_schema_into_a_missing_folder_writes_nothing(tmp_path: Path) -> None:
    result = inkproof("schema", "--output", tmp_path / "nope" / "s.json")
    assert result.returncode == 2
    assert "no such folder" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "nope").exists()


@pytest.mark.parametrize("command", [[], ["check"], ["explain"], ["schema"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = inkproof(*command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: inkproof")


def test_version_and_usage_errors() -> None:
    assert inkproof("--version").stdout.strip() == f"inkproof, version {__version__}"
    assert inkproof("check").returncode == 2  # no spec given
    assert inkproof("frobnicate").returncode == 2


def test_check_counts_every_kind_of_path_a_flow_uses() -> None:
    from inkproof import load_flow
    from inkproof.describe import summary

    flow = load_flow(ROOT / "tests" / "corpus" / "flows" / "tb-deploy.yaml")
    assert "4 arrows (0 read, 2 write, 1 error, 1 control)" in summary(flow)
