"""The rules of an update: update flags gate sections, "" keeps or clears, identifying keys stay, custom fields merge."""
import pytest

import kapture_nb as kn
from kapture_nb.effects import Rules, apply, effects


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
