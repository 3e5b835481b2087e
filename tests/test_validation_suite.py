"""The official JSON-Schema-Test-Suite, draft 7: both of Validator's paths give each case's verdict."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kapture_nb import Validator

SUITE = Path(__file__).resolve().parent / "data" / "jsonschema-test-suite"
DRAFT7 = SUITE / "draft7"
SKIPPED = {
    "refRemote": "needs the suite's remotes/ served at http://localhost:1234, and this copy of the suite has none",
}
# Every validation keyword of draft 7 has its file; an incomplete copy of the suite fails here, not silently.
DRAFT7_KEYWORDS = {
    "additionalItems", "additionalProperties", "allOf", "anyOf", "boolean_schema", "const", "contains",
    "dependencies", "enum", "exclusiveMaximum", "exclusiveMinimum", "format", "if-then-else", "items",
    "maxItems", "maxLength", "maxProperties", "maximum", "minItems", "minLength", "minProperties", "minimum",
    "multipleOf", "not", "oneOf", "pattern", "patternProperties", "properties", "propertyNames", "ref",
    "refRemote", "required", "type", "uniqueItems",
}


def _cases() -> list[Any]:
    """One pytest param per test of every required draft-7 file, named file: group / test."""
    cases = []
    for path in sorted(DRAFT7.glob("*.json")):
        marks = [pytest.mark.skip(reason=SKIPPED[path.stem])] if path.stem in SKIPPED else []
        for group in json.loads(path.read_text(encoding="utf-8")):
            for test in group["tests"]:
                cases.append(
                    pytest.param(
                        group["schema"],
                        test["data"],
                        test["valid"],
                        id=f"{path.stem}: {group['description']} / {test['description']}",
                        marks=marks,
                    )
                )
    return cases


def test_the_suite_copy_has_every_draft7_keyword_and_its_licence() -> None:
    assert not DRAFT7_KEYWORDS - {path.stem for path in DRAFT7.glob("*.json")}
    assert "Permission is hereby granted" in (SUITE / "LICENSE").read_text(encoding="utf-8")


@pytest.mark.parametrize("schema, data, valid", _cases())
def test_draft7_case(schema: Any, data: Any, valid: bool) -> None:
    validator = Validator(schema)
    assert validator.is_valid(data) == valid
    report = validator.validate(data)
    assert report.ok == valid, report.errors
    assert (validator.errors(data) == []) == valid
