"""The order form against the sandbox: fill, preview, see the changes, send, read the result."""
import _thread
import base64
import copy
import html
import json
import re
import threading
import time

import pandas as pd
import pytest

import kapture_nb as kn
from kapture_nb.forms import UpdateOrderForm
from kapture_nb.sandbox import Faults


def output_text(form):
    return "\n".join(
        str(value) for item in form.output.outputs for value in item.get("data", {}).values()
    )


def banner_kind(form):
    kinds = [c.removeprefix("kapture-banner-") for c in form.banner._dom_classes if c.startswith("kapture-banner-")]
    assert len(kinds) <= 1, kinds
    return kinds[0] if kinds else None


def wait_for_sending(form, limit=30.0):
    """Until the form's send is waiting for its answer (Send says so just before the request goes out)."""
    deadline = time.monotonic() + limit
    while form.send_button.tooltip != "sending..." and time.monotonic() < deadline:
        time.sleep(0.01)


def posts(sandbox):
    return len(sandbox.requests)


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
    assert "Order Updated successfully" in shown and "191696570" in shown  # the compact view: message and returned ids
    assert "ORDER_FIELD_UPDATION" in shown and ">response</th>" not in shown  # the full row sits behind the toggle
    assert form.details.selected_index is None and "ORDER_FIELD_UPDATION" in form.details.children[0].value
    assert "&quot;Order&quot;: {\n" in form.details.children[0].value  # the raw response, pretty-printed


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
    tabs = form.preview_tabs
    assert tabs.selected_index == 0 and tabs.titles == ("JSON", "curl") and "kapture-preview-tabs" in tabs._dom_classes
    json_tab, curl_tab = (child.value for child in tabs.children)
    assert "preview me" in json_tab and "curl" not in json_tab
    assert "curl --location" in curl_tab and "Basic &lt;redacted&gt;" in curl_tab
    secret = base64.b64encode(b"demo:demo").decode()
    assert secret not in json_tab + curl_tab and "demo:demo" not in json_tab + curl_tab
    text = form.preview()
    assert json.loads(text.split("\n\ncurl")[0]) == form.value
    assert tabs.comm is None and form.preview_tabs is not tabs  # the earlier preview's widgets are closed, not leaked


def test_preview_without_a_client_shows_the_json_only(example):
    form = UpdateOrderForm(value=example)
    assert json.loads(form.preview()) == example
    assert form.preview_tabs.titles == ("JSON",)


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
    form.reset()  # from code: at once
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


def test_two_clicks_on_send_give_one_request_and_send_stays_off_until_the_body_changes(fresh_sandbox, example):
    sandbox = fresh_sandbox()
    with sandbox.client() as client:
        form = UpdateOrderForm(client, value=example)
        form.send_button.click()
        form.send_button.click()
        assert posts(sandbox) == 1
        assert form.send_button.disabled
        assert re.fullmatch(r"sent at \d\d:\d\d:\d\d; edit to send again", form.send_button.tooltip)
        with pytest.raises(kn.KaptureError, match=r"not sent again: sent at \d\d:\d\d:\d\d; edit to send again"):
            form.send()
        assert posts(sandbox) == 1 and banner_kind(form) == "success"

        form.fields["order_info.remarks"].widget.value = "a second intent"
        assert not form.send_button.disabled and form.send_button.tooltip.startswith("send to ")
        form.send_button.click()
        assert posts(sandbox) == 2
        assert bool(form.send(again=True)["ok"].iloc[0]) and posts(sandbox) == 3  # an explicit resend goes


def test_a_success_shows_a_green_banner_with_the_order_and_the_time(client, example):
    form = UpdateOrderForm(client, value=example)
    assert banner_kind(form) is None and form.banner.layout.display == "none"
    form.send()
    assert banner_kind(form) == "success" and "kapture-banner" in form.banner._dom_classes
    assert re.search(r"Updated order 23518265 at \d\d:\d\d:\d\d<", form.banner.value)
    assert form.banner.layout.display == ""


def test_a_404_shows_a_red_banner_and_a_double_click_still_sends_once_and_retry_sends_once_more(client, sandbox, example):
    example["order_info"]["order_id"] = "99999999"
    form = UpdateOrderForm(client, value=example)
    before = posts(sandbox)
    form.send_button.click()
    form.send_button.click()  # the second click of a double click, queued behind the first
    assert posts(sandbox) == before + 1
    assert banner_kind(form) == "failure"
    assert "Failed: HTTP 404: Order 99999999 not found" in form.banner.value
    assert form.send_button.disabled and "Retry" in form.send_button.tooltip
    first_retry = form.retry_button
    first_retry.click()
    first_retry.click()  # a double click on Retry: one more request
    assert posts(sandbox) == before + 2 and form.retry_button is not first_retry
    shown = output_text(form)
    assert "HTTP 404: Order 99999999 not found" in shown
    assert ">error</th>" in shown and ">message</th>" not in shown  # the error quotes the message: shown once


def test_a_send_while_another_runs_is_refused(fresh_sandbox, example):
    sandbox = fresh_sandbox(latency=0.5)
    with sandbox.client() as client:
        form = UpdateOrderForm(client, value=example)
        refused = []

        def second() -> None:
            try:
                form.send()
            except kn.KaptureError as exc:
                refused.append(str(exc))

        first = threading.Thread(target=form.send)
        first.start()
        wait_for_sending(form)
        second()
        first.join()
    assert refused == ["not sent: a send of this form is still running"] and posts(sandbox) == 1


def test_an_unknown_outcome_is_held_after_an_edit_and_its_undo(fresh_sandbox, example):
    sandbox = fresh_sandbox(faults=Faults(schedule={1: "drop"}))
    with sandbox.client() as client:
        form = UpdateOrderForm(client, value=example)
        form.send()
        remark = form.fields["order_info.remarks"].widget
        old = remark.value
        remark.value = old + "!"
        assert not form.send_button.disabled  # another body: a new intent
        remark.value = old
        assert form.send_button.disabled and "outcome unknown" in form.send_button.tooltip
        with pytest.raises(kn.KaptureError, match="not sent again: outcome unknown"):
            form.send()
    assert posts(sandbox) == 1


def test_an_interrupted_send_counts_as_an_unknown_outcome(fresh_sandbox, example):
    sandbox = fresh_sandbox(latency=5.0)
    with sandbox.client() as client:
        form = UpdateOrderForm(client, value=example)
        def interrupt_once_sending() -> None:
            wait_for_sending(form)
            time.sleep(0.3)  # the request is out by then: the answer takes 5 s
            _thread.interrupt_main()

        timer = threading.Thread(target=interrupt_once_sending, daemon=True)
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            form.send()
        timer.join()
        assert banner_kind(form) == "unknown" and "may have gone out" in form.banner.value
        assert form.send_button.disabled
        with pytest.raises(kn.KaptureError, match="outcome unknown"):
            form.send()


@pytest.mark.parametrize("odd", [{1: "x", "a": "y"}, {"n": 10**5000}, "cycle"])
def test_a_body_json_cannot_write_makes_a_form_with_errors_not_a_crash(client, example, odd):
    if odd == "cycle":
        odd = {}
        odd["self"] = odd
    example["order_info"]["associate_fields"] = odd
    form = UpdateOrderForm(client, value=example)
    assert not form.errors.ok and form.send_button.disabled


def test_an_invalid_body_shows_not_sent_in_red(client, example):
    form = UpdateOrderForm(client, value=example)
    form.fields["order_info.order_id"].widget.value = "ORD-1"
    form.send()
    assert banner_kind(form) == "failure"
    assert "Not sent: invalid body: order_info.order_id: expected an integer" in form.banner.value


def test_an_unknown_outcome_shows_amber_and_keeps_send_off_until_the_body_changes(fresh_sandbox, example):
    sandbox = fresh_sandbox(faults=Faults(schedule={1: "drop"}))
    with sandbox.client() as client:
        form = UpdateOrderForm(client, value=example)
        form.send_button.click()
        assert form.result["status"].iloc[0] == kn.UNKNOWN
        assert banner_kind(form) == "unknown" and "may have applied it" in form.banner.value
        assert form.send_button.disabled and "the server may have applied it" in form.send_button.tooltip
        form.send_button.click()
        with pytest.raises(kn.KaptureError, match=r"outcome unknown at .*may have applied it"):
            form.send()
        assert posts(sandbox) == 1
        form.fields["order_info.remarks"].widget.value = "checked: not applied"
        assert not form.send_button.disabled


def test_an_edit_after_a_send_marks_the_result_stale_and_brings_send_back(client, example):
    form = UpdateOrderForm(client, value=example)
    form.send()
    assert "kapture-stale" not in form.stale_note._dom_classes and form.stale_note.layout.display == "none"
    form.fields["order_info.remarks"].widget.value = "changed after the send"
    assert "kapture-stale" in form.stale_note._dom_classes and form.stale_note.layout.display == ""
    assert "the body has changed since this was shown" in form.stale_note.value
    assert not form.send_button.disabled
    form.send()
    assert "kapture-stale" not in form.stale_note._dom_classes  # a new result is of the body as it is


def test_an_edit_after_a_preview_marks_it_stale_and_a_new_preview_is_fresh(example):
    form = UpdateOrderForm(value=example)
    form.preview()
    form.fields["order_info.order_id"].widget.value = "23518266"
    assert "kapture-stale" in form.stale_note._dom_classes
    form.fields["order_info.order_id"].widget.value = "23518265"
    assert "kapture-stale" not in form.stale_note._dom_classes  # back to the body shown: it is true again
    form.fields["order_info.order_id"].widget.value = "23518266"
    form.preview_button.click()
    assert "kapture-stale" not in form.stale_note._dom_classes and "23518266" in form.preview_tabs.children[0].value


def test_a_type_switch_that_python_calls_equal_still_counts_as_a_change(client, example):
    example["order_info"]["associate_fields"] = {"gift_wrap": 1}
    form = UpdateOrderForm(client, value=example)
    form.send()
    assert form.send_button.disabled
    form.value = {**example, "order_info": {**example["order_info"], "associate_fields": {"gift_wrap": True}}}
    assert not form.send_button.disabled and "kapture-stale" in form.stale_note._dom_classes


def test_reset_asks_first_and_no_keeps_the_edits(client, example):
    form = UpdateOrderForm(client, value=example)
    form.fields["order_info.remarks"].widget.value = "changed"
    assert form.reset_confirm.layout.display == "none"
    form.reset_button.click()
    assert form.reset_confirm.layout.display == "" and "kapture-reset-confirm" in form.reset_confirm._dom_classes
    assert "Discard every edit?" in form.reset_confirm.children[0].value
    assert form.value["order_info"]["remarks"] == "changed"
    form.reset_no.click()
    assert form.reset_confirm.layout.display == "none" and form.value["order_info"]["remarks"] == "changed"
    form.send()
    form.reset_button.click()
    form.reset_yes.click()
    assert form.value == example and form.reset_confirm.layout.display == "none"
    assert form.output.outputs == () and banner_kind(form) is None and "kapture-stale" not in form.stale_note._dom_classes
    assert form.details is None and form.preview_tabs is None


def test_a_malformed_response_shows_as_its_text_in_a_red_banner(fresh_sandbox, example):
    sandbox = fresh_sandbox(faults=Faults(schedule={1: "malformed"}))
    with sandbox.client() as client:
        form = UpdateOrderForm(client, value=example)
        form.send()
    raw = form.result["response"].iloc[0]
    assert banner_kind(form) == "failure" and "response is not JSON" in form.banner.value
    assert html.escape(raw) in form.details.children[0].value
