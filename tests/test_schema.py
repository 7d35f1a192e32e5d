"""The published JSON Schema is current and agrees with the loader on real and broken specs."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from inkproof.schema import SCHEMA_FILENAME, json_schema, json_schema_text
from tests.conftest import FLOWS, MINIMAL, ROOT

COMMITTED = ROOT / "spec" / "schema" / SCHEMA_FILENAME


def test_committed_schema_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == json_schema_text(), (
        "spec/schema is stale: run `make schema` after changing inkproof/model.py")


@pytest.mark.parametrize("flow", FLOWS, ids=lambda p: p.stem)
def test_seed_flows_validate_against_the_schema(flow) -> None:
    jsonschema.Draft202012Validator(json_schema()).validate(yaml.safe_load(flow.read_text()))


@pytest.mark.parametrize("flow", FLOWS, ids=lambda p: p.stem)
def test_spec_files_point_editors_at_the_schema(flow) -> None:
    first_line = flow.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == f"# yaml-language-server: $schema=../schema/{SCHEMA_FILENAME}"
    assert (flow.parent / "../schema" / SCHEMA_FILENAME).resolve() == COMMITTED


@pytest.mark.parametrize("edit", [
    ("icon: server-rack,", "icon: servr-rack,"),
    ("path: read\n", "path: sideways\n"),
    ("vars:", "colour: blue\nvars:"),
    ("{n: 1,", "{n: 0,"),
])
def test_schema_rejects_what_the_loader_rejects(edit: tuple[str, str]) -> None:
    document = yaml.safe_load(MINIMAL.replace(*edit, 1))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(json_schema()).validate(document)


def test_schema_is_stable_json() -> None:
    assert json.loads(json_schema_text()) == json_schema()
    assert json_schema_text() == json_schema_text()
