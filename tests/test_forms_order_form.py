"""The order form against the sandbox: fill, preview, see the changes, send, read the result."""
import base64
import copy
import json

import pandas as pd
import pytest

import kapture_nb as kn
from kapture_nb.forms import UpdateOrderForm


def output_text(form):
    return "\n".join(
        str(value) for item in form.output.outputs for value in item.get("data", {}).values()
    )


def test_send_button_sends_the_body_and_shows_the_result(client, example):
    form = UpdateOrderForm(client=client, value=example)
    assert not form.send_button.disabled
    form.send_button.click()
    result = form.result
    assert list(result.columns) == kn.RESULT_COLUMNS and len(result) == 1
    row = result.iloc[0]
    assert (bool(row["ok"]), int(row["http_status"]), row["status"]) == (True, 200, "success")
    assert int(row["order_id"]) == 23518265
    shown = output_text(form)
    assert "ORDER_FIELD_UPDATION" in shown and "Order Updated successfully" in shown


def test_send_returns_the_result_and_the_sandbox_holds_the_edits(fresh_sandbox, example):
    sandbox = fresh_sandbox()
    schema = kn.with_associate_fields(order={"delivery_slot": {"enum": ["am", "pm"]}})
    with sandbox.client() as client:
        form = UpdateOrderForm(client, schema, example)
        form.fields["order_info.remarks"].widget.value = "sent from the form"
        form.fields["order_info.associate_fields.delivery_slot"].widget.value = "pm"
        form.fields["contact_info"].add_button.click()
        form.fields["contact_info.1.contact_person_phone"].widget.value = "9000000001"
        form.fields["contact_info.1.update"].widget.value = True  # a contact is written when its own flag says so
        form.fields["order_info.order_id"].type_widget.value = "integer"
        result = form.send()
    assert bool(result["ok"].iloc[0]) and result["message"].iloc[0] == "Order Updated successfully !"
    stored = sandbox.orders.set_index("order_id").loc[23518265]
    assert stored["order_info.remarks"] == "sent from the form"
    assert stored["order_info.associate_fields.delivery_slot"] == "pm"
    assert stored["contact_info.1.contact_person_phone"] == "9000000001"


def test_send_is_disabled_while_the_body_is_invalid_and_send_returns_a_not_sent_row(client, sandbox, example):
    form = UpdateOrderForm(client=client, value=example)
    form.fields["order_info.order_id"].widget.value = "ORD-1"
    assert form.send_button.disabled and form.send_button.tooltip == "fix the errors first"
    requests_before = len(sandbox.requests)
    result = form.send()
    row = result.iloc[0]
    assert not row["ok"] and pd.isna(row["http_status"])
    assert row["error"].startswith("not sent, invalid body: order_info.order_id: expected an integer")
    assert len(sandbox.requests) == requests_before

    form.fields["order_info.order_id"].widget.value = "23518265"
    assert not form.send_button.disabled


def test_form_problems_block_sending_too(client, sandbox, example):
    form = UpdateOrderForm(client=client, value=example)
    free = form.fields["order_info.associate_fields"]
    free.add_button.click()
    assert form.send_button.disabled
    requests_before = len(sandbox.requests)
    error = form.send()["error"].iloc[0]
    assert error == "not sent, invalid body: order_info.associate_fields.: empty key: name it or remove the row"
    assert len(sandbox.requests) == requests_before


def test_without_a_client_send_is_disabled_and_send_raises(example):
    form = UpdateOrderForm(value=example)
    assert form.send_button.disabled
    with pytest.raises(kn.KaptureError, match="no client"):
        form.send()


def test_widget_messages_still_work_beside_send(example):
    form = UpdateOrderForm(value=example)
    form.focus()
    form.blur()
    assert form.result is None


def test_the_form_accepts_a_client_later(client, example):
    form = UpdateOrderForm(value=example)
    form.client = client
    assert bool(form.send()["ok"].iloc[0])


def test_preview_shows_the_json_and_the_redacted_curl(client, example):
    form = UpdateOrderForm(client=client, value=example)
    form.fields["customer_info.remarks"].widget.value = "preview me"
    form.preview_button.click()
    shown = output_text(form)
    assert "preview me" in shown and "curl --location" in shown and "Basic &lt;redacted&gt;" in shown
    secret = base64.b64encode(b"demo:demo").decode()
    assert secret not in shown and "demo:demo" not in shown
    text = form.preview()
    assert json.loads(text.split("\n\ncurl")[0]) == form.value


def test_preview_without_a_client_shows_the_json_only(example):
    form = UpdateOrderForm(value=example)
    assert json.loads(form.preview()) == example
    assert "curl" not in output_text(form)


def test_validate_button_shows_the_report(example):
    form = UpdateOrderForm(value=example)
    form.fields["order_info.update"].widget.value = True
    form.validate_button.click()
    assert "valid" in output_text(form)
    del example["order_info"]["update"]
    form.value = example
    report = form.validate()
    assert [e.path for e in report.errors] == ["order_info.update"]
    assert "order_info.update" in output_text(form)


def test_reset_goes_back_to_the_initial_value(client, example):
    form = UpdateOrderForm(client=client, value=example)
    form.fields["order_info.remarks"].widget.value = "changed"
    form.fields["contact_info"].add_button.click()
    form.preview_button.click()
    assert form.output.outputs
    form.reset_button.click()
    assert form.value == example and form.output.outputs == ()
    assert UpdateOrderForm().value == kn.template()


def test_the_value_given_is_not_changed_by_editing_the_form(example):
    given = json.loads(json.dumps(example))
    form = UpdateOrderForm(value=example)
    form.fields["order_info.remarks"].widget.value = "changed"
    assert example == given and form.initial == given


def test_repr_is_short_and_holds_no_secret(client, example):
    form = UpdateOrderForm(client=client, value=example)
    text = repr(form)
    assert text.startswith("<UpdateOrderForm order_id='23518265' valid, client=<KaptureClient http://127.0.0.1:")
    assert len(text) < 120 and "demo:demo" not in text and base64.b64encode(b"demo:demo").decode() not in text


def test_widgets_carry_stable_css_hooks_for_browsers_and_styling(client):
    form = kn.UpdateOrderForm(client=client, value=kn.documented_example())
    assert "kapture-field-order_info-remarks" in form.fields["order_info.remarks"].widget._dom_classes
    assert "kapture-send" in form.send_button._dom_classes
    assert not [c for c in form.fields["contact_info.0.dob"].widget._dom_classes if c.startswith("kapture-field")]


def test_changes_shows_the_plan_of_the_body_against_the_clients_sandbox(fresh_sandbox, example):
    sandbox = fresh_sandbox()
    with sandbox.client() as client:
        form = UpdateOrderForm(client, value=example)
        form.fields["order_info.remarks"].widget.value = "call first"
        form.fields["customer_info.phone"].widget.value = "9111111111"
        form.changes_button.click()
        plan = form.changes()
    frame = plan.to_frame()
    assert frame[["path", "before", "after", "effect"]].values.tolist() == [
        ["customer_info.phone", "9380491257", "9111111111", "ignored"],
        ["order_info.remarks", "testing 2345", "call first", "change"],
    ]
    assert "Change plan" in form.output.outputs[0]["data"]["text/html"]
    assert len(sandbox.requests) == 0  # a plan sends nothing


def test_changes_against_a_current_body_given_to_the_form(example):
    current = copy.deepcopy(example)
    current["order_info"]["invoice_no"] = "999"
    form = UpdateOrderForm(value=example, current=current)
    frame = form.changes().to_frame()
    assert frame[["path", "before", "after", "effect"]].values.tolist() == [["order_info.invoice_no", "999", "3141341", "change"]]
