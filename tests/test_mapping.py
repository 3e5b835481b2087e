import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kapture_nb as kn
from kapture_nb.mapping import Const


@pytest.fixture
def orders():
    return pd.DataFrame(
        {
            "order": [23518265.0, np.nan, 23518267.0],
            "name": ["ABC", None, "Ünïcode Ltd"],
            "phone": ["0987654321", "0123", None],
            "phone2": ["0999", None, "0888"],
            "slot": ["morning", "evening", None],
            "paid_on": pd.to_datetime(["2024-01-02", None, "2024-03-04"]),
            "created": pd.to_datetime(["2024-01-02 10:11:12", "2024-01-03 00:00:00", None]),
            "qty": pd.array([1, None, 3], dtype="Int64"),
            "vip": [True, False, np.nan],
        },
        index=["r1", "r2", "r3"],
    )


@pytest.fixture
def mapping():
    return kn.FieldMapping(
        {
            "order_info.order_id": "order",
            "customer_info.customer_name": "name",
            "contact_info.0.contact_person_phone": "phone",
            "contact_info.1.contact_person_phone": "phone2",
            "order_info.associate_fields.delivery_slot": "slot",
            "order_info.invoice_date": "paid_on",
            "order_info.create_date": "created",
            "order_info.associate_fields.quantity": "qty",
            "order_info.associate_fields.vip": "vip",
            "order_info.remarks": Const("bulk update"),
            "order_info.associate_fields.source": lambda row: f"crm-{row['name']}",
        }
    )


def test_columns_constants_and_callables_fill_the_template(orders, mapping):
    first = mapping.to_bodies(orders)[0]
    assert set(first) == {"customer_info", "contact_info", "order_info"}  # no enquiry_info: nothing maps there
    assert first["customer_info"] == {"customer_name": "ABC", "update": False}  # nothing the mapping does not target
    order_id = first["order_info"]["order_id"]
    assert order_id == 23518265.0 and type(order_id) is float  # sent as it is: the validator warns, kn.Digits converts
    assert first["customer_info"]["customer_name"] == "ABC"
    assert first["order_info"]["remarks"] == "bulk update"
    assert first["order_info"]["associate_fields"] == {
        "delivery_slot": "morning", "quantity": 1, "vip": True, "source": "crm-ABC",
    }
    assert first["order_info"]["update"] is True and "country" not in first["customer_info"]
    assert kn.validate(first).ok


def test_the_documented_template_sends_every_documented_key(orders, mapping):
    documented = kn.FieldMapping(mapping.targets, template="documented")
    first = documented.to_bodies(orders)[0]
    assert first["customer_info"]["country"] == "" and set(first) == set(kn.template())


def test_a_minimal_body_holds_the_mandatory_keys_and_the_flags_of_the_sections_it_sends():
    frame = pd.DataFrame({"id": ["23518265"], "who": ["ABC"], "remark": ["r"]})
    mapping = kn.FieldMapping(
        {"order_info.order_id": "id", "customer_info.customer_name": "who", "enquiry_info.remarks": "remark"}
    )
    assert mapping.to_bodies(frame) == [
        {
            "customer_info": {"customer_name": "ABC", "update": False},
            "order_info": {"order_id": "23518265", "update": True},
            "enquiry_info": {"update": False, "remarks": "r"},
        }
    ]
    bare = kn.FieldMapping({"order_info.remarks": "remark"}).to_bodies(frame)[0]
    assert bare["customer_info"]["customer_name"] == "" and not kn.validate(bare).ok  # unmapped mandatory keys: loud


def test_a_source_that_is_not_a_column_constant_or_callable_is_an_error_saying_how_to_name_it():
    frame = pd.DataFrame({7: ["ABC"], "id": ["23518265"]})
    with pytest.raises(kn.MappingError, match=r"kn\.Column\(7\).*kn\.Const\(7\)"):
        kn.FieldMapping({"customer_info.customer_name": 7})
    mapping = kn.FieldMapping({"customer_info.customer_name": kn.Column(7), "order_info.order_id": "id"})
    assert mapping.to_bodies(frame)[0]["customer_info"]["customer_name"] == "ABC"
    assert mapping.columns() == [7, "id"]


def test_leading_zeros_survive_and_array_paths_build_the_array(orders, mapping):
    bodies = mapping.to_bodies(orders)
    assert [c["contact_person_phone"] for c in bodies[0]["contact_info"]] == ["0987654321", "0999"]
    assert bodies[0]["contact_info"][1] == {"update": False, "contact_person_phone": "0999"}  # a new contact, its flag
    assert len(bodies[1]["contact_info"]) == 1  # row 2 has no second phone: nothing invented


def test_dates_follow_the_target(orders, mapping):
    bodies = mapping.to_bodies(orders)
    assert bodies[0]["order_info"]["invoice_date"] == "2024-01-02"
    assert bodies[0]["order_info"]["create_date"] == "2024-01-02 10:11:12"
    assert bodies[1]["order_info"]["create_date"] == "2024-01-03 00:00:00"


@pytest.mark.parametrize("policy, expected", [("empty", ""), ("null", None)])
def test_missing_policy(orders, policy, expected):
    mapping = kn.FieldMapping({"customer_info.city": "slot", "order_info.associate_fields.slot": "slot"}, missing=policy)
    third = mapping.to_bodies(orders)[2]
    assert third["customer_info"]["city"] == expected
    assert third["order_info"]["associate_fields"]["slot"] == expected


def test_missing_omit_leaves_the_key_out(orders):
    mapping = kn.FieldMapping({"customer_info.city": "slot", "order_info.associate_fields.slot": "slot"})
    third = mapping.to_bodies(orders)[2]
    assert "city" not in third["customer_info"] and "associate_fields" not in third["order_info"]


def test_bodies_are_plain_json(orders, mapping):
    for body in mapping.to_bodies(orders):
        assert json.loads(json.dumps(body, allow_nan=False)) == body
        _assert_plain(body)


def _assert_plain(node):
    if isinstance(node, dict):
        for value in node.values():
            _assert_plain(value)
    elif isinstance(node, list):
        for value in node:
            _assert_plain(value)
    else:
        assert type(node) in (str, int, float, bool, type(None)), type(node)


def test_decimals_numpy_scalars_and_timestamps_in_object_columns():
    frame = pd.DataFrame(
        {"v": pd.Series([Decimal("2.50"), np.int64(7), dt.date(2024, 5, 6), np.bool_(True)], dtype=object)}
    )
    mapping = kn.FieldMapping({"order_info.associate_fields.v": "v", "customer_info.remarks": "v"})
    bodies = mapping.to_bodies(frame)
    assert [b["order_info"]["associate_fields"]["v"] for b in bodies] == [2.5, 7, "2024-05-06", True]
    assert [b["customer_info"]["remarks"] for b in bodies] == [2.5, 7, "2024-05-06", True]  # as they are, no str()
    wrong = [{e.path for e in kn.validate(b).errors} for b in bodies]
    assert ["customer_info.remarks" in paths for paths in wrong] == [True, True, False, True]  # the validator judges


def test_a_missing_column_is_a_clear_error_with_suggestions(orders):
    mapping = kn.FieldMapping({"customer_info.customer_name": "nme"})
    with pytest.raises(kn.MappingError, match=r"lacks; did you mean 'name'"):
        mapping.to_bodies(orders)


def test_an_unknown_path_is_a_clear_error_with_suggestions():
    with pytest.raises(kn.MappingError, match=r"did you mean customer_info\.customer_name"):
        kn.FieldMapping({"customer_info.custmer_name": "name"})
    with pytest.raises(kn.MappingError, match="not a place in the request body"):
        kn.FieldMapping({"order_infos.order_id": "order"})
    kn.FieldMapping({"customer_info.additional_fields.anything.nested": "name"})  # free-form: allowed


def test_validate_reports_each_row_by_its_index(orders, mapping):
    problems = mapping.validate(orders)
    assert list(problems.columns) == ["row", "path", "message", "keyword", "value", "severity"]
    per_row = problems[problems["row"].notna()]
    errors = per_row[per_row["severity"] == "error"]
    assert set(errors["row"]) == {"r2"}
    assert set(errors["path"]) == {"customer_info.customer_name", "order_info.order_id"}
    floats = per_row[per_row["keyword"] == "integer"]  # ids read as floats are sent as floats: each row is warned
    assert floats[["row", "path", "keyword"]].values.tolist() == [
        ["r1", "order_info.order_id", "integer"], ["r3", "order_info.order_id", "integer"]
    ]


def test_a_failing_callable_is_a_per_row_problem_not_a_crash(orders):
    mapping = kn.FieldMapping({"order_info.order_id": "order", "order_info.associate_fields.x": lambda row: 1 / 0})
    problems = mapping.validate(orders)
    mapped = problems[problems["keyword"] == "mapping"]
    assert list(mapped["row"]) == ["r1", "r2", "r3"]
    assert mapped["message"].iloc[0] == "the mapping callable raised ZeroDivisionError: division by zero"
    with pytest.raises(kn.MappingError, match="3 cell"):
        mapping.to_bodies(orders)


def test_strict_associate_fields_catch_a_typo_per_row(orders):
    schema = kn.with_associate_fields(order={"delivery_slot": "string"}, strict=True)
    targets = {"order_info.order_id": "order", "customer_info.customer_name": "name"}
    mapping = kn.FieldMapping({**targets, "order_info.associate_fields.delivery_slott": "slot"}, schema=schema)
    problems = mapping.validate(orders.iloc[[0]].assign(order=["23518265"]))
    assert problems[["row", "path", "keyword"]].values.tolist() == [
        ["r1", "order_info.associate_fields.delivery_slott", "additionalProperties"]
    ]
    assert "did you mean 'delivery_slot'" in problems["message"].iloc[0]


def test_a_float_column_mapped_to_an_id_is_one_warning_naming_the_column_and_the_fix(orders, mapping):
    problems = mapping.validate(orders)
    whole = problems[problems["keyword"] == "column-dtype"]
    assert whole[["row", "path", "severity"]].values.tolist() == [[None, "order_info.order_id", "warning"]]
    assert "column 'order'" in whole["message"].iloc[0] and "dtype={'order': str}" in whole["message"].iloc[0]
    texts = mapping.validate(orders.assign(order=["23518265", None, "23518267"]))
    assert "column-dtype" not in set(texts["keyword"])


def test_a_number_column_mapped_to_a_phone_or_pincode_is_a_warning_but_not_to_a_free_text():
    frame = pd.DataFrame({"id": ["1"], "who": ["A"], "mobile": [9380491257], "pin": [560001], "qty": [3]})
    mapping = kn.FieldMapping({
        "order_info.order_id": "id", "customer_info.customer_name": "who", "customer_info.phone": "mobile",
        "customer_info.pincode": "pin", "customer_info.remarks": "qty",
    })
    problems = mapping.validate(frame)
    flagged = problems.loc[problems["keyword"] == "column-dtype", "path"].tolist()
    assert flagged == ["customer_info.phone", "customer_info.pincode"]


def test_rows_updating_the_same_order_are_warned_of_with_the_other_rows():
    frame = pd.DataFrame({"id": ["7", "8", "7"], "who": ["A", "B", "C"]}, index=["a", "b", "c"])
    problems = kn.FieldMapping({"order_info.order_id": "id", "customer_info.customer_name": "who"}).validate(frame)
    dups = problems[problems["keyword"] == "duplicate"]
    assert dups["row"].tolist() == ["a", "c"] and (dups["severity"] == "warning").all()
    assert "also in row(s) 'c'" in dups["message"].iloc[0] and "the last one wins" in dups["message"].iloc[0]


def test_preview_shows_what_would_be_sent(orders, mapping):
    preview = mapping.preview(orders, n=2)
    assert list(preview.index) == ["r1", "r2"]
    assert preview.loc["r1", "order_info.order_id"] == 23518265.0
    assert preview.loc["r2", "order_info.order_id"] == ""  # missing: the template's value stays
    assert preview["errors"].tolist() == [0, 2]
    assert list(preview.columns[:3]) == ["errors", "messages", "order_info.order_id"]


def test_preview_puts_each_rows_errors_and_their_whole_messages_first():
    frame = pd.DataFrame({"id": ["1", "x", "3"], "qty": ["5", "2", "lots"]}, index=["r", "r", "s"])
    mapping = kn.FieldMapping({
        "order_info.order_id": "id", "customer_info.customer_name": kn.Const("A"),
        "order_info.associate_fields.quantity": kn.Integer("qty"),
    })
    preview = mapping.preview(frame)
    assert list(preview.columns) == [
        "errors", "messages", "order_info.order_id", "customer_info.customer_name", "order_info.associate_fields.quantity",
    ]
    assert list(preview.index) == ["r", "r", "s"]  # a label the frame repeats: each row keeps its own errors
    assert preview["errors"].tolist() == [0, 1, 1]
    assert preview["messages"].iloc[0] == ""
    assert preview["messages"].iloc[1].startswith("order_info.order_id: ") and "'x'" in preview["messages"].iloc[1]
    # the cell that could not be converted is said once (its conversion error, not the validator's too)
    last = preview["messages"].iloc[2]
    assert last.startswith("order_info.associate_fields.quantity: ") and ";" not in last


def test_preview_messages_are_the_validators_whole_messages(orders, mapping):
    preview = mapping.preview(orders)
    problems = mapping.validate(orders)
    errors = problems[(problems["severity"] == "error") & (problems["row"] == "r2")]
    said = [f"{path}: {message}" for path, message in zip(errors["path"], errors["message"], strict=True)]
    assert preview.loc["r2", "messages"] == "; ".join(said)
    assert preview.loc["r2", "errors"] == len(errors) > 0


def test_json_round_trip(tmp_path, orders):
    mapping = kn.FieldMapping({"order_info.order_id": "order", "order_info.remarks": Const("x"),
                               ("order_info", "associate_fields", "v2.slot"): "slot"}, missing="null")
    path = tmp_path / "mapping.json"
    mapping.to_json(path)
    again = kn.FieldMapping.from_json(path)
    assert again.to_bodies(orders) == mapping.to_bodies(orders)
    assert again.to_bodies(orders)[0]["order_info"]["associate_fields"] == {"v2.slot": "morning"}
    with pytest.raises(kn.MappingError, match="callable"):
        kn.FieldMapping({"order_info.remarks": lambda r: "x"}).to_json(tmp_path / "no.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(kn.MappingError, match="not a saved FieldMapping"):
        kn.FieldMapping.from_json(tmp_path / "bad.json")


def test_infer_associate_fields(orders):
    frame = orders.assign(tier=["gold", "gold", "silver"] * 1, when=["2024-01-01", "2024-02-02", None])
    frame = pd.concat([frame] * 3)
    frame["phone"] = [f"0{i:09d}" for i in range(len(frame))]
    fragment = kn.infer_associate_fields(frame, ["slot", "paid_on", "created", "qty", "vip", "tier", "when", "phone"])
    props = fragment["properties"]
    assert props["paid_on"] == {"type": "string", "format": "date"}
    assert props["created"] == {"type": "string", "format": "date-time"}
    assert props["qty"] == {"type": "integer"} and props["vip"] == {"type": "boolean"}
    assert props["tier"] == {"type": "string", "enum": ["gold", "silver"]}
    assert props["when"] == {"type": "string", "format": "date"}
    assert props["phone"] == {"type": "string"}
    renamed = kn.infer_associate_fields(frame, {"slot": "delivery_slot"})
    assert list(renamed["properties"]) == ["delivery_slot"]
    with pytest.raises(kn.MappingError, match="'nope'"):
        kn.infer_associate_fields(frame, ["nope"])


# Bad input: every row gives a JSON-serialisable body or a per-row error; nothing crashes.
AWKWARD = st.one_of(
    st.none(), st.just(np.nan), st.just(float("inf")), st.just(pd.NA), st.just(pd.NaT),
    st.integers(-10**15, 10**15), st.integers(-2**62, 2**62).map(np.int64),
    st.booleans().map(np.bool_), st.booleans(), st.text(max_size=300), st.just(""), st.just("00123"),
    st.floats(allow_nan=True, allow_infinity=True), st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.dates().map(pd.Timestamp), st.text(alphabet="日本語ñé€😀", max_size=5),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(AWKWARD, AWKWARD, AWKWARD), min_size=1, max_size=6), st.sampled_from(["omit", "empty", "null"]))
def test_awkward_values_never_crash(rows, policy):
    frame = pd.DataFrame(rows, columns=["a", "b", "c"], dtype=object)
    mapping = kn.FieldMapping(
        {"order_info.order_id": "a", "customer_info.customer_name": "b", "contact_info.0.dob": "c",
         "order_info.associate_fields.a": "a", "order_info.associate_fields.c": "c"},
        missing=policy,
    )
    bodies = mapping.build(frame).bodies
    problems = mapping.validate(frame)
    for label, body in zip(frame.index, bodies, strict=True):
        try:
            json.dumps(body, allow_nan=False)
        except (TypeError, ValueError):
            assert label in set(problems.loc[problems["severity"] == "error", "row"]), body


def test_an_infinite_decimal_is_reported_not_raised():
    frame = pd.DataFrame({"id": ["1"], "who": ["A"], "v": pd.Series([Decimal("Infinity")], dtype=object)})
    targets = {"order_info.order_id": "id", "customer_info.customer_name": "who", "order_info.associate_fields.v": "v"}
    problems = kn.FieldMapping(targets).validate(frame)
    assert problems[["path", "keyword"]].values.tolist() == [["order_info.associate_fields.v", "json"]]


def _read(mapping, frame, how, client):
    """Each way a frame goes through a mapping: the mapping's own methods, and update_orders (bodies_of, then build)."""
    if how == "update_orders":
        return client.update_orders(frame, mapping, dry_run=True, progress=False)
    return getattr(mapping, how)(frame)


WAYS = ["to_bodies", "build", "validate", "preview", "update_orders"]


@pytest.mark.parametrize("how", WAYS)
def test_a_column_the_frame_has_twice_is_the_same_clear_error_every_way(how, client):
    frame = pd.DataFrame([["1", "A", "x", "y"]], columns=["id", "who", "r", "r"])
    mapping = kn.FieldMapping({"order_info.order_id": "id", "customer_info.customer_name": "who", "order_info.remarks": "r"})
    with pytest.raises(kn.MappingError, match=r"reads column 'r', which the DataFrame has more than once; rename .*df\.columns"):
        _read(mapping, frame, how, client)


def multi_level_frame() -> pd.DataFrame:
    columns = pd.MultiIndex.from_tuples([("order", "id"), ("order", "note"), ("customer", "name")])
    return pd.DataFrame([["1", "n", "A"]], columns=columns)


@pytest.mark.parametrize("how", WAYS)
@pytest.mark.parametrize("source", ["order", kn.Column(("order",))])
def test_naming_a_level_of_multiindex_columns_is_a_clear_error_every_way(how, source, client):
    mapping = kn.FieldMapping({"order_info.order_id": source, "customer_info.customer_name": kn.Column(("customer", "name"))})
    with pytest.raises(kn.MappingError) as raised:
        _read(mapping, multi_level_frame(), how, client)
    said = str(raised.value)
    assert "it holds ('order', 'id'), ('order', 'note')" in said and "MultiIndex" in said
    assert "kn.Column(('order', 'id'))" in said and "to_flat_index()" in said


def test_a_multiindex_column_named_by_its_full_label_is_read():
    mapping = kn.FieldMapping(
        {
            "order_info.order_id": kn.Column(("order", "id")),
            "customer_info.customer_name": kn.Column(("customer", "name")),
            "order_info.remarks": lambda row: row[("order", "note")],
        }
    )
    assert mapping.to_bodies(multi_level_frame()) == [
        {
            "customer_info": {"customer_name": "A", "update": False},
            "order_info": {"order_id": "1", "update": True, "remarks": "n"},
        }
    ]
    assert mapping.validate(multi_level_frame()).empty


def test_a_callable_target_and_a_column_the_frame_has_twice_is_an_error():
    frame = pd.DataFrame([["1", "A", "x"]], columns=["id", "who", "who"])
    mapping = kn.FieldMapping({"order_info.order_id": "id", "customer_info.customer_name": lambda row: row["who"]})
    with pytest.raises(kn.MappingError, match="column\\(s\\) 'who' more than once, and a callable target reads each row by"):
        mapping.to_bodies(frame)
    assert kn.FieldMapping({"order_info.order_id": "id", "customer_info.customer_name": Const("B")}).to_bodies(frame)


def test_a_column_label_that_cannot_be_one_is_refused_when_the_mapping_is_made():
    with pytest.raises(kn.MappingError, match=r"Column\(\['id'\]\) names no column: a column label is hashable"):
        kn.FieldMapping({"order_info.order_id": kn.Column(["id"])})


def test_infer_associate_fields_refuses_doubled_columns_levels_and_names_that_are_no_text():
    with pytest.raises(kn.MappingError, match="column 'slot', which the DataFrame has more than once"):
        kn.infer_associate_fields(pd.DataFrame([["a", "b"]], columns=["slot", "slot"]), ["slot"])
    with pytest.raises(kn.MappingError, match="MultiIndex"):
        kn.infer_associate_fields(multi_level_frame(), ["order"])
    with pytest.raises(kn.MappingError, match="a custom field's name is a str"):
        kn.infer_associate_fields(multi_level_frame(), [("order", "note")])
    named = kn.infer_associate_fields(multi_level_frame(), {("order", "note"): "note"})
    assert named["properties"] == {"note": {"type": "string"}}


MESSY = pd.DataFrame(
    {
        "Order No": ["24101016.0", " 24101017 ", "2.41E+07", None],
        "Cust Name": ["ABC", "DEF", "GHI", "JKL"],
        "Mobile": ["+91 98765 43210", "098765 43210", "12345", ""],
        "Invoice Dt": ["13/03/2024", "2024-03-12", "05/07/2024", "NA"],
        "Gift Wrap?": ["Yes", "n", "maybe", None],
    },
    index=["a", "b", "c", "d"],
)
CONVERTING = {
    "order_info.order_id": kn.Digits("Order No"),
    "customer_info.customer_name": "Cust Name",
    "customer_info.phone": kn.Phone("Mobile"),
    "order_info.invoice_date": kn.Date("Invoice Dt", missing=["NA"]),
    "order_info.associate_fields.gift_wrap": kn.Bool("Gift Wrap?"),
}


def test_converters_turn_messy_cells_into_what_the_api_takes():
    bodies = kn.FieldMapping(CONVERTING).build(MESSY).bodies
    assert bodies[0]["order_info"] == {
        "order_id": "24101016", "update": True, "invoice_date": "2024-03-13", "associate_fields": {"gift_wrap": True},
    }
    assert bodies[0]["customer_info"] == {"customer_name": "ABC", "update": False, "phone": "9876543210"}
    assert bodies[1]["order_info"]["associate_fields"] == {"gift_wrap": False}
    assert "invoice_date" not in bodies[3]["order_info"] and "phone" not in bodies[3]["customer_info"]  # blanks: omit


def test_a_cell_a_converter_cannot_read_is_an_error_of_its_row_showing_the_raw_value():
    mapping = kn.FieldMapping(CONVERTING)
    problems = mapping.validate(MESSY)
    converted = problems[problems["keyword"] == "convert"]
    assert converted[["row", "path", "value"]].values.tolist() == [
        ["c", "order_info.order_id", "2.41E+07"],
        ["c", "customer_info.phone", "12345"],
        ["c", "order_info.invoice_date", "05/07/2024"],
        ["c", "order_info.associate_fields.gift_wrap", "maybe"],
    ]
    assert (converted["severity"] == "error").all() and "give dayfirst" in converted["message"].iloc[2]
    row_c = problems[(problems["row"] == "c") & (problems["severity"] == "error")]
    assert len(row_c) == 4  # the validator does not report the emptied id again
    assert not (problems["keyword"] == "column-dtype").any()  # a converter reads texts: no dtype warning
    with pytest.raises(kn.MappingError, match=r"4 cell\(s\) could not be mapped; first: row 'c', order_info.order_id"):
        mapping.to_bodies(MESSY)
    assert kn.FieldMapping(CONVERTING, missing="empty").build(MESSY).bodies[3]["order_info"]["invoice_date"] == ""


def test_without_a_converter_a_value_is_sent_as_it_is_and_the_validator_judges_it():
    frame = pd.DataFrame({"id": ["23518265"], "name": ["ABC"], "vip": [" TRUE"], "qty": ["1564"], "pin": [560001]})
    schema = kn.with_associate_fields(order={"vip": {"type": "boolean"}, "qty": {"type": "integer"}})
    mapping = kn.FieldMapping(
        {"order_info.order_id": "id", "customer_info.customer_name": "name", "order_info.associate_fields.vip": "vip",
         "order_info.associate_fields.qty": "qty", "customer_info.pincode": "pin"},
        schema=schema,
    )
    body = mapping.to_bodies(frame)[0]
    assert body["order_info"]["associate_fields"] == {"vip": " TRUE", "qty": "1564"}
    assert body["customer_info"]["pincode"] == 560001
    errors = mapping.validate(frame)
    assert set(errors.loc[errors["severity"] == "error", "path"]) == {
        "order_info.associate_fields.vip", "order_info.associate_fields.qty", "customer_info.pincode"
    }


def test_a_mapping_with_converters_saved_as_json_comes_back_the_same(tmp_path):
    mapping = kn.FieldMapping(
        {**CONVERTING, "order_info.remarks": Const("bulk"), "order_info.associate_fields.slot": kn.Choice(
            "Gift Wrap?", ["yes", "no"], aliases={"y": "yes", "n": "no"})},
        missing="null",
    )
    path = tmp_path / "mapping.json"
    mapping.to_json(path)
    saved = json.loads(path.read_text())
    assert saved["template"] == "minimal" and saved["targets"][2] == {
        "path": "customer_info.phone", "column": "Mobile", "converter": {"type": "phone"}
    }
    again = kn.FieldMapping.from_json(path)
    assert again.targets == mapping.targets
    assert again.build(MESSY).bodies == mapping.build(MESSY).bodies
    unknown = {"path": "order_info.order_id", "column": "x", "converter": {"type": "?"}}
    path.write_text(json.dumps({**saved, "targets": [unknown]}))
    with pytest.raises(kn.MappingError, match=r"mapping\.json: not a saved converter"):
        kn.FieldMapping.from_json(path)


def test_an_unknown_path_suggests_leaves_across_arrays():
    with pytest.raises(kn.MappingError, match=r"did you mean contact_info\.0\.contact_person_phone"):
        kn.FieldMapping({"contact_info.phone": "Mobile"})
    with pytest.raises(kn.MappingError, match=r"did you mean order_info\.invoice_date"):
        kn.FieldMapping({"order_info.invoice_dt": "Invoice Dt"})


def test_a_date_keeps_its_time_and_zone_whatever_the_target_and_none_is_invented():
    frame = pd.DataFrame({
        "at": pd.to_datetime(["2024-03-12 14:05:00", "2024-03-13 00:00:00"]),
        "utc": pd.to_datetime(["2024-03-12 20:00:00", "2024-03-13 00:00:00"]).tz_localize("UTC"),
        "day": [dt.date(2024, 3, 12), dt.datetime(2024, 3, 12, 9, 30)],
    })
    mapping = kn.FieldMapping({
        "order_info.invoice_date": "at",                       # a date field: the time is not dropped
        "order_info.create_date": "day",                       # a date-time field: a date gets no midnight
        "order_info.associate_fields.sent": "utc",
    })
    bodies = mapping.to_bodies(frame)
    assert [b["order_info"]["invoice_date"] for b in bodies] == ["2024-03-12 14:05:00", "2024-03-13"]
    assert [b["order_info"]["create_date"] for b in bodies] == ["2024-03-12", "2024-03-12 09:30:00"]
    sent = [b["order_info"]["associate_fields"]["sent"] for b in bodies]
    assert sent == ["2024-03-12 20:00:00+0000", "2024-03-13 00:00:00+0000"]
    warned = mapping.validate(frame)
    assert "order_info.invoice_date" in set(warned.loc[warned["row"] == 0, "path"])  # the validator judges the shape


@pytest.mark.parametrize(
    "targets, why",
    [
        ({"order_info.remarks": "n", ("order_info", "remarks"): "q"}, "given twice"),
        ({"order_info.associate_fields": Const({"src": "x"}), "order_info.associate_fields.qty": "q"}, "is inside target"),
        ({"contact_info": Const([{"update": True}]), "contact_info.0.dob": "d"}, "is inside target"),
        ({"contact_info.2.dob": "d"}, "'contact_info.0' is not"),
        ({"": "n"}, "empty part"),
        ({None: "n"}, "dotted str or a tuple"),
        ({5: "n"}, "dotted str or a tuple"),
    ],
)
def test_targets_that_overlap_repeat_or_leave_gaps_are_refused(targets, why):
    with pytest.raises(kn.MappingError, match=why):
        kn.FieldMapping(targets)


def test_a_missing_policy_of_the_wrong_type_is_a_mapping_error():
    with pytest.raises(kn.MappingError, match="missing must be one of"):
        kn.FieldMapping({"order_info.remarks": "n"}, missing=["omit"])


def test_a_constant_container_is_each_bodys_own():
    frame = pd.DataFrame({"id": ["1", "2"]})
    mapping = kn.FieldMapping({"order_info.order_id": "id", "customer_info.additional_fields": Const({"tags": ["a"]})})
    bodies = mapping.to_bodies(frame)
    bodies[0]["customer_info"]["additional_fields"]["tags"].append("b")
    assert bodies[1]["customer_info"]["additional_fields"] == {"tags": ["a"]}


def test_a_converter_reading_a_number_column_for_digits_is_warned():
    frame = pd.DataFrame({"inv": [31413, 31414], "id": ["1", "2"]})  # 0031413 read as a number: the zeros are gone
    problems = kn.FieldMapping({"order_info.order_id": "id", "order_info.invoice_no": kn.Digits("inv")}).validate(frame)
    assert problems.loc[problems["keyword"] == "column-dtype", "path"].tolist() == ["order_info.invoice_no"]


@pytest.mark.parametrize(
    "document, why",
    [
        ({"targets": [{"path": "order_info.remarks", "convertor": {"type": "text"}, "column": "n"}]}, "got keys"),
        ({"targets": [{"path": "order_info.remarks", "column": "n", "const": "x"}]}, "either a column"),
        ({"targets": [{"path": "order_info.remarks", "const": "x", "converter": {"type": "text"}}]}, "either a column"),
        ({"targets": [{"path": None, "column": "n"}]}, "path is a dotted str"),
        ({"targets": [{"path": "order_info.remarks", "column": None}]}, "a column label"),
        ({"targets": [{"path": "order_info.remarks", "column": "n"}, {"path": "order_info.remarks", "column": "m"}]},
         "given twice"),
        ({"targets": [], "extra": 1}, "not a saved FieldMapping"),
        ({"targets": {}}, "not a saved FieldMapping"),
        ({"targets": [], "missing": ["omit"]}, "missing must be one of"),
    ],
)
def test_a_saved_mapping_with_anything_unexpected_is_refused_saying_what(tmp_path, document, why):
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(document))
    with pytest.raises(kn.MappingError, match=why):
        kn.FieldMapping.from_json(path)


def test_numpy_labels_and_constants_save_as_plain_json(tmp_path):
    frame = pd.DataFrame({10: ["24101016"]})
    label = frame.columns[0]
    mapping = kn.FieldMapping({"order_info.order_id": kn.Digits(label), "order_info.associate_fields.n": Const(np.int64(5))})
    mapping.to_json(tmp_path / "m.json")
    again = kn.FieldMapping.from_json(tmp_path / "m.json")
    assert again.to_bodies(frame) == mapping.to_bodies(frame)


@pytest.mark.parametrize(
    "template, why",
    [({"order_info": []}, "needs a dict at 'order_info', where the template holds a list"),
     ({"contact_info": {}}, "needs a list at 'contact_info', where the template holds a dict"),
     ({"order_info": {"associate_fields": 5}}, "needs a dict at 'order_info.associate_fields'")],
)
def test_a_template_whose_containers_do_not_fit_a_target_is_refused_when_made(template, why):
    targets = {"order_info.order_id": "a", "order_info.associate_fields.x": "a", "contact_info.0.dob": "a"}
    with pytest.raises(kn.MappingError, match=why):
        kn.FieldMapping(targets, template=template)


def test_validate_reads_phones_for_the_region_given():
    frame = pd.DataFrame({"id": ["23518265"], "who": ["ABC"], "phone": ["3125550100"]})
    mapping = kn.FieldMapping({"order_info.order_id": "id", "customer_info.customer_name": "who", "customer_info.phone": "phone"})
    def phone_warnings(**region):
        problems = mapping.validate(frame, **region)
        return problems.loc[problems["keyword"] == "phone", "path"].tolist()
    assert phone_warnings() == ["customer_info.phone"]  # not an Indian number
    assert phone_warnings(region="US") == [] and phone_warnings(region=None) == []


def test_rows_of_one_order_under_one_label_are_named_by_position():
    frame = pd.DataFrame({"id": ["1", "1"], "n": ["a", "b"]}, index=[0, 0])
    problems = kn.FieldMapping({"order_info.order_id": "id", "customer_info.customer_name": "n"}).validate(frame)
    assert [m.split(":")[0] for m in problems["message"]] == [
        "order 1 is also in row(s) 0 (position 1)", "order 1 is also in row(s) 0 (position 0)"
    ]


@pytest.mark.parametrize("schema", [{"type": "object", "properties": {"x": {"type": "string"}}},
                                    {"type": "object", "properties": {"customer_info": "text", "order_info": {}}}])
def test_a_schema_not_shaped_like_the_request_schema_is_a_mapping_error(schema):
    with pytest.raises(kn.MappingError):
        kn.FieldMapping({"x": "a"} if "x" in schema["properties"] else {"order_info": "a"}, schema=schema)


DECLARED = kn.with_associate_fields(order={"gift_wrap": "boolean", "slot": {"enum": ["morning", "evening"]}}, strict=True)
WITH_EVERYTHING = {
    "order_info.order_id": kn.Digits("Order No"),
    "customer_info.customer_name": "Cust Name",
    "order_info.associate_fields.gift_wrap": kn.Bool("Gift Wrap?"),
    "order_info.remarks": Const("bulk"),
    "order_info.associate_fields.slot": kn.Choice("Slot", ["morning", "evening"]),
    ("order_info", "associate_fields", "v2.note"): kn.Column(7),
}


def test_to_code_writes_the_python_that_builds_the_same_mapping_and_schema():
    mapping = kn.FieldMapping(WITH_EVERYTHING, schema=DECLARED, missing="null")
    namespace: dict = {}
    exec(mapping.to_code(), namespace)
    again = namespace["mapping"]
    assert again.targets == mapping.targets and again.schema == DECLARED and again.missing == "null"
    assert "schema = kn.with_associate_fields(order={'gift_wrap': {'type': 'boolean'}" in mapping.to_code()
    with pytest.raises(kn.MappingError, match="callable targets cannot be written as code"):
        kn.FieldMapping({"order_info.remarks": lambda row: "x"}).to_code()
    odd = {**kn.load_schema(), "title": "my own"}
    with pytest.raises(kn.MappingError, match="to_code cannot write it"):
        kn.FieldMapping({"order_info.remarks": "r"}, schema=odd).to_code()


def test_a_saved_mapping_carries_its_declarations_and_loads_with_them(tmp_path):
    mapping = kn.FieldMapping(WITH_EVERYTHING, schema=DECLARED)
    mapping.to_json(tmp_path / "m.json")
    saved = json.loads((tmp_path / "m.json").read_text())
    assert saved["fields"] == {"order": {"gift_wrap": {"type": "boolean"}, "slot": {"enum": ["morning", "evening"]}},
                               "strict": True}
    assert kn.FieldMapping.from_json(tmp_path / "m.json").schema == DECLARED  # a typo in a custom field stays an error
    mine = kn.with_associate_fields(order={"gift_wrap": "string"})
    assert kn.FieldMapping.from_json(tmp_path / "m.json", schema=mine).schema == mine  # a schema given wins
    kn.FieldMapping(WITH_EVERYTHING).to_json(tmp_path / "plain.json")
    assert "fields" not in json.loads((tmp_path / "plain.json").read_text())
    (tmp_path / "bad.json").write_text(json.dumps({**saved, "fields": {"order": 5}}))
    with pytest.raises(kn.MappingError, match="fields: not a declaration"):
        kn.FieldMapping.from_json(tmp_path / "bad.json")
