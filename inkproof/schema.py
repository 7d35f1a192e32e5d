"""The published JSON Schema of the spec format, so editors can complete and check specs.

Generated from the model rather than written by hand, so the two cannot disagree; a test
compares the committed copy in ``spec/schema/`` with a fresh one.
"""

from __future__ import annotations

import json
from typing import Any

from inkproof.model import FORMAT_VERSION, Flow

SCHEMA_FILENAME = f"inkproof-{FORMAT_VERSION}.schema.json"


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a flow spec file."""
    schema = Flow.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://inkproof.dev/schema/{SCHEMA_FILENAME}",
        **schema,
        "title": f"inkproof flow spec, format {FORMAT_VERSION}",
    }


def json_schema_text() -> str:
    """The schema as stable, pretty JSON text (ends with a newline)."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
