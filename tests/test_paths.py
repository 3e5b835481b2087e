import pytest

from kapture_nb import paths


def test_parse_and_join_round_trip():
    assert paths.parse("contact_info.0.dob") == ("contact_info", "0", "dob")
    assert paths.join(("contact_info", 0, "dob")) == "contact_info.0.dob"
    assert paths.parse("") == ()


def test_key_with_a_dot_is_a_tuple_path():
    path = paths.join(("order_info", "associate_fields", "slot.v2"))
    assert path == ("order_info", "associate_fields", "slot.v2")
    body = {"order_info": {"associate_fields": {"slot.v2": "am"}}}
    assert paths.get(body, path) == "am"


def test_get_walks_dicts_and_lists(example):
    assert paths.get(example, "contact_info.0.contact_person_phone") == "9380491257"
    assert paths.get(example, "contact_info.5.dob", "none") == "none"
    assert paths.get(example, "customer_info.nope") is None
    assert paths.exists(example, "order_info.update")
    assert not paths.exists(example, "order_info.update.deeper")


def test_set_creates_containers_and_appends_list_items():
    body: dict = {}
    paths.set(body, "contact_info.0.contact_person_phone", "0987")
    paths.set(body, "contact_info.1.contact_person_phone", "1234")
    paths.set(body, "order_info.associate_fields.delivery_slot", "morning")
    assert body == {
        "contact_info": [{"contact_person_phone": "0987"}, {"contact_person_phone": "1234"}],
        "order_info": {"associate_fields": {"delivery_slot": "morning"}},
    }


def test_set_refuses_a_gap_in_a_list():
    with pytest.raises(IndexError, match="gap"):
        paths.set({"contact_info": []}, "contact_info.2.dob", "x")


def test_numeric_key_in_an_existing_dict_stays_a_key():
    body = {"order_info": {"associate_fields": {}}}
    paths.set(body, "order_info.associate_fields.2024", 1)
    assert body["order_info"]["associate_fields"] == {"2024": 1}


def test_expand_matches_every_list_item():
    body = {"contact_info": [{"dob": "a"}, {"dob": "b"}, {}]}
    assert list(paths.expand(body, "contact_info.*.dob")) == [
        (("contact_info", "0", "dob"), "a"),
        (("contact_info", "1", "dob"), "b"),
    ]


def test_a_path_must_be_a_string_or_tuple():
    with pytest.raises(TypeError, match="dotted string or a tuple"):
        paths.parse(3)


def test_flatten_gives_every_leaf_by_path():
    body = {"a": {"b": 1, "c.d": [True, {"e": None}]}, "f": {}, "g": []}
    assert paths.flatten(body) == {"a.b": 1, ("a", "c.d", "0"): True, ("a", "c.d", "1", "e"): None}
