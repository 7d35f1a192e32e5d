"""Shared helpers: a small valid spec to break in precise places, and locating text in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from inkproof import Problem, SpecError, parse_flow

ROOT = Path(__file__).resolve().parent.parent
FLOWS = sorted((ROOT / "spec" / "flows").glob("*.yaml"))

MINIMAL = """\
inkproof: 1
id: tiny
title: "Tiny {{ name }}"
vars: {name: cache, key: "k:1", ttl: 60}
lanes:
  - {id: read, title: Read}
boxes:
  - {id: api, name: API, role: Serves requests, icon: server-rack, lane: read}
  - {id: cache, name: Cache, role: Keeps hot data, icon: memory-stack, lane: read}
arrows:
  - id: cache-get
    from: api
    to: cache
    label: "`GET {{ key }}`"
    path: read
    expect: {redis: "GET {{ key }}"}
  - id: cache-fill
    from: api
    to: cache
    label: "`SETEX {{ key }}` TTL {{ ttl }}s"
    path: read
    expect: {redis: "SETEX {{ key }} {{ ttl }} *"}
legend:
  - {n: 1, text: API asks the cache, arrows: [cache-get]}
  - {n: 2, text: API fills the cache, arrows: [cache-fill]}
callouts:
  - {id: ttl-note, text: TTL fallback, near: cache-fill, proves: ttl-on-fill}
"""


def position_of(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the n-th occurrence of ``needle`` in ``text``."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def problems_of(text: str | bytes, file: str = "flow.yaml") -> tuple[Problem, ...]:
    """The problems a spec text is rejected with (fails the test if it loads)."""
    with pytest.raises(SpecError) as caught:
        parse_flow(text, file)
    return caught.value.problems


def only_problem(text: str | bytes) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


# ---- real servers (tests/servers.py): one of each per test session ----------------------

@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory):
    from tests.servers import redis_server

    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url():
    from tests.servers import postgres_server

    with postgres_server() as url:
        yield url
