"""Each kind of field, driven as a user drives it: typing into widgets, clicking buttons."""
import html
import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from traitlets import TraitError

import kapture_nb as kn
from helpers import writing
from kapture_nb.forms import NOTHING, SchemaForm

PLAIN = kn.load_schema()
DECLARED = {"delivery_slot": {"enum": ["am", "pm"]}, "priority": "integer"}


def shown(form, path, severity="error"):
    return [e.message for e in form.fields[path].shown_errors if e.severity == severity]


def small(properties, **extra):
    return {"type": "object", "properties": properties, "additionalProperties": False, **extra}


# scalars
def test_text_field_typing_sets_a_string_and_a_number_loaded_there_is_kept_until_edited(example):
    example["customer_info"]["phone"] = 9380491257
    form = SchemaForm(PLAIN, example)
    phone = form.fields["customer_info.phone"]
    assert phone.widget.value == "" and form.value["customer_info"]["phone"] == 9380491257
    assert shown(form, "customer_info.phone") == ["expected a string, got integer 9380491257"]
    phone.widget.value = "09380491257"
    assert form.value["customer_info"]["phone"] == "09380491257"
    assert form.errors.ok and phone.kept_note() == ""


def test_boolean_field_is_a_checkbox():
    form = SchemaForm(PLAIN)
    update = form.fields["customer_info.update"]
    update.widget.value = True
    assert form.value["customer_info"]["update"] is True
    update.widget.value = False
    assert form.value["customer_info"]["update"] is False


LEFT_OUT = " (left out of the body until fixed)"
NUMBERS = {"quantity": {"type": "integer"}, "weight": {"type": "number"}}
INTEGER_IS = "an integer field's value is an int, or None to leave it out; "
NUMBER_IS = "a number field's value is an int or a float, or None to leave it out; "


def test_integer_field_reads_digits_and_says_why_other_text_is_no_whole_number():
    form = SchemaForm(small({"count": {"type": "integer", "minimum": 1}}), {})
    count = form.fields["count"]
    count.widget.text.value = " +12 "
    assert form.value == {"count": 12} and form.errors.ok and count.widget.value == 12
    for typed, message in [
        ("12.5", "'12.5' is not a whole number: this field takes an integer"),
        ("36.0", "'36.0' is not written as a whole number: type 36, without a decimal point or exponent"),
        ("1e3", "'1e3' is not written as a whole number: type 1000, without a decimal point or exponent"),
        ("1e20", "'1e20' is not written as a whole number: type its digits, without a decimal point or exponent"),
        ("36.0000000000000001", "'36.0000000000000001' is not a whole number: this field takes an integer"),
        ("1,200", "'1,200' is not a whole number: type digits only, like 36"),
        ("two", "'two' is not a whole number: type digits only, like 36"),
    ]:
        count.widget.text.value = typed
        assert form.value == {} and count.widget.value is None
        assert shown(form, "count") == [message + LEFT_OUT] and not form.errors.ok
        assert [e.keyword for e in form.errors.errors] == ["form"]
    count.widget.text.value = "0"
    assert form.value == {"count": 0} and shown(form, "count") == ["must be at least 1, got 0"]
    count.widget.text.value = "9" * 5000
    assert form.value == {} and shown(form, "count")[0].endswith("has more digits than a number can be sent with" + LEFT_OUT)


def test_number_field_keeps_ints_and_floats_apart_and_refuses_what_a_float_cannot_hold():
    form = SchemaForm(small({"amount": {"type": "number"}}), {"amount": 5.0})
    amount = form.fields["amount"]
    assert amount.widget.text.value == "5.0" and type(form.value["amount"]) is float
    amount.widget.text.value = "7"
    assert form.value == {"amount": 7} and type(form.value["amount"]) is int
    amount.widget.text.value = "1e-3"
    assert form.value == {"amount": 0.001}
    amount.widget.text.value = "-.5"
    assert form.value == {"amount": -0.5} and form.errors.ok
    for typed, message in [
        ("lots", "'lots' is not a number: type digits with an optional decimal point, like 12.5"),
        ("NaN", "'NaN' is not a number: type digits with an optional decimal point, like 12.5"),
        ("₹1299", "'₹1299' is not a number: type digits with an optional decimal point, like 12.5"),
        ("1e999", "'1e999' is too large for a number"),
        ("1e-999", "'1e-999' has more digits than a number holds: it would be sent as 0.0"),
        ("12345678901234567890.5", "'12345678901234567890.5' has more digits than a number holds: "
                                   "it would be sent as 1.2345678901234567e+19"),
    ]:
        amount.widget.text.value = typed
        assert form.value == {} and shown(form, "amount") == [message + LEFT_OUT]


def test_declared_numbers_take_their_own_type_from_code_and_the_body_follows(example):
    form = kn.UpdateOrderForm(schema=kn.with_associate_fields(order=NUMBERS), value=example)
    quantity = form.fields["order_info.associate_fields.quantity"]
    weight = form.fields["order_info.associate_fields.weight"]
    assert (type(quantity).__name__, type(weight).__name__) == ("IntegerField", "NumberField")
    assert not quantity.present and quantity.value is NOTHING and "quantity" not in form.value["order_info"]["associate_fields"]

    quantity.widget.value = 36
    weight.widget.value = 2.5
    assert form.value["order_info"]["associate_fields"] == {"quantity": 36, "weight": 2.5} and form.errors.ok
    assert quantity.widget.text.value == "36" and quantity.present and quantity.value == 36
    weight.widget.value = 36
    assert repr(form.value["order_info"]["associate_fields"]["weight"]) == "36"
    weight.widget.value = 36.0  # equal to 36, yet a float: the box shows it and the body sends it as given
    assert repr(form.value["order_info"]["associate_fields"]["weight"]) == "36.0" and weight.widget.text.value == "36.0"
    weight.widget.value = np.float64(0.1)
    assert type(form.value["order_info"]["associate_fields"]["weight"]) is float
    quantity.widget.value = np.int64(7)
    assert type(form.value["order_info"]["associate_fields"]["quantity"]) is int

    quantity.value = 12  # a value given to the field itself, as form.value = body gives it
    assert quantity.widget.value == 12 and form.value["order_info"]["associate_fields"]["quantity"] == 12
    quantity.widget.value = None
    assert form.value["order_info"]["associate_fields"] == {"weight": 0.1} and form.errors.ok
    assert quantity.widget.text.value == "" and not quantity.present and quantity.value is NOTHING


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("quantity", True, INTEGER_IS + "got bool True (booleans are not numbers)"),
        ("weight", False, NUMBER_IS + "got bool False (booleans are not numbers)"),
        ("quantity", 36.5, INTEGER_IS + "got float 36.5"),
        ("quantity", 36.0, INTEGER_IS + "got float 36.0"),
        ("quantity", "36", INTEGER_IS + "got str '36' (to type text, set .text.value)"),
        ("weight", float("nan"), "a number field's value is finite (JSON has no NaN or infinity), got nan"),
        ("weight", Decimal("1.5"), NUMBER_IS + "got Decimal Decimal('1.5')"),
    ],
    ids=repr,
)
def test_a_number_widget_refuses_any_other_type_and_keeps_its_value(example, path, value, message):
    example["order_info"]["associate_fields"] = {"quantity": 3, "weight": 1.5}
    form = SchemaForm(kn.with_associate_fields(order=NUMBERS), example)
    with pytest.raises(TraitError) as raised:
        form.fields[f"order_info.associate_fields.{path}"].widget.value = value
    assert str(raised.value) == message
    assert form.value == example and form.errors.ok


def test_blank_leaves_a_number_out_never_zero(example):
    example["order_info"]["associate_fields"] = {"quantity": 5, "weight": 0.5}
    form = SchemaForm(kn.with_associate_fields(order=NUMBERS), example)
    quantity = form.fields["order_info.associate_fields.quantity"]
    quantity.view  # noqa: B018  # the label exists once the field is shown
    quantity.widget.text.value = "   "
    assert form.value["order_info"]["associate_fields"] == {"weight": 0.5} and form.errors.ok
    assert "color:#999" in quantity.label.value and "type a number to add its key" in quantity.label.tooltip
    quantity.widget.text.value = "8"
    assert form.value["order_info"]["associate_fields"] == {"weight": 0.5, "quantity": 8}
    assert "color:#999" not in quantity.label.value


def test_a_required_number_left_blank_is_missing():
    form = SchemaForm(small({"count": {"type": "integer"}}, required=["count"]), {"count": 1})
    form.fields["count"].widget.value = None
    assert form.value == {} and shown(form, "count") == ["count is required"]


def test_a_loaded_value_a_number_box_cannot_show_is_kept_until_edited(example):
    example["order_info"]["associate_fields"] = {"quantity": 36.0, "weight": "2.5"}
    form = SchemaForm(kn.with_associate_fields(order=NUMBERS), example)
    assert form.value == example
    quantity, weight = (form.fields[f"order_info.associate_fields.{k}"] for k in ("quantity", "weight"))
    assert quantity.widget.text.value == "" and quantity.kept_note().startswith("kept as loaded: 36.0 (float)")
    assert shown(form, "order_info.associate_fields.weight") == ["expected a number, got string '2.5'"]
    weight.widget.text.value = "2.5"
    quantity.widget.value = 36
    assert form.value["order_info"]["associate_fields"] == {"quantity": 36, "weight": 2.5} and form.errors.ok


NUMBER_FORM = SchemaForm(small({"i": {"type": "integer"}, "n": {"type": "number"}}), {})
FINITE = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-(10**30), max_value=10**30), st.integers() | FINITE)
def test_numbers_set_from_code_reach_the_body_exactly(whole, number):
    NUMBER_FORM.fields["i"].widget.value = whole
    NUMBER_FORM.fields["n"].widget.value = number
    got = NUMBER_FORM.value
    assert (type(got["i"]), got["i"]) == (int, whole)
    assert (type(got["n"]), repr(got["n"])) == (type(number), repr(number))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-(10**30), max_value=10**30) | FINITE)
def test_typed_json_numbers_read_as_json_reads_them(number):
    typed = json.dumps(number)
    NUMBER_FORM.fields["n"].widget.text.value = typed
    assert repr(NUMBER_FORM.value["n"]) == repr(json.loads(typed))


def test_id_field_keeps_integer_or_string_and_the_switch_changes_it(example):
    example["order_info"]["order_id"] = 23518265
    form = SchemaForm(PLAIN, example)
    order_id = form.fields["order_info.order_id"]
    assert (order_id.widget.value, order_id.type_widget.value) == ("23518265", "integer")
    order_id.type_widget.value = "string"
    assert form.value["order_info"]["order_id"] == "23518265"
    order_id.widget.value = "42"
    assert form.value["order_info"]["order_id"] == "42"
    order_id.type_widget.value = "integer"
    assert form.value["order_info"]["order_id"] == 42
    order_id.widget.value = "42x"
    assert form.value["order_info"]["order_id"] == "42x"
    assert shown(form, "order_info.order_id") == ["expected an integer or a string of digits, got string '42x'"]
    order_id.widget.value = "-5"
    assert form.value["order_info"]["order_id"] == -5
    assert shown(form, "order_info.order_id") == ["must be at least 1, got -5"]
    order_id.widget.value = "9" * 5000  # more digits than Python reads as an int: sent as typed, and flagged
    assert form.value["order_info"]["order_id"] == "9" * 5000 and not form.errors.ok


def test_date_fields_are_text_boxes_with_the_expected_shape_as_placeholder(example):
    form = SchemaForm(PLAIN, writing(example))
    dob, follow_up = form.fields["contact_info.0.dob"], form.fields["enquiry_info.next_follow_up_date"]
    assert (dob.widget.placeholder, follow_up.widget.placeholder) == ("yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss")
    follow_up.widget.value = "2024-05-01 10:00:00"
    dob.widget.value = "1990-02-01"
    assert form.errors.ok and form.errors.warnings == []
    dob.widget.value = "1/2/1990"
    assert len(shown(form, "contact_info.0.dob", "warning")) == 1 and form.errors.ok
    dob.widget.value = ""
    assert form.value["contact_info"][0]["dob"] == "" and form.errors.warnings == []


def test_enum_field_is_a_dropdown_and_an_unlisted_loaded_value_is_kept(example):
    schema = kn.with_associate_fields(order=DECLARED)
    example["order_info"]["associate_fields"] = {"delivery_slot": "noon"}
    form = SchemaForm(schema, example)
    slot = form.fields["order_info.associate_fields.delivery_slot"]
    assert [label for label, _ in slot.widget.options] == ["am", "pm"] and slot.widget.value is None
    assert form.value["order_info"]["associate_fields"] == {"delivery_slot": "noon"}
    assert shown(form, "order_info.associate_fields.delivery_slot") == ["must be one of 'am', 'pm'; got string 'noon'"]
    slot.widget.value = "pm"
    assert form.value["order_info"]["associate_fields"] == {"delivery_slot": "pm"} and form.errors.ok


def test_json_field_flags_invalid_json_and_keeps_the_last_valid_value():
    form = SchemaForm(small({"tags": {"type": ["array", "null"], "items": {"type": "string"}}}), {"tags": ["a"]})
    tags = form.fields["tags"]
    assert type(tags).__name__ == "JsonField"
    assert tags.widget.value == '["a"]'
    tags.widget.value = '["a", "b"'
    assert form.value == {"tags": ["a"]}
    assert shown(form, "tags") == [
        "invalid JSON, line 1, column 10: a comma (or the closing bracket) was expected here; the last valid value is kept"
    ]
    assert not form.errors.ok
    tags.widget.value = '["a", "b"]'
    assert form.value == {"tags": ["a", "b"]} and form.errors.ok


# objects
def test_an_unknown_key_is_kept_flagged_at_its_object_and_can_be_dropped(example):
    example["customer_info"]["custmer_name"] = example["customer_info"].pop("customer_name")
    form = SchemaForm(PLAIN, example)
    assert form.value == example
    section = form.fields["customer_info"]
    assert section.extras == {"custmer_name": "ABC"}
    assert shown(form, "customer_info") == ["unknown key 'custmer_name' in customer_info; did you mean 'customer_name'?"]
    assert shown(form, "customer_info.customer_name") == ["customer_name is required"]
    form.fields["customer_info.customer_name"].widget.value = "ABC"
    section.drop_button.click()
    assert "custmer_name" not in form.value["customer_info"] and form.errors.ok
    assert section.drop_button not in section.body.children
    form.value = example
    assert section.drop_button in section.body.children


def test_a_section_loaded_as_a_non_object_is_kept_until_a_field_in_it_is_edited(example):
    example["enquiry_info"] = "later"
    form = SchemaForm(PLAIN, example)
    assert form.value["enquiry_info"] == "later"
    assert shown(form, "enquiry_info") == ["expected an object, got string 'later'"]
    form.fields["enquiry_info.remarks"].widget.value = "now"
    assert form.value["enquiry_info"] == {"remarks": "now"} and form.errors.ok


# arrays
def test_contacts_are_added_and_removed_with_buttons(example):
    form = SchemaForm(PLAIN, example)
    contacts = form.fields["contact_info"]
    contacts.add_button.click()
    assert len(form.value["contact_info"]) == 2
    assert form.value["contact_info"][1] == kn.template()["contact_info"][0]
    form.fields["contact_info.1.first_name"].widget.value = "Asha"
    form.fields["contact_info.1.contact_person_phone"].widget.value = "12345"
    assert form.fields["contact_info.1"].view.titles == ("contact 2",)

    contacts.remove_buttons[0].click()
    value = form.value["contact_info"]
    assert len(value) == 1 and value[0]["first_name"] == "Asha"
    assert form.fields["contact_info.0.first_name"].widget.value == "Asha"
    assert "contact_info.1" not in form.fields
    assert form.fields["contact_info.0"].view.titles == ("contact 1",)

    form.fields["contact_info.0.contact_person_phone"].widget.value = ""
    form.fields["contact_info.0.update"].widget.value = True
    assert form.value["contact_info"][0]["update"] is True
    contacts.remove_buttons[0].click()
    assert form.value["contact_info"] == [] and form.errors.ok


def test_errors_in_a_later_contact_follow_it_when_an_earlier_one_is_removed(example):
    example["contact_info"].append(dict(example["contact_info"][0], dob=5))
    form = SchemaForm(PLAIN, example)
    assert shown(form, "contact_info.1.dob") == ["expected a string, got integer 5"]
    form.fields["contact_info"].remove_buttons[0].click()
    assert shown(form, "contact_info.0.dob") == ["expected a string, got integer 5"]
    assert form.fields["contact_info.0"].view.titles == ("contact 1 ⚠ 1",)
    assert form.root.section_titles[1] == "contact_info ⚠ 1"


def test_min_and_max_items_disable_remove_and_add_at_the_limits(example):
    schema = kn.load_schema()
    schema["properties"]["contact_info"].update(minItems=1, maxItems=2)
    form = SchemaForm(schema, example)
    contacts = form.fields["contact_info"]
    assert contacts.remove_buttons[0].disabled and not contacts.add_button.disabled
    contacts.add_button.click()
    assert contacts.add_button.disabled
    assert not any(b.disabled for b in contacts.remove_buttons)
    contacts.remove_buttons[1].click()
    assert len(form.value["contact_info"]) == 1 and contacts.remove_buttons[0].disabled
    form.value = dict(example, contact_info=[])
    assert form.fields["contact_info"].items == []
    assert shown(form, "contact_info") == ["needs at least 1 item(s), has 0"]


def test_contacts_loaded_as_an_object_are_kept_until_a_contact_is_added(example):
    example["contact_info"] = example["contact_info"][0]
    form = SchemaForm(PLAIN, example)
    assert form.value == example
    assert shown(form, "contact_info") == ["expected an array, got object"]
    form.fields["contact_info"].add_button.click()
    assert form.value["contact_info"] == kn.template()["contact_info"] and form.errors.ok


# free-form objects
def test_free_form_keys_are_added_typed_renamed_and_removed(example):
    form = SchemaForm(PLAIN, example)
    free = form.fields["order_info.associate_fields"]
    free.add_button.click()
    row = free.rows[0]
    assert shown(form, "order_info.associate_fields.") == ["empty key: name it or remove the row"]
    assert not form.errors.ok

    row.key_widget.value = "slot"
    row.widget.value = "morning"
    assert form.value["order_info"]["associate_fields"] == {"slot": "morning"} and form.errors.ok
    assert form.fields["order_info.associate_fields.slot"] is row

    row.key_widget.value = "priority"
    row.type_widget.value = "number"
    assert shown(form, "order_info.associate_fields.priority") == [
        "'morning' is not a number: the text is kept in the box and the key is left out; fix it or switch back to text"
    ]
    row.widget.value = 3
    assert form.value["order_info"]["associate_fields"] == {"priority": 3}
    row.widget.text.value = "high"
    assert shown(form, "order_info.associate_fields.priority") == [
        "'high' is not a number: type digits with an optional decimal point, like 12.5" + LEFT_OUT
    ]
    assert form.value["order_info"]["associate_fields"] == {}
    row.widget.text.value = "2.5"
    assert form.value["order_info"]["associate_fields"] == {"priority": 2.5} and form.errors.ok

    row.type_widget.value = "boolean"
    assert form.value["order_info"]["associate_fields"] == {"priority": True}
    row.widget.value = False
    row.type_widget.value = "JSON"
    row.widget.value = '{"rank": [1, 2], "note": null}'
    assert form.value["order_info"]["associate_fields"] == {"priority": {"rank": [1, 2], "note": None}}
    row.type_widget.value = "text"
    assert form.value["order_info"]["associate_fields"] == {"priority": '{"rank": [1, 2], "note": null}'}

    row.remove_button.click()
    assert form.value["order_info"]["associate_fields"] == {} and free.rows == []


def test_a_free_number_row_left_blank_is_flagged_and_left_out(example):
    form = SchemaForm(PLAIN, example)
    free = form.fields["order_info.associate_fields"]
    row = free.add("qty")
    row.type_widget.value = "number"
    assert form.value["order_info"]["associate_fields"] == {} and not row.present
    assert shown(form, "order_info.associate_fields.qty") == ["no number typed: type one, or remove the row"]
    row.widget.text.value = "4"
    assert form.value["order_info"]["associate_fields"] == {"qty": 4} and form.errors.ok
    row.widget.value = None
    assert shown(form, "order_info.associate_fields.qty") == ["no number typed: type one, or remove the row"]
    row.remove_button.click()
    assert form.errors.ok


@pytest.mark.parametrize(
    ("loaded", "typed", "body"),
    [
        ("36", "36", {"k": 36}),
        (" 2.5 ", " 2.5 ", {"k": 2.5}),
        (7, "7", {"k": 7}),
        (True, "true", {}),  # a boolean is no number: never 1
        ({"n": 1}, '{"n": 1}', {}),
    ],
    ids=repr,
)
def test_a_row_switched_to_number_reads_its_old_value_as_typed_text(example, loaded, typed, body):
    example["order_info"]["associate_fields"] = {"k": loaded}
    form = SchemaForm(PLAIN, example)
    row = form.fields["order_info.associate_fields.k"]
    row.type_widget.value = "number"
    assert row.widget.text.value == typed and form.value["order_info"]["associate_fields"] == body
    assert form.errors.ok == bool(body)


def test_a_number_row_switched_back_to_text_keeps_what_was_typed(example):
    example["order_info"]["associate_fields"] = {"k": 1}
    form = SchemaForm(PLAIN, example)
    row = form.fields["order_info.associate_fields.k"]
    row.widget.text.value = "12 kg"
    row.type_widget.value = "text"
    assert form.value["order_info"]["associate_fields"] == {"k": "12 kg"} and form.errors.ok


def test_duplicate_free_form_keys_are_flagged_at_both_rows(example):
    example["order_info"]["associate_fields"] = {"a": 1, "b": 2}
    form = SchemaForm(PLAIN, example)
    free = form.fields["order_info.associate_fields"]
    free.rows[1].key_widget.value = "a"
    for row in free.rows:
        row.show_errors  # noqa: B018
        assert [e.message for e in row.shown_errors] == ["duplicate key 'a': only the first is sent"]
    assert form.value["order_info"]["associate_fields"] == {"a": 1}
    assert form.root.section_titles[3] == "order_info * ⚠ 1"
    free.rows[1].key_widget.value = "c"
    assert form.value["order_info"]["associate_fields"] == {"a": 1, "c": 2} and form.errors.ok


def test_free_form_values_are_typed_by_what_was_loaded(example):
    example["order_info"]["associate_fields"] = {"t": "x", "n": 2, "f": 0.5, "b": True, "z": None, "d": {"k": [1]}}
    form = SchemaForm(PLAIN, example)
    rows = {row.key: row for row in form.fields["order_info.associate_fields"].rows}
    assert {k: r.type_widget.value for k, r in rows.items()} == {
        "t": "text", "n": "number", "f": "number", "b": "boolean", "z": "JSON", "d": "JSON"
    }
    assert rows["d"].widget.value == '{"k": [1]}'
    rows["d"].widget.value = '{"k": [1, 2]}'
    assert form.value["order_info"]["associate_fields"]["d"] == {"k": [1, 2]}


def test_raw_json_view_takes_pasted_json_and_flags_invalid_json_without_losing_the_rows(example):
    example["customer_info"]["associate_fields"] = {"tier": "gold"}
    form = SchemaForm(PLAIN, example)
    free = form.fields["customer_info.associate_fields"]
    free.raw_button.value = True
    assert free.raw in free.body.children
    assert json.loads(free.raw.value) == {"tier": "gold"}

    free.raw.value = '{"tier": "silver", "since": 2019, "tags": ["a"]'
    assert form.value["customer_info"]["associate_fields"] == {"tier": "gold"}
    assert "line 1, column 48: a comma (or the closing bracket) was expected here" in free.raw_message.value
    assert shown(form, "customer_info.associate_fields") == [] and not form.errors.ok

    free.raw.value = '{"tier": "silver", "since": 2019, "tags": ["a"]}'
    assert form.value["customer_info"]["associate_fields"] == {"tier": "silver", "since": 2019, "tags": ["a"]}
    assert [row.key for row in free.rows] == ["tier", "since", "tags"] and form.errors.ok

    free.rows[0].widget.value = "platinum"
    assert json.loads(free.raw.value)["tier"] == "platinum"
    free.raw.value = '["not", "an", "object"]'
    assert form.value["customer_info"]["associate_fields"] == ["not", "an", "object"] and free.rows == []
    assert shown(form, "customer_info.associate_fields") == ["expected an object, got array"]
    free.raw.value = '{"tier": "gold"}'
    assert form.value["customer_info"]["associate_fields"] == {"tier": "gold"} and form.errors.ok
    free.raw_button.value = False
    assert free.raw not in free.body.children


def test_declared_associate_fields_get_typed_widgets_and_other_keys_stay_free_rows(example):
    schema = kn.with_associate_fields(order=DECLARED)
    example["order_info"]["associate_fields"] = {"priority": 2, "gift_note": "hi"}
    form = SchemaForm(schema, example)
    free = form.fields["order_info.associate_fields"]
    assert form.value == example
    assert type(form.fields["order_info.associate_fields.priority"]).__name__ == "IntegerField"
    assert type(form.fields["order_info.associate_fields.delivery_slot"]).__name__ == "EnumField"
    assert [row.key for row in free.rows] == ["gift_note"]
    assert not form.fields["order_info.associate_fields.delivery_slot"].present

    form.fields["order_info.associate_fields.delivery_slot"].widget.value = "am"
    form.fields["order_info.associate_fields.priority"].widget.text.value = "two"
    assert form.value["order_info"]["associate_fields"] == {"gift_note": "hi", "delivery_slot": "am"}
    assert shown(form, "order_info.associate_fields.priority") == [
        "'two' is not a whole number: type digits only, like 36" + LEFT_OUT
    ]
    assert shown(form, "order_info.associate_fields.gift_note", "warning") == ["'gift_note' is not a declared associate field"]

    free.rows[0].key_widget.value = "priority"
    # the declared box holds no number, so the row's "hi" is what is sent: the validator's error is the row's too
    assert [e.message for e in free.rows[0].shown_errors] == [
        "expected an integer, got string 'hi'", "'priority' is declared: fill in its own field instead"
    ]
    assert shown(form, "order_info.associate_fields.priority") == [
        "'two' is not a whole number: type digits only, like 36" + LEFT_OUT
    ]


def test_strict_declarations_make_undeclared_rows_errors(example):
    schema = kn.with_associate_fields(order=DECLARED, strict=True)
    form = SchemaForm(schema, example)
    free = form.fields["order_info.associate_fields"]
    free.add_button.click()
    free.rows[0].key_widget.value = "delivery_slott"
    assert shown(form, "order_info.associate_fields.delivery_slott") == [
        "unknown key 'delivery_slott' in order_info.associate_fields; did you mean 'delivery_slot'?"
    ]
    free.rows[0].remove_button.click()
    assert form.errors.ok


def test_a_free_form_object_loaded_as_an_array_is_kept_until_a_key_is_added(example):
    example["order_info"]["associate_fields"] = [1, 2]
    form = SchemaForm(PLAIN, example)
    assert form.value == example
    assert shown(form, "order_info.associate_fields") == ["expected an object, got array"]
    free = form.fields["order_info.associate_fields"]
    free.add_button.click()
    free.rows[0].key_widget.value = "k"
    assert form.value["order_info"]["associate_fields"] == {"k": ""} and form.errors.ok


def test_an_array_of_strings_gets_a_field_per_item():
    form = SchemaForm(small({"tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}}), {"tags": ["a"]})
    tags = form.fields["tags"]
    tags.add_button.click()
    form.fields["tags.1"].widget.value = "b"
    assert form.value == {"tags": ["a", "b"]} and tags.add_button.disabled
    assert form.fields["tags.1"].label.value.startswith("<span style='font-family:monospace'>item 2")
    tags.remove_buttons[0].click()
    assert form.value == {"tags": ["b"]}
    assert form.fields["tags.0"].label.value.startswith("<span style='font-family:monospace'>item 1")


def test_an_array_item_left_blank_is_flagged_and_not_sent():
    form = SchemaForm(small({"counts": {"type": "array", "items": {"type": "integer"}}}), {"counts": [1, 2, 3]})
    form.fields["counts.1"].widget.value = None
    assert form.value == {"counts": [1, 3]}
    assert shown(form, "counts.1") == ["item 2 is blank: fill it in or remove it"] and not form.errors.ok
    form.fields["counts.1"].widget.text.value = "2.0"
    assert shown(form, "counts.1") == [
        "'2.0' is not written as a whole number: type 2, without a decimal point or exponent" + LEFT_OUT
    ]
    form.fields["counts"].remove_buttons[1].click()
    assert form.value == {"counts": [1, 3]} and form.errors.ok


@pytest.mark.parametrize("value", [float("nan"), {1: "int key"}, {"inner": {2: "int key"}}, b"bytes"], ids=repr)
def test_values_json_cannot_carry_are_kept_and_reported(example, value):
    example["order_info"]["associate_fields"] = {"odd": value}
    form = SchemaForm(PLAIN, example)
    got = form.value["order_info"]["associate_fields"]["odd"]
    assert repr(got) == repr(value)
    assert [e.keyword for e in form.errors.errors] == ["json"]
    assert form.fields["order_info.associate_fields.odd"].kept_note().startswith("kept as loaded")


def test_an_error_inside_a_json_value_names_where_in_it(example):
    example["order_info"]["associate_fields"] = {"gift": {"wrap": True, "note": float("inf")}}
    form = SchemaForm(PLAIN, example)
    row = form.fields["order_info.associate_fields.gift"]
    assert [str(e.path) for e in row.shown_errors] == ["order_info.associate_fields.gift.note"]
    assert "note: inf is not valid JSON" in row.message_html
    row.widget.value = '{"wrap": true, "note": "by hand"}'
    assert form.value["order_info"]["associate_fields"]["gift"] == {"wrap": True, "note": "by hand"}
    assert form.errors.ok and row.message_html == ""


def test_an_object_with_a_key_json_cannot_carry_is_kept_whole(example):
    example["order_info"]["associate_fields"] = {1: "int key"}
    form = SchemaForm(PLAIN, example)
    assert form.value == example
    assert [str(e.path) for e in form.errors.errors] == ["order_info.associate_fields.1"]


# issue 14's details: errors at the entry that has them, marks every font has, layouts that fit, plain words
GIFT = {"gift_wrap": "boolean", "delivery_slot": {"enum": ["am", "pm"]}}


def messages(field):
    return [e.message for e in field.shown_errors]


def test_a_free_row_named_after_a_declared_key_shows_its_errors_only_at_the_row(example):
    form = SchemaForm(kn.with_associate_fields(order=GIFT), example)
    free = form.fields["order_info.associate_fields"]
    gift = free.declared["gift_wrap"]
    row = free.add("gift_wrap", "yes")
    # the declared checkbox is not in the body, so the row's "yes" is what is sent: every error is the row's
    assert messages(row) == ["expected true or false, got string 'yes'", "'gift_wrap' is declared: fill in its own field instead"]
    assert messages(gift) == [] and gift.message_html == ""
    gift.widget.value = True  # now the declared field is sent, the row is not
    assert form.value["order_info"]["associate_fields"] == {"gift_wrap": True}
    assert messages(row) == ["'gift_wrap' is declared: fill in its own field instead"] and messages(gift) == []
    row.remove_button.click()
    assert form.errors.ok and messages(gift) == []


def test_the_validators_error_at_a_shared_key_goes_to_the_declared_field_when_it_is_the_one_sent(example):
    example["order_info"]["associate_fields"] = {"delivery_slot": "noon"}
    form = SchemaForm(kn.with_associate_fields(order=GIFT), example)
    free = form.fields["order_info.associate_fields"]
    row = free.add("delivery_slot", "am")
    assert messages(free.declared["delivery_slot"]) == ["must be one of 'am', 'pm'; got string 'noon'"]
    assert messages(row) == ["'delivery_slot' is declared: fill in its own field instead"]


def test_message_marks_are_glyphs_dejavu_and_liberation_machines_have(example):
    # U+24D8 (a circled i) is in neither family and showed as an empty box; the marks left are ASCII, or U+26A0,
    # which DejaVu Sans has (fc-list ':charset=26a0'); the browser falls back to it from Liberation
    example["order_info"]["associate_fields"] = {"gift_note": "hi", "gift_wrap": "x"}
    form = SchemaForm(kn.with_associate_fields(order=GIFT), example)
    free = form.fields["order_info.associate_fields"]
    assert "(i) 'gift_note' is not a declared associate field" in free.row("gift_note").message_html
    assert "⚠ expected true or false" in free.declared["gift_wrap"].message_html
    shown_text = "".join(f.message_html for f in form.root.walk()) + "".join(form.root.section_titles)
    assert {ch for ch in shown_text if not ch.isascii()} == {"⚠"}


def too_wide(size):
    if size in (None, "", "0", "auto", "100%"):
        return False
    return not size.endswith("em") or float(size.removesuffix("em")) > 26


def widgets_in(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from widgets_in(child)


def test_the_form_wraps_and_shrinks_instead_of_being_clipped_and_errors_sit_under_their_inputs(example):
    example["order_info"]["associate_fields"] = {"slot": "am", "weight": "12 kg"}
    form = SchemaForm(PLAIN, example)
    free = form.fields["order_info.associate_fields"]
    free.raw_button.value = True
    look = form.root.ctx.look
    assert look.row.flex_flow == "row wrap" and look.row.min_width == "0"
    assert (look.input.width, look.input.max_width, look.input.flex) == ("auto", "26em", "1 1 16em")
    assert (free.raw.layout.width, free.raw.layout.max_width) == ("auto", "40em")
    # no widget anywhere asks for more than 26em (a 900 px window leaves the form about 40em)
    for widget in widgets_in(form):
        for size in (widget.layout.width, widget.layout.min_width):
            assert not too_wide(size), (widget, size)

    phone = form.fields["customer_info.phone"]
    phone.widget.value = "x" * 300
    phone.value = 9380491257  # a number in a text field: an error
    assert type(phone.view).__name__ == "VBox" and phone.view.layout.flex_flow is None
    assert phone.view.children == (phone.line, phone._msg) and phone.widget in phone.line.children
    assert "expected a string" in phone.view.children[1].value

    row = free.row("weight")
    row.type_widget.value = "number"
    assert type(row.view).__name__ == "VBox" and row.view.children == (row.line, row._msg)
    assert row.widget in row.line.children and "is not a number" in row.view.children[1].value


@pytest.mark.parametrize(
    ("loaded", "kind", "note", "error"),
    [
        ("12 kg", "number", "",
         "'12 kg' is not a number: the text is kept in the box and the key is left out; fix it or switch back to text"),
        ("12", "number", "switched to number: '12' is now the number 12", ""),
        (12, "text", "switched to text: 12 is now the text '12'", ""),
        ("yes", "boolean", "switched to boolean: 'yes' is now true (only 1, on, true, y, yes read as true)", ""),
        ("12 kg", "boolean", "switched to boolean: '12 kg' is now false (only 1, on, true, y, yes read as true)", ""),
        (0, "boolean", "switched to boolean: 0 is now false (0 reads as false, any other number as true)", ""),
        ("12 kg", "JSON", "switched to JSON: '12 kg' is not JSON, so it is kept as the JSON string \"12 kg\"", ""),
        ('{"a": 1}', "JSON", "switched to JSON: '{\"a\": 1}' is now the JSON value {\"a\": 1}", ""),
    ],
    ids=repr,
)
def test_a_type_switch_says_what_happened_to_the_value_until_the_value_is_edited(example, loaded, kind, note, error):
    example["order_info"]["associate_fields"] = {"k": loaded}
    form = SchemaForm(PLAIN, example)
    row = form.fields["order_info.associate_fields.k"]
    row.type_widget.value = kind
    assert row.kept_note() == note and messages(row) == ([error] if error else [])
    assert "kept as loaded" not in row.message_html
    if error:
        assert row.widget.text.value == "12 kg" and form.value["order_info"]["associate_fields"] == {}
    if kind == "number":  # the user edits the value: what the switch did is no longer news
        row.widget.text.value = "7"
    else:
        row.widget.value = {"text": "x", "boolean": not row.widget.value, "JSON": "[1]"}[kind]
    assert row.kept_note() == "" and "switched" not in row.message_html and messages(row) == []


def test_invalid_json_in_the_json_view_is_reported_at_the_json_view_in_plain_words(example):
    example["order_info"]["associate_fields"] = {"a": 1}
    form = SchemaForm(PLAIN, example)
    free = form.fields["order_info.associate_fields"]
    free.raw_button.value = True
    free.raw.value = '{\n  "a": 2\n}}'
    said = (
        "invalid JSON, line 3, column 2: there is more after the JSON value ends;"
        " the keys above stay as they were until it is valid"
    )
    assert said in free.raw_message.value
    assert free.body.children[-2:] == (free.raw, free.raw_message)  # right under the box
    assert free.message_html == "" and form.value["order_info"]["associate_fields"] == {"a": 1}
    assert [e.message for e in form.errors.errors] == [said]
    free.raw_button.value = False  # the box closed: the error moves to the top of the section, not out of sight
    assert messages(free) == [said] and free.raw_message not in free.body.children
    free.raw_button.value = True
    free.raw.value = '{"a": 2}'
    assert free.raw_message.value == "" and form.errors.ok and form.value["order_info"]["associate_fields"] == {"a": 2}


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "the box is empty: type a JSON value"),
        ('{"a": 1,}', "line 1, column 9: a key in double quotes was expected here (no comma after the last item)"),
        ("{'a': 1}", "line 1, column 2: a key in double quotes was expected here (no comma after the last item)"),
        ('{"a" 1}', "line 1, column 6: a colon was expected after the key"),
        ('["a', "line 1, column 2: this text in quotes is never closed"),
        ("[1,", 'line 1, column 4: a value was expected here (a number, "text", true, false, null, [ ] or { })'),
    ],
)
def test_json_mistakes_are_said_in_plain_words_with_line_and_column(text, said):
    from kapture_nb.forms.base import parse_json

    assert parse_json(text) == (None, said)


def caption_of(free):
    return html.unescape(next(w.value for w in free.body.children if "<small" in getattr(w, "value", "")))


def test_the_free_form_caption_says_which_keys_are_declared():
    plain = SchemaForm(PLAIN).fields["order_info.associate_fields"]
    assert "Declare the account's keys with kapture_nb.with_associate_fields()." in caption_of(plain)
    declared = SchemaForm(kn.with_associate_fields(order=GIFT)).fields["order_info.associate_fields"]
    assert "Declare the account" not in caption_of(declared)
    assert caption_of(declared).endswith("Declared: gift_wrap, delivery_slot; other keys are free.</small>")
    strict = SchemaForm(kn.with_associate_fields(order=GIFT, strict=True)).fields["order_info.associate_fields"]
    assert strict.caption_text().endswith("Declared: gift_wrap, delivery_slot; no other keys are allowed.")


def test_switching_the_type_of_a_row_holding_an_odd_value_set_from_code_says_so_and_does_not_crash():
    import numpy as np

    body = kn.documented_example()
    body["order_info"]["associate_fields"] = {"x": np.array([1, 2]), "big": 10**5000}
    form = SchemaForm(kn.load_schema(), body)
    free = form.fields["order_info.associate_fields"]
    for key in ("x", "big"):
        free.row(key).type_widget.value = "text"
        assert free.row(key).type_widget.value == "text"
