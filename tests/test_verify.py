"""inkproof verify: the seed flows proven against the running reference system, every
mutant and every false claim caught by name, on fakeredis and SQLite (the embedded
defaults), a real redis-server and a real PostgreSQL."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from inkproof import load_flow, parse_flow
from inkproof.runtime.harness import Backends, Session
from inkproof.runtime.reference.mutants import MUTANTS
from inkproof.runtime.reference.system import build
from inkproof.runtime.report import table, to_json, to_junit
from inkproof.runtime.verify import FlowReport, verify_flow
from tests.conftest import ROOT

SENIOR_PATH = ROOT / "spec" / "flows" / "redis-cache-invalidation.yaml"
BEGINNER_PATH = ROOT / "spec" / "flows" / "redis-cache-invalidation-beginner.yaml"
SENIOR, BEGINNER = load_flow(SENIOR_PATH), load_flow(BEGINNER_PATH)


def inkproof(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inkproof", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def verify(flow, factory=build, backends: Backends | None = None) -> FlowReport:
    with Session(factory, backends or Backends()) as session:
        return verify_flow(session, flow)


def failing(report: FlowReport) -> dict[str, str]:
    """Everything that failed, by name → status (arrows, claims, undocumented traffic)."""
    found = {a.arrow: a.status for a in report.arrows if not a.ok}
    found |= {c.id: c.verdict.status for c in report.claims if not c.ok}
    found |= {f"undocumented {e.evidence.split(' {')[0]}": "undocumented"
              for _, e in report.undocumented}
    found |= {f"stale read in {scenario}": "violated" for scenario, _ in report.stale}
    return found


@pytest.fixture(scope="module")
def reports() -> dict[str, FlowReport]:
    with Session(build) as session:  # closed before the tests run: one observation at a time
        return {flow.id: verify_flow(session, flow) for flow in (SENIOR, BEGINNER)}


# ---- the seed flows are true ------------------------------------------------------------

def test_both_seed_flows_are_proven_arrow_by_arrow_and_claim_by_claim(reports) -> None:
    for flow in (SENIOR, BEGINNER):
        report = reports[flow.id]
        assert report.ok, table([report])
        assert [a.arrow for a in report.arrows] == [a.id for a in flow.arrows]
        claimed = [c.id for c in flow.callouts] + [n.id for n in flow.notes if n.proves] \
            + [s.id for s in flow.strategies]
        assert [c.id for c in report.claims] == claimed
    senior = {a.arrow: a for a in reports[SENIOR.id].arrows}
    assert senior["cache-fill"].evidence.startswith("SET cache:key:42 {")
    assert senior["cache-fill"].evidence.endswith(" EX 300")
    assert senior["db-commit"].evidence == "BEGIN; UPDATE; SELECT; COMMIT"
    assert senior["cache-reply"].evidence == "GET cache:key:42 → miss"
    # The one optional arrow no scenario drives is reported as such, not as proven.
    refresh = next(a for a in reports[BEGINNER.id].arrows if a.arrow == "cache-refresh")
    assert (refresh.status, refresh.ok) == ("not-exercised", True)


def test_every_strategy_of_seed_000_runs_and_is_proven(reports) -> None:
    strategies = {c.id: c.verdict for c in reports[SENIOR.id].claims if c.kind == "strategy"}
    assert set(strategies) == {"delete-on-write", "write-through", "ttl-backstop",
                               "key-versioning"}
    assert all(v.ok for v in strategies.values())
    assert any("expires in" in line for line in strategies["ttl-backstop"].evidence)
    assert any("cache:key:42:v1" in line for line in strategies["key-versioning"].evidence)


def test_the_stale_read_race_is_reproduced_and_bounded_by_the_ttl(reports) -> None:
    stale = next(c.verdict for c in reports[BEGINNER.id].claims if c.id == "stale-risk")
    assert stale.ok
    assert stale.evidence[0].startswith("race reproduced")
    expires = next(line for line in stale.evidence if "expires in" in line)
    remaining_ms = int(expires.split("expires in ")[1].split(" ms")[0])
    assert 0 < remaining_ms <= 300_000
    assert stale.evidence[-1].endswith("the read returned version 2")


def test_the_table_shows_every_arrow_with_its_evidence(reports) -> None:
    text = table([reports[SENIOR.id]])
    for arrow in SENIOR.arrows:
        assert arrow.id in text
    assert "GET cache:key:42 → miss" in text  # no emoji for ":key:", no markup eaten
    assert "VERIFIED: redis-cache-invalidation: 13/13 arrows proven; 8/8 claims proven" in text


# ---- mutants: each caught, by name -------------------------------------------------------

CAUGHT_IN_SENIOR = {
    "publish-before-commit": {"publish": "out-of-order", "commit-first": "violated"},
    "no-ttl": {"cache-fill": "missing", "ttl-backstop": "violated",
               "undocumented SET cache:key:42": "undocumented"},
    "wrong-key": {"cache-get": "missing", "cache-fill": "missing", "cache-delete": "missing",
                  "undocumented GET cache:item:42": "undocumented"},
    "non-idempotent-consumer": {"idempotent": "violated",
                                "undocumented INCRBY stats:invalidations:42 1": "undocumented"},
    "skipped-invalidation": {"publish": "missing", "deliver": "missing",
                             "cache-delete": "missing", "commit-first": "violated",
                             "consistency-window": "violated"},
    "ack-before-apply": {"idempotent": "violated"},
    # every command is the drawn one: only the values that reads return give it away
    "lagging-replica": {"stale read in write-delete": "violated",
                        "consistency-window": "violated"},
    # wrong for some ids only, or only every third write: sampling finds them
    "shard-without-ttl": {"ttl-backstop": "violated"},
    "every-third-write-unpublished": {"commit-first": "violated", "delete-on-write": "violated",
                                      "consistency-window": "violated",
                                      "idempotent": "violated"},
}


def test_every_mutant_has_an_expectation() -> None:
    assert set(CAUGHT_IN_SENIOR) == set(MUTANTS)


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_every_mutant_is_rejected_naming_the_arrow_or_callout(name: str) -> None:
    report = verify(SENIOR, MUTANTS[name].factory)
    assert not report.ok
    found = failing(report)
    for what, status in CAUGHT_IN_SENIOR[name].items():
        assert found.get(what) == status, (what, found)


def test_universal_claims_are_sampled_and_their_cases_counted(reports) -> None:
    """A claim about every fill or write is checked on many ids and repeated writes in one
    run, and says on how many; a failure names the case (id and write) it failed on."""
    for report in reports.values():
        for claim in report.claims:
            if claim.verdict.property in ("ttl-on-fill", "publish-after-commit",
                                          "delete-on-write", "idempotent-consumer"):
                assert claim.verdict.cases >= 20, (claim.id, claim.verdict.cases)
                assert "checked on" in claim.verdict.evidence[-1]
    shard = verify(BEGINNER, MUTANTS["shard-without-ttl"].factory)
    ttl = next(c.verdict for c in shard.claims if c.id == "ttl-fallback")
    found = re.match(r"for id (\d+), write 1 of 1: cache fill without a TTL", ttl.evidence[-1])
    assert found is not None and int(found[1]) >= 60, ttl.evidence[-1]
    third = verify(BEGINNER, MUTANTS["every-third-write-unpublished"].factory)
    after = next(c.verdict for c in third.claims if c.id == "after-update")
    assert after.evidence[-1] == ("for id 42, write 3 of 3: the write published no "
                                  "invalidation event")


def test_a_fill_without_ttl_in_any_run_breaks_a_claim_about_every_fill() -> None:
    """A system that forgets the TTL only when it runs with a short redelivery time (the
    idempotency check's deployment) passes the TTL claims' own runs; what the other runs
    of the same verification observed is judged too."""
    from inkproof.runtime.reference.config import SystemConfig
    from inkproof.runtime.reference.service import CacheAsideApi
    from inkproof.runtime.reference.system import build_with

    class ForgetsTtlWhenRedeliveringFast(CacheAsideApi):
        def fill(self, key, item) -> None:
            if self.config.redelivery_idle_ms < SystemConfig().redelivery_idle_ms:
                self.cache.set(key, json.dumps(item.as_json()))
            else:
                super().fill(key, item)

    report = verify(SENIOR, build_with(api_class=ForgetsTtlWhenRedeliveringFast))
    backstop = next(c.verdict for c in report.claims if c.id == "ttl-backstop")
    assert backstop.status == "violated"
    assert backstop.evidence[-1].startswith("in another run of this verification a fill "
                                            "carried no TTL: SET cache:key:42 {")


def test_a_stale_read_names_both_values_and_why() -> None:
    report = verify(BEGINNER, MUTANTS["lagging-replica"].factory)
    assert report.arrows and all(a.ok for a in report.arrows)  # the commands are all right
    ((scenario, problem),) = report.stale
    assert scenario == "write-invalidate"
    assert problem == ('GET /item/42 after the invalidation was handled served '
                       '{"id":42,"name":"Widget 42","version":1}; the source of truth holds '
                       '{"id":42,"name":"Widget v2","version":2} (refilled on a miss from a '
                       'source behind the truth)')
    assert verify(BEGINNER).reads_checked >= 1 and not verify(BEGINNER).stale


def test_mutant_messages_say_what_was_seen() -> None:
    report = verify(SENIOR, MUTANTS["publish-before-commit"].factory)
    commit_first = next(c.verdict for c in report.claims if c.id == "commit-first")
    assert "published before the COMMIT ended" in commit_first.evidence[-1]
    report = verify(BEGINNER, MUTANTS["no-ttl"].factory)
    ttl = next(c.verdict for c in report.claims if c.id == "ttl-fallback")
    assert ttl.evidence[-1].startswith("cache fill without a TTL: SET cache:key:42 {")
    assert ttl.evidence[-1].endswith("(PTTL -1)")
    ack = verify(SENIOR, MUTANTS["ack-before-apply"].factory)
    idempotent = next(c.verdict for c in ack.claims if c.id == "idempotent")
    assert "acknowledged before it was applied" in idempotent.evidence[-1]


def test_the_beginner_flow_catches_what_it_claims() -> None:
    # The beginner picture claims no at-least-once delivery, so ack-before-apply passes it;
    # every other mutant breaks something it draws.
    for name, expected in {
        "publish-before-commit": {"publish": "out-of-order", "after-update": "violated"},
        "no-ttl": {"cache-fill": "missing", "ttl-fallback": "violated",
                   "stale-risk": "violated"},
        "wrong-key": {"cache-get": "missing"},
        "non-idempotent-consumer": {
            "undocumented INCRBY stats:invalidations:42 1": "undocumented"},
        "skipped-invalidation": {"publish": "missing", "after-update": "violated"},
        "lagging-replica": {"stale read in write-invalidate": "violated"},
        "shard-without-ttl": {"ttl-fallback": "violated"},
        "every-third-write-unpublished": {"after-update": "violated"},
    }.items():
        found = failing(verify(BEGINNER, MUTANTS[name].factory))
        for what, status in expected.items():
            assert found.get(what) == status, (name, what, found)
    assert verify(BEGINNER, MUTANTS["ack-before-apply"].factory).ok


# ---- a spec that claims something false --------------------------------------------------

def _edited(replacements: list[tuple[str, str]]):
    text = SENIOR_PATH.read_text()
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return parse_flow(text, "edited.yaml")


def test_a_spec_claiming_ttl_600_fails_naming_the_fill() -> None:
    report = verify(_edited([("  ttl: 300\n", "  ttl: 600\n")]))
    found = failing(report)
    assert found["cache-fill"] == "missing"
    row = next(a for a in report.arrows if a.arrow == "cache-fill")
    expected, instead = row.evidence.split("; seen instead: ")
    assert expected == "expected redis SET cache:key:42 * EX 600 from api to cache"
    assert instead.startswith("SET cache:key:42 {") and instead.endswith("EX 300")
    undocumented = [e.evidence for _, e in report.undocumented]
    assert any(e.startswith("SET cache:key:42 {") and e.endswith("EX 300") for e in undocumented)


@pytest.mark.parametrize("strategy", ["write-through-refresh", "key-versioning",
                                      "ttl-backstop"])
def test_a_strategy_the_flow_does_not_run_is_never_stamped(strategy: str) -> None:
    """The beginner flow's scenarios run the default deployment only: a callout that
    claims another strategy is not exercised — drift, naming what the system runs — and
    the same callout passes once the flow declares that deployment."""
    text = BEGINNER_PATH.read_text()
    callout = (f"  - id: false-claim\n    text: Claims {strategy}\n    near: cache\n"
               f"    proves: {strategy}\n")
    claimed = text.replace("callouts:\n", "callouts:\n" + callout, 1)
    report = verify(parse_flow(claimed, "claimed.yaml"))
    assert not report.ok
    row = next(c for c in report.claims if c.id == "false-claim")
    assert row.verdict.status == "not-exercised"
    assert f"the system runs delete-on-write: the flow runs no deployment with {strategy}" \
        in row.verdict.evidence[-1]
    declared = claimed.replace("\nscenarios:\n", f"\ndeployments: [{strategy}]\n\n"
                                                   "scenarios:\n", 1)
    report = verify(parse_flow(declared, "declared.yaml"))
    row = next(c for c in report.claims if c.id == "false-claim")
    assert row.verdict.status == "proven", row.verdict.evidence
    assert report.ok


def test_a_reversed_arrow_fails_naming_it() -> None:
    report = verify(_edited([("  - id: cache-get\n    from: api\n    to: cache\n",
                              "  - id: cache-get\n    from: cache\n    to: api\n")]))
    found = failing(report)
    assert found["cache-get"] == "missing"
    assert "undocumented GET cache:key:42" in found


def test_two_swapped_legend_steps_fail_naming_the_arrows() -> None:
    step5 = ("  - n: 5\n    text: On data change, API commits UPDATE or INSERT to Primary "
             "Database first.\n    arrows: [db-commit]\n")
    step6 = ("  - n: 6\n    text: API publishes invalidation event to Message Queue with "
             "entity ID or cache key pattern.\n    arrows: [publish]\n")
    swapped = (step6.replace("n: 6", "n: 5") + step5.replace("n: 5", "n: 6"))
    report = verify(_edited([(step5 + step6, swapped)]))
    assert not report.ok
    problems = [problem for _, problem in report.legend]
    assert "legend step 5 ('publish') happens after step 6 ('db-commit')" in problems


# ---- the command line --------------------------------------------------------------------

def test_cli_verifies_both_seeds_and_writes_json_and_junit(tmp_path: Path) -> None:
    result = inkproof("verify", SENIOR_PATH, BEGINNER_PATH, "--json", tmp_path / "r.json",
                      "--junit", tmp_path / "r.xml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("VERIFIED:") == 2
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["ok"] is True and [f["flow"] for f in data["flows"]] == [
        "redis-cache-invalidation", "redis-cache-invalidation-beginner"]
    suites = ET.parse(tmp_path / "r.xml").getroot()
    assert [s.get("failures") for s in suites] == ["0", "0"]
    assert int(suites[0].get("tests")) == 13 + 8


def test_cli_exits_1_on_drift_and_reports_name_the_failure(tmp_path: Path) -> None:
    result = inkproof("verify", SENIOR_PATH, "--mutant", "no-ttl", "--junit",
                      tmp_path / "r.xml")
    assert result.returncode == 1
    assert "✗ missing" in result.stdout and "DRIFT: redis-cache-invalidation" in result.stdout
    failures = {case.get("name"): case.find("failure").get("message")
                for case in ET.parse(tmp_path / "r.xml").getroot().iter("testcase")
                if case.find("failure") is not None}
    assert failures["cache-fill"].startswith("missing: expected redis SET cache:key:42 * EX 300")
    assert failures["ttl-backstop"].startswith("violated: ")


def test_reports_are_plain_data_and_round_trip(reports) -> None:
    data = to_json(list(reports.values()))
    assert json.loads(json.dumps(data)) == data
    xml = ET.fromstring(to_junit(list(reports.values())))
    assert sum(int(s.get("failures")) for s in xml) == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--mutant", "no-tll"], "no mutant 'no-tll' — did you mean 'no-ttl'?"),
    (["--mutant", "no-ttl", "--system", "x:y"], "--mutant and --system exclude each other"),
    (["--system", "tests.data.user_system"], "expected MODULE:FACTORY"),
    (["--system", "tests.data.nothing_here:f"], "cannot import 'tests.data.nothing_here'"),
    (["--system", "tests.data.user_system:not_a_factory"], "has no callable 'not_a_factory'"),
    (["--db", "mysql://127.0.0.1/x"], "expected a postgresql:// URL"),
    (["--redis", "127.0.0.1:6379"], "cannot reach Redis at 127.0.0.1:6379"),
])
def test_usage_errors_exit_2_with_a_clear_message(args: list[str], message: str) -> None:
    result = inkproof("verify", SENIOR_PATH, *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_bad_spec_exits_2_before_anything_runs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SENIOR_PATH.read_text().replace("    to: cache\n", "    to: cahce\n", 1))
    result = inkproof("verify", bad, "--json", tmp_path / "r.json")
    assert result.returncode == 2 and "unknown box 'cahce'" in result.stderr
    assert not (tmp_path / "r.json").exists()


def test_unreachable_servers_fail_fast_with_exit_2() -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    for args, message in ((["--redis", f"redis://127.0.0.1:{port}/0"], "cannot reach Redis"),
                          (["--db", f"postgresql://u:secret@127.0.0.1:{port}/x"],
                           "cannot reach PostgreSQL at postgresql://u:***@127.0.0.1")):
        result = inkproof("verify", SENIOR_PATH, *args, timeout=30)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert "secret" not in result.stderr


def test_a_server_that_never_answers_is_not_a_hang() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True).start()
    try:
        port = silent.getsockname()[1]
        result = inkproof("verify", SENIOR_PATH, "--redis", f"redis://127.0.0.1:{port}/0",
                          timeout=30)  # a guard against hanging, not a speed assertion
        assert result.returncode == 2 and "cannot reach Redis" in result.stderr
    finally:
        silent.close()
        for connection in accepted:
            connection.close()


def test_a_users_own_system_is_judged_by_what_it_does() -> None:
    faithful = inkproof("verify", SENIOR_PATH, "--system", "tests.data.user_system:faithful")
    assert faithful.returncode == 0, faithful.stdout
    other_ttl = inkproof("verify", SENIOR_PATH, "--system",
                         "tests.data.user_system:ten_minute_ttl")
    assert other_ttl.returncode == 1
    assert "EX 600" in other_ttl.stdout and "cache-fill" in other_ttl.stdout


def test_list_mutants_names_each_with_what_it_breaks() -> None:
    result = inkproof("verify", "--list-mutants")
    assert result.returncode == 0
    for mutant in MUTANTS.values():
        assert f"{mutant.name}" in result.stdout and mutant.breaks in result.stdout


# ---- real servers -------------------------------------------------------------------------

def test_https_makes_the_https_arrows_real() -> None:
    report = verify(SENIOR, backends=Backends(https=True))
    assert report.ok
    request = next(a for a in report.arrows if a.arrow == "rest-request")
    assert request.evidence == "GET /item/42 over HTTPS"


def test_both_seeds_on_a_real_redis_server_with_monitor_agreeing(redis_url: str) -> None:
    import redis

    foreign = redis.Redis.from_url(redis_url, decode_responses=True)
    foreign.set("cache:key:42", "another app's value", ex=5000)  # the spec's very key
    foreign.set("app:counter", "7")
    foreign.rpush("app:list", "a", "b")
    foreign.xadd("invalidations", {"entity_id": "42", "key": "cache:key:42"})
    before = {k: (foreign.type(k), foreign.dump(k)) for k in foreign.keys("*")}
    ttl_before = foreign.ttl("cache:key:42")
    try:
        with Session(build, Backends(redis_url=redis_url)) as session:
            reports = [verify_flow(session, flow) for flow in (SENIOR, BEGINNER)]
        for report in reports:
            assert report.ok, table([report])
            assert report.witnessed > 50 and not report.witness
        # Other applications' keys survive untouched, and nothing of ours is left behind.
        after = {k: (foreign.type(k), foreign.dump(k)) for k in foreign.keys("*")}
        assert after == before
        assert 0 < foreign.ttl("cache:key:42") <= ttl_before
    finally:
        foreign.delete(*before)
        foreign.close()


def test_the_monitor_witness_catches_commands_the_trace_did_not_see(redis_url: str) -> None:
    with Session(build, Backends(redis_url=redis_url)) as session, \
            session.run(flow=SENIOR) as run:
        run.take()
        hidden = session.redis.client(f"{run.wiring.prefix}api")
        hidden.execute_command("PING")  # traced: OpenTelemetry sees it
        session.observation.recorder.take()  # ... but the record of it is lost
        run.take()
        hidden.close()
        assert session.witness is not None
        assert any("api: OpenTelemetry saw []" in str(d) and "PING" in str(d)
                   for d in session.witness.disagreements)


def test_both_seeds_on_a_real_postgresql(postgres_url: str) -> None:
    import psycopg

    for flow in (SENIOR, BEGINNER):
        report = verify(flow, backends=Backends(db_url=postgres_url))
        assert report.ok, table([report])
        assert "PostgreSQL" in report.backends
    with psycopg.connect(postgres_url) as db:
        tables = db.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE "
                            "'inkproof%'").fetchall()
    assert tables == []  # every run dropped its own table


def test_the_cli_on_real_redis_and_postgresql_together(redis_url: str,
                                                       postgres_url: str) -> None:
    result = inkproof("verify", SENIOR_PATH, "--redis", redis_url, "--db", postgres_url,
                      "--mutant", "publish-before-commit")
    assert result.returncode == 1
    assert "commit-first" in result.stdout and "✗ violated" in result.stdout


# ---- the scenario steps that move time and crash the worker -------------------------------

EXTRA_SCENARIOS = """\
  - id: expiry
    title: Once the TTL has run out, the next read misses and reads the database again
    setup:
      - request: "GET /item/{{ id }}"
    steps:
      - advance: ADVANCE
      - request: "GET /item/{{ id }}"
    arrows: [rest-request, cache-get, cache-reply, db-select, db-result, cache-fill, read-reply]
  - id: redelivered
    title: The worker crashes before acknowledging; the event comes again and is applied again
    setup:
      - request: "GET /item/{{ id }}"
    steps:
      - request: "PUT /item/{{ id }}"
        json: {name: "Widget v2"}
      - drain: worker
      - redeliver: last
    arrows: [write-request, db-commit, publish, read-reply, deliver, cache-delete, deliver,
             cache-delete]
"""


def _with_extra_scenarios(advance: int):
    text = SENIOR_PATH.read_text().rstrip("\n") + "\n" + EXTRA_SCENARIOS.replace(
        "ADVANCE", str(advance))
    return parse_flow(text, "extra.yaml")


def test_advance_moves_the_clock_past_the_ttl() -> None:
    assert verify(_with_extra_scenarios(advance=301)).ok
    early = verify(_with_extra_scenarios(advance=100))  # the entry is still there: a hit
    assert failing(early)["db-select"] == "missing"


def test_redeliver_delivers_the_event_a_second_time() -> None:
    flow = _with_extra_scenarios(advance=301)
    redelivered = next(s for s in flow.scenarios if s.id == "redelivered")
    with Session(build) as session:
        from inkproof.runtime.verify import run_scenario

        result = run_scenario(session, flow, redelivered)
    assert result.ok
    delivered = [v.event.evidence for v in result.verdicts if v.arrow == "deliver"]
    assert delivered[0].startswith("XREADGROUP → ") and delivered[1].startswith("XAUTOCLAIM → ")
    assert delivered[0].split("→ ")[1] == delivered[1].split("→ ")[1]  # the same message
    lost = verify(flow, MUTANTS["ack-before-apply"].factory)
    assert failing(lost)["deliver"] == "missing"


def test_a_scenario_the_system_cannot_run_is_reported_not_crashed() -> None:
    text = SENIOR_PATH.read_text().replace(
        "  - id: key-versioning\n    name: Key-versioning tag\n    text: A version tag in the "
        "key makes old entries unreachable\n    proves: key-versioning",
        "  - id: key-versioning\n    name: Key-versioning tag\n    text: A version tag in the "
        "key makes old entries unreachable\n    proves: cache-aside")
    text = text.replace("    strategy: ttl-backstop\n", "    strategy: key-versioning\n")
    report = verify(parse_flow(text, "odd.yaml"))
    expire = next(a for a in report.arrows if a.arrow == "cache-expire")
    assert expire.status == "not-run" and not expire.ok and not report.ok
    assert expire.evidence == ("scenario not run: the reference system has no 'cache-aside' "
                               "deployment")


# ---- the same fact in every spelling; checks that meet the unexpected --------------------

def test_a_system_filling_with_plain_setex_is_judged_not_crashed() -> None:
    """``setex()`` instead of ``set(ex=)``: the same fact for every check (the key-versioning
    check used to raise IndexError on it)."""
    import json as json_module

    from inkproof.runtime.reference.service import CacheAsideApi
    from inkproof.runtime.reference.system import build_with

    class SetexApi(CacheAsideApi):
        def fill(self, key, item) -> None:
            self.cache.setex(key, self.config.ttl, json_module.dumps(item.as_json()))

    report = verify(load_flow(SENIOR_PATH), build_with(api_class=SetexApi))
    assert report.ok, failing(report)


def test_a_check_that_breaks_is_a_located_harness_fault(monkeypatch) -> None:
    from inkproof.model import Property
    from inkproof.runtime import properties

    def broken(probe) -> None:
        [][0]

    monkeypatch.setitem(properties.CHECKS, Property.CACHE_HIT, broken)
    with Session(build, Backends()) as session, pytest.raises(
            properties.CheckFailed, match=r"the cache-hit check could not judge what it saw "
                                          r"\(IndexError: list index out of range at .*"
                                          r"test_verify.py:\d+\)"):
        properties.prove(session, load_flow(BEGINNER_PATH), Property.CACHE_HIT)
