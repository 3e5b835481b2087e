import json

import pytest

import kapture_nb as kn
from helpers import ROOT, writing
from kapture_nb.schema import declared_fields


def _leaves(node, at=()):
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from _leaves(value, (*at, key))
    elif isinstance(node, list) and node:
        yield from _leaves(node[0], (*at, "0"))
    else:
        yield at


def _schema_node(schema, at):
    node = schema
    for part in at:
        node = node["items"] if part == "0" else node["properties"][part]
    return node


def test_every_key_of_the_documented_example_is_described(example):
    schema = kn.load_schema()
    leaves = list(_leaves(example))
    assert len(leaves) == 28 + 13 + 12 + 19
    for at in leaves:
        node = _schema_node(schema, at)
        assert node["description"], at
        assert node["examples"] == [_value(example, at)], at


def _value(body, at):
    for part in at:
        body = body[int(part)] if isinstance(body, list) else body[part]
    return body


def test_required_keys_follow_the_page_and_the_issue():
    schema = kn.load_schema()
    assert schema["properties"]["customer_info"]["required"] == ["customer_name"]
    assert schema["properties"]["order_info"]["required"] == ["order_id", "update"]
    assert schema["properties"]["contact_info"]["type"] == "array"


def test_load_schema_returns_a_fresh_copy():
    first = kn.load_schema()
    first["properties"].clear()
    assert kn.load_schema()["properties"]


def test_add_schema_drops_the_order_id_requirement(example):
    del example["order_info"]["order_id"]
    assert not kn.validate(example).ok
    assert kn.validate(example, kn.load_schema(action="add")).ok
    with pytest.raises(ValueError, match="update"):
        kn.load_schema(action="delete")


def test_template_has_every_key_with_ids_empty_and_update_true(example):
    body = kn.template()
    assert list(_leaves(body)) == list(_leaves(example))
    assert body["order_info"]["order_id"] == ""
    assert body["customer_info"]["customer_id"] == ""
    assert body["order_info"]["update"] is True
    assert body["customer_info"]["update"] is False
    assert body["customer_info"]["customer_name"] == ""
    assert body["order_info"]["associate_fields"] == {}
    body["customer_info"]["customer_name"] = "ABC"
    body["order_info"]["order_id"] = "23518265"
    assert kn.validate(body).ok


def test_declared_associate_field_with_a_wrong_type_is_reported_at_its_path(example):
    schema = kn.with_associate_fields(order={"delivery_slot": {"type": "string"}, "priority": "integer"})
    example["order_info"]["associate_fields"] = {"delivery_slot": 3, "priority": 2}
    report = kn.validate(example, schema)
    assert [(e.path, e.keyword) for e in report.errors] == [("order_info.associate_fields.delivery_slot", "type")]


def test_strict_associate_fields_reject_an_undeclared_key(example):
    fields = {"delivery_slot": "string"}
    example["order_info"]["associate_fields"] = {"delivery_slott": "am"}
    loose = kn.validate(writing(example), kn.with_associate_fields(order=fields))
    assert loose.ok
    assert [w.path for w in loose.warnings] == ["order_info.associate_fields.delivery_slott"]
    assert "did you mean 'delivery_slot'" in loose.warnings[0].message
    strict = kn.validate(example, kn.with_associate_fields(order=fields, strict=True))
    assert [e.path for e in strict.errors] == ["order_info.associate_fields.delivery_slott"]
    assert "did you mean 'delivery_slot'" in strict.errors[0].message


def test_with_associate_fields_takes_an_object_fragment_and_keeps_the_input(example):
    base = kn.load_schema()
    before = json.dumps(base, sort_keys=True)
    fragment = {"type": "object", "properties": {"tier": {"enum": ["gold", "silver"]}}, "required": ["tier"]}
    schema = kn.with_associate_fields(base, customer=fragment, enquiry={"source": str})
    assert json.dumps(base, sort_keys=True) == before
    example["customer_info"]["associate_fields"] = {"tier": "bronze"}
    example["enquiry_info"]["associate_fields"] = {"source": 1}
    paths = sorted(e.path for e in kn.validate(example, schema).errors)
    assert paths == ["customer_info.associate_fields.tier", "enquiry_info.associate_fields.source"]
    example["customer_info"]["associate_fields"] = {}
    assert "customer_info.associate_fields.tier" in [e.path for e in kn.validate(example, schema).errors]


def test_with_associate_fields_rejects_an_unknown_shorthand():
    with pytest.raises(ValueError, match=r"order_info\.associate_fields\.slot"):
        kn.with_associate_fields(order={"slot": "text"})


def test_response_schema_accepts_documented_bodies_in_both_spellings():
    import jsonschema

    schema = kn.load_response_schema()
    success = schema["definitions"]["success"]["examples"][0]
    for body in (success, {"message": "Invalid Auth Key", "status": "failed"}, {"Message": "x", "Status": "failed"}):
        jsonschema.validate(body, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"status": "maybe"}, schema)


def test_schema_files_live_at_the_top_level():
    assert kn.schema.schema_dir() == ROOT / "schemas"


MAX_ID = 2**63 - 1
ID_NODES = [
    ("customer_info", "customer_id"),
    ("contact_info", "0", "contact_id"),
    ("enquiry_info", "enquiry_id"),
    ("order_info", "order_id"),
    ("order_info", "ticket_id"),
]


def test_every_id_of_the_request_schema_stops_at_2_63_minus_1():
    from kapture_nb.schema import MAX_ID as max_id
    from kapture_nb.schema import id_pattern

    schema = kn.load_schema()
    ids = [at for at in _leaves(kn.template()) if _schema_node(schema, at).get("type") == ["integer", "string"]]
    assert sorted(ids) == sorted(ID_NODES)
    assert max_id == MAX_ID
    for at in ID_NODES:
        node = _schema_node(schema, at)
        assert node["maximum"] == MAX_ID
        assert node["pattern"] == id_pattern(empty=at[-1] != "order_id")
        assert "9223372036854775807 (2^63-1)" in node["description"]
    assert _schema_node(kn.load_schema(action="add"), ("order_info", "order_id"))["pattern"] == id_pattern(empty=True)


def _digits_strategy():
    from hypothesis import strategies as st

    return st.one_of(
        st.integers(0, 10**22).map(str),
        st.integers(MAX_ID - 10**6, MAX_ID + 10**6).map(str),
        st.integers(10**18 - 5, 10**19 + 5).map(str),
        st.tuples(st.integers(0, 3), st.integers(0, MAX_ID + 10)).map(lambda z: "0" * z[0] + str(z[1])),
        st.text("0123456789", max_size=22),
        st.text("0123456789 x\n-+.", max_size=6),
    )


def test_the_id_pattern_takes_exactly_the_numbers_from_1_to_2_63_minus_1():
    import re

    from hypothesis import given, settings

    from kapture_nb.schema import id_pattern

    strict, empty = re.compile(id_pattern()), re.compile(id_pattern(empty=True))

    @settings(max_examples=3000, deadline=None)
    @given(_digits_strategy())
    def agrees(text):
        number = int(text) if text.isascii() and text.isdigit() else None
        assert bool(strict.search(text)) == (number is not None and 1 <= number <= MAX_ID), text
        assert bool(empty.search(text)) == (text == "" or (number is not None and number <= MAX_ID)), text

    agrees()
    for text in (str(MAX_ID), "0" + str(MAX_ID), "1" * 18, "9" * 18, str(10**18)):
        assert strict.search(text), text
    for text in (str(MAX_ID + 1), "9" * 19, "1" * 20, "0", "", "92233720368547758070"):
        assert not strict.search(text), text


def test_every_text_field_named_for_a_phone_email_or_pincode_carries_that_shape():
    from kapture_nb.validation import SHAPE, SHAPES

    schema = kn.load_schema()
    shaped = {}
    for at in _leaves(kn.template()):
        node = _schema_node(schema, at)
        if SHAPE in node:
            assert node[SHAPE] in SHAPES and node["type"] == "string", at
            shaped[".".join(at)] = node[SHAPE]
        name = at[-1].lower()
        named = next((shape for shape in ("phone", "email", "pincode") if shape in name), None)
        if name == "country_code":
            named = "country-code"
        if node.get("type") == "string" and named:
            assert node.get(SHAPE) == named, at
    assert shaped == {
        "customer_info.phone": "phone",
        "customer_info.email_id": "email",
        "customer_info.pincode": "pincode",
        "customer_info.customer_assign_emp_email": "email",
        "contact_info.0.country_code": "country-code",
        "contact_info.0.contact_person_phone": "phone",
        "contact_info.0.contact_person_email": "email",
        "contact_info.0.additional_contact_phone": "phone",
        "enquiry_info.assign_emp_email": "email",
        "order_info.assign_emp_email": "email",
    }
    assert _schema_node(kn.load_schema(action="add"), ("customer_info", "phone"))[SHAPE] == "phone"



@pytest.mark.parametrize(
    "arguments",
    [{}, {"order": {"slot": {"enum": ["a", "b"]}}},
     {"customer": {"tier": "string"}, "order": {"n": "integer"}, "strict": True},
     {"order": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}}],
)
def test_declared_fields_give_back_the_arguments_that_make_a_schema(arguments):
    schema = kn.with_associate_fields(**arguments)
    assert kn.with_associate_fields(**declared_fields(schema)) == schema


def test_a_schema_the_declarations_cannot_make_has_none():
    assert declared_fields({**kn.load_schema(), "title": "mine"}) is None
    assert declared_fields({"type": "object"}) is None
