"""The mapping studio driven like a user in the kernel: targets, converters, flags, declarations, problems, plan, send, keep."""
import json
import re

import pandas as pd
import pytest

import kapture_nb as kn
from helpers import ROOT
from kapture_nb.schema import declared_fields
from kapture_nb.studio import MappingStudio
from kapture_nb.studio.columns import NEW_FIELD, NOT_SENT


@pytest.fixture(scope="module")
def df():
    return pd.read_csv(ROOT / "notebooks" / "data" / "messy_export.csv", dtype=str)


@pytest.fixture
def studio(df):
    opened = MappingStudio(df)
    opened.wait()  # the first check runs in the background
    return opened


def errors_at(studio, path):
    problems = studio.problems
    return int(((problems["path"] == path) & (problems["severity"] == "error") & problems["row"].notna()).sum())


def banner_kind(studio):
    kinds = [c.removeprefix("kapture-banner-") for c in studio.sending.banner._dom_classes if c.startswith("kapture-banner-")]
    assert len(kinds) <= 1, kinds
    return kinds[0] if kinds else None


def clean_rows(studio):
    """The rows of the frame with no error, by label."""
    problems = studio.problems
    bad = set(problems.loc[(problems["severity"] == "error") & problems["row"].notna(), "row"])
    return [label for label in studio.df.index if label not in bad]


def test_it_opens_with_the_suggestions_marked_and_the_totals_in_the_title(studio, df):
    row = studio.columns["Order No"]
    assert row.target.value == "order_info.order_id" and row.converter.value == "digits"
    assert studio.columns["Invoice Dt"].converter.value == "date"
    assert json.loads(studio.columns["Invoice Dt"].options.value) == {"dayfirst": True}
    assert row.suggestion.layout.display == "" and re.search(r"suggested, confidence 0\.\d\d: its name reads", row.marker.value)
    result = studio.result
    assert result.ready + result.with_errors == len(df) and result.with_errors > 0
    assert f"Mapping studio: {result.ready:,} rows ready, {result.with_errors:,} with errors" in studio.title.value
    expected = studio.mapping.validate(df)
    assert sorted(map(repr, studio.problems.itertuples(index=False))) == sorted(map(repr, expected.itertuples(index=False)))
    row.accept_button.click()
    assert row.suggestion.layout.display == "none" and row.suggested is None


def test_a_converter_option_changes_the_counts_and_clears_the_marker(studio):
    email = studio.columns["Email"]
    assert errors_at(studio, "customer_info.email_id") == 1  # two addresses in one cell
    email.options.value = '{"first": true}'
    assert errors_at(studio, "customer_info.email_id") == 0
    assert studio.mapping.targets["customer_info.email_id"] == kn.Email("Email", first=True)
    assert email.suggested is None and email.suggestion.layout.display == "none"


def test_a_bad_option_or_an_unknown_path_is_an_error_on_its_row_not_an_exception(studio):
    dates = studio.columns["Invoice Dt"]
    dates.options.value = '{"dayfirst": 3}'
    assert "dayfirst is True, False or None, got 3" in dates.error and "dayfirst" in dates.note.value
    assert "order_info.invoice_date" not in studio.mapping.targets  # left out, said in the title
    studio.wait()
    assert "1 input(s) with a mapping error" in studio.title.value
    dates.options.value = "{dayfirst: true}"
    assert "not JSON" in dates.error
    dates.options.value = '{"dayfirst": true}'
    assert dates.error is None and "order_info.invoice_date" in studio.mapping.targets
    city = studio.columns["City"]
    city.target.value = "customer_info.cty"
    assert "did you mean customer_info.city" in city.error
    city.target.value = NOT_SENT
    assert city.error is None and "customer_info.city" not in studio.mapping.targets
    city.target.value = "customer_info.phone"
    assert "is the target of column 'Mobile' already" in city.error


def test_target_choices_say_what_each_path_is_and_a_picked_one_leaves_the_path_alone_in_the_box(studio):
    city = studio.columns["City"]
    choice = next(option for option in city.target.options if option.startswith("customer_info.state —"))
    assert choice == "customer_info.state — Customer's state."  # typing "state" finds it by its description too
    city.target.value = choice
    studio.wait()
    assert city.target.value == "customer_info.state" and studio.mapping.targets["customer_info.state"] == kn.Text("City")


def test_changing_a_target_changes_what_is_checked(studio):
    assert errors_at(studio, "customer_info.phone") == 1
    studio.columns["Mobile"].target.value = "contact_info.0.contact_person_phone"
    assert errors_at(studio, "customer_info.phone") == 0
    assert errors_at(studio, "contact_info.0.contact_person_phone") == 1
    assert "contact_info.0" in studio.constants.flags  # the new section's flag shows
    assert "contact_info.0.update" not in studio.mapping.targets  # the template's flag (false) stands
    assert studio.mapping.build(studio.df.head(1)).bodies[0]["contact_info"][0]["update"] is False


def test_a_flag_is_a_const_with_its_rule_in_words_and_its_warnings_go_with_it(studio):
    def flag_warnings():
        return int((studio.problems["keyword"] == "update-flag").sum())

    flag = studio.constants.flags["customer_info"]
    assert not flag.toggle.value and "used to find the customer, not written" in flag.rule.value
    assert "suggested:" in flag.note.value  # suggest_mapping proposes it, the studio does not apply it
    assert flag_warnings() > 0
    flag.toggle.value = True
    assert studio.mapping.targets["customer_info.update"] == kn.Const(True)
    assert "customer_info is written to the customer" in flag.rule.value
    assert flag_warnings() == 0


def test_declarations_are_edited_and_new_custom_fields_declared_from_a_row(studio, df):
    slot = studio.fields.fields["order_info.associate_fields.delivery_slot"]
    assert errors_at(studio, "order_info.associate_fields.delivery_slot") == 0
    slot.choices.value = '["Afternoon"]'
    studio.columns["Delivery Slot"].options.value = '{"choices": ["Afternoon", "evening", "MORNING"]}'
    assert errors_at(studio, "order_info.associate_fields.delivery_slot") > 0  # evening and MORNING are not declared now
    slot.choices.value = "[oops"
    assert "kept" in slot.message.value  # a choices list it cannot read keeps the declared one
    city = studio.columns["City"]
    city.target.value = NEW_FIELD
    assert city.new_field.layout.display == ""
    city.field_name.value, city.field_section.value, city.field_type.value = "town", "order_info", "string"
    city.add_button.click()
    assert city.target.value == "order_info.associate_fields.town"
    assert 'order_info.associate_fields.town — custom field ({"type": "string"})' in city.target.options
    mapping = studio.mapping
    assert mapping.targets["order_info.associate_fields.town"] == kn.Text("City")
    assert mapping.schema["properties"]["order_info"]["properties"]["associate_fields"]["properties"]["town"] == {
        "type": "string"
    }
    city.add_button.click()  # declared already: said on the row
    assert "declared already" in city.error
    studio.fields.strict.value = True
    assert mapping is not studio.mapping and declared_fields(studio.mapping.schema)["strict"] is True


def test_a_constant_is_in_every_body_and_a_bad_one_is_said_on_its_row(studio, df):
    studio.add_constant("order_info.remarks", "bulk update")
    bodies = studio.mapping.build(df).bodies
    assert {body["order_info"]["remarks"] for body in bodies} == {"bulk update"}
    row = studio.constants.rows[-1]
    assert type(row.field).__name__ == "StringField"  # the order form's own field for the path
    row.field.widget.value = "from the box"
    studio.wait()
    assert studio.mapping.targets["order_info.remarks"] == kn.Const("from the box")
    studio.columns["Qty"].target.value = NOT_SENT  # its path is the constant's now
    row.path.value = "order_info.associate_fields.qty"  # an integer field: the text does not fit it
    studio.wait()
    assert "kept as loaded: 'from the box'" in row.error and "order_info.associate_fields.qty" not in studio.mapping.targets
    row.field.widget.text.value = "3"  # typed into the number box
    studio.wait()
    assert row.error is None and studio.mapping.targets["order_info.associate_fields.qty"] == kn.Const(3)
    row.path.value = "customer_info.update"
    row.field.widget.value = True
    studio.wait()
    assert "update flag" in row.error


def test_choosing_a_path_shows_its_first_rows_with_raw_sent_and_message(studio):
    view = studio.problems_view
    assert "customer_info.phone" in view.paths.options and "rows with errors" in view.table.value
    view.paths.value = "customer_info.phone"
    assert "9.87654E+09" in view.detail.value and "scientific notation" in view.detail.value
    studio.columns["Mobile"].target.value = NOT_SENT
    studio.wait()
    assert view.paths.value is None and view.detail.value == ""


def test_a_mapping_it_cannot_build_is_shown_not_raised(df):
    broken = kn.FieldMapping({"order_info.order_id": "Order No", "customer_info.customer_name": "No Such Column"})
    studio = MappingStudio(df, mapping=broken)
    with pytest.raises(kn.MappingError, match="No Such Column"):
        studio.wait()
    assert "No Such Column" in studio.title.value and "kept as loaded" in studio.kept_note.value
    with pytest.raises(kn.MappingError, match="No Such Column"):
        studio.mapping  # noqa: B018
    assert "MappingStudio 40 rows" in repr(studio) and len(repr(studio)) < 300


def test_preview_shows_the_first_bodies(studio):
    frame = studio.preview()
    assert list(frame.columns[:2]) == ["errors", "messages"] and "order_info.order_id" in frame.columns
    assert len(frame) == 5 and "First body" in studio.sending.preview_view.value
    assert "&quot;order_id&quot;: &quot;24101016&quot;" in studio.sending.preview_view.value or (
        '"order_id": "24101016"' in studio.sending.preview_view.value
    )


def test_the_plan_is_against_the_clients_sandbox_or_current(studio, df, fresh_sandbox):
    ready = clean_rows(studio)
    unsent = len(df) - len(ready)
    alone = studio.plan.summary()  # nothing known before: every written value is a set
    assert alone.loc["order_info.invoice_date", "set"] == len(ready)
    assert alone.loc["customer_info.city", "ignored"] == len(ready)  # its flag is off
    assert alone.loc["(whole row)", "not sent"] == unsent
    sandbox = fresh_sandbox(orders=studio.mapping.build(df.loc[ready]).bodies)
    with sandbox.client() as client:
        planned = MappingStudio(df, client=client)
        assert list(planned.plan.summary().index) == ["(whole row)"]  # the sandbox holds these values already
        planned.add_constant("order_info.remarks", "bulk update")
        assert planned.plan.summary().loc["order_info.remarks", "set"] == len(ready)
        assert "Change plan" in planned.sending.plan_view.value and "order_info.remarks" in planned.sending.plan_view.value
    given = MappingStudio(df, current=sandbox.orders)
    assert "order_info.invoice_date" not in given.plan.summary().index


def test_dry_run_then_send_to_a_sandbox_with_banners_and_the_results_filter(studio, df, fresh_sandbox, tmp_path):
    ready = clean_rows(studio)
    sandbox = fresh_sandbox(orders=studio.mapping.build(df.loc[ready]).bodies)
    with sandbox.client() as client:
        studio = MappingStudio(df, client=client)
        studio.add_constant("order_info.remarks", "bulk update")
        studio.sending.journal.value = str(tmp_path / "send.jsonl")
        studio.sending.dry_run_button.click()
        dry = studio.sending.results
        assert (dry["status"] == "dry run").all() and len(sandbox.requests) == 0
        assert banner_kind(studio) == "failure" and f"{len(ready)} row(s) would be sent" in studio.sending.banner.value
        studio.sending.send_button.click()
        results = studio.sending.results
        assert int(results["ok"].sum()) == len(ready) and len(sandbox.requests) == len(ready)
        assert banner_kind(studio) == "failure"  # rows with errors were not sent, and the banner says how many
        assert f"{len(df) - len(ready)} not sent" in studio.sending.banner.value
        assert not studio.sending.send_button.disabled  # on again once the send is done
        studio.sending.failures_only.value = True
        shown = studio.sending.shown_results()
        assert len(shown) == len(df) - len(ready) and not shown["ok"].any()
        assert "kapture-studio-results" in studio.sending.results_view.value
        stored = sandbox.orders.set_index("order_id")
        assert set(stored.loc[[int(i) for i in results.loc[results["ok"], "order_id"]], "order_info.remarks"]) == {"bulk update"}
        assert len(kn.read_journal(tmp_path / "send.jsonl")) >= len(ready)
        only_ready = MappingStudio(df.loc[ready], client=client)
        only_ready.send()
        assert banner_kind(only_ready) == "success"


def test_to_code_builds_the_same_mapping_and_schema(studio, df):
    studio.columns["Email"].options.value = '{"first": true}'
    studio.add_constant("order_info.remarks", "bulk update")
    namespace: dict = {}
    exec(studio.to_code(), namespace)
    made = namespace["mapping"]
    assert made.build(df).bodies == studio.mapping.build(df).bodies
    assert made.schema == studio.mapping.schema


def test_save_and_reopen_shows_the_same_targets_without_suggestions(studio, df, tmp_path):
    studio.columns["City"].target.value = NOT_SENT
    studio.constants.flags["customer_info"].toggle.value = True
    studio.save_path.value = str(tmp_path / "mapping.json")
    studio.save_button.click()
    assert "saved to" in studio.keep_note.value
    loaded = kn.FieldMapping.from_json(tmp_path / "mapping.json")
    assert loaded.build(df).bodies == studio.mapping.build(df).bodies
    reopened = MappingStudio(df, mapping=loaded)
    for label, row in studio.columns.items():
        again = reopened.columns[label]
        assert again.target.value == row.target.value
        if row.target.value != NOT_SENT:  # a column not sent is saved without its converter
            assert again.converter.value == row.converter.value
            assert json.loads(again.options.value) == json.loads(row.options.value)
        assert again.suggested is None and again.suggestion.layout.display == "none"
    assert reopened.columns["City"].target.value == NOT_SENT
    assert reopened.constants.flags["customer_info"].toggle.value is True
    assert reopened.mapping.build(df).bodies == loaded.build(df).bodies
    studio.code_button.click()
    assert studio.code.value == studio.to_code() and studio.code.disabled


def test_a_send_with_a_journal_resumes_and_an_unknown_outcome_is_an_amber_banner(df, fresh_sandbox, tmp_path):
    ready = clean_rows(MappingStudio(df))
    orders = kn.FieldMapping({"order_info.order_id": kn.Digits("Order No"), "customer_info.customer_name": kn.Const("A")})
    sandbox = fresh_sandbox(orders=orders.build(df.loc[ready]).bodies, faults=kn.Faults(schedule={2: "drop"}))
    with sandbox.client() as client:
        studio = MappingStudio(df.loc[ready], client=client)
        studio.wait()
        results = studio.send(journal=tmp_path / "send.jsonl")
        assert (results["status"] == kn.UNKNOWN).sum() == 1 and banner_kind(studio) == "unknown"
        assert "check those orders before sending again" in studio.sending.banner.value
        assert "response" not in studio.sending.results_view.value  # the compact columns; the full frame is .results
        sent = len(sandbox.requests)
        again = studio.send(journal=tmp_path / "send.jsonl")  # a rerun: the done rows are not sent, the unknown one is held
        assert len(sandbox.requests) == sent and int(again["attempts"].sum()) == 0
        assert studio.sending.journal.value == ""  # the journal given in code is not typed into the box


def test_an_input_with_an_error_stops_send_save_and_code_instead_of_leaving_its_column_out(df, tmp_path, fresh_sandbox):
    sandbox = fresh_sandbox()
    with sandbox.client() as client:
        studio = MappingStudio(df, client=client)
        studio.columns["Invoice Dt"].options.value = '{"dayfirst": "yes"}'
        studio.wait()
        assert "order_info.invoice_date" not in studio.mapping.targets  # previews and plans go on without it
        for action in (studio.to_code, lambda: studio.save(tmp_path / "m.json"), studio.send):
            with pytest.raises(kn.MappingError, match="column 'Invoice Dt'"):
                action()
        assert len(sandbox.requests) == 0 and not (tmp_path / "m.json").exists()
        studio.sending.send_button.click()  # a click says it in the banner
        assert banner_kind(studio) == "failure" and "Invoice Dt" in studio.sending.banner.value


def test_a_reopened_mapping_keeps_its_template_and_flags_and_tuple_paths_show_on_their_rows(df):
    saved = kn.FieldMapping(
        {("order_info", "order_id"): kn.Digits("Order No"), "customer_info.customer_name": "Cust Name"},
        template={"order_info": {"order_id": ""}, "customer_info": {"customer_name": ""}},
    )
    studio = MappingStudio(df, mapping=saved)
    studio.wait()
    assert studio.columns["Order No"].target.value == "order_info.order_id" and "kept as loaded" not in studio.kept_note.value
    assert studio.mapping.to_bodies(df.head(1).assign(**{"Order No": "24101016"})) == saved.to_bodies(
        df.head(1).assign(**{"Order No": "24101016"})
    )
    with pytest.raises(kn.MappingError, match="not both"):
        MappingStudio(df, mapping=saved, schema=kn.load_schema())


def test_the_studio_reads_its_frame_once(df):
    frame = df.copy()
    studio = MappingStudio(frame)
    first = studio.wait().with_errors
    frame.loc[:, "Order No"] = "not an id"
    assert studio.wait().with_errors == first and studio.df["Order No"].iloc[0] != "not an id"


def test_what_the_studio_shows_is_what_it_sends_kept_targets_flags_of_constants_and_empty_constants(df):
    kept = kn.FieldMapping({
        "order_info.order_id": kn.Digits("Order No"), "customer_info.customer_name": "Cust Name",
        "order_info.remarks": lambda row: "from a callable",  # no row can show it: kept as loaded
        "contact_info.0.update": kn.Const(True), "contact_info.0.title": kn.Const("Mr"),
    })
    studio = MappingStudio(df, mapping=kept)
    studio.wait()
    assert studio.constants.flags["contact_info.0"].toggle.value is True  # a section sent by constants only
    assert studio.mapping.targets["contact_info.0.update"] == kn.Const(True)
    note = studio.columns["City"]
    note.target.value = "order_info.remarks"
    studio.wait()
    assert "kept as loaded" in note.error and studio.mapping.targets["order_info.remarks"] is kept.targets["order_info.remarks"]
    note.target.value = "order_info"  # holds targets already: said on the row, the rest still maps
    studio.wait()
    assert "which this path holds or is inside" in note.error and studio.wait().rows == len(df)
    row = studio.constants.add("order_info.invoice_no", "")
    studio.wait()
    assert row.error == "the constant has no value yet" and "order_info.invoice_no" not in studio.mapping.targets


def test_odd_inputs_are_errors_on_their_rows_or_clear_errors_never_tracebacks(df):
    studio = MappingStudio(df)
    city = studio.columns["City"]
    city.target.value = "order_info.associate_fields.²"  # a digit only in Unicode's sense: a key, not an item
    studio.wait()
    assert city.error is None and studio.mapping.targets["order_info.associate_fields.²"] == kn.Text("City")
    for name in ["0", "a — b", ""]:
        with pytest.raises(kn.MappingError, match="custom field's name"):
            studio.fields.declare("order_info", name, "string")
    with pytest.raises(kn.MappingError, match="dotted str"):
        studio.add_constant(None, "x")  # type: ignore[arg-type]
    with pytest.raises(kn.MappingError, match="plain JSON"):
        studio.add_constant("order_info.remarks", float("nan"))
    with pytest.raises(kn.ConfigurationError, match="client="):
        MappingStudio(df, client=5)  # type: ignore[arg-type]
    with pytest.raises(kn.MappingError, match="n is how many"):
        studio.preview(n=-1)


def test_a_second_contact_can_be_mapped_once_the_first_is_and_a_gap_is_said(df):
    studio = MappingStudio(df)
    studio.columns["City"].target.value = "contact_info.1.contact_person_name"
    with pytest.raises(kn.MappingError, match=r"'contact_info\.1' is mapped but 'contact_info\.0' is not"):
        studio.wait()
    studio.columns["Pincode"].target.value = "contact_info.0.contact_person_name"
    body = studio.mapping.build(studio.df.head(1)).bodies[0]
    assert [contact["contact_person_name"] for contact in body["contact_info"]] == ["560001", "Bengaluru"]
    assert {"contact_info.0", "contact_info.1"} <= set(studio.constants.flags)
