"""LiveCheck: the problems of a frame under mapping after mapping, held to what FieldMapping.validate says from scratch."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import kapture_nb as kn
from helpers import ROOT
from kapture_nb.livecheck import BY_PATH_COLUMNS, DETAIL_COLUMNS, LiveCheck
from kapture_nb.mapping import PROBLEM_COLUMNS


def _messy() -> pd.DataFrame:
    return pd.read_csv(ROOT / "notebooks" / "data" / "messy_export.csv", dtype=str)


def _rows(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """The problem rows as a sorted list (order aside, every column compared)."""
    return sorted(tuple(repr(value) for value in row) for row in frame[PROBLEM_COLUMNS].itertuples(index=False, name=None))


def _same_as_validate(check: LiveCheck, mapping: kn.FieldMapping, region: str | None = "IN") -> Any:
    result = check.run(mapping)
    assert _rows(result.problems) == _rows(mapping.validate(check.df, region=region))
    return result


def test_the_suggested_mapping_and_every_edit_after_it_give_what_validate_gives():
    df = _messy()
    suggestion = kn.suggest_mapping(df)
    schema = suggestion.mapping.schema
    targets = dict(suggestion.mapping.targets)
    check = LiveCheck(df)
    _same_as_validate(check, suggestion.mapping)
    edits: list[tuple[str, Any]] = [
        ("order_info.order_id", "Order No"),  # spaces and ".0" cells: pattern errors on the id
        ("customer_info.phone", "Mobile"),  # phones as they are: shape warnings
        ("order_info.associate_fields.qty", kn.Text("Qty")),  # text where an integer is declared
        ("customer_info.update", kn.Const(True)),  # the customer's fields are written: no update-flag warnings
        ("order_info.associate_fields.delivery_slot", "Delivery Slot"),  # not one of the choices
        ("order_info.invoice_date", kn.Date("Invoice Dt", dayfirst=False)),  # cells it cannot read: convert problems
        ("customer_info.customer_name", kn.Const("")),  # an empty mandatory field
    ]
    for path, source in edits:
        targets[path] = source
        _same_as_validate(check, kn.FieldMapping(targets, schema=schema))
    for path in ["customer_info.update", "customer_info.phone", "order_info.order_id"]:
        del targets[path]
        _same_as_validate(check, kn.FieldMapping(targets, schema=schema))


def test_an_edit_undone_gives_the_first_answer_again_and_a_fresh_check_agrees():
    df = _messy()
    mapping = kn.suggest_mapping(df).mapping
    check = LiveCheck(df)
    first = _rows(check.run(mapping).problems)
    changed = kn.FieldMapping({**mapping.targets, "order_info.order_id": "Order No"}, schema=mapping.schema)
    assert _rows(check.run(changed).problems) != first
    assert _rows(check.run(mapping).problems) == first
    assert _rows(LiveCheck(df).run(changed).problems) == _rows(check.run(changed).problems)


def test_flags_per_row_country_codes_contacts_and_missing_policies_agree_with_validate():
    df = pd.DataFrame(
        {
            "id": ["101", "102", "102", "", "105", "abc"],
            "name": ["A", "B", "", "D", "E", "F"],
            "write": [True, False, True, False, True, "yes"],
            "phone": ["9876543210", "12", "2025550143", "", "98765 43210", "x"],
            "code": ["91", "91", "1", "", "999", "91"],
            "mail": ["a@example.com", "not mail", "", "b@example.com", "c@@x", "d@example.com"],
        },
        index=["r1", "r2", "r3", "r4", "r5", "r6"],
    )
    targets: dict[str, Any] = {
        "order_info.order_id": "id",
        "customer_info.customer_name": "name",
        "customer_info.update": "write",
        "customer_info.email_id": "mail",
        "contact_info.0.contact_person_phone": "phone",
        "contact_info.0.country_code": "code",
    }
    check = LiveCheck(df)
    for missing in ["omit", "empty", "null"]:
        _same_as_validate(check, kn.FieldMapping(targets, missing=missing))
    _same_as_validate(LiveCheck(df, region=None), kn.FieldMapping(targets), region=None)


def test_strict_custom_fields_undeclared_names_and_values_of_every_type_agree_with_validate():
    df = pd.DataFrame(
        {
            "id": ["1", "2", "3", "4"],
            "slot": ["am", "pm", "night", None],
            "qty": [1, 2.0, 2.5, np.nan],
            "note": ["x", "y", "", "z"],
        }
    )
    declared = {"slot": {"type": "string", "enum": ["am", "pm"]}, "qty": {"type": "integer"}}
    schema = kn.with_associate_fields(order=declared, strict=True)
    targets: dict[str, Any] = {
        "order_info.order_id": "id",
        "customer_info.customer_name": kn.Const("A"),
        "order_info.associate_fields.slot": "slot",
        "order_info.associate_fields.qty": "qty",
        "order_info.associate_fields.note": "note",  # not declared: an error under strict
    }
    check = LiveCheck(df)
    _same_as_validate(check, kn.FieldMapping(targets, schema=schema))
    loose = kn.with_associate_fields(order=declared)
    _same_as_validate(check, kn.FieldMapping(targets, schema=loose))


def test_duplicate_orders_and_a_frame_whose_labels_repeat_agree_with_validate():
    df = pd.DataFrame({"id": ["7", "7", "8", "x"], "name": ["A", "B", "C", "D"]}, index=["a", "a", "b", "c"])
    mapping = kn.FieldMapping({"order_info.order_id": kn.Digits("id"), "customer_info.customer_name": "name"})
    result = _same_as_validate(LiveCheck(df), mapping)
    assert result.with_errors == 1  # the "x" row: its id cannot be read


def test_schemas_that_tie_fields_together_and_object_values_are_checked_body_by_body():
    df = pd.DataFrame({"id": ["1", "2"], "kind": ["a", "b"]})
    tied = kn.load_schema()
    tied["properties"]["order_info"]["anyOf"] = [{"required": ["remarks"]}, {"required": ["invoice_no"]}]
    mapping = kn.FieldMapping({"order_info.order_id": "id", "customer_info.customer_name": kn.Const("A")}, schema=tied)
    result = _same_as_validate(LiveCheck(df), mapping)
    assert result.with_errors == 2
    nested = kn.FieldMapping(
        {"order_info.order_id": "id", "customer_info.customer_name": kn.Const("A"),
         "order_info.associate_fields": kn.Const({"kind": 1, "x": None})}
    )
    _same_as_validate(LiveCheck(df), nested)


def test_counts_per_path_totals_and_the_rows_behind_a_path():
    df = _messy()
    mapping = kn.FieldMapping(
        {"order_info.order_id": "Order No", "customer_info.customer_name": "Cust Name", "customer_info.phone": "Mobile"}
    )
    result = LiveCheck(df).run(mapping)
    problems = mapping.validate(df)
    bad_ids = problems[(problems["path"] == "order_info.order_id") & (problems["severity"] == "error")]["row"]
    assert result.rows == len(df)
    assert result.with_errors == bad_ids.nunique() > 0
    assert result.ready == len(df) - result.with_errors
    assert list(result.by_path.columns) == BY_PATH_COLUMNS
    by_path = result.by_path.set_index("path")
    assert by_path.loc["order_info.order_id", "errors"] == bad_ids.nunique()
    flagged = problems[(problems["path"] == "customer_info.phone") & (problems["keyword"] == "update-flag")]
    assert len(flagged) == 1  # one row for the path, as validate gives it, but every row it stands for is counted
    assert by_path.loc["customer_info.phone", "warnings"] >= int(flagged["message"].iloc[0].split("(in ")[1].split(" ")[0])
    detail = result.detail("order_info.order_id", n=3)
    assert list(detail.columns) == DETAIL_COLUMNS
    assert len(detail) == 3
    first = detail.iloc[0]
    assert first["raw"] == df.loc[first["row"], "Order No"] and first["sent"] == first["raw"]
    assert first["severity"] == "error"


def test_a_mapping_the_frame_cannot_take_is_a_mapping_error():
    df = pd.DataFrame({"id": ["1"]})
    with pytest.raises(kn.MappingError, match="nope"):
        LiveCheck(df).run(kn.FieldMapping({"order_info.order_id": "nope"}))
    with pytest.raises(kn.MappingError, match="DataFrame"):
        LiveCheck([1, 2])  # type: ignore[arg-type]
    with pytest.raises(kn.ConfigurationError, match="region"):
        LiveCheck(df, region="XX")


def test_results_stay_right_when_the_caches_forget_old_entries(monkeypatch):
    monkeypatch.setattr("kapture_nb.livecheck.KEPT", 2)
    df = _messy()
    mapping = kn.suggest_mapping(df).mapping
    check = LiveCheck(df)
    for id_source in ["Order No", kn.Digits("Order No"), kn.Text("Order No"), kn.Digits("Order No")]:
        _same_as_validate(check, kn.FieldMapping({**mapping.targets, "order_info.order_id": id_source}, schema=mapping.schema))


def test_values_python_calls_equal_are_checked_apart_as_json_tells_them():
    df = pd.DataFrame({"id": ["1", "2", "3", "4"], "q": pd.Series([1, True, 1.0, "1"], dtype=object)})
    schema = kn.with_associate_fields(order={"q": {"type": "integer"}})
    targets = {"order_info.order_id": "id", "customer_info.customer_name": kn.Const("A"), "order_info.associate_fields.q": "q"}
    result = _same_as_validate(LiveCheck(df), kn.FieldMapping(targets, schema=schema))
    assert result.with_errors == 2  # true and "1" are no integers; 1.0 is a warning only
    ids = pd.DataFrame({"id": pd.Series([12, 12.0], dtype=object)})
    named = kn.FieldMapping({"order_info.order_id": "id", "customer_info.customer_name": kn.Const("A")})
    _same_as_validate(LiveCheck(ids), named)


def test_cells_that_cannot_be_mapped_are_counted_at_their_own_rows_when_labels_repeat():
    df = pd.DataFrame({"id": ["x", "y", "1"]}, index=[0, 0, 1])
    mapping = kn.FieldMapping({"order_info.order_id": kn.Digits("id"), "customer_info.customer_name": kn.Const("A")})
    result = _same_as_validate(LiveCheck(df), mapping)
    assert result.with_errors == 2
    detail = result.detail("order_info.order_id")
    assert [raw for raw in detail["raw"]] == ["x", "y"] and all(repr(raw) in message for raw, message in zip(
        detail["raw"], detail["message"], strict=True))


def test_a_whole_paths_warning_counts_its_rows_also_when_bodies_are_checked_one_by_one():
    df = pd.DataFrame({"id": ["1", "2", ""], "phone": ["9876543210", "9876543211", "9876543212"]})
    targets: dict[str, Any] = {
        "order_info.order_id": "id", "customer_info.customer_name": kn.Const("A"), "customer_info.phone": "phone",
    }
    fast = LiveCheck(df).run(kn.FieldMapping(targets))
    nested = {**targets, "customer_info.additional_fields": kn.Const({"k": "v"})}  # an object value: body by body
    slow = _same_as_validate(LiveCheck(df), kn.FieldMapping(nested))
    assert fast.with_warnings == slow.with_warnings == 2  # the rows naming an order: the third is an Add
    assert slow.by_path.set_index("path").loc["customer_info.phone", "warnings"] == 2


def test_the_frame_is_read_once_so_later_edits_to_it_do_not_mix_with_cached_values():
    df = pd.DataFrame({"id": ["1", "x"]})
    mapping = kn.FieldMapping({"order_info.order_id": kn.Digits("id"), "customer_info.customer_name": kn.Const("A")})
    check = LiveCheck(df)
    assert check.run(mapping).with_errors == 1
    df.loc[1, "id"] = "2"
    assert check.run(mapping).with_errors == 1  # as the frame was: a new LiveCheck reads the new one
    assert LiveCheck(df).run(mapping).with_errors == 0
    with pytest.raises(kn.MappingError, match="FieldMapping"):
        check.run({"order_info.order_id": "id"})  # type: ignore[arg-type]


def test_a_converter_moved_to_another_column_reads_that_column():
    df = pd.DataFrame({"id": ["1", "2"], "name": ["Asha", "Ravi"], "contact": ["", ""]})
    check = LiveCheck(df)
    base = {"order_info.order_id": "id"}
    _same_as_validate(check, kn.FieldMapping({**base, "customer_info.customer_name": kn.Text("name")}))
    result = _same_as_validate(check, kn.FieldMapping({**base, "customer_info.customer_name": kn.Text("contact")}))
    assert result.with_errors == 2  # the same converter and options, but the empty column's values


def test_a_cell_that_cannot_be_converted_is_one_problem_under_every_missing_policy():
    df = pd.DataFrame({"id": ["1", "x"]})
    for missing in ["omit", "empty", "null"]:
        mapping = kn.FieldMapping(
            {"order_info.order_id": kn.Integer("id"), "customer_info.customer_name": kn.Const("A")}, missing=missing
        )
        result = _same_as_validate(LiveCheck(df), mapping)
        assert len(result.problems) == 1 and result.problems["keyword"].iloc[0] == "convert"
