import copy
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft7Validator

import kapture_nb as kn
from helpers import EXAMPLES, INNER_ID, ROOT, plain_json, writing
from kapture_nb import paths
from kapture_nb.jsonvalues import json_copy

INVALID = sorted((EXAMPLES / "invalid").glob("*.json"))


def test_documented_example_is_valid(example: dict[str, Any]) -> None:
    report = kn.validate(example)
    assert report.ok and report.errors == [] and {w.keyword for w in report.warnings} == {"update-flag"}
    assert kn.validate(writing(example)).warnings == []


def test_a_field_set_in_a_section_whose_update_flag_is_false_is_a_warning(example: dict[str, Any]) -> None:
    warnings = {w.path: w.message for w in kn.validate(example).warnings}
    assert warnings["customer_info.phone"] == (
        "customer_info.phone is set but customer_info.update is false: Kapture will not update it"
    )
    assert warnings["contact_info.0.gender"].endswith("contact_info.0.update is false: Kapture will not update it")
    assert "customer_info.customer_name" not in warnings and "order_info.remarks" not in warnings  # identifies; written
    del example["enquiry_info"]["update"]
    messages = [w.message for w in kn.validate(example).warnings]
    assert "enquiry_info.remarks is set but enquiry_info.update is missing (false): Kapture will not update it" in messages
    example["order_info"]["order_id"] = ""
    assert kn.validate(example, kn.load_schema(action="add")).warnings == []  # an Add takes every value


@pytest.mark.parametrize(
    "order_id, words",
    [
        ("2.41E+07", "scientific notation, its digits are lost"),
        ("24100000.5", "a number with a decimal part, its digits are lost"),
        ("24100000.0", "a whole number written with a decimal point; send its digits, '24100000'"),
    ],
)
def test_an_id_written_as_a_number_says_what_was_lost(example: dict[str, Any], order_id: str, words: str) -> None:
    example["order_info"]["order_id"] = order_id
    (error,) = kn.validate(example).errors
    assert error.path == "order_info.order_id" and words in error.message


def test_there_are_at_least_fifteen_invalid_examples() -> None:
    assert len(INVALID) >= 15


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.stem)
def test_invalid_example_gives_exactly_its_error_paths(case: Path) -> None:
    data = json.loads(case.read_text())
    report = kn.validate(data["body"])
    assert not report.ok
    assert sorted(e.path for e in report.errors) == sorted(data["expected_errors"])
    assert all(e.message for e in report.errors)


def test_messages_say_what_is_wrong_in_words(example: dict[str, Any]) -> None:
    example["customer_info"]["custmer_name"] = example["customer_info"].pop("customer_name")
    example["order_info"]["order_id"] = "ORD-1"
    example["order_info"]["update"] = "true"
    messages = {e.path: e.message for e in kn.validate(example).errors}
    assert messages == {
        "customer_info.custmer_name": "unknown key 'custmer_name' in customer_info; did you mean 'customer_name'?",
        "customer_info.customer_name": "customer_name is required",
        "order_info.order_id": "expected an integer or a string of digits, got string 'ORD-1'",
        "order_info.update": "expected true or false, got string 'true'",
    }


def test_errors_come_in_body_order(example: dict[str, Any]) -> None:
    example["order_info"]["update"] = 1
    example["customer_info"]["phone"] = 1
    example["contact_info"][0]["gender"] = 1
    assert [e.path for e in kn.validate(example).errors] == [
        "customer_info.phone",
        "contact_info.0.gender",
        "order_info.update",
    ]


def test_long_values_are_shortened(example: dict[str, Any]) -> None:
    example["customer_info"]["phone"] = ["9" * 500]
    error = kn.validate(example).errors[0]
    assert isinstance(error.value, str) and len(error.value) <= 80 and error.value.endswith("…")


@pytest.mark.parametrize(
    "value, words",
    [
        (float("nan"), "not valid JSON"),
        (float("inf"), "not valid JSON"),
        (np.int64(3), "numpy.int64 is not a JSON type"),
        (dt.datetime(2024, 1, 2), "datetime.datetime is not a JSON type"),
        (Decimal("1.5"), "decimal.Decimal is not a JSON type"),
    ],
)
def test_values_json_cannot_carry_are_named_by_path(example: dict[str, Any], value: Any, words: str) -> None:
    example["order_info"]["associate_fields"] = {"slot": {"when": [value]}}
    report = kn.validate(example)
    assert [(e.path, e.keyword) for e in report.errors] == [("order_info.associate_fields.slot.when.0", "json")]
    assert words in report.errors[0].message


def test_numpy_scalar_in_a_typed_field_is_one_clear_error(example: dict[str, Any]) -> None:
    example["order_info"]["order_id"] = np.int64(23518265)
    errors = kn.validate(example).errors
    assert [(e.path, e.keyword) for e in errors] == [("order_info.order_id", "json")]


def test_not_a_dict_is_reported_not_raised() -> None:
    bodies: list[Any] = [[], "x", None, 3]
    for body in bodies:
        report = kn.validate(body)
        assert [(e.path, e.keyword) for e in report.errors] == [("", "type")]
        assert "expected an object" in report.errors[0].message


def test_dates_in_another_shape_are_warnings_not_errors(example: dict[str, Any]) -> None:
    writing(example)
    example["contact_info"][0]["dob"] = "02/01/1990"
    example["order_info"]["create_date"] = "2024-01-02 10:11:12"
    example["order_info"]["invoice_date"] = "2024-01-02"
    report = kn.validate(example)
    assert report.ok
    assert [(w.path, w.severity) for w in report.warnings] == [("contact_info.0.dob", "warning")]
    assert "yyyy-MM-dd" in report.warnings[0].message


def test_a_whole_float_id_is_valid_with_a_warning_naming_the_int_to_send(example: dict[str, Any]) -> None:
    writing(example)
    example["order_info"]["order_id"] = 23518265.0
    example["contact_info"][0]["contact_id"] = 7.0
    example["customer_info"]["customer_id"] = 191696570
    report = kn.validate(example)
    assert report.ok
    assert sorted((w.path, w.keyword) for w in report.warnings) == [
        ("contact_info.0.contact_id", "integer"),
        ("order_info.order_id", "integer"),
    ]
    order = next(w for w in report.warnings if w.path == "order_info.order_id")
    assert "send the whole number 23518265" in order.message and order.value == 23518265.0


def test_report_frame_has_stable_columns_also_when_empty(example: dict[str, Any]) -> None:
    empty = kn.validate(writing(example)).to_frame()
    assert list(empty.columns) == ["path", "message", "keyword", "value", "severity"]
    assert empty.empty
    del example["customer_info"]["customer_name"]
    frame = kn.validate(example).to_frame()
    assert frame.to_dict("records") == [
        {
            "path": "customer_info.customer_name",
            "message": "customer_name is required",
            "keyword": "required",
            "value": None,
            "severity": "error",
        }
    ]


def test_raise_for_errors(example: dict[str, Any]) -> None:
    assert kn.validate(example).raise_for_errors().ok
    example["order_info"]["order_id"] = "x"
    with pytest.raises(kn.BodyValidationError, match=r"order_info\.order_id") as caught:
        kn.validate(example).raise_for_errors()
    assert isinstance(caught.value, kn.KaptureError)
    assert caught.value.report.errors[0].path == "order_info.order_id"


def test_repr_and_html_are_short_and_deterministic(example: dict[str, Any]) -> None:
    assert repr(kn.validate(writing(example))) == "<ValidationReport ok, 0 warning(s)>"
    example["customer_info"]["phone"] = 1
    report = kn.validate(example)
    assert repr(report).startswith("<ValidationReport 1 error(s), first at customer_info.phone")
    html = report._repr_html_()
    assert html == kn.validate(copy.deepcopy(example))._repr_html_()
    assert "customer_info.phone" in html and "1 error(s)" in html


def test_validate_caches_one_validator_per_schema_object(example: dict[str, Any]) -> None:
    schema = kn.with_associate_fields(order={"slot": "string"})
    from kapture_nb.validation import validator_for

    assert validator_for(schema) is validator_for(schema)
    assert validator_for(None) is validator_for(None)
    assert validator_for(schema) is not validator_for(kn.with_associate_fields(order={"slot": "string"}))


def test_validator_rejects_a_broken_schema_with_a_kapture_error_saying_where() -> None:
    from jsonschema.exceptions import SchemaError as JsonSchemaError

    with pytest.raises(kn.SchemaError, match=r"^#/properties/a/type: not a valid JSON Schema: 'no-such-type' is not") as caught:
        kn.Validator({"properties": {"a": {"type": "no-such-type"}}})
    assert isinstance(caught.value, kn.KaptureError) and isinstance(caught.value, ValueError)
    assert caught.value.location == ("properties", "a", "type")
    assert isinstance(caught.value.__cause__, JsonSchemaError)


FIELD = ("properties", "order_info", "properties", "associate_fields", "properties")


@pytest.mark.parametrize(
    "schema, location, reason",
    [
        (
            kn.with_associate_fields(order={"a": {"$ref": "#/nope"}}),
            (*FIELD, "a", "$ref"),
            "'#/nope' points to nothing in the schema",
        ),
        (
            {"definitions": {"d": {}}, "items": [{"allOf": [{"$ref": "#/definitions/e"}]}]},
            ("items", 0, "allOf", 0, "$ref"),
            "'#/definitions/e' points to nothing in the schema",
        ),
        ({"$ref": "#/definitions/d", "definitions": {"d": {"not": {"$ref": "#x"}}}}, ("definitions", "d", "not", "$ref"),
         "'#x' names no anchor (an $id such as \"#x\") in the schema"),
        (
            {"properties": {"a": {"$ref": "https://example.com/other.json"}}},
            ("properties", "a", "$ref"),
            "'https://example.com/other.json' points to another document, which is never fetched: "
            "copy what it needs into the schema's definitions",
        ),
    ],
)
def test_a_ref_that_leads_nowhere_is_a_schema_error_when_the_validator_is_made(
    schema: dict[str, Any], location: tuple[Any, ...], reason: str
) -> None:
    with pytest.raises(kn.SchemaError) as caught:
        kn.Validator(schema)
    assert caught.value.location == location and caught.value.reason == reason
    assert str(caught.value) == "#/" + "/".join(map(str, location)) + ": " + reason


def test_refs_that_resolve_make_a_validator() -> None:
    schema = {
        "definitions": {"d": {"type": "string"}, "e": {"$id": "#e", "type": "integer"}},
        "properties": {
            "a": {"$ref": "#/definitions/d"},
            "b": {"$ref": "#e"},
            "meta": {"$ref": "http://json-schema.org/draft-07/schema#"},  # jsonschema's own copy: nothing is fetched
        },
    }
    validator = kn.Validator(schema)
    assert validator.validate({"a": "x", "b": 1, "meta": {"type": "string"}}).ok
    assert [e.path for e in validator.validate({"a": 1, "b": "x"}).errors] == ["a", "b"]
    assert not kn.Validator(INNER_ID).validate({"foo": {"bar": 1}}).ok  # resolved from the inner $id's base


@pytest.mark.parametrize("action", ["update", "add"])
def test_the_shipped_schemas_are_valid_draft7(action: str) -> None:
    Draft7Validator.check_schema(kn.load_schema(action))  # Validator() trusts the shipped schema unchecked


def test_a_valid_body_needs_no_jsonschema() -> None:
    code = """
import sys
import kapture_nb as kn
assert "jsonschema" not in sys.modules, "import kapture_nb"
body = kn.documented_example()
assert kn.Validator().validate(body).ok
body["contact_info"][0]["dob"] = "02/01/1990"
report = kn.validate(body)
assert report.ok and report.warnings
assert "jsonschema" not in sys.modules, "a valid body"
body["order_info"]["order_id"] = "ORD-1"
assert not kn.validate(body).ok
assert "jsonschema" in sys.modules, "an invalid body"
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 0, run.stderr


def test_boolean_schemas_are_schemas() -> None:
    assert kn.Validator(True).validate({"any": [1, None]}).ok
    assert [(e.path, e.keyword) for e in kn.Validator(False).validate({}).errors] == [("", "false")]
    assert repr(kn.Validator(False)) == "<Validator False>"


@pytest.mark.parametrize(
    "schema, body, where",
    [
        ({"properties": {"a": {"type": "string"}, "b": False}}, {"a": "x", "b": 1}, "b"),
        ({"properties": {"a": {"properties": {"b": False}}}}, {"a": {"b": 1}}, "a.b"),
        ({"items": [True, False]}, [1, 2], "1"),
        ({"definitions": {"no": False}, "properties": {"a": {"$ref": "#/definitions/no"}}}, {"a": 1}, "a"),
    ],
    ids=repr,
)
def test_a_value_a_false_schema_forbids_is_named_by_its_own_path(schema: dict[str, Any], body: Any, where: str) -> None:
    errors = kn.Validator(schema).validate(body).errors
    assert [(e.path, e.keyword) for e in errors] == [(where, "false")]
    assert errors[0].message.startswith("no value is allowed here")


def test_a_ref_below_an_inner_id_resolves_from_that_id() -> None:
    schema = {**INNER_ID, "properties": {**INNER_ID["properties"], "n": {"type": "integer"}}}
    validator = kn.Validator(schema)
    assert validator.validate({"foo": {"bar": "x"}, "n": 1}).ok
    assert [(e.path, e.keyword) for e in validator.validate({"foo": {"bar": 1}, "n": "1"}).errors] == [
        ("foo.bar", "type"),
        ("n", "type"),
    ]


def test_keys_that_pattern_properties_take_are_not_called_unknown() -> None:
    schema = {"properties": {"a": {}}, "patternProperties": {"^x_": {}}, "additionalProperties": False}
    errors = kn.Validator(schema).validate({"a": 1, "x_1": 2, "y": 3}).errors
    assert [(e.path, e.keyword) for e in errors] == [("y", "additionalProperties")]


# Property tests. The oracle is independent of this package: jsonschema's own Draft7Validator, plus
# "plain JSON" as a JSON round trip that keeps every value and its exact type.

SCHEMA = kn.with_associate_fields(order={"slot": "string", "qty": "integer", "rate": "number"})
VALIDATOR = kn.Validator(SCHEMA)
ORACLE = Draft7Validator(SCHEMA)
EXAMPLE = json.loads((EXAMPLES / "documented_example.json").read_text())


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**12) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6),
    lambda children: st.lists(children, max_size=2) | st.dictionaries(st.text(max_size=4), children, max_size=2),
    max_leaves=4,
)
def _nested(levels: int, leaf: Any = 1) -> Any:
    """A list inside a dict inside a list ... ``levels`` arrays and objects deep, built without recursion."""
    value = leaf
    for level in range(levels):
        value = [value] if level % 2 else {"a": value}
    return value


NOT_JSON = st.one_of(
    st.sampled_from([float("nan"), float("inf"), -float("inf"), np.int64(7), np.bool_(True), dt.date(2024, 1, 2)]),
    st.sampled_from([(1, 2), {1: "x"}, Decimal("1.5")]),
    st.lists(st.just(float("nan")), min_size=1, max_size=2),
    # Text UTF-8 cannot encode; containers are copied per draw: a later change may go inside them, and must not
    # reach the next example (changes to one shared list and dict could even close a cycle across examples).
    st.sampled_from(["\ud800", "ab\udc80", {"\udfff": 1}, ["x", "\ud83d\ude00"]]).map(copy.deepcopy),
    st.integers(61, 66).map(_nested),  # too deep wherever it is put (the body is one level more)
)
# For each keyword the request schema uses: values that may break it at a node carrying it (the oracle judges).
BREAKERS: dict[str, Callable[[dict[str, Any]], st.SearchStrategy[Any]]] = {
    "type": lambda node: ANY_JSON,
    "minLength": lambda node: st.text(max_size=max(node["minLength"] - 1, 0)),
    "pattern": lambda node: st.sampled_from(["", "0", "42", "12a", "a1", "-1", "1.5", " 7", "7\n", "\u0663", "4\ud800"])
    | st.sampled_from(["9223372036854775807", "9223372036854775808", "0009223372036854775807", "9" * 19, "1" * 20])
    | st.integers(2**63 - 3, 2**63 + 3).map(str)
    | st.text(max_size=4),
    "minimum": lambda node: st.integers(node["minimum"] - 3, node["minimum"])
    | st.floats(node["minimum"] - 2, node["minimum"] + 1),
    "maximum": lambda node: st.integers(node["maximum"] - 2, node["maximum"] + 3)
    | st.sampled_from([float(2**63), 1e19, 9.2e18, 10**20]),
    "items": lambda node: st.lists(ANY_JSON, max_size=2),
    "format": lambda node: st.sampled_from(["", "2024-01-02", "2024-01-02 10:11:12", "02/01/2024", "2024-01-02T10:11:12"]),
}
# Keywords broken by changing keys rather than values, and those that constrain nothing (x- extensions neither).
BY_KEYS = {"required", "additionalProperties"}
INERT = {"title", "description", "examples", "$schema", "$id", "properties"}


def _node(place: tuple[str, ...]) -> dict[str, Any] | None:
    """The request schema's node for a place in a body (None where it declares nothing)."""
    node: dict[str, Any] | None = SCHEMA
    for part in place:
        if node is None:
            return None
        node = node["items"] if "items" in node and part.isdigit() else node.get("properties", {}).get(part)
    return node


def _places(body: Any, at: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every place in the body that a path reaches (what sits under a key that is no string is odd already)."""
    yield at
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(key, str):
                yield from _places(value, (*at, key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from _places(value, (*at, str(index)))


def _sites(body: Any) -> dict[str, list[tuple[str, ...]]]:
    """Where each kind of change can be made: keyword -> places whose node has it; also "odd" and "delete"."""
    sites: dict[str, list[tuple[str, ...]]] = {"odd": [], "delete": []}
    for place in _places(body):
        if place:
            sites["odd"].append(place)
            sites["delete"].append(place)
        node = _node(place)
        value = paths.get(body, place) if place else body
        if node is None:
            continue
        for keyword in node.keys() & BREAKERS.keys():
            sites.setdefault(keyword, []).append(place)
        if isinstance(value, dict):
            sites.setdefault("required", []).extend((*place, key) for key in node.get("required", []) if key in value)
            if "additionalProperties" in node:
                sites.setdefault("additionalProperties", []).append(place)
    return {keyword: found for keyword, found in sites.items() if found}


def _put(body: Any, place: tuple[str, ...], value: Any) -> Any:
    if not place:
        return value
    paths.set(body, place, value)
    return body


@st.composite
def broken(draw: st.DrawFn, bodies: st.SearchStrategy[Any]) -> Any:
    """A body with one to three changes, each aimed at one keyword of the schema (or at plain JSON)."""
    body = draw(bodies)
    for _ in range(draw(st.integers(1, 3))):
        sites = _sites(body)
        if not sites:
            break
        keyword = draw(st.sampled_from(sorted(sites)))
        place = draw(st.sampled_from(sites[keyword]))
        if keyword in ("required", "delete"):
            parent = paths.get(body, place[:-1]) if len(place) > 1 else body
            if isinstance(parent, dict):
                del parent[place[-1]]
            else:
                parent.pop(int(place[-1]))
        elif keyword == "additionalProperties":
            target = paths.get(body, place) if place else body
            target[draw(st.sampled_from(["custmer_name", "order_infos", "x", "slot", "qty_"]))] = draw(ANY_JSON | NOT_JSON)
        elif keyword == "odd":
            body = _put(body, place, draw(NOT_JSON))
        else:
            node = _node(place)
            assert node is not None
            body = _put(body, place, draw(BREAKERS[keyword](node)))
    return body


def _check_against_the_oracle(body: Any) -> None:
    expected = plain_json(body) and ORACLE.is_valid(body)
    assert VALIDATOR.is_valid(body) == expected
    errors = VALIDATOR.errors(body)
    assert (errors == []) == expected, errors
    assert VALIDATOR.validate(body).ok == expected
    for error in errors:
        parts = paths.parse(error.path)
        if error.keyword == "required":
            assert _reaches(body, parts[:-1]) and not _reaches(body, parts), error
        else:
            assert _reaches(body, parts), error


def _reaches(body: Any, parts: tuple[str, ...]) -> bool:
    """Whether a reported path leads to a value of the body (a key that is no string is named by its text)."""
    node = body
    for part in parts:
        if isinstance(node, dict):
            keys = [key for key in node if str(key) == part]
            if not keys:
                return False
            node = node[keys[0]]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def test_the_breakers_cover_every_keyword_of_the_request_schema() -> None:
    used: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        used.update(key for key in node if not key.startswith("x-"))
        for child in node.get("properties", {}).values():
            walk(child)
        if "items" in node:
            walk(node["items"])

    walk(SCHEMA)
    assert used - INERT <= BREAKERS.keys() | BY_KEYS, "a keyword no mutation breaks: add it to BREAKERS"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(from_schema(SCHEMA))
def test_generated_valid_bodies_pass_both_paths(body: Any) -> None:
    assert VALIDATOR.is_valid(body)
    assert VALIDATOR.errors(body) == []


@settings(max_examples=400, deadline=None)
@given(broken(st.builds(json_copy, st.just(EXAMPLE))))
def test_broken_documented_examples_agree_with_jsonschema(body: Any) -> None:
    _check_against_the_oracle(body)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(broken(from_schema(SCHEMA)))
def test_broken_generated_bodies_agree_with_jsonschema(body: Any) -> None:
    _check_against_the_oracle(body)


# Bodies that used to raise: too deep, cyclic, text UTF-8 cannot encode, integers too long; ids beyond 64 bits.

MAX_ID = 2**63 - 1


def _shown(report: kn.ValidationReport) -> None:
    """What a notebook or a terminal shows of a report works (repr and HTML print as UTF-8), warnings included."""
    repr(report).encode("utf-8")
    report._repr_html_().encode("utf-8")
    report.to_frame().to_string()
    assert isinstance(report.warnings, list)


def _dicts(levels: int) -> Any:
    """``levels`` objects one inside the other (under "a"), built without recursion."""
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def _lists(levels: int) -> Any:
    """``levels`` arrays one inside the other, built without recursion."""
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize("levels", [331, 100_000])
@pytest.mark.parametrize("kind, part", [(dict, "a"), (list, "0")])
def test_nesting_deeper_than_the_limit_is_one_error_where_the_limit_is_passed(
    example: dict[str, Any], levels: int, kind: type, part: str
) -> None:
    deep = _dicts(levels) if kind is dict else _lists(levels)
    example["order_info"]["associate_fields"] = {"deep": deep}
    report = kn.validate(example)
    # body, order_info, associate_fields: the 64th level is 61 steps below "deep", and the 65th is where it stops
    assert [(e.path, e.keyword) for e in report.errors] == [
        (paths.join(("order_info", "associate_fields", "deep", *[part] * 61)), "depth")
    ]
    assert "deeper than 64 levels" in report.errors[0].message
    assert isinstance(report.errors[0].value, str) and len(report.errors[0].value) <= 80
    assert not kn.Validator().is_valid(example)
    _shown(report)


def test_nesting_up_to_the_limit_is_valid(example: dict[str, Any]) -> None:
    example["order_info"]["associate_fields"] = {"deep": _dicts(61)}  # 64 levels with the body's three
    assert kn.validate(example).ok
    example["order_info"]["associate_fields"] = {"deep": _dicts(62)}
    assert [e.keyword for e in kn.validate(example).errors] == ["depth"]


def test_a_deep_value_in_a_declared_field_is_reported_and_the_rest_still_checked(example: dict[str, Any]) -> None:
    validator = kn.Validator(kn.with_associate_fields(order={"slot": "string"}, strict=True))
    example["order_info"]["associate_fields"] = {"slot": _lists(500)}
    example["customer_info"]["phone"] = 7
    report = validator.validate(example)
    assert [(e.path, e.keyword) for e in report.errors] == [
        ("customer_info.phone", "type"),
        ("order_info.associate_fields.slot", "type"),
        (paths.join(("order_info", "associate_fields", "slot", *["0"] * 61)), "depth"),
    ]
    _shown(report)


def test_a_body_inside_itself_is_one_error_where_the_cycle_closes(example: dict[str, Any]) -> None:
    example["order_info"]["associate_fields"] = {"again": example}
    report = kn.validate(example)
    assert [(e.path, e.keyword) for e in report.errors] == [("order_info.associate_fields.again", "cycle")]
    assert "contains itself: it is the body" in report.errors[0].message
    _shown(report)


def test_a_cycle_through_a_list_is_one_error_where_it_closes(example: dict[str, Any]) -> None:
    items: list[Any] = ["x"]
    example["customer_info"]["additional_fields"] = {"items": items}
    items.append({"back": items})
    report = kn.validate(example)
    assert [(e.path, e.keyword) for e in report.errors] == [("customer_info.additional_fields.items.1.back", "cycle")]
    assert "it is customer_info.additional_fields.items" in report.errors[0].message
    _shown(report)


def test_a_cycle_in_an_undeclared_schema_place_is_reported_not_raised() -> None:
    body: dict[str, Any] = {"a": []}
    body["a"].append(body)
    report = kn.Validator({"type": "object", "properties": {"a": {"type": "array", "items": {"$ref": "#"}}}}).validate(body)
    assert [(e.path, e.keyword) for e in report.errors] == [("a.0", "cycle")]


@pytest.mark.parametrize(
    "where, value, path",
    [
        (("customer_info", "customer_name"), "AB\ud800", "customer_info.customer_name"),
        (("customer_info", "city"), "\udcff", "customer_info.city"),
        (("contact_info", 0, "gender"), "M\udc80", "contact_info.0.gender"),
        (("order_info", "associate_fields"), {"slot": ["am", "\ud83d\ude00"]}, "order_info.associate_fields.slot.1"),
        (("order_info", "associate_fields"), {"sl\udc80t": "am"}, "order_info.associate_fields.sl\udc80t"),
    ],
    ids=["required text", "grouped text", "in a contact", "free-form value", "free-form key"],
)
def test_text_utf8_cannot_encode_is_an_error_by_path(
    example: dict[str, Any], where: tuple[Any, ...], value: Any, path: str
) -> None:
    node: Any = example
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = value
    report = kn.validate(example)
    assert [(e.path, e.keyword) for e in report.errors] == [(path, "encoding")]
    assert "UTF-8 cannot encode" in report.errors[0].message and "\\u" in report.errors[0].message
    assert not kn.Validator().is_valid(example)
    _shown(report)
    with pytest.raises(UnicodeEncodeError):
        json.dumps(example, ensure_ascii=False).encode("utf-8")  # what the error saves a send from


def test_an_integer_too_long_to_write_is_an_error_not_an_exception(example: dict[str, Any]) -> None:
    example["order_info"]["associate_fields"] = {"count": 10**5000}
    example["customer_info"]["customer_id"] = -(10**4400)
    report = kn.validate(example)
    assert [(e.path, e.keyword) for e in report.errors] == [
        ("customer_info.customer_id", "json"),
        ("order_info.associate_fields.count", "json"),
    ]
    assert "5001 digits" in report.errors[1].message and report.errors[1].value == "<an integer of 5001 digits>"
    _shown(report)


ID_FIELDS = [
    "order_info.order_id",
    "order_info.ticket_id",
    "customer_info.customer_id",
    "enquiry_info.enquiry_id",
    "contact_info.0.contact_id",
]


@pytest.mark.parametrize("path", ID_FIELDS)
@pytest.mark.parametrize(
    "value, words",
    [
        ("1" * 20, "20 digits, above 9223372036854775807 (2^63-1: ids are 64-bit)"),
        (str(MAX_ID + 1), "19 digits, above 9223372036854775807 (2^63-1: ids are 64-bit)"),
        ("9" * 19, "19 digits, above 9223372036854775807"),
        ("1" * 5000, "5000 digits, above 9223372036854775807"),
        (MAX_ID + 1, "must be at most 9223372036854775807 (2^63-1: ids are 64-bit), got 9223372036854775808"),
        (10**20, "must be at most 9223372036854775807 (2^63-1: ids are 64-bit), got 100000000000000000000"),
        (float(2**63), "must be at most 9223372036854775807"),
    ],
)
def test_an_id_beyond_64_bits_is_an_error_that_says_the_limit(example: dict[str, Any], path: str, value: Any, words: str) -> None:
    paths.set(example, path, value)
    report = kn.validate(example)
    assert [e.path for e in report.errors] == [path]
    assert words in report.errors[0].message
    assert report.errors[0].keyword in ("pattern", "maximum")


@pytest.mark.parametrize("value", [MAX_ID, str(MAX_ID), "000" + str(MAX_ID), "1" * 18, 1])
def test_ids_up_to_2_63_minus_1_are_valid(example: dict[str, Any], value: Any) -> None:
    for path in ("order_info.order_id", "order_info.ticket_id", "customer_info.customer_id", "contact_info.0.contact_id"):
        paths.set(example, path, value)
    assert kn.validate(example).ok


def test_an_add_takes_no_id_or_one_within_64_bits(example: dict[str, Any]) -> None:
    add = kn.load_schema(action="add")
    example["order_info"]["order_id"] = ""
    assert kn.validate(example, add).ok
    example["order_info"]["order_id"] = str(MAX_ID + 1)
    assert "above 9223372036854775807" in kn.validate(example, add).errors[0].message


def test_short_values_of_deep_or_cyclic_containers_cost_only_their_length() -> None:
    from kapture_nb.validation import shorten

    cyclic: list[Any] = [1]
    cyclic.append(cyclic)
    assert shorten(cyclic) == "[1, [...]]" == repr(cyclic)
    deep = shorten(_lists(100_000))
    assert len(deep) == 80 and deep.startswith("[[[[") and deep.endswith("…")
    ordinary = {"a": [1, 2.5, None, True, "x"], "b": (1,), "c": {}}
    assert shorten(ordinary) == repr(ordinary)
    assert shorten(10**5000) == "<an integer of 5001 digits>" and shorten(10**30) == 10**30
    assert shorten("x\ud800") == "x\\ud800"


@pytest.mark.parametrize(
    "schema",
    [None, True, {"type": "array", "items": {"$ref": "#"}}, {"properties": {"t": {"enum": [1]}}}],
    ids=["request", "true", "recursive", "enum"],
)
def test_a_foreign_object_holding_anything_is_reported_without_showing_all_of_it(schema: Any) -> None:
    body = {"t": (_lists(100_000),), "n": np.int64(1)}
    report = kn.validate(body, schema)
    assert {(e.path, e.keyword) for e in report.errors} >= {("t", "json"), ("n", "json")}
    assert all(len(str(e.value)) <= 80 for e in report.errors)
    _shown(report)


# Shape warnings: phones libphonenumber rejects, e-mails of wrong syntax, PIN codes that are not 6 digits.
# The oracles are the libraries themselves (phonenumbers, email-validator) and the PIN code rule written out.

SHAPED = [
    "customer_info.phone",
    "customer_info.email_id",
    "customer_info.pincode",
    "customer_info.customer_assign_emp_email",
    "contact_info.0.country_code",
    "contact_info.0.contact_person_phone",
    "contact_info.0.contact_person_email",
    "contact_info.0.additional_contact_phone",
    "enquiry_info.assign_emp_email",
    "order_info.assign_emp_email",
]


def _shape_warnings(report: kn.ValidationReport) -> list[tuple[paths.Path, str]]:
    return [(w.path, w.keyword) for w in report.warnings if w.keyword in ("phone", "email", "pincode")]


def _accepted_phone(text: str, region: str) -> bool:
    import phonenumbers

    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(text, region)))
    except phonenumbers.NumberParseException:
        return False


@pytest.mark.parametrize(
    "phone, warned",
    [
        ("9380491257", False),
        ("+91 98765 43210", False),
        ("+91-9876543210", False),
        ("098765 43210", False),
        ("080 2345 6789", False),  # a Bengaluru landline
        ("+44 20 7946 0958", False),  # its own country code: judged as a UK number
        ("", False),  # no value
        ("12345", True),
        ("0987654321", True),
        ("98765432101234", True),
        ("9876543210.0", True),  # a number column's float: the digits read are 98765432100
        ("9.87654E+09", True),
        ("abc", True),
    ],
)
def test_a_phone_libphonenumber_rejects_for_india_is_a_warning(example: dict[str, Any], phone: str, warned: bool) -> None:
    writing(example)
    example["customer_info"]["phone"] = phone
    report = kn.validate(example)
    assert report.ok
    assert _shape_warnings(report) == ([("customer_info.phone", "phone")] if warned else [])
    assert warned == (phone != "" and not _accepted_phone(phone, "IN"))
    if warned:
        (warning,) = [w for w in report.warnings if w.keyword == "phone"]
        assert warning.severity == "warning" and warning.value == phone
        assert warning.message.startswith(f"{phone!r} is not a valid phone number (libphonenumber, read for region IN")
        assert ("spreadsheet" in warning.message) == (phone in ("9876543210.0", "9.87654E+09"))


PHONE_TEXT = st.one_of(
    st.integers(6_000_000_000, 9_999_999_999).map(str),
    st.tuples(st.sampled_from(["", "0", "+91 ", "+91-", "+1 ", "+44 ", "0091"]), st.integers(0, 10**11).map(str)).map("".join),
    st.text("0123456789 +-().", max_size=16),
    st.text(max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(PHONE_TEXT, st.sampled_from(["IN", "US", "GB"]))
def test_a_phone_is_warned_exactly_when_libphonenumber_rejects_it_for_the_region(phone: str, region: str) -> None:
    body = writing(json_copy(EXAMPLE))
    body["customer_info"]["phone"] = phone
    body["contact_info"][0]["contact_person_phone"] = phone  # its country_code is "": read for the region too
    report = kn.validate(body, region=region)
    expected = [] if phone == "" or _accepted_phone(phone, region) else [
        ("customer_info.phone", "phone"), ("contact_info.0.contact_person_phone", "phone")
    ]
    assert _shape_warnings(report) == expected
    assert all(f"read for region {region}" in w.message for w in report.warnings if w.keyword == "phone")
    assert report.ok


@pytest.mark.parametrize(
    "code, phone, warned",
    [
        ("", "9876543210", []),
        ("91", "9876543210", []),
        ("44", "0300 123 4567", []),  # a UK number no Indian one has
        ("+44", "0300 123 4567", []),
        ("", "0300 123 4567", ["contact_info.0.contact_person_phone"]),  # read for IN
        ("44", "9876543210", ["contact_info.0.contact_person_phone"]),  # an Indian mobile, read for GB
        ("800", "12345678", []),  # a code of no region (international freephone)
        ("999", "9876543210", ["contact_info.0.country_code"]),  # no country's code: the phone is read for IN
        ("India", "9876543210", ["contact_info.0.country_code"]),
        ("091", "9876543210", ["contact_info.0.country_code"]),  # not read as 91: a leading zero is no code's
    ],
)
def test_a_contacts_country_code_decides_the_region_its_phones_are_read_for(
    example: dict[str, Any], code: str, phone: str, warned: list[str]
) -> None:
    contact = writing(example)["contact_info"][0]
    contact["country_code"], contact["contact_person_phone"] = code, phone
    report = kn.validate(example)
    assert report.ok
    assert _shape_warnings(report) == [(path, "phone") for path in warned]
    messages = " ".join(w.message for w in report.warnings)
    if code == "44" and warned:
        assert "read for region GB, from country_code '44'" in messages
    if code in ("999", "India", "091"):
        assert f"{code!r} is not a telephone country code" in messages and "read for region IN" in messages


@pytest.mark.parametrize(
    "email, warned",
    [
        ("abc@abc.min", False),
        ("A.B+tag@Example.co.in", False),
        ("ü@x.com", False),
        ("", False),
        ("a@@x.com", True),
        ("a@x", True),
        ("a b@x.com", True),
        ("a@x.com; b@x.com", True),  # two addresses in one cell
        (" a@x.com", True),
        ("@x.com", True),
        ("a@", True),
    ],
)
def test_an_email_of_wrong_syntax_is_a_warning_with_the_librarys_reason(
    example: dict[str, Any], email: str, warned: bool
) -> None:
    from email_validator import EmailNotValidError, validate_email

    writing(example)
    for path in ("customer_info.email_id", "contact_info.0.contact_person_email", "order_info.assign_emp_email"):
        paths.set(example, path, email)
    report = kn.validate(example)
    assert report.ok
    expected = ["customer_info.email_id", "contact_info.0.contact_person_email", "order_info.assign_emp_email"]
    assert _shape_warnings(report) == ([(path, "email") for path in expected] if warned else [])
    if warned:
        with pytest.raises(EmailNotValidError) as rejected:
            validate_email(email, check_deliverability=False)
        reason = str(rejected.value).rstrip(".")
        assert all(reason[1:] in w.message and w.value == email for w in report.warnings if w.keyword == "email")
        assert report.warnings[0].message.startswith(f"{email!r} is not a valid e-mail address (email-validator: ")


@pytest.mark.parametrize(
    "pincode, warned",
    [
        ("560001", False),
        ("110001", False),
        ("", False),
        ("560 001", True),
        ("56001", True),
        ("5600011", True),
        ("ABCDEF", True),
        ("५६०००१", True),  # digits, but not ASCII ones
        (" 560001", True),
    ],
)
def test_a_pincode_that_is_not_six_digits_is_a_warning(example: dict[str, Any], pincode: str, warned: bool) -> None:
    writing(example)["customer_info"]["pincode"] = pincode
    report = kn.validate(example)
    assert report.ok and _shape_warnings(report) == ([("customer_info.pincode", "pincode")] if warned else [])
    if warned:
        assert report.warnings[0].message == f"{pincode!r} is not a PIN code: Indian PIN codes are 6 digits, as '560001'"


def test_declared_custom_fields_take_shapes_too(example: dict[str, Any]) -> None:
    schema = kn.with_associate_fields(
        order={
            "pin": {"type": "integer", "x-shape": "pincode"},
            "alt_email": {"type": "string", "format": "email"},
            "alt_phone": {"type": "string", "x-shape": "phone"},
            "idn_email": {"type": "string", "format": "idn-email"},
        }
    )
    good = {"pin": 560001, "alt_email": "a@x.com", "alt_phone": "9876543210", "idn_email": "ü@x.com"}
    writing(example)["order_info"]["associate_fields"] = good
    assert _shape_warnings(kn.validate(example, schema)) == []
    example["order_info"]["associate_fields"] = {"pin": 56001, "alt_email": "a@x", "alt_phone": "12", "idn_email": "ü"}
    assert _shape_warnings(kn.validate(example, schema)) == [
        ("order_info.associate_fields.pin", "pincode"),
        ("order_info.associate_fields.alt_email", "email"),
        ("order_info.associate_fields.alt_phone", "phone"),
        ("order_info.associate_fields.idn_email", "email"),
    ]


def test_an_unknown_shape_or_two_country_codes_in_one_object_is_a_clear_error() -> None:
    fax = r"x-shape at order_info\.associate_fields\.fax: 'fax' is none of phone, email"
    with pytest.raises(kn.SchemaError, match=fax) as caught:
        kn.Validator(kn.with_associate_fields(order={"fax": {"type": "string", "x-shape": "fax"}}))
    assert caught.value.location == (*FIELD, "fax", "x-shape")
    assert caught.value.reason == "'fax' is none of phone, email, pincode, country-code"
    twice = {"type": "object", "properties": {"a": {"x-shape": "country-code"}, "b": {"x-shape": "country-code"}}}
    with pytest.raises(kn.SchemaError, match=r"x-shape: contact has 2 country codes \(a, b\)") as caught:
        kn.Validator({"properties": {"contact": twice}})
    assert caught.value.location == ("properties", "contact") and caught.value.reason.startswith("2 country codes (a, b)")


def test_region_none_turns_the_phone_warnings_off_and_a_region_is_checked(example: dict[str, Any]) -> None:
    from kapture_nb.validation import validator_for

    writing(example)["customer_info"].update(phone="12345", email_id="a@x")
    example["contact_info"][0]["country_code"] = "999"
    assert _shape_warnings(kn.validate(example, region=None)) == [("customer_info.email_id", "email")]
    assert len(_shape_warnings(kn.validate(example))) == 3
    assert validator_for(None, "US") is validator_for(None, "US")
    assert validator_for(None, "US") is not validator_for(None) and validator_for(None, None).region is None
    schema = kn.load_schema()
    assert validator_for(schema, None) is not validator_for(schema) and validator_for(schema, None).region is None
    for region in ("India", "in", "XX", ["IN"], 91):
        with pytest.raises(kn.ConfigurationError, match=r"region is a region code libphonenumber knows \(IN, US, GB\.\.\.\), or"):
            kn.validate(example, region=region)
        with pytest.raises(kn.ConfigurationError, match="region is a region code"):
            kn.Validator(region=region)


def test_shape_warnings_never_make_a_body_invalid(example: dict[str, Any]) -> None:
    writing(example)["customer_info"].update(phone="1", email_id="@", pincode="1")
    validator = kn.Validator()
    assert validator.is_valid(example) and validator.validate(example).ok
    report = validator.validate(example)
    assert [(w.keyword, w.severity) for w in report.warnings] == [(kind, "warning") for kind in ("phone", "email", "pincode")]
    assert list(report.to_frame()["keyword"]) == ["phone", "email", "pincode"]


@pytest.mark.parametrize("value", [np.array([1, 2]), ["9876543210"], {"a": "b"}, 9876543210, 1.5, True, "x\ud800", "9" * 10_000])
def test_any_value_in_a_shaped_field_is_judged_without_raising(example: dict[str, Any], value: Any) -> None:
    writing(example)
    for path in SHAPED:
        paths.set(example, path, value)
    report = kn.validate(example)
    assert not report.ok or isinstance(value, str)
    for warning in report.warnings:  # only text (and a PIN code's int) has a shape; the schema judges the type
        assert warning.keyword in ("phone", "email", "pincode", "update-flag"), warning
        assert isinstance(value, (str, int)) or warning.keyword == "update-flag"
        if isinstance(value, int) and not isinstance(value, bool):  # an int is read as a PIN code's or a country code's digits
            assert warning.path in ("customer_info.pincode", "contact_info.0.country_code")
        assert len(str(warning.value)) <= 80 and len(warning.message) < 400


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(SHAPED), ANY_JSON | st.text())
def test_whatever_a_shaped_field_holds_the_warnings_are_found_without_raising(path: str, value: Any) -> None:
    body = json_copy(EXAMPLE)
    paths.set(body, path, value)
    report = kn.validate(body)
    assert all(w.severity == "warning" for w in report.warnings)


def test_ok_and_a_send_never_pay_for_the_shape_checks() -> None:
    code = """
import sys
import kapture_nb as kn
body = kn.documented_example()
body["customer_info"].update(phone="12345", email_id="a@x", pincode="1")
validator = kn.Validator(region="IN")
assert validator.is_valid(body) and kn.validate(body).ok and not kn.validate(body).errors
libraries = {"phonenumbers", "email_validator"}
assert not libraries & set(sys.modules), "ok, errors, is_valid"
assert len([w for w in kn.validate(body).warnings if w.keyword != "update-flag"]) == 3
assert libraries <= set(sys.modules), "warnings"
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize(
    "schema, location",
    [
        ({"$ref": "#"}, ("$ref",)),
        ({"definitions": {"a": {"allOf": [{"$ref": "#/definitions/b"}]}, "b": {"not": {"$ref": "#/definitions/a"}}},
         "properties": {"x": {"$ref": "#/definitions/a"}}}, ("definitions", "a", "allOf", 0, "$ref")),
        (kn.with_associate_fields(order={"a": {"$ref": "#/properties/order_info/properties/associate_fields/properties/a"}}),
         (*FIELD, "a", "$ref")),
    ],
)
def test_a_ref_that_leads_back_to_itself_without_going_into_the_value_is_a_schema_error(
    schema: dict[str, Any], location: tuple[Any, ...]
) -> None:
    with pytest.raises(kn.SchemaError, match="leads back here through") as caught:
        kn.Validator(schema)
    assert caught.value.location == location and "validation would never end" in caught.value.reason


def test_a_recursive_schema_that_goes_into_the_value_is_fine() -> None:
    tree = {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#"}}, "n": {"type": "integer"}}}
    validator = kn.Validator(tree)
    assert validator.validate({"children": [{"children": [{"n": 1}]}]}).ok
    assert [e.path for e in validator.validate({"children": [{"children": [{"n": "x"}]}]}).errors] == ["children.0.children.0.n"]
