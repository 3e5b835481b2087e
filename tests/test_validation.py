import copy
import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import kapture_nb as kn
from kapture_nb import paths
from helpers import EXAMPLES

INVALID = sorted((EXAMPLES / "invalid").glob("*.json"))


def test_documented_example_is_valid(example):
    report = kn.validate(example)
    assert report.ok and report.errors == [] and report.warnings == []


def test_there_are_at_least_fifteen_invalid_examples():
    assert len(INVALID) >= 15


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.stem)
def test_invalid_example_gives_exactly_its_error_paths(case):
    data = json.loads(case.read_text())
    report = kn.validate(data["body"])
    assert not report.ok
    assert sorted(e.path for e in report.errors) == sorted(data["expected_errors"])
    assert all(e.message for e in report.errors)


def test_messages_say_what_is_wrong_in_words(example):
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


def test_errors_come_in_body_order(example):
    example["order_info"]["update"] = 1
    example["customer_info"]["phone"] = 1
    example["contact_info"][0]["gender"] = 1
    assert [e.path for e in kn.validate(example).errors] == [
        "customer_info.phone",
        "contact_info.0.gender",
        "order_info.update",
    ]


def test_long_values_are_shortened(example):
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
def test_values_json_cannot_carry_are_named_by_path(example, value, words):
    example["order_info"]["associate_fields"] = {"slot": {"when": [value]}}
    report = kn.validate(example)
    assert [(e.path, e.keyword) for e in report.errors] == [("order_info.associate_fields.slot.when.0", "json")]
    assert words in report.errors[0].message


def test_numpy_scalar_in_a_typed_field_is_one_clear_error(example):
    example["order_info"]["order_id"] = np.int64(23518265)
    errors = kn.validate(example).errors
    assert [(e.path, e.keyword) for e in errors] == [("order_info.order_id", "json")]


def test_not_a_dict_is_reported_not_raised():
    for body in ([], "x", None, 3):
        report = kn.validate(body)
        assert [(e.path, e.keyword) for e in report.errors] == [("", "type")]
        assert "expected an object" in report.errors[0].message


def test_dates_in_another_shape_are_warnings_not_errors(example):
    example["contact_info"][0]["dob"] = "02/01/1990"
    example["order_info"]["create_date"] = "2024-01-02 10:11:12"
    example["order_info"]["invoice_date"] = "2024-01-02"
    report = kn.validate(example)
    assert report.ok
    assert [(w.path, w.severity) for w in report.warnings] == [("contact_info.0.dob", "warning")]
    assert "yyyy-MM-dd" in report.warnings[0].message


def test_a_whole_float_id_is_valid_with_a_warning_naming_the_int_to_send(example):
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


def test_report_frame_has_stable_columns_also_when_empty(example):
    empty = kn.validate(example).to_frame()
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


def test_raise_for_errors(example):
    assert kn.validate(example).raise_for_errors().ok
    example["order_info"]["order_id"] = "x"
    with pytest.raises(kn.BodyValidationError, match="order_info.order_id") as caught:
        kn.validate(example).raise_for_errors()
    assert isinstance(caught.value, kn.KaptureError)
    assert caught.value.report.errors[0].path == "order_info.order_id"


def test_repr_and_html_are_short_and_deterministic(example):
    assert repr(kn.validate(example)) == "<ValidationReport ok, 0 warning(s)>"
    example["customer_info"]["phone"] = 1
    report = kn.validate(example)
    assert repr(report).startswith("<ValidationReport 1 error(s), first at customer_info.phone")
    html = report._repr_html_()
    assert html == kn.validate(copy.deepcopy(example))._repr_html_()
    assert "customer_info.phone" in html and "1 error(s)" in html


def test_validate_caches_one_validator_per_schema_object(example):
    schema = kn.with_associate_fields(order={"slot": "string"})
    from kapture_nb.validation import validator_for

    assert validator_for(schema) is validator_for(schema)
    assert validator_for(None) is validator_for(None)
    assert validator_for(schema) is not validator_for(kn.with_associate_fields(order={"slot": "string"}))


def test_validator_rejects_a_broken_schema():
    import jsonschema

    with pytest.raises(jsonschema.SchemaError):
        kn.Validator({"type": "no-such-type"})


# Property tests: the fast yes/no path and the full error path must agree.

VALIDATOR = kn.Validator(kn.with_associate_fields(order={"slot": "string", "qty": "integer", "rate": "number"}))
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.just(np.int64(7)),
    st.just(np.bool_(True)),
    st.just(dt.date(2024, 1, 2)),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _places(body, at=()):
    yield at
    if isinstance(body, dict):
        for key, value in body.items():
            yield from _places(value, at + (key,))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from _places(value, at + (str(index),))


@st.composite
def mutated(draw, body_strategy):
    body = draw(body_strategy)
    for _ in range(draw(st.integers(0, 3))):
        places = [p for p in _places(body) if p]
        if not places:
            break
        place = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["delete", "replace", "add"]))
        parent = paths.get(body, place[:-1]) if len(place) > 1 else body
        if action == "delete" and isinstance(parent, dict):
            del parent[place[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["custmer_name", "order_infos", "x", place[-1] + "_"]))] = draw(ODD_VALUES)
        else:
            paths.set(body, place, draw(ODD_VALUES))
    return body


def _check_agreement(body):
    fast = VALIDATOR.is_valid(body)
    errors = VALIDATOR.errors(body)
    assert fast == (errors == []), errors
    for error in errors:
        if error.keyword == "required":
            parent = paths.parse(error.path)[:-1]
            assert paths.exists(body, parent) and not paths.exists(body, error.path)
        else:
            assert paths.exists(body, error.path) or error.path == "", error


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(from_schema(VALIDATOR.schema))
def test_generated_valid_bodies_pass_both_paths(body):
    assert VALIDATOR.is_valid(body)
    assert VALIDATOR.errors(body) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated(from_schema(VALIDATOR.schema)))
def test_mutated_bodies_get_the_same_verdict_on_both_paths(body):
    _check_agreement(body)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutations_of_the_documented_example_agree(data):
    example = json.loads((EXAMPLES / "documented_example.json").read_text())
    _check_agreement(data.draw(mutated(st.just(example))))
