import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kapture_nb as kn
from kapture_nb.suggest import REVIEW_COLUMNS, Suggestion

# The export, as pd.read_csv(dtype=str) gives it after a trip through Excel.
MESSY = pd.DataFrame(
    {
        "Order No": ["24101016.0", " 24101017 ", "24101018", "24101019.0", "24101020", "24101021", "24101022", "24101023"],
        "Cust Name": ["ABC", " Ravi Kumar ", "Meena Stores", "ABC", "Zed", "Q Mart", "Anil", "Sita"],
        "Mobile": ["+91 98765 43210", "+91-9876543210", "098765 43210", "9876543210.0", "9812345678", "98123 45679",
                   "+919812345680", "9812345681"],
        "Email": ["a@x.com", "B@X.com", " c@y.org ", None, "d@y.org", "e@z.in", "f@z.in", "g@z.in"],
        "Invoice Dt": ["12/03/2024", "2024-05-07", "12-Mar-24", "13/03/2024", "01/04/2024", "2024-03-12", "31/12/2023",
                       "05/06/2024"],
        "Gift Wrap?": ["Yes", "No", "Y", "n", "TRUE", "0", "1", " no "],
        "Delivery Slot": ["Morning", " morning ", "Evening (6-9 PM)", "evening", "Morning", "Morning", "Evening", "morning"],
        "Amount": ["₹1,299.00", "Rs. 1299", "13,870.86", "500", "₹20", "1,000", "Rs. 99.50", "250"],
        "Qty": ["1,200", "36.0", "2", "NA", "1", "3", "12", "5"],
        "Pincode": ["560 001", "110001", "560001", "400 001", "600001", "700001", "380001", "500001"],
    },
    index=[f"r{i}" for i in range(8)],
)
EXPECTED = {
    "Order No": ("order_info.order_id", "kn.Digits('Order No')"),
    "Cust Name": ("customer_info.customer_name", "kn.Text('Cust Name')"),
    "Mobile": ("customer_info.phone", "kn.Phone('Mobile')"),
    "Email": ("customer_info.email_id", "kn.Email('Email')"),
    "Invoice Dt": ("order_info.invoice_date", "kn.Date('Invoice Dt', dayfirst=True)"),
    "Gift Wrap?": ("order_info.associate_fields.gift_wrap", "kn.Bool('Gift Wrap?')"),
    "Delivery Slot": ("order_info.associate_fields.delivery_slot", "kn.Choice('Delivery Slot', choices=['Evening', 'Morning'])"),
    "Amount": ("order_info.associate_fields.amount", "kn.Number('Amount')"),
    "Qty": ("order_info.associate_fields.qty", "kn.Integer('Qty', missing=['NA'])"),
    "Pincode": ("customer_info.pincode", "kn.Digits('Pincode')"),
}
# What each row must send, worked out by hand from the cells above.
BY_HAND = {
    "order_info.order_id": ["24101016", "24101017", "24101018", "24101019", "24101020", "24101021", "24101022", "24101023"],
    "customer_info.customer_name": ["ABC", "Ravi Kumar", "Meena Stores", "ABC", "Zed", "Q Mart", "Anil", "Sita"],
    "customer_info.phone": ["9876543210"] * 4 + ["9812345678", "9812345679", "9812345680", "9812345681"],
    "customer_info.email_id": ["a@x.com", "b@x.com", "c@y.org", None, "d@y.org", "e@z.in", "f@z.in", "g@z.in"],
    "order_info.invoice_date": ["2024-03-12", "2024-05-07", "2024-03-12", "2024-03-13", "2024-04-01", "2024-03-12",
                                "2023-12-31", "2024-06-05"],
    "order_info.associate_fields.gift_wrap": [True, False, True, False, True, False, True, False],
    "order_info.associate_fields.delivery_slot": ["Morning", "Morning", "Evening", "Evening", "Morning", "Morning", "Evening",
                                                  "Morning"],
    "order_info.associate_fields.amount": [1299.0, 1299, 13870.86, 500, 20, 1000, 99.5, 250],
    "order_info.associate_fields.qty": [1200, 36, 2, None, 1, 3, 12, 5],
    "customer_info.pincode": ["560001", "110001", "560001", "400001", "600001", "700001", "380001", "500001"],
}


def at(body, path):
    return kn.paths.get(body, path)


def rows_of(suggestion):
    return {row.column: row for row in suggestion.review.itertuples(index=False) if row.column is not None}


def test_the_messy_export_gets_the_targets_and_converters_it_needs():
    suggestion = kn.suggest_mapping(MESSY)
    rows = rows_of(suggestion)
    assert {column: (row.target, row.converter) for column, row in rows.items()} == EXPECTED
    assert suggestion.missing == () and list(suggestion.review["column"].dropna()) == list(MESSY.columns)
    assert all(row.confidence >= 0.8 and row.why for row in rows.values())
    assert "'13/03/2024' has a first part over 12: day first" in rows["Invoice Dt"].why
    assert rows["Delivery Slot"].sample == "'Morning', ' morning ', 'Evening (6-9 PM)'"


def test_the_proposed_mapping_converts_the_export_without_an_error_into_the_values_worked_out_by_hand():
    suggestion = kn.suggest_mapping(MESSY)
    problems = suggestion.mapping.validate(MESSY)
    assert problems[problems["keyword"] == "convert"].empty
    assert problems[problems["severity"] == "error"].empty, problems
    bodies = suggestion.mapping.to_bodies(MESSY)
    for path, wanted in BY_HAND.items():
        assert [at(body, path) for body in bodies] == wanted, path
    amounts = [at(body, "order_info.associate_fields.amount") for body in bodies]
    assert [type(amount) for amount in amounts[:2]] == [float, int]  # as written: 1,299.00 and 1299


def test_the_proposed_custom_fields_are_declared_in_the_suggestions_schema():
    suggestion = kn.suggest_mapping(MESSY)
    assert suggestion.fields == {
        "order": {
            "gift_wrap": {"type": "boolean"},
            "delivery_slot": {"type": "string", "enum": ["Evening", "Morning"]},
            "amount": {"type": "number"},
            "qty": {"type": "integer"},
        }
    }
    assert suggestion.schema == kn.with_associate_fields(**suggestion.fields)
    assert suggestion.mapping.schema == suggestion.schema
    strict = kn.with_associate_fields(**suggestion.fields, strict=True)
    for body in suggestion.mapping.to_bodies(MESSY):
        assert kn.validate(body, strict).errors == []
    bad = suggestion.mapping.to_bodies(MESSY)[0]
    bad["order_info"]["associate_fields"]["delivery_slot"] = "Night"
    assert not kn.validate(bad, suggestion.schema).ok  # the declaration holds the enum


def test_nothing_is_applied_to_the_frame():
    before = MESSY.copy()
    kn.suggest_mapping(MESSY)
    pd.testing.assert_frame_equal(MESSY, before)


def test_values_that_contradict_the_name_keep_the_column_out_of_that_field_and_say_why():
    frame = pd.DataFrame({"Mobile": ["a@x.com", "b@y.com", "c@z.com"], "Name": ["9876543210", "9812345678", "9876501234"]})
    rows = rows_of(kn.suggest_mapping(frame))
    assert rows["Mobile"].target == "order_info.associate_fields.mobile" and rows["Mobile"].converter == "kn.Email('Mobile')"
    assert "a synonym of customer_info.phone, but only 0% of its sample values read as phone numbers" in rows["Mobile"].why
    assert "if they are the customer's, map it to customer_info.email_id" in rows["Mobile"].why
    assert rows["Name"].target == "order_info.associate_fields.name"
    assert "its values are phone numbers, not what customer_info.customer_name holds" in rows["Name"].why


def test_each_field_takes_one_column_the_best_and_the_other_is_not_sent_with_the_reason():
    frame = pd.DataFrame({"Phone": ["98765x", "9812345678"], "Mobile": ["9876543210", "9812345678"]})
    rows = rows_of(kn.suggest_mapping(frame))
    assert rows["Mobile"].target == "customer_info.phone"  # reads every value; Phone reads half
    assert rows["Phone"].target is None and rows["Phone"].converter is None
    assert rows["Phone"].why.startswith("not sent: named like customer_info.phone too, which column 'Mobile' fills")


def test_a_missing_mandatory_field_is_said_first_and_loudly():
    suggestion = kn.suggest_mapping(pd.DataFrame({"Client": ["ABC"], "Notes": ["x"]}))
    first = suggestion.review.iloc[0]
    assert first["column"] is None and first["target"] is None and first["confidence"] == 0.0
    assert first["why"].startswith("no column found for the mandatory order_info.order_id")
    assert "kn.Digits('<column>')" in first["why"]
    assert suggestion.missing == ("order_info.order_id",)
    assert "NO COLUMN FOR order_info.order_id" in repr(suggestion)
    assert rows_of(suggestion)["Client"].target == "customer_info.customer_name"


def test_unknown_and_near_names_are_not_placed_in_documented_fields():
    frame = pd.DataFrame({"Delivery Slot": ["a", "b", "c"], "Contact": ["x", "y", "z"], "Zzz": ["1", "2", "3"]})
    rows = rows_of(kn.suggest_mapping(frame))
    for column, row in rows.items():
        assert row.target.startswith("order_info.associate_fields."), column
        assert row.why.startswith("no documented field has this name: proposed custom field of the order")
    assert "its name comes near order_info.delivery_status (79%)" in rows["Delivery Slot"].why


def test_fields_named_alike_in_two_sections_go_to_the_order_saying_so_with_less_confidence():
    frame = pd.DataFrame({"Assign Emp Name": ["a", "b"], "Customer Remarks": ["x", "y"], "Enquiry Remarks": ["p", "q"]})
    rows = rows_of(kn.suggest_mapping(frame))
    assert rows["Assign Emp Name"].target == "order_info.assign_emp_name" and rows["Assign Emp Name"].confidence == 0.8
    assert "as much as enquiry_info.assign_emp_name" in rows["Assign Emp Name"].why
    assert rows["Customer Remarks"].target == "customer_info.customer_remarks" and rows["Customer Remarks"].confidence == 1.0
    assert rows["Enquiry Remarks"].target == "enquiry_info.remarks"


def test_custom_field_names_are_snake_case_unique_and_a_customer_name_goes_to_the_customer():
    frame = pd.DataFrame([["a", "b", "c", "d", "e"]], columns=["Gift Wrap?", "gift wrap", 7, "Customer Segment", "ÜberTag"])
    targets = [row.target for row in rows_of(kn.suggest_mapping(frame)).values()]
    assert targets == [
        "order_info.associate_fields.gift_wrap",
        "order_info.associate_fields.gift_wrap_2",
        "order_info.associate_fields.field_7",
        "customer_info.associate_fields.customer_segment",
        "order_info.associate_fields.über_tag",
    ]


def test_a_schemas_declared_custom_fields_are_matched_with_their_own_types():
    schema = kn.with_associate_fields(order={"delivery_slot": {"type": "string", "enum": ["morning", "evening"]}, "vip": "bool"})
    frame = pd.DataFrame({"Order Id": ["1", "2"], "Customer": ["A", "B"], "Delivery Slot": [" Morning", "Evening (6-9 PM)"],
                          "VIP": ["y", "n"]})
    suggestion = kn.suggest_mapping(frame, schema)
    rows = rows_of(suggestion)
    assert rows["Delivery Slot"].converter == "kn.Choice('Delivery Slot', choices=['morning', 'evening'])"
    assert rows["VIP"].target == "order_info.associate_fields.vip" and rows["VIP"].converter == "kn.Bool('VIP')"
    assert suggestion.fields == {} and suggestion.schema == schema
    bodies = suggestion.mapping.to_bodies(frame)
    assert [at(b, "order_info.associate_fields.delivery_slot") for b in bodies] == ["morning", "evening"]


def test_a_custom_field_never_overwrites_a_declared_one():
    schema = kn.with_associate_fields(order={"slot": {"type": "string", "enum": ["am", "pm"]}})
    frame = pd.DataFrame({"Order No": ["1"], "Cust Name": ["A"], "Slot": ["9876543210"]})
    suggestion = kn.suggest_mapping(frame, schema)
    assert rows_of(suggestion)["Slot"].target == "order_info.associate_fields.slot_2"
    order_fields = suggestion.schema["properties"]["order_info"]["properties"]["associate_fields"]["properties"]
    assert order_fields["slot"] == {"type": "string", "enum": ["am", "pm"]}


def test_typed_columns_blank_columns_and_doubled_labels():
    frame = pd.DataFrame({
        "order_id": [24101016, 24101017],
        "customer_name": ["A", "B"],
        "Invoice Date": pd.to_datetime(["2024-01-02", None]),
        "Gift Wrap": [True, False],
        "Empty": [None, np.nan],
    })
    suggestion = kn.suggest_mapping(frame)
    rows = rows_of(suggestion)
    assert rows["Empty"].target is None and rows["Empty"].why == "not sent: every cell is blank"
    assert rows["Invoice Date"].converter == "kn.Date('Invoice Date')"
    assert suggestion.mapping.build(frame).problems.empty
    assert [at(b, "order_info.invoice_date") for b in suggestion.mapping.to_bodies(frame)] == ["2024-01-02", None]
    doubled = pd.DataFrame([["1", "2", "A"]], columns=["Order No", "Order No", "Customer"])
    suggestion = kn.suggest_mapping(doubled)
    assert [row.why.startswith("not sent: the DataFrame has the label 'Order No' more than once") for row in
            suggestion.review.itertuples() if row.column == "Order No"] == [True, True]
    assert suggestion.missing == ("order_info.order_id",)


def test_the_review_keeps_its_columns_when_there_is_nothing_to_review():
    suggestion = kn.suggest_mapping(pd.DataFrame())
    assert list(suggestion.review.columns) == REVIEW_COLUMNS
    assert suggestion.review["column"].isna().all() and len(suggestion.review) == 2
    assert suggestion.review["confidence"].dtype == float


def test_the_suggestion_shows_its_review_deterministically_and_escaped():
    frame = MESSY.rename(columns={"Remarks": "<b>x</b>"}).assign(**{"<b>x</b>": ["<i>"] * 8})
    one, two = kn.suggest_mapping(frame), kn.suggest_mapping(frame)
    assert isinstance(one, Suggestion)
    assert one._repr_html_() == two._repr_html_() and repr(one) == repr(two)
    assert "<b>x</b>" not in one._repr_html_() and "&lt;b&gt;x&lt;/b&gt;" in one._repr_html_()
    headline = repr(one).splitlines()[0]
    assert headline == (
        "<Suggestion: 6 column(s) to fields of the schema, 5 to proposed custom fields, 0 not sent; "
        "customer_info.update leaves mapped fields unwritten (kn.Const(True) proposed, not applied). "
        "Read the review before using .mapping>"
    )
    assert "kn.Date('Invoice Dt', dayfirst=True)" in repr(one)


def test_the_suggested_mapping_saves_and_loads_with_its_converters(tmp_path):
    suggestion = kn.suggest_mapping(MESSY)
    suggestion.mapping.to_json(tmp_path / "mapping.json")
    loaded = kn.FieldMapping.from_json(tmp_path / "mapping.json", schema=suggestion.schema)
    assert loaded.to_bodies(MESSY) == suggestion.mapping.to_bodies(MESSY)


def test_bad_arguments_are_mapping_errors():
    with pytest.raises(kn.MappingError, match="reads a DataFrame, got list"):
        kn.suggest_mapping([{"a": 1}])
    with pytest.raises(kn.MappingError, match="an int >= 1"):
        kn.suggest_mapping(MESSY, sample=0)
    with pytest.raises(kn.MappingError, match="'XX' is not a region"):
        kn.suggest_mapping(MESSY, region="XX")


@pytest.mark.parametrize(("arguments", "said"), [
    ({"region": "in"}, "region: 'in' is not a region libphonenumber knows"),
    ({"region": 91}, "region is a region code libphonenumber knows, a str like 'IN'; got 91"),
    ({"region": None}, "region is a region code libphonenumber knows, a str like 'IN'; got None"),
    ({"region": "001"}, "region: '001' is not a region libphonenumber knows"),
    ({"max_enum": "3"}, "max_enum is the most choices an enum may have, an int >= 1; got '3'"),
    ({"max_enum": 0}, "max_enum is the most choices an enum may have, an int >= 1; got 0"),
    ({"max_enum": True}, "max_enum is the most choices an enum may have, an int >= 1; got True"),
    ({"max_enum": 2.0}, "max_enum is the most choices an enum may have, an int >= 1; got 2.0"),
    ({"schema": []}, "schema is a JSON Schema dict shaped like the request schema .*; got list"),
    ({"schema": "request.json"}, "schema is a JSON Schema dict shaped like the request schema .*; got str"),
    ({"schema": {"type": "object"}}, "schema is not shaped like the request schema: it has no customer_info, order_info "),
    ({"schema": {}}, "schema is not shaped like the request schema: the body is no object with properties"),
    ({"schema": {"type": "object", "properties": []}}, "the body is no object with properties"),
])
def test_bad_arguments_are_mapping_errors_that_say_what_is_wrong(arguments, said):
    with pytest.raises(kn.MappingError, match=said):
        kn.suggest_mapping(MESSY, **arguments)


def _request_schema_with(change):
    schema = kn.load_schema()
    change(schema["properties"])
    return schema


BROKEN_SCHEMAS = {
    "no order_info": (lambda sections: sections.pop("order_info"), "it has no order_info"),
    "order_info no object": (lambda sections: sections.update(order_info=[]), "order_info is no schema object"),
    "customer_info an array": (lambda sections: sections["customer_info"].update(type="array"),
                               "customer_info is no object with properties"),
    "no update flag": (lambda sections: sections["customer_info"]["properties"].pop("update"),
                       "customer_info has no update flag"),
    "no contact update flag": (lambda sections: sections["contact_info"]["items"]["properties"].pop("update"),
                               r"contact_info\.0 has no update flag"),
    "contact items no object": (lambda sections: sections["contact_info"].update(items=True),
                                r"contact_info\.0 is no schema object"),
    "no associate_fields": (lambda sections: sections["order_info"]["properties"].pop("associate_fields"),
                            "order_info has no associate_fields object"),
    "a field no object": (lambda sections: sections["order_info"]["properties"].update(remarks=True),
                          r"order_info\.remarks is no schema object"),
    "properties no object": (lambda sections: sections["enquiry_info"].update(properties=["remarks"]),
                             "enquiry_info is no object with properties"),
    "nested properties no object": (lambda sections: sections["enquiry_info"]["properties"].update(
        extra={"type": "object", "properties": ["x"]}), r"enquiry_info\.extra\.properties is no object"),
    "a property name no str": (lambda sections: sections["order_info"]["properties"].update({7: {"type": "string"}}),
                               "order_info: the property name 7 is no str"),
    "an array without items": (lambda sections: sections["order_info"]["properties"].update(tags={"type": "array"}),
                               r"order_info\.tags\.0 is no schema object \(got NoneType\)"),
    "another section no object": (lambda sections: sections.update(extra=False), "extra is no schema object"),
    "a flag without examples": (lambda sections: sections["customer_info"]["properties"]["update"].update(examples=[]),
                                r"customer_info\.update: examples is no list with a first value"),
}


@pytest.mark.parametrize("broken", list(BROKEN_SCHEMAS))
def test_a_schema_not_shaped_like_the_request_schema_is_a_mapping_error_that_names_the_place(broken):
    change, said = BROKEN_SCHEMAS[broken]
    with pytest.raises(kn.MappingError, match="schema is not shaped like the request schema: " + said):
        kn.suggest_mapping(MESSY, schema=_request_schema_with(change))


def test_schemas_shaped_like_the_request_schema_are_taken():
    suggestion = kn.suggest_mapping(MESSY, schema=kn.load_schema())
    assert rows_of(suggestion)["Mobile"].target == "customer_info.phone"
    only_two = _request_schema_with(lambda sections: [sections.pop("contact_info"), sections.pop("enquiry_info")])
    suggestion = kn.suggest_mapping(pd.DataFrame({"Order No": ["1"], "Customer": ["A"], "DOB": ["2000-01-02"]}), only_two)
    assert rows_of(suggestion)["DOB"].target == "order_info.associate_fields.dob"  # no contact section to hold it
    extra = _request_schema_with(lambda sections: sections.update(extra={"type": "object", "properties": {"zz": {}}}))
    suggestion = kn.suggest_mapping(pd.DataFrame({"Order No": ["1"], "Customer": ["A"], "Zz": ["x"]}), extra)
    assert rows_of(suggestion)["Zz"].target == "order_info.associate_fields.zz"  # only the request's sections are targeted


def test_an_unknown_region_is_said_as_the_arguments_own_problem():
    with pytest.raises(kn.MappingError) as raised:
        kn.suggest_mapping(MESSY, region="XX")
    assert str(raised.value) == "region: 'XX' is not a region libphonenumber knows (IN, US, GB...)"
    assert kn.suggest_mapping(MESSY.head(2), region="GB").mapping.targets  # a region it knows is taken


def flag_rows(suggestion):
    notes = suggestion.review[suggestion.review["column"].isna() & suggestion.review["target"].notna()]
    return list(notes.itertuples(index=False))


def unwritten_warnings(mapping, frame):
    problems = mapping.validate(frame)
    return list(problems.loc[problems["keyword"] == "update-flag", "path"])


def test_fields_the_customer_update_flag_leaves_unwritten_get_a_review_row_and_the_flag_is_not_turned_on():
    suggestion = kn.suggest_mapping(MESSY)
    [row] = flag_rows(suggestion)
    assert (row.column, row.target, row.converter, row.confidence, row.sample) == (
        None, "customer_info.update", "kn.Const(True)", 0.0, ""
    )
    assert row.why == (
        "customer_info.update is false in the body, so Kapture uses the customer section to find the customer and does "
        "not write phone, email_id, pincode: map kn.Const(True) to write them"
    )
    assert "customer_info.update" not in suggestion.mapping.targets  # proposed, not applied
    assert all(body["customer_info"]["update"] is False for body in suggestion.mapping.to_bodies(MESSY))
    assert unwritten_warnings(suggestion.mapping, MESSY) == [
        "customer_info.phone", "customer_info.email_id", "customer_info.pincode"
    ]
    followed = kn.FieldMapping({**suggestion.mapping.targets, row.target: kn.Const(True)}, schema=suggestion.schema)
    assert unwritten_warnings(followed, MESSY) == []  # the row's advice, taken, ends the warnings


def test_each_section_whose_flag_leaves_mapped_fields_unwritten_gets_its_row_in_the_validators_words():
    frame = pd.DataFrame({
        "Order No": ["1", "2"], "Customer": ["A", "B"], "City": ["Pune", "Agra"], "Customer Segment": ["x", "y"],
        "Contact Phone": ["9876543210", "9812345678"], "Enquiry Remarks": ["p", "q"], "Remarks": ["r", "s"],
    })
    suggestion = kn.suggest_mapping(frame)
    rows = {row.target: row.why for row in flag_rows(suggestion)}
    assert list(rows) == ["customer_info.update", "enquiry_info.update", "contact_info.0.update"]
    flags = "customer_info.update, enquiry_info.update, contact_info.0.update"
    assert f"; {flags} leave mapped fields unwritten (kn.Const(True) proposed, not applied)" in repr(suggestion)
    assert rows["customer_info.update"].endswith(
        "find the customer and does not write city, associate_fields.customer_segment: map kn.Const(True) to write them"
    )
    assert rows["enquiry_info.update"].startswith(
        "enquiry_info.update is false in the body, so Kapture uses the enquiry section to find the enquiry and does not "
        "write remarks:"
    )
    contact = rows["contact_info.0.update"]
    assert "uses the contact section to find the contact and does not write contact_person_phone:" in contact
    named = {f"{target.removesuffix('.update')}.{field}" for target, why in rows.items()
             for field in why.split(" does not write ")[1].split(": map ")[0].split(", ")}
    assert named == set(unwritten_warnings(suggestion.mapping, frame))  # the rows name what the validator warns of
    assert "order_info.update" not in rows  # the order's flag is on: remarks is written


def test_a_flag_the_schema_gives_another_value_than_false_is_said_as_it_is():
    schema = _request_schema_with(lambda sections: sections["customer_info"]["properties"]["update"].update(examples=["no"]))
    [row] = flag_rows(kn.suggest_mapping(pd.DataFrame({"Order No": ["1"], "Customer": ["A"], "City": ["Pune"]}), schema))
    assert row.why.startswith("customer_info.update is 'no', not true, in the body, so Kapture uses the customer section")


def test_no_flag_row_when_only_identifying_or_written_fields_are_mapped():
    frame = pd.DataFrame({"Order No": ["1"], "Cust Name": ["A"], "Remarks": ["r"]})
    assert flag_rows(kn.suggest_mapping(frame)) == []


def test_a_big_column_is_read_on_its_sample():
    frame = pd.DataFrame({"Order No": [str(i) for i in range(24_000_000, 24_002_000)], "Qty": ["1,200"] * 1999 + ["lots"]})
    rows = rows_of(kn.suggest_mapping(frame, sample=50))
    assert rows["Qty"].converter == "kn.Integer('Qty')"  # "lots" lies outside the 50 cells read
    problems = kn.suggest_mapping(frame, sample=50).mapping.validate(frame)
    assert problems[problems["keyword"] == "convert"]["value"].tolist() == ["lots"]  # and is reported, not lost


AWKWARD = st.one_of(
    st.none(), st.just(np.nan), st.just(float("inf")), st.just(pd.NA), st.just(pd.NaT), st.booleans(),
    st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["", " ", "NA", "Yes", "n", "1,200", "36.0", "₹1,299.00", "12/03/2024", "45363", "a@x.com; b@x.com",
                     "+91 98765 43210", "9.87654E+09", "Evening (6-9 PM)", "१२३", "2024-02-30", "00:00"]),
    st.dates(dt.date(1700, 1, 1), dt.date(2200, 12, 31)).map(pd.Timestamp), st.lists(st.integers(), max_size=2),
)
LABELS = st.one_of(st.text(max_size=12), st.integers(), st.sampled_from(["Order No", "Mobile", "Invoice Dt", "Email", "Qty"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LABELS, min_size=1, max_size=5, unique_by=str), st.data())
def test_awkward_frames_get_a_suggestion_whose_mapping_reports_instead_of_raising(labels, data):
    rows = data.draw(st.lists(st.lists(AWKWARD, min_size=len(labels), max_size=len(labels)), max_size=6))
    frame = pd.DataFrame(rows, columns=labels, dtype=object) if rows else pd.DataFrame(columns=labels)
    suggestion = kn.suggest_mapping(frame, sample=8)
    assert list(suggestion.review.columns) == REVIEW_COLUMNS
    assert set(suggestion.review["column"].dropna()) <= set(labels)
    placed = suggestion.review["target"].dropna()
    assert placed.is_unique  # each field takes one column at most
    suggestion.mapping.build(frame)  # cells a converter cannot read are problems, never exceptions
    repr(suggestion), suggestion._repr_html_()


def test_a_blank_column_is_not_sent_even_when_its_name_says_a_field():
    suggestion = kn.suggest_mapping(pd.DataFrame({"Order No": [None, " "], "Customer": ["A", "B"]}))
    assert rows_of(suggestion)["Order No"].why == "not sent: every cell is blank; its name says order_info.order_id"
    assert suggestion.missing == ("order_info.order_id",)
    assert "columns named near it: 'Order No' (100%)" in suggestion.review.iloc[0]["why"]
