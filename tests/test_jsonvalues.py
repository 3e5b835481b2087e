import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapture_nb.jsonvalues import is_clean, json_copy, json_equal

NAN, INF = float("nan"), float("inf")

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=20,
)


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -3, 10**30, 1.5, -0.0, "", "text", [], {}, {"a": [1, {"b": None, "c": [True, 2.5, "x"]}]}],
    ids=repr,
)
def test_is_clean_accepts_plain_json(value):
    assert is_clean(value)


@pytest.mark.parametrize(
    "value",
    [
        NAN,
        INF,
        -INF,
        {"a": [1, {"b": NAN}]},
        [[INF]],
        {1: "x"},
        {"a": {None: 1}},
        (1, 2),
        {"a": (1,)},
        {1, 2},
        np.int64(1),
        np.bool_(True),
        dt.datetime(2024, 1, 2),
        dt.date(2024, 1, 2),
        Decimal("1.5"),
        b"bytes",
        object(),
    ],
    ids=repr,
)
def test_is_clean_rejects_what_json_cannot_carry(value):
    assert not is_clean(value)


@pytest.mark.parametrize(
    "a, b",
    [
        (True, 1),
        (False, 0),
        (1, True),
        (0, False),
        (None, False),
        ("1", 1),
        ({}, []),
        ([], {}),
        ([1], 1),
        ({"a": 1}, 1),
        ([1, 2], [2, 1]),
        ([1, 2], [1, 2, 3]),
        ({"a": 1}, {"a": 1, "b": 2}),
        ({"a": 1}, {"b": 1}),
        ({"a": [True]}, {"a": [1]}),
        ([{"a": 0}], [{"a": False}]),
    ],
    ids=repr,
)
def test_json_equal_tells_apart_what_json_schema_tells_apart(a, b):
    assert not json_equal(a, b)


@pytest.mark.parametrize(
    "a, b",
    [
        (True, True),
        (None, None),
        (1.0, 1),
        (1, 1.0),
        ("x", "x"),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
        ({"a": [1, {"b": 2.0}]}, {"a": [1.0, {"b": 2}]}),
        ([[], {}], [[], {}]),
    ],
    ids=repr,
)
def test_json_equal_treats_1_0_as_1_and_compares_containers_item_by_item(a, b):
    assert json_equal(a, b)


def test_json_copy_equals_the_original():
    original = {"a": [1, {"b": None, "c": [True, 2.5]}], "d": "text"}
    assert json_copy(original) == original


def test_json_copy_shares_no_dict_or_list_with_the_original():
    original = {"a": [1, {"b": [2]}], "c": {"d": {}}}
    copied = json_copy(original)
    copied["a"][1]["b"].append(3)
    copied["a"].append("new")
    copied["c"]["d"]["e"] = 1
    del copied["c"]
    assert original == {"a": [1, {"b": [2]}], "c": {"d": {}}}


def test_json_copy_shares_scalars():
    text, number = "x" * 1000, 10**30
    copied = json_copy({"text": text, "list": [number]})
    assert copied["text"] is text
    assert copied["list"][0] is number


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_json_copy_and_json_equal_agree_with_equality_on_json_values(value):
    copied = json_copy(value)
    assert copied == value
    assert json_equal(value, value)
    assert json_equal(copied, value)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_clean_values_survive_a_json_round_trip(value):
    assert is_clean(value)
    assert json_equal(json.loads(json.dumps(value, allow_nan=False)), value)
