import json

import pandas as pd

import kapture_nb as kn
from kapture_nb.frames import SendResult

SUCCESS = {
    "status": "success",
    "message": "Order Updated successfully !",
    "Order": {
        "result": True, "customer_id": 191696570, "enquiry_id": 24284719,
        "action": "ORDER", "action_event": "ORDER_FIELD_UPDATION", "contact_id": 210006001,
    },
}


def test_empty_input_has_the_same_columns_and_dtypes_as_a_full_one():
    empty = kn.response_frame([])
    full = kn.response_frame([SUCCESS])
    assert list(empty.columns) == list(full.columns) == kn.RESULT_COLUMNS
    assert empty.dtypes.to_dict() == full.dtypes.to_dict()
    assert str(full["customer_id"].dtype) == "Int64" and full["ok"].dtype == bool
    assert str(full["result"].dtype) == "boolean" and full["elapsed_ms"].dtype == "float64"


def test_documented_success_body_reads_into_its_columns():
    row = kn.response_frame([json.dumps(SUCCESS)]).iloc[0]
    assert row["ok"] and row["status"] == "success" and row["customer_id"] == 191696570
    assert row["action_event"] == "ORDER_FIELD_UPDATION" and row["result"]


def test_failures_are_read_in_both_spellings():
    frame = kn.response_frame(
        [
            SendResult(http_status=401, payload={"message": "Invalid Auth Key", "status": "failed"}),
            SendResult(http_status=401, payload={"Message": "Invalid Auth Key", "Status": "failed"}),
            SendResult(http_status=200, payload={"Message": "Quota exceeded", "Status": "failed"}),
        ]
    )
    assert frame["status"].tolist() == ["failed", "failed", "failed"]
    assert frame["message"].tolist() == ["Invalid Auth Key"] * 2 + ["Quota exceeded"]
    assert frame["error"].tolist() == [
        "HTTP 401: Invalid Auth Key",
        "HTTP 401: Invalid Auth Key",
        "status 'failed': Quota exceeded",
    ]
    assert not frame["ok"].any()


def test_result_false_is_a_failure():
    body = {"status": "success", "Order": {"result": False}}
    row = kn.response_frame([body]).iloc[0]
    assert not row["ok"] and row["error"] == "Order.result is false, not true"


def test_a_failure_without_a_response_has_nulls_not_crashes():
    frame = kn.response_frame([SendResult(order_id="0042", error="connection refused", attempts=3)])
    row = frame.iloc[0]
    assert row["order_id"] == 42 and not row["ok"] and row["attempts"] == 3
    assert pd.isna(row["http_status"]) and pd.isna(row["customer_id"]) and pd.isna(row["result"])


def test_requests_responses_are_read_too(sandbox, example):
    import requests

    answer = requests.post(sandbox.url + "/ms/customer/order/api/v1/add-update", json=example, auth=("demo", "demo"))
    row = kn.response_frame([answer], index=["first"]).loc["first"]
    assert row["ok"] and row["order_id"] == 23518265 and row["attempts"] == 1
