"""The committed JSON Schema of rules files matches the model it is generated from."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from app.policy.loader import rules_json_schema
from app.settings import SHIPPED_RULES

SCHEMA = Path(__file__).resolve().parents[2] / "schema" / "rules.schema.json"


def test_committed_schema_is_up_to_date() -> None:
    committed = json.loads(SCHEMA.read_text())
    assert committed == rules_json_schema(), (
        "schema/rules.schema.json is stale: run `gatehouse rules schema > schema/rules.schema.json`"
    )


def test_shipped_rules_satisfy_the_schema() -> None:
    schema = rules_json_schema()
    for path in sorted(SHIPPED_RULES.glob("*.yml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_schema_rejects_an_unknown_key() -> None:
    bad = {"rules": [{"id": "x", "title": "t", "group": "g", "paths": ["a"], "titel": "oops"}]}
    errors = list(jsonschema.Draft202012Validator(rules_json_schema()).iter_errors(bad))
    assert errors and "titel" in errors[0].message
