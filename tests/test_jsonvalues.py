import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapture_nb.jsonvalues import MAX_DEPTH, Problem, as_whole, encodable, is_clean, json_copy, json_equal, problems, writable

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


def _nested(levels, leaf=1, kind=dict):
    """``levels`` arrays (or objects, under "a") one inside the other around ``leaf``, built without recursion."""
    value = leaf
    for _ in range(levels):
        value = {"a": value} if kind is dict else [value]
    return value


@pytest.mark.parametrize("kind", [dict, list])
def test_nesting_up_to_max_depth_is_clean_and_one_level_more_is_not(kind):
    assert MAX_DEPTH == 64
    assert is_clean(_nested(MAX_DEPTH, kind=kind))
    assert not is_clean(_nested(MAX_DEPTH + 1, kind=kind))
    assert is_clean(_nested(MAX_DEPTH - 3, kind=kind), level=3)
    assert not is_clean(_nested(MAX_DEPTH - 2, kind=kind), level=3)  # three containers around it already


@pytest.mark.parametrize("kind, part", [(dict, "a"), (list, "0")])
@pytest.mark.parametrize("levels", [331, 100_000])
def test_too_deep_is_one_problem_where_the_limit_is_passed(levels, kind, part):
    value = _nested(levels, kind=kind)
    assert not is_clean(value)
    found = [(p.parts, p.kind) for p in problems(value)]  # not the values: pytest would repr them on failure
    assert found == [((part,) * MAX_DEPTH, "depth")]
    assert [(p.parts, p.kind) for p in problems(value, ("x",), level=60)] == [(("x", part, part, part, part), "depth")]


def test_a_cycle_is_one_problem_where_it_closes_naming_the_container_it_returns_to():
    direct: dict = {"a": 1}
    direct["self"] = direct
    assert not is_clean(direct)
    assert list(problems(direct)) == [Problem(("self",), "cycle", direct, ())]
    items: list = [1]
    through_list = {"k": {"items": items}}
    items.append({"back": through_list["k"]})
    assert not is_clean(through_list)
    assert list(problems(through_list)) == [Problem(("k", "items", "1", "back"), "cycle", through_list["k"], ("k",))]


def test_a_value_met_twice_without_a_cycle_is_clean():
    shared = {"x": [1, 2]}
    value = {"a": shared, "b": [shared, shared]}
    assert is_clean(value) and list(problems(value)) == []


@pytest.mark.parametrize(
    "value, expected",
    [
        ("\ud800", [Problem((), "encoding", "\ud800")]),
        ({"a": ["ok", "x\udfff"]}, [Problem(("a", "1"), "encoding", "x\udfff")]),
        ({"k\udc80": "v"}, [Problem(("k\udc80",), "key-encoding", "k\udc80")]),
        ({"a": "\ud83d\ude00"}, [Problem(("a",), "encoding", "\ud83d\ude00")]),  # a pair of surrogates is no character
        ({1: NAN}, [Problem(("1",), "key", 1), Problem(("1",), "nan", NAN)]),
        ([10**5000], [Problem(("0",), "digits", 10**5000)]),
        ([np.int64(1)], [Problem(("0",), "type", np.int64(1))]),
    ],
    ids=["lone surrogate", "in a list", "in a key", "surrogate pair", "key and value", "5001 digits", "numpy"],
)
def test_problems_name_each_place_json_cannot_carry(value, expected):
    found = list(problems(value))
    assert [(p.parts, p.kind) for p in found] == [(p.parts, p.kind) for p in expected]
    assert not is_clean(value)


def test_text_utf8_cannot_encode_is_not_clean_but_any_real_character_is():
    assert is_clean("नमस्ते 😀 \x00 \uffff") and encodable("😀")
    assert not encodable("a\ud800") and not is_clean({"a\ud800": 1}) and not is_clean(["\udc80"])


def test_integers_python_cannot_write_are_not_clean():
    assert writable(10**4299) and is_clean(-(10**4299)) and is_clean([10**4299])
    assert not writable(10**4300) and not is_clean(10**4300) and not is_clean({"a": -(10**4300)})
    with pytest.raises(ValueError):
        json.dumps(10**4300)  # what the check saves a send from


def test_as_whole_reads_digits_python_can_read_and_nothing_longer():
    assert as_whole("0" * 30 + "7") == 7
    assert as_whole("1" * 20) == int("1" * 20)
    assert as_whole("1" * 5000) is None
    assert as_whole(" 12 ") == 12


BAD_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=3)
    | st.sampled_from(["\ud800", "a\udfff", np.int64(1), (1,)])
    | st.builds(pow, st.just(10), st.just(4300)),  # built, not listed: hypothesis shows what it lists, and repr fails on it
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["a", "b", "\udc80", 1]), children, max_size=3)
    | st.integers(1, 70).map(_nested),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(BAD_VALUES, st.integers(0, 66))
def test_is_clean_says_what_problems_finds(value, level):
    assert is_clean(value, level) == (next(problems(value, (), level), None) is None)
