"""The reference system in its own processes, verified through the path every foreign
service takes (HTTP, OTLP, the wire), on the embedded defaults: fakeredis served over TCP
with inkproof's proxy as the wire witness and a SQLite file — no servers to install. Its
mutants, run the same way, are named as drift."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples/reference/inkproof.toml"
SENIOR = ROOT / "spec/flows/redis-cache-invalidation.yaml"
BEGINNER = ROOT / "spec/flows/redis-cache-invalidation-beginner.yaml"


def _verify(spec: Path, config: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str],
                                                                dict]:
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "inkproof", "verify", str(spec), "--config", str(config),
         "--otlp", "127.0.0.1:0", "--json", str(report)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert report.exists(), result.stdout + result.stderr
    return result, json.loads(report.read_text())["flows"][0]


def test_the_senior_flow_verifies_against_the_reference_in_its_own_processes(
        tmp_path: Path) -> None:
    """Every arrow and all eight claims: strategies on deployments started on demand, TTLs
    and redelivery with short timers from the environment, idempotency by replaying the
    delivered event."""
    result, report = _verify(SENIOR, CONFIG, tmp_path)
    assert result.returncode == 0, result.stdout
    assert "fakeredis over TCP (embedded; the wire by inkproof's proxy)" in report["backends"]
    assert all(row["status"] == "proven" for row in report["arrows"]), result.stdout
    claims = {row["property"]: row for row in report["claims"]}
    assert all(row["status"] == "proven" for row in claims.values()), result.stdout
    assert any("replayed" in line for line in claims["idempotent-consumer"]["evidence"])


def _mutant_config(tmp_path: Path, mutant: str) -> Path:
    text = CONFIG.read_text()
    assert text.count('DATABASE_URL = "{db}"\n') == 1
    config = tmp_path / "inkproof.toml"
    config.write_text(text.replace('DATABASE_URL = "{db}"\n',
                                   f'DATABASE_URL = "{{db}}"\nINKPROOF_MUTANT = "{mutant}"\n'))
    return config


@pytest.mark.parametrize(("mutant", "expected"), [
    ("no-ttl", {"cache-fill": "missing", "ttl-on-fill": "violated"}),
    ("skipped-invalidation", {"publish": "missing", "deliver": "missing"}),
    ("publish-before-commit", {"publish-after-commit": "violated"}),
])
def test_reference_mutants_in_their_own_processes_are_named(mutant: str, expected: dict,
                                                            tmp_path: Path) -> None:
    result, report = _verify(BEGINNER, _mutant_config(tmp_path, mutant), tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    statuses = {row["arrow"]: row["status"] for row in report["arrows"]}
    statuses.update({row["property"]: row["status"] for row in report["claims"]
                     if row["property"]})
    for what, status in expected.items():
        assert statuses[what] == status, result.stdout


def test_the_pytest_plugin_verifies_a_target_and_names_the_drift(tmp_path: Path) -> None:
    """`pytest --inkproof SPEC --inkproof-config FILE`: each arrow and claim one test item,
    against the system the config starts (here the no-ttl mutant in its own processes)."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--inkproof", str(BEGINNER), "--inkproof-config",
         str(_mutant_config(tmp_path, "no-ttl")), "--inkproof-otlp", "127.0.0.1:0", "-q",
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED" in result.stdout and "arrow cache-fill" in result.stdout
    assert "callout ttl-fallback" in result.stdout  # the TTL claim fails too
    assert "arrow read-request" not in result.stdout.split("short test summary")[-1]
