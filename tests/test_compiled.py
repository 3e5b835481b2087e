import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from helpers import INNER_ID, plain_json
from kapture_nb.compiled import INVALID, VALID, WARN, Check, Delegate, Schema, compile_check
from kapture_nb.jsonvalues import MAX_DEPTH

NAN, INF = float("nan"), float("inf")


def delegate(part: Mapping[str, Any]) -> Callable[[Any], bool]:
    return Draft7Validator(part).is_valid


def check(schema: Schema) -> Check:
    return compile_check(schema, delegate)


def recording(calls: list[Mapping[str, Any]]) -> Delegate:
    """A delegate that also notes each subschema it is handed."""

    def handed(part: Mapping[str, Any]) -> Callable[[Any], bool]:
        calls.append(part)
        return delegate(part)

    return handed


@pytest.mark.parametrize(
    "schema, good, bad",
    [
        ({"type": "string"}, "x", 1),
        ({"type": "integer"}, 3, "3"),
        ({"type": "number"}, 1.5, "1.5"),
        ({"type": "boolean"}, False, 0),
        ({"type": "null"}, None, False),
        ({"type": "object"}, {"a": 1}, [["a", 1]]),
        ({"type": "array"}, [1], {"0": 1}),
        ({"type": ["integer", "string"]}, "x", 1.5),
        ({"type": ["null", "array"]}, None, {}),
        ({"required": ["a"]}, {"a": None}, {"b": 1}),
        ({"enum": ["a", 1, None]}, None, "b"),
        ({"enum": [[1, {"a": 2}]]}, [1, {"a": 2}], [1, {"a": 3}]),
        ({"const": {"a": [1]}}, {"a": [1]}, {"a": [1], "b": 1}),
        ({"properties": {"a": {"type": "integer"}}}, {"a": 1, "b": "x"}, {"a": "1"}),
        ({"properties": {"a": {"type": "string"}}, "additionalProperties": False}, {"a": "x"}, {"a": "x", "b": 1}),
        ({"properties": {"a": {"type": "string"}}, "required": ["a"]}, {"a": "x"}, {"a": None}),
        ({"properties": {"a": {"type": "boolean"}, "b": {"type": "null"}}}, {"b": None}, {"a": "true"}),
        ({"properties": {"a": {"type": "boolean"}, "b": {"type": "null"}}}, {"a": True}, {"b": 0}),
        ({"properties": {"a": False}}, {"b": 1}, {"a": None}),
        ({"items": {"type": "integer"}}, [1, 2], [1, "2"]),
        ({"items": {"properties": {"a": {"enum": [1]}}}}, [{"a": 1}, {}], [{}, {"a": 2}]),
        ({"minItems": 2, "maxItems": 3}, [1, 2], [1]),
        ({"minItems": 2, "maxItems": 3}, [1, 2, 3], [1, 2, 3, 4]),
        ({"pattern": "^[0-9]+$"}, "123", "12a"),
        ({"pattern": "b"}, "abc", "ac"),
        ({"minLength": 2, "maxLength": 3}, "ab", "a"),
        ({"minLength": 2, "maxLength": 3}, "abc", "abcd"),
        ({"minimum": 1, "maximum": 3}, 1, 0.5),
        ({"minimum": 1, "maximum": 3}, 3, 4),
        ({"exclusiveMinimum": 1, "exclusiveMaximum": 3}, 2, 1),
        ({"exclusiveMinimum": 1, "exclusiveMaximum": 3}, 2.9, 3),
        ({"type": "integer", "minimum": 0}, 0, -1),
    ],
    ids=repr,
)
def test_known_keyword_accepts_a_match_and_rejects_a_mismatch(schema: Schema, good: Any, bad: Any) -> None:
    compiled = check(schema)
    assert compiled(good) == VALID
    assert compiled(bad) == INVALID


@pytest.mark.parametrize(
    "schema, value",
    [
        ({"minLength": 5}, 3),
        ({"pattern": "^a"}, None),
        ({"minimum": 5}, "x"),
        ({"minItems": 1}, {}),
        ({"required": ["a"]}, []),
        ({"additionalProperties": False}, "x"),
    ],
    ids=repr,
)
def test_keywords_for_another_type_do_not_apply(schema: Schema, value: Any) -> None:
    assert check(schema)(value) == VALID


@pytest.mark.parametrize("kind", ["integer", "number"])
def test_true_is_not_a_number(kind: str) -> None:
    assert check({"type": kind})(True) == INVALID
    assert check({"properties": {"n": {"type": kind}}})({"n": False}) == INVALID


def test_an_integral_float_is_an_integer_with_a_warning_and_a_fraction_is_not() -> None:
    assert check({"type": "integer"})(1.0) == WARN  # valid, but it goes out as 1.0
    assert check({"type": ["integer", "string"]})(1.0) == WARN
    assert check({"type": "integer"})(1) == VALID
    assert check({"type": ["integer", "number"]})(1.0) == VALID
    assert check({"type": "integer"})(1.5) == INVALID


def test_enum_and_const_tell_true_from_1_but_not_1_0_from_1() -> None:
    assert check({"enum": [1]})(True) == INVALID
    assert check({"enum": [True]})(1) == INVALID
    assert check({"enum": [1]})(1.0) == VALID
    assert check({"const": 0})(False) == INVALID
    assert check({"const": [1]})([1.0]) == VALID


@pytest.mark.parametrize(
    "schema, value",
    [
        ({"type": "number"}, NAN),
        ({"type": "number"}, INF),
        ({"type": "integer"}, INF),
        ({"minimum": 0}, NAN),
        ({}, {"a": [NAN]}),
        (True, [(1, 2)]),
        ({"type": "object"}, {"a": {"b": NAN}}),
        ({"type": "object"}, {1: "x"}),
        ({"properties": {"a": {"type": "integer"}}}, {"a": 1, "b": dt.date(2024, 1, 2)}),
        ({"properties": {"a": {}}}, {"a": np.int64(1)}),
        ({"items": {}}, [np.bool_(True)]),
        ({"type": "array", "items": {"type": "object"}}, [{"a": INF}]),
        ({"type": "array"}, [NAN]),
        ({"type": "array", "minItems": 1}, [(1, 2)]),
        ({"type": ["array", "null"]}, [[INF]]),
        ({"properties": {"a": {"type": "array"}}}, {"a": [NAN]}),
    ],
    ids=repr,
)
def test_values_json_cannot_carry_are_invalid(schema: Schema, value: Any) -> None:
    assert check(schema)(value) == INVALID


def test_the_false_schema_rejects_everything_and_the_true_schema_accepts_plain_json() -> None:
    assert check(False)({}) == INVALID
    assert check(True)({"a": [1, None]}) == VALID
    assert check({})("anything") == VALID


@pytest.mark.parametrize(
    "fmt, good, odd",
    [
        ("date", "2024-01-02", "02/01/2024"),
        ("date-time", "2024-01-02 10:11:12", "2024-01-02T10:11:12"),
        ("date-time", "2024-01-02", "2024-01-02 10:11"),
    ],
)
def test_dates_in_another_shape_warn(fmt: str, good: str, odd: str) -> None:
    compiled = check({"type": "object", "properties": {"when": {"type": "string", "format": fmt}}})
    assert compiled({"when": good}) == VALID
    assert compiled({"when": odd}) == WARN


def test_an_empty_date_and_an_unknown_format_do_not_warn() -> None:
    assert check({"format": "date"})("") == VALID
    assert check({"format": "email"})("not an email") == VALID


def test_undeclared_keys_of_a_free_form_object_warn() -> None:
    schema = {"type": "object", "properties": {"slot": {"type": "string"}}, "x-free-form": True}
    compiled = check(schema)
    assert compiled({"slot": "a"}) == VALID
    assert compiled({"slt": "a"}) == WARN
    assert check(dict(schema, **{"x-free-form": False}))({"slt": "a"}) == VALID


def test_an_error_outweighs_a_warning() -> None:
    compiled = check({"type": "object", "properties": {"when": {"format": "date"}, "n": {"type": "integer"}}})
    assert compiled({"when": "02/01/2024", "n": 1}) == WARN
    assert compiled({"when": "02/01/2024", "n": "1"}) == INVALID
    assert compiled({"n": "1", "when": "02/01/2024"}) == INVALID


def test_annotations_and_extension_keys_are_not_delegated() -> None:
    calls: list[Mapping[str, Any]] = []
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "t",
        "description": "d",
        "type": "object",
        "properties": {"a": {"type": "string", "default": "", "examples": ["x"], "x-label": "A"}},
        "x-free-form": False,
    }
    compiled = compile_check(schema, recording(calls))
    assert calls == []
    assert compiled({"a": "x"}) == VALID
    assert compiled({"a": 1}) == INVALID


def _without_shapes(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_shapes(child) for key, child in node.items() if key != "x-shape"}
    if isinstance(node, list):
        return [_without_shapes(child) for child in node]
    return node


def test_the_shape_annotations_cost_the_compiled_check_nothing() -> None:
    import kapture_nb as kn

    schema = kn.load_schema()
    assert '"x-shape"' in json.dumps(schema)  # the shipped schema carries them; the warnings are found later, when asked for
    calls: list[Mapping[str, Any]] = []
    assert compile_check(schema, recording(calls)).source == check(_without_shapes(schema)).source
    assert calls == []
    email = {"type": "object", "properties": {"e": {"type": "string", "format": "email"}}}
    assert check(email)({"e": "not an address"}) == VALID  # a warning's shape, never an error's


def test_unknown_keywords_are_delegated_subtree_by_subtree() -> None:
    calls: list[Mapping[str, Any]] = []
    inner = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    schema = {"type": "object", "properties": {"a": inner, "b": {"type": "string"}}, "required": ["b"]}
    compiled = compile_check(schema, recording(calls))
    assert calls == [inner]
    assert compiled({"a": 1, "b": "x"}) == VALID
    assert compiled({"a": 1.5, "b": "x"}) == INVALID
    assert compiled({"a": 1, "b": 2}) == INVALID


DELEGATED = [
    {"anyOf": [{"type": "string", "maxLength": 1}, {"type": "integer"}]},
    {"oneOf": [{"type": "integer"}, {"minimum": 2}]},
    {"allOf": [{"minimum": 1}, {"maximum": 2}]},
    {"not": {"type": "string"}},
    {"if": {"type": "integer"}, "then": {"minimum": 0}, "else": {"type": "string"}},
    {"type": "object", "additionalProperties": {"type": "integer"}},
    {"type": "object", "propertyNames": {"maxLength": 1}},
    {"type": "object", "patternProperties": {"^x": {"type": "string"}}, "additionalProperties": False},
    {"type": "object", "dependencies": {"a": ["b"]}},
    {"type": "object", "minProperties": 1},
    {"type": "array", "items": [{"type": "integer"}, {"type": "string"}]},
    {"type": "array", "contains": {"type": "null"}},
    {"type": "array", "uniqueItems": True},
    {"type": "number", "multipleOf": 0.5},
]
INSTANCES = [
    None, True, 0, 1, 2, 3, -1, 1.5, 2.25, "", "a", "ab", "xa",
    [], [1], [1, "a"], [1, 1], [None, 2], ["a", 1],
    {}, {"a": 1}, {"b": 1}, {"a": 1, "b": 2}, {"ab": 1}, {"x": "s"}, {"x": 1}, {"a": "s"},
]


@pytest.mark.parametrize("schema", DELEGATED, ids=repr)
def test_a_delegated_keyword_agrees_with_jsonschema(schema: Schema) -> None:
    compiled, reference = check(schema), Draft7Validator(schema)
    for instance in INSTANCES:
        assert (compiled(instance) != INVALID) == reference.is_valid(instance), instance


def test_a_delegated_subtree_still_requires_plain_json() -> None:
    compiled = check({"anyOf": [{"type": "array"}, {"type": "object"}]})
    assert Draft7Validator({"anyOf": [{"type": "array"}]}).is_valid([NAN])
    assert compiled([1]) == VALID
    assert compiled([NAN]) == INVALID


def test_boolean_schemas_below_the_root_are_compiled_not_delegated() -> None:
    calls: list[Mapping[str, Any]] = []
    schema = {"properties": {"a": {"items": False}, "b": {"items": True}, "c": True, "d": False}}
    compiled = compile_check(schema, recording(calls))
    assert calls == []
    assert compiled({"a": [], "b": [1, "x"], "c": {"any": None}}) == VALID
    assert compiled({"a": [1]}) == INVALID
    assert compiled({"b": [NAN]}) == INVALID
    assert compiled({"c": (1,)}) == INVALID
    assert compiled({"d": None}) == INVALID


def test_a_schema_with_an_id_below_its_root_is_delegated_whole() -> None:
    calls: list[Mapping[str, Any]] = []
    compiled = compile_check(INNER_ID, recording(calls))
    assert calls == [INNER_ID]
    assert compiled({"foo": {"bar": "a"}, "bar": 1}) != INVALID
    assert compiled({"foo": {"bar": 1}}) == INVALID
    assert compiled({"foo": {"bar": "a"}, "bar": NAN}) == INVALID


def test_generated_source_is_attached_to_the_check() -> None:
    compiled = check({"type": "object", "required": ["order_id"]})
    assert compiled.source.startswith("def check(v0):\n")
    assert "'order_id'" in compiled.source


# The verdict must equal jsonschema's plus "every value is plain JSON".

AGREEMENT_SCHEMAS = [
    {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "boolean"}, "c": {"type": "null"}}},
    {
        "type": "object",
        "properties": {"a": {"type": "integer", "minimum": 0}, "b": {"type": ["string", "null"], "maxLength": 2}},
        "required": ["a"],
        "additionalProperties": False,
    },
    {"type": "array", "items": {"enum": [1, "a", None, True]}, "maxItems": 3},
    {"properties": {"a": {"items": {"type": "number", "exclusiveMaximum": 10}}}, "x-free-form": True},
    {"anyOf": [{"type": "object", "required": ["b"]}, {"type": "array", "minItems": 1}]},
    {"const": {"a": [1, None]}},
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "a", "ab", "abc", "\ud800", "a\udfff"]),
    st.just(np.int64(1)),
    st.just((1,)),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["a", "b", "c", "d", 1, "\udc80"]), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(schema=st.sampled_from(AGREEMENT_SCHEMAS), value=VALUES)
def test_verdict_agrees_with_jsonschema_plus_plain_json(schema: Schema, value: Any) -> None:
    expected = plain_json(value) and Draft7Validator(schema).is_valid(value)
    assert (check(schema)(value) != INVALID) == expected


def _nested(levels: int, leaf: Any = 1, kind: type = dict) -> Any:
    """``levels`` arrays (or objects, under "a") one inside the other around ``leaf``, built without recursion."""
    value = leaf
    for _ in range(levels):
        value = {"a": value} if kind is dict else [value]
    return value


# Where a value can go unlooked-at by the compiled code: free-form, typed, untyped, delegated, and below items.
DEPTH_SCHEMAS = [
    {"type": "object", "properties": {"f": {"type": ["object", "array"]}}},
    {"type": "object", "properties": {"f": {}}},
    {"type": "object", "properties": {"f": True}},
    {"type": "object", "additionalProperties": True},
    {"type": "object", "properties": {"f": {"anyOf": [{"type": "object"}, {"type": "array"}]}}},
    {"type": "object", "properties": {"f": {"items": {"type": ["object", "array", "integer"]}}}},
    {"$id": "http://example.com/s.json", "type": "object", "properties": {"f": {"$id": "f.json"}}},
]


@pytest.mark.parametrize("schema", DEPTH_SCHEMAS, ids=repr)
@pytest.mark.parametrize("kind", [dict, list])
def test_nesting_deeper_than_the_limit_is_invalid_without_recursing(schema: Schema, kind: type) -> None:
    compiled = check(schema)
    assert compiled({"f": _nested(MAX_DEPTH - 1, kind=kind)}) != INVALID  # the body is level 1
    for levels in (MAX_DEPTH, 331, 100_000):
        assert compiled({"f": _nested(levels, kind=kind)}) == INVALID


@pytest.mark.parametrize("schema", DEPTH_SCHEMAS, ids=repr)
def test_a_cycle_is_invalid_without_recursing(schema: Schema) -> None:
    compiled = check(schema)
    body: dict[str, Any] = {}
    body["f"] = [body]
    assert compiled(body) == INVALID
    inner: list[Any] = [1]
    inner.append({"again": inner})
    assert compiled({"f": [inner]}) == INVALID


def test_a_schema_deeper_than_the_limit_compiles_and_refuses_values_that_deep() -> None:
    schema: dict[str, Any] = {"type": "integer"}
    for _ in range(70):
        schema = {"type": ["object", "integer"], "properties": {"a": schema}}
    compiled = check(schema)
    assert Draft7Validator(schema).is_valid(_nested(MAX_DEPTH + 1))
    assert compiled(_nested(MAX_DEPTH)) == VALID
    assert compiled(_nested(MAX_DEPTH, "x")) == INVALID  # the schema still applies to what is not too deep
    assert compiled(_nested(MAX_DEPTH + 1)) == INVALID  # one object more is one too many


@pytest.mark.parametrize("leaf", [{"type": "integer"}, {"enum": [1, "x"]}, True, False], ids=repr)
def test_arrays_nested_beyond_what_python_compiles_are_checked_by_the_delegate(leaf: Schema) -> None:
    schema: Any = leaf
    for _ in range(25):
        schema = {"type": "array", "items": schema}
    compiled, reference = check(schema), Draft7Validator(schema)
    values = [_nested(25, 1, list), _nested(25, "x", list), _nested(24, 1, list), _nested(26, 1, list), [], _nested(20, [], list)]
    for value in values:
        assert (compiled(value) != INVALID) == reference.is_valid(value), value
    assert compiled(_nested(25, NAN, list)) == INVALID


@pytest.mark.parametrize(
    "schema, value",
    [
        ({"type": "string"}, "a\ud800"),
        ({"type": "string", "minLength": 1}, "\udfff"),
        ({"type": ["integer", "string"], "pattern": ".*"}, "\ud800"),
        ({"properties": {"a": {"type": "string"}}}, {"a": "x\udc80"}),  # one of a group of plain strings
        ({"properties": {"a": {"type": "string"}, "b": {"type": "string"}}}, {"a": "ok", "b": "\ud800"}),
        ({"type": "object"}, {"k\ud800": 1}),
        ({"type": "object", "properties": {"k": {}}}, {"x\udfff": 1}),
        ({"type": "array"}, ["\ud800"]),
        ({"enum": ["\ud800"]}, "\ud800"),
    ],
    ids=repr,
)
def test_text_utf8_cannot_encode_is_invalid_wherever_it_is(schema: Schema, value: Any) -> None:
    assert check(schema)(value) == INVALID


def test_grouped_plain_strings_still_tell_text_from_other_types() -> None:
    compiled = check({"properties": {"a": {"type": "string"}, "b": {"type": "string"}}})
    assert compiled({"a": "x", "b": "नमस्ते"}) == VALID
    assert compiled({"a": "x", "b": 1}) == INVALID
    assert compiled({"b": None}) == INVALID


@pytest.mark.parametrize("schema", [{"type": "integer"}, {"type": "number"}, {}, {"type": "array"}], ids=repr)
def test_an_integer_too_long_to_write_is_invalid(schema: Schema) -> None:
    huge = 10**4300
    compiled = check(schema)
    assert compiled([huge] if schema.get("type") == "array" else huge) == INVALID
    assert compiled([10**4299] if schema.get("type") == "array" else 10**4299) == VALID


def test_the_maximum_of_an_id_is_exact() -> None:
    compiled = check({"type": ["integer", "string"], "maximum": 2**63 - 1})
    assert compiled(2**63 - 1) == VALID
    assert compiled(2**63) == INVALID
    assert compiled(float(2**63)) == INVALID  # 9.223372036854776e18 is 2**63 exactly


def test_a_bound_python_cannot_spell_as_a_literal_compiles():
    schema = {"type": "object", "properties": {"n": {"type": "number", "maximum": 1e400, "minimum": -1e400}}}
    compiled = check(schema)  # 1e400 reads as inf: no literal spells it
    assert compiled({"n": 10**300}) == VALID and compiled({"n": -5}) == VALID and compiled({"n": "x"}) == INVALID
