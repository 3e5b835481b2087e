"""The sandbox's API over HTTP: auth, bad bodies, update, add, routing, the request log, the page's curl example."""
from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

import kapture_nb as kn
from kapture_nb.sandbox import Sandbox, SandboxApp

HERE = Path(__file__).resolve().parent
EXAMPLE = json.loads((HERE.parent / "schemas" / "examples" / "documented_example.json").read_text())
ENDPOINT = "/ms/customer/order/api/v1/add-update"
USER, PASSWORD = "analyst", "pw-Zq81-never-shown"
AUTH = (USER, PASSWORD)
INVALID_AUTH_TEXT = '{"message": "Invalid Auth Key", "status": "failed"}'
DOCUMENTED_SUCCESS = {
    "status": "success",
    "message": "Order Updated successfully !",
    "Order": {
        "result": True,
        "customer_id": 191696570,
        "enquiry_id": 24284719,
        "action": "ORDER",
        "action_event": "ORDER_FIELD_UPDATION",
        "contact_id": 210006001,
    },
}


def _order(order_id: str, name: str) -> dict:
    body = copy.deepcopy(EXAMPLE)
    body["order_info"]["order_id"] = order_id
    body["customer_info"]["customer_name"] = name
    return body


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(username=USER, password=PASSWORD, orders=[_order("5001", "Merge Co"), _order("5002", "Log Co")]) as running:
        yield running


def _post(sb: Sandbox, body=None, *, auth=AUTH, data=None, headers=None, path=ENDPOINT) -> requests.Response:
    if data is None:
        return requests.post(sb.url + path, json=body, auth=auth, headers=headers)
    return requests.post(sb.url + path, data=data, auth=auth, headers=headers)


def test_missing_credentials_get_the_documented_401(sb):
    response = _post(sb, EXAMPLE, auth=None)
    assert response.status_code == 401
    assert response.text == INVALID_AUTH_TEXT
    assert response.json() == {"message": "Invalid Auth Key", "status": "failed"}


@pytest.mark.parametrize(
    "header",
    [
        "Basic " + base64.b64encode(f"{USER}:wrong".encode()).decode(),
        "Basic " + base64.b64encode(b"demo:demo").decode(),
        "Bearer " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
        "Basic not-base64",
        "Basic",
    ],
)
def test_wrong_credentials_get_the_documented_401(sb, header):
    response = _post(sb, EXAMPLE, auth=None, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.text == INVALID_AUTH_TEXT


def test_a_token_sandbox_takes_only_its_token():
    with Sandbox(token="ready-made-token") as tokened:
        url = tokened.url + ENDPOINT
        assert requests.post(url, json=EXAMPLE, headers={"Authorization": "Basic ready-made-token"}).status_code == 200
        refused = requests.post(url, json=EXAMPLE, auth=("demo", "demo"))
        assert refused.status_code == 401 and refused.text == INVALID_AUTH_TEXT
        wrong = requests.post(url, json=EXAMPLE, headers={"Authorization": "Basic other-token"})
        assert wrong.status_code == 401 and wrong.text == INVALID_AUTH_TEXT


def test_auth_is_checked_before_the_body(sb):
    response = _post(sb, data=b"not json", auth=None)
    assert response.status_code == 401 and response.text == INVALID_AUTH_TEXT


@pytest.mark.parametrize(
    "data, words",
    [(b"{not json", "not JSON"), (b"", "empty"), ("{}".encode("utf-16"), "not UTF-8"), (b'{"a": NaN}', "NaN")],
)
def test_a_body_that_is_not_json_is_a_400(sb, data, words):
    response = _post(sb, data=data, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "failed" and words in body["message"]


def test_a_schema_invalid_body_is_a_400_with_every_error_by_path(sb):
    body = copy.deepcopy(EXAMPLE)
    body["customer_info"]["customer_name"] = ""
    body["order_info"]["order_id"] = "23518265x"
    body["contact_info"][0]["update"] = "no"
    response = _post(sb, body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["status"] == "failed"
    assert answer["message"] == "Invalid request body: 3 error(s)"
    assert [error["path"] for error in answer["errors"]] == [
        "customer_info.customer_name",
        "contact_info.0.update",
        "order_info.order_id",
    ]
    assert all(error["message"] for error in answer["errors"])


def test_update_answers_the_documented_success_body(sb):
    response = _post(sb, EXAMPLE)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == DOCUMENTED_SUCCESS
    assert list(response.json()["Order"]) == list(DOCUMENTED_SUCCESS["Order"])


def test_update_answers_with_the_stored_orders_ids(sb):
    stored = sb.orders.set_index("order_id").loc[5002]
    order = _post(sb, _order("5002", "Log Co")).json()["Order"]
    assert (order["customer_id"], order["enquiry_id"], order["contact_id"]) == (
        stored["customer_id"],
        stored["enquiry_id"],
        stored["contact_id"],
    )
    assert order["customer_id"] != 191696570


def test_update_is_applied_to_the_store(sb):
    first = {
        "customer_info": {"customer_name": "Merge Co"},
        "order_info": {"order_id": 5001, "update": True, "associate_fields": {"delivery_slot": "morning", "boxes": 2}},
    }
    second = {
        "customer_info": {"customer_name": "Merge Co", "city": "Pune", "update": True},
        "order_info": {"order_id": "5001", "update": True, "remarks": "second", "associate_fields": {"boxes": 3}},
    }
    assert _post(sb, first).status_code == 200
    assert _post(sb, second).status_code == 200
    row = sb.orders.set_index("order_id").loc[5001]
    assert row["customer_info.city"] == "Pune"
    assert row["order_info.remarks"] == "second"
    assert row["order_info.associate_fields.delivery_slot"] == "morning"  # kept: custom fields merge key by key
    assert row["order_info.associate_fields.boxes"] == 3
    assert row["order_info.invoice_no"] == "3141341"  # untouched


def test_an_unknown_order_is_a_404(sb):
    before = len(sb.orders)
    response = _post(sb, _order("999999", "Nobody"))
    assert response.status_code == 404
    assert response.json() == {"status": "failed", "message": "Order 999999 not found"}
    assert len(sb.orders) == before


def test_an_unknown_order_is_created_when_the_sandbox_says_so():
    with Sandbox(unknown_order="create") as creating:
        response = requests.post(creating.url + ENDPOINT, json=_order("999999", "Newcomer"), auth=("demo", "demo"))
        assert response.status_code == 200
        assert response.json()["message"] == "Order Updated successfully !"
        row = creating.orders.set_index("order_id").loc[999999]
        assert row["customer_info.customer_name"] == "Newcomer"
        assert row["customer_id"] == response.json()["Order"]["customer_id"]


@pytest.mark.parametrize("drop_order_id", [True, False])
def test_a_body_without_order_id_adds_an_order_with_new_ids(sb, drop_order_id):
    body = _order("", "Added Co")
    if drop_order_id:
        del body["order_info"]["order_id"]
    response = _post(sb, body)
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "success" and answer["message"] == "Order Added successfully !"
    order = answer["Order"]
    assert order["result"] is True and order["action"] == "ORDER" and order["action_event"] == "ORDER_CREATION"
    assert order["order_id"] > 23518265 and order["customer_id"] != 191696570
    row = sb.orders.set_index("order_id").loc[order["order_id"]]
    assert row["customer_info.customer_name"] == "Added Co"
    assert (row["customer_id"], row["enquiry_id"], row["contact_id"]) == (
        order["customer_id"],
        order["enquiry_id"],
        order["contact_id"],
    )
    assert sb.requests["order_id"].iloc[-1] == order["order_id"]


def test_two_adds_get_different_ids(sb):
    first = _post(sb, _order("", "One")).json()["Order"]
    second = _post(sb, _order("", "Two")).json()["Order"]
    assert second["order_id"] == first["order_id"] + 1
    assert second["customer_id"] != first["customer_id"]


def test_another_path_is_a_json_404(sb):
    response = _post(sb, EXAMPLE, path="/ms/customer/order/api/v1/nope")
    assert response.status_code == 404
    assert response.json()["status"] == "failed"
    assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_another_method_is_a_405(sb, method):
    response = requests.request(method, sb.url + ENDPOINT, auth=AUTH)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.json()["status"] == "failed"


def test_the_page_curl_example_is_accepted_verbatim(sb):
    raw = (HERE / "data" / "curl_example_body.json").read_bytes()
    headers = {
        "Content-Type": "application/json",
        "Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
        "Cookie": "JSESSIONID=; _KAPTURECRM_SESSION=",
    }
    response = requests.post(sb.url + ENDPOINT, data=raw, headers=headers)
    assert response.status_code == 200
    assert response.json() == DOCUMENTED_SUCCESS


def test_a_custom_schema_is_used_for_updates_and_adds():
    schema = kn.with_associate_fields(order={"delivery_slot": "string"}, strict=True)
    typo = copy.deepcopy(EXAMPLE)
    typo["order_info"]["associate_fields"] = {"delivery_slott": "morning"}
    with Sandbox(schema=schema) as strict:
        url = strict.url + ENDPOINT
        rejected = requests.post(url, json=typo, auth=("demo", "demo"))
        assert rejected.status_code == 400
        assert rejected.json()["errors"][0]["path"] == "order_info.associate_fields.delivery_slott"
        typo["order_info"]["order_id"] = ""
        assert requests.post(url, json=typo, auth=("demo", "demo")).status_code == 400
        typo["order_info"]["associate_fields"] = {"delivery_slot": "morning"}
        assert requests.post(url, json=typo, auth=("demo", "demo")).json()["Order"]["action_event"] == "ORDER_CREATION"


def test_the_request_log_has_fixed_columns_and_one_row_per_request():
    with Sandbox(username=USER, password=PASSWORD) as fresh:
        empty = fresh.requests
        assert list(empty.columns) == [
            "time", "method", "path", "auth_ok", "order_id", "http_status", "fault", "elapsed_ms",
        ]  # fmt: skip
        assert empty.empty and str(empty["order_id"].dtype) == "Int64" and str(empty["http_status"].dtype) == "Int64"
        _post(fresh, EXAMPLE)
        _post(fresh, EXAMPLE, auth=(USER, "wrong"))
        requests.get(fresh.url + "/elsewhere")
        log = fresh.requests
    assert log["method"].tolist() == ["POST", "POST", "GET"]
    assert log["path"].tolist() == [ENDPOINT, ENDPOINT, "/elsewhere"]
    assert log["auth_ok"].tolist() == [True, False, False]
    assert log["order_id"].iloc[0] == 23518265 and log["order_id"].iloc[1:].isna().all()  # a 401's body is never read
    assert log["http_status"].tolist() == [200, 401, 404]
    assert log["fault"].tolist() == [None, None, None]
    assert (log["elapsed_ms"] >= 0).all()
    assert log["time"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$").all()


def test_no_secret_reaches_the_log_or_the_repr(sb):
    _post(sb, EXAMPLE)
    _post(sb, EXAMPLE, auth=(USER, PASSWORD + "x"))
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    shown = [sb.requests.to_csv(), sb.requests.to_json(), repr(sb), sb._repr_html_(), repr(sb.app), sb.orders.to_csv()]
    for text in shown:
        assert PASSWORD not in text and token not in text


@pytest.mark.parametrize("latency", [-0.005, float("nan"), "soon", None])
def test_a_latency_that_is_not_zero_or_more_seconds_is_refused(latency):
    with pytest.raises(kn.ConfigurationError, match="latency must be a number of seconds"):
        SandboxApp(latency=latency)


def test_the_request_log_keeps_the_latest_log_limit_requests():
    with Sandbox(log_limit=3) as small:
        for number in range(5):
            _post(small, _order(str(9000 + number), "Log Co"), auth=("demo", "demo"))
        assert small.requests["order_id"].tolist() == [9002, 9003, 9004]


@pytest.mark.parametrize("limit", [0, -1, 2.5, True, "100"])
def test_a_log_limit_that_is_not_a_positive_whole_number_is_refused(limit):
    with pytest.raises(kn.ConfigurationError, match="log_limit"):
        SandboxApp(log_limit=limit)


@pytest.mark.parametrize("limit", [0, -1, 2.5, True, "100", None])
def test_a_body_limit_that_is_not_a_positive_whole_number_is_refused(limit):
    with pytest.raises(kn.ConfigurationError, match="max_body_bytes"):
        SandboxApp(max_body_bytes=limit)


MAX_ID = 2**63 - 1


def _permissive_ids() -> dict:
    """The request schema with its ids unbounded, as a schema of the user's own might be."""
    schema = kn.load_schema()
    for section, key in (("order_info", "order_id"), ("customer_info", "customer_id")):
        node = schema["properties"][section]["properties"][key]
        node.pop("maximum")
        node["pattern"] = "^[0-9]*$"
    return schema


@pytest.mark.parametrize("order_id", ["1" * 20, str(MAX_ID + 1), 10**20, "1" * 5000])
def test_an_order_id_beyond_64_bits_is_a_400_and_the_tables_still_build(order_id):
    with Sandbox(username=USER, password=PASSWORD) as fresh:
        response = _post(fresh, _order(order_id, "Big Co"))
        assert response.status_code == 400
        (error,) = response.json()["errors"]
        assert error["path"] == "order_info.order_id" and "9223372036854775807 (2^63-1" in error["message"]
        log, orders = fresh.requests, fresh.orders
    assert log["http_status"].tolist() == [400] and log["order_id"].isna().all() and str(log["order_id"].dtype) == "Int64"
    assert orders["order_id"].tolist() == [23518265]


def test_an_id_beyond_64_bits_that_a_schema_lets_through_is_refused_by_the_store():
    with Sandbox(schema=_permissive_ids(), unknown_order="create") as lax:
        update = _post(lax, _order("1" * 20, "Big Co"), auth=("demo", "demo"))
        assert update.status_code == 400 and "order_info.order_id 11111111111111111111 is above" in update.json()["message"]
        add = _order("", "Big Co")
        add["customer_info"]["customer_id"] = str(MAX_ID + 1)
        added = _post(lax, add, auth=("demo", "demo"))
        assert added.status_code == 400 and "customer_info.customer_id 9223372036854775808 is above" in added.json()["message"]
        fits = _order(str(MAX_ID), "Largest Co")
        assert _post(lax, fits, auth=("demo", "demo")).status_code == 200
        log, orders = lax.requests, lax.orders
    assert log["http_status"].tolist() == [400, 400, 200]
    assert log["order_id"].isna().tolist() == [True, True, False] and log["order_id"].iloc[2] == MAX_ID
    assert sorted(orders["order_id"].tolist()) == [23518265, MAX_ID]


def test_text_utf8_cannot_encode_is_a_400_naming_its_path(sb):
    data = json.dumps(_order("5001", "Merge Co")).replace('"Merge Co"', '"Merge \\udc80Co"').encode()
    response = _post(sb, data=data, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert [(e["path"], "UTF-8 cannot encode" in e["message"]) for e in response.json()["errors"]] == [
        ("customer_info.customer_name", True)
    ]
    assert len(sb.requests) and len(sb.orders)


def test_an_order_id_beyond_64_bits_in_the_seed_is_refused():
    with pytest.raises(kn.ConfigurationError, match=r"orders\[0\]: order_info.order_id 1{20} is above 9223372036854775807"):
        Sandbox(orders=[_order("1" * 20, "Big Co")])
