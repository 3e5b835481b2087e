"""The rules of an update: update flags gate sections, "" keeps or clears, identifying keys stay, custom fields merge."""
import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kapture_nb as kn
from kapture_nb import paths
from kapture_nb.effects import EMPTY_VALUES, UPDATE_FLAGS, Rules, apply, effects
from kapture_nb.jsonvalues import json_equal


def stored_order() -> dict:
    return {
        "customer_info": {"customer_name": "ABC", "phone": "9380491257", "email_id": "abc@abc.min"},
        "contact_info": [{"contact_person_phone": "9380491257", "gender": "Male"}],
        "order_info": {"order_id": "23518265", "remarks": "old", "invoice_no": "1", "associate_fields": {"slot": "am"}},
    }


def table(found) -> list[tuple]:
    return [(change.path, change.before, change.after, change.effect) for change in found]


def test_a_section_whose_update_flag_is_true_is_written_and_one_whose_flag_is_false_is_not():
    body = {
        "customer_info": {"customer_name": "ABC", "phone": "1111111111", "update": False},
        "order_info": {"order_id": "23518265", "remarks": "new", "erp_order_id": "E1", "update": True},
    }
    assert table(effects(stored_order(), body, Rules())) == [
        ("customer_info.phone", "9380491257", "1111111111", "ignored"),
        ("order_info.remarks", "old", "new", "change"),
        ("order_info.erp_order_id", None, "E1", "set"),
    ]
    flags_ignored = table(effects(stored_order(), body, Rules(update_flags="ignore")))
    assert flags_ignored[0] == ("customer_info.phone", "9380491257", "1111111111", "change")


def test_a_missing_update_flag_counts_as_false():
    body = {"customer_info": {"customer_name": "ABC", "phone": "1"}, "order_info": {"order_id": "1", "update": True}}
    assert table(effects(stored_order(), body, Rules()))[0][3] == "ignored"


def test_empty_values_keep_by_default_and_clear_when_asked():
    body = {"order_info": {"order_id": "23518265", "remarks": "", "payment_mode": "", "update": True}}
    assert effects(stored_order(), body, Rules()) == []
    assert table(effects(stored_order(), body, Rules(empty="clear"))) == [("order_info.remarks", "old", "", "clear")]


def test_unchanged_values_and_identifying_keys_are_not_listed():
    body = {
        "customer_info": {"customer_name": "Someone Else", "customer_id": 5, "update": True},
        "order_info": {"order_id": "23518265", "remarks": "old", "update": True},
    }
    assert effects(stored_order(), body, Rules()) == []


def test_custom_fields_merge_key_by_key_and_contacts_follow_their_own_flags():
    body = {
        "contact_info": [{"gender": "Female", "update": False}, {"contact_person_phone": "2", "update": True}],
        "order_info": {"order_id": "23518265", "associate_fields": {"gift": True}, "update": True},
    }
    assert table(effects(stored_order(), body, Rules())) == [
        ("order_info.associate_fields.gift", None, True, "set"),
        ("contact_info.0.gender", "Male", "Female", "ignored"),
        ("contact_info.1.contact_person_phone", None, "2", "set"),
    ]
    held = stored_order()
    apply(held, effects(held, body, Rules()))
    assert held["order_info"]["associate_fields"] == {"slot": "am", "gift": True}
    assert held["contact_info"] == [{"contact_person_phone": "9380491257", "gender": "Male"}, {"contact_person_phone": "2"}]


def test_a_new_order_takes_every_value_whatever_the_flags():
    body = {"customer_info": {"customer_name": "New", "phone": "3", "update": False}, "order_info": {"remarks": "r"}}
    assert table(effects({}, body, Rules(), new=True)) == [
        ("customer_info.customer_name", None, "New", "set"),
        ("customer_info.phone", None, "3", "set"),
        ("order_info.remarks", None, "r", "set"),
    ]


def test_without_the_stored_order_every_written_value_is_a_set():
    body = {"order_info": {"order_id": "23518265", "remarks": "old", "update": True}}
    assert table(effects(None, body, Rules())) == [("order_info.remarks", None, "old", "set")]


@pytest.mark.parametrize("settings", [{"update_flags": "sometimes"}, {"empty": "wipe"}])
def test_unknown_rules_are_refused(settings):
    with pytest.raises(kn.ConfigurationError):
        Rules(**settings)


def test_a_custom_field_object_inside_a_custom_field_object_is_one_value_and_custom_fields_come_first():
    custom = {"associate_fields": {"a": 1}, "slot": "pm"}
    body = {"order_info": {"order_id": "1", "remarks": "new", "associate_fields": custom, "update": True}}
    assert table(effects(stored_order(), body, Rules())) == [
        ("order_info.associate_fields.associate_fields", None, {"a": 1}, "set"),
        ("order_info.associate_fields.slot", "am", "pm", "change"),
        ("order_info.remarks", "old", "new", "change"),
    ]


# An independent oracle for the property test below: the order an update leaves, written plainly, field by field.
CUSTOM = ("associate_fields", "additional_fields")
OBJECTS = ("customer_info", "enquiry_info", "order_info")


def container(order: dict, parts: tuple, create: bool):
    """The dict at parts (contact_info a list of dicts); made on the way when ``create``, else None when it is not there."""
    node = order
    for part in parts:
        if isinstance(node, list):
            index = int(part)
            if index >= len(node) or not isinstance(node[index], dict):
                if not create:
                    return None
                node.extend({} for _ in range(index + 1 - len(node)))
                node[index] = node[index] if isinstance(node[index], dict) else {}
            node = node[index]
        else:
            kind = list if part == "contact_info" else dict
            if not isinstance(node.get(part), kind):
                if not create:
                    return None
                node[part] = kind()
            node = node[part]
    return node


def written(stored: dict, body: dict, rules: Rules, new: bool) -> dict:
    order = copy.deepcopy(stored)
    skipped = {"update", "matchEmailPhone", "order_id"}
    if not new:
        skipped |= {"customer_name", "customer_id", "contact_id", "enquiry_id"}

    def write(at: tuple, key: str, value) -> None:
        held = container(order, at, create=False)
        before = held.get(key) if held is not None else None
        had = before is not None and before != ""
        if value is None or value == "":
            if rules.empty == "keep" or not had:
                return
        elif had and json_equal(before, value):
            return
        container(order, at, create=True)[key] = value

    sections = [((name,), body[name]) for name in OBJECTS if isinstance(body.get(name), dict)]
    contacts = body.get("contact_info") if isinstance(body.get("contact_info"), list) else []
    sections += [(("contact_info", str(index)), item) for index, item in enumerate(contacts) if isinstance(item, dict)]
    for at, section in sections:
        if not new and rules.update_flags == "honour" and section.get("update") is not True:
            continue
        for key, value in section.items():
            if key in skipped:
                continue
            if key in CUSTOM and isinstance(value, dict):
                for inner, item in value.items():
                    write((*at, key), inner, item)
            else:
                write(at, key, value)
    return order


VALUES = st.sampled_from(["", None, "a", "b", 1, 1.0, True, 0, [1]])
INSIDE = st.dictionaries(st.sampled_from(["a", "b"]), VALUES, max_size=2)
CUSTOM_KEYS = st.sampled_from(["slot", "gift", "update", "order_id", "associate_fields"])
FIELDS = st.dictionaries(CUSTOM_KEYS, st.one_of(VALUES, INSIDE), max_size=3)
SECTION = st.dictionaries(
    st.sampled_from(["phone", "remarks", "customer_name", "order_id", "update", "associate_fields", "additional_fields", "x.y"]),
    st.one_of(VALUES, FIELDS, st.just(True)),
    max_size=5,
)
ORDERS = st.fixed_dictionaries(
    {},
    optional={
        "customer_info": st.one_of(SECTION, st.just("x")),
        "order_info": st.one_of(SECTION, st.just("x")),
        "enquiry_info": SECTION,
        "contact_info": st.one_of(st.lists(st.one_of(SECTION, st.just("x")), max_size=3), st.just("x")),
    },
)


@settings(max_examples=100, deadline=None)
@given(ORDERS, ORDERS, st.sampled_from(UPDATE_FLAGS), st.sampled_from(EMPTY_VALUES), st.booleans())
def test_applying_the_effects_leaves_what_the_rules_say_and_each_effect_tells_the_truth(stored, body, update_flags, empty, new):
    rules = Rules(update_flags=update_flags, empty=empty)
    found = effects(stored, body, rules, new=new)
    held = copy.deepcopy(stored)
    apply(held, found)
    assert json_equal(held, written(stored, body, rules, new))
    assert len({change.parts for change in found}) == len(found)
    for change in found:
        assert change.path == paths.join(change.parts)
        assert json_equal(change.after, paths.get_parts(body, change.parts))
        before = paths.get_parts(stored, change.parts)
        assert json_equal(change.before, before if before != "" else None)
        emptied = change.after is None or change.after == ""
        assert not json_equal(change.before, change.after) and not (change.before is None and emptied)  # it changes something
        if change.effect != "ignored":
            assert change.effect == ("clear" if emptied else "set" if change.before is None else "change")


def test_a_numpy_array_in_a_section_left_unwritten_is_listed_not_a_crash():
    body = kn.documented_example()
    body["customer_info"]["remarks"] = np.array([1, 2])
    report = kn.validate(body)
    assert not report.ok and "customer_info.remarks" in {w.path for w in report.warnings}
