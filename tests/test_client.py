import json
import shlex

import pandas as pd
import pytest
import requests

import kapture_nb as kn
from helpers import free_port
from kapture_nb.client import resolve_base_url


def test_update_of_the_documented_example_succeeds(client, example):
    row = client.update_order(example).iloc[0]
    assert row["ok"] and row["http_status"] == 200 and row["status"] == "success"
    assert row["message"] == "Order Updated successfully !"
    assert (row["customer_id"], row["enquiry_id"], row["contact_id"]) == (191696570, 24284719, 210006001)
    assert (row["action"], row["action_event"], row["result"]) == ("ORDER", "ORDER_FIELD_UPDATION", True)
    assert row["order_id"] == 23518265 and row["attempts"] == 1 and pd.isna(row["error"])
    assert json.loads(row["response"])["Order"]["result"] is True


def test_result_row_has_the_fixed_columns_and_dtypes(client, example):
    frame = client.update_order(example)
    assert list(frame.columns) == kn.RESULT_COLUMNS
    assert str(frame["customer_id"].dtype) == "Int64" and frame["ok"].dtype == bool
    assert str(frame["http_status"].dtype) == "Int64" and frame["elapsed_ms"].dtype == "float64"


def test_invalid_body_is_never_sent_and_the_row_says_why(client, sandbox, example):
    before = len(sandbox.requests)
    example["order_info"]["order_id"] = "ORD-1"
    row = client.update_order(example).iloc[0]
    assert not row["ok"] and pd.isna(row["http_status"]) and row["attempts"] == 0
    assert "not sent, invalid body: order_info.order_id: expected an integer or a string of digits" in row["error"]
    assert len(sandbox.requests) == before


def test_validate_false_sends_what_it_is_given(client, sandbox, example):
    example["order_info"]["order_id"] = "ORD-1"
    row = client.update_order(example, validate=False).iloc[0]
    assert row["http_status"] == 400 and not row["ok"]
    assert row["error"].startswith("HTTP 400: Invalid request body")


def test_dry_run_sends_nothing(client, sandbox, example):
    before = len(sandbox.requests)
    row = client.update_order(example, dry_run=True).iloc[0]
    assert not row["ok"] and row["status"] == "dry run" and pd.isna(row["error"]) and row["attempts"] == 0
    example["order_info"]["order_id"] = "x"
    refused = client.update_order(example, dry_run=True).iloc[0]
    assert not refused["ok"] and refused["status"] == "dry run" and refused["error"].startswith("not sent, invalid body")
    assert len(sandbox.requests) == before


def test_a_body_that_is_not_a_dict_raises_at_once(client):
    with pytest.raises(kn.BodyTypeError, match="got list"):
        client.update_order([{}])
    with pytest.raises(kn.KaptureError):
        client.to_curl("{}")


def test_unknown_order_and_wrong_password_are_rows_not_exceptions(sandbox, example):
    example["order_info"]["order_id"] = 11111111
    with sandbox.client() as client:
        row = client.update_order(example).iloc[0]
    assert (row["ok"], row["http_status"], row["status"]) == (False, 404, "failed")
    assert row["error"] == "HTTP 404: Order 11111111 not found"
    with kn.KaptureClient(base_url=sandbox.url, username="demo", password="wrong") as bad:
        row = bad.update_order(example).iloc[0]
    assert (row["http_status"], row["error"], row["attempts"]) == (401, "HTTP 401: Invalid Auth Key", 1)


def test_token_auth(fresh_sandbox, example):
    sb = fresh_sandbox(token="ready-made-token")
    with kn.KaptureClient(base_url=sb.url, token="ready-made-token") as client:
        assert client.update_order(example).iloc[0]["ok"]
    with kn.KaptureClient(base_url=sb.url, token="Basic other") as client:
        assert client.update_order(example).iloc[0]["http_status"] == 401


def test_503_then_success_is_retried_and_counted(fresh_sandbox, example):
    sb = fresh_sandbox(faults=kn.Faults(schedule=["503", "503"]))
    with sb.client(retries=3) as client:
        row = client.update_order(example).iloc[0]
    assert row["ok"] and row["attempts"] == 3
    assert sb.requests["http_status"].tolist() == [503, 503, 200]


def test_429_waits_for_retry_after(fresh_sandbox, example):
    sb = fresh_sandbox(faults=kn.Faults(schedule=["429"], retry_after=1))
    with sb.client() as client:
        row = client.update_order(example).iloc[0]
    assert row["ok"] and row["attempts"] == 2
    assert row["elapsed_ms"] >= 1000  # Retry-After: 1 was honoured, not a speed claim


@pytest.mark.parametrize("status", ["500", "html"])
def test_500_and_502_are_not_retried_unless_asked(fresh_sandbox, example, status):
    sb = fresh_sandbox(faults=kn.Faults(schedule=[status, status]))
    with sb.client() as client:
        row = client.update_order(example).iloc[0]
    assert not row["ok"] and row["attempts"] == 1 and len(sb.requests) == 1
    if status == "html":
        assert row["http_status"] == 502 and "response is not JSON: '<" in row["error"]
    with sb.client(retry_statuses=(429, 500, 502, 503)) as client:
        row = client.update_order(example).iloc[0]
    assert row["ok"] and row["attempts"] == 2


def test_dropped_connection_is_retried(fresh_sandbox, example):
    sb = fresh_sandbox(faults=kn.Faults(schedule=["drop", None, "drop"]))
    with sb.client() as client:
        assert client.update_order(example).iloc[0]["attempts"] == 2
    with sb.client(retries=0) as client:
        row = client.update_order(example).iloc[0]
    assert not row["ok"] and row["error"] == "the server closed the connection before responding"
    assert pd.isna(row["http_status"])


def test_malformed_json_is_a_row_with_the_first_bytes(fresh_sandbox, example):
    sb = fresh_sandbox(faults=kn.Faults(schedule=["malformed"]))
    with sb.client() as client:
        row = client.update_order(example).iloc[0]
    assert not row["ok"] and row["http_status"] == 200
    assert row["error"].startswith("HTTP 200: response is not JSON: '")


def test_slow_response_times_out(fresh_sandbox, example):
    sb = fresh_sandbox(faults=kn.Faults(schedule=["slow"], slow_seconds=1.0))
    with sb.client(timeout=(2, 0.3), retries=0) as client:
        row = client.update_order(example).iloc[0]
    assert not row["ok"] and row["error"].startswith("timed out waiting for the response")


def test_connection_refused(example):
    url = f"http://127.0.0.1:{free_port()}"
    with kn.KaptureClient(base_url=url, username="u", password="p", retries=1) as client:
        row = client.update_order(example).iloc[0]
    assert row["error"] == "connection refused: nothing is listening at that address"
    assert row["attempts"] == 2 and not row["ok"]


@pytest.mark.parametrize("bad", ["evil.com/x", "a.b", "x@y", "", "-acme", "acme_1", "a" * 64])
def test_subdomain_is_checked_and_never_leads_elsewhere(bad):
    with pytest.raises(kn.ConfigurationError, match="subdomain"):
        kn.KaptureClient(bad, username="u", password="p")


def test_urls():
    assert resolve_base_url("acme-2", None) == "https://acme-2.kapturecrm.com"
    assert kn.KaptureClient("acme", username="u", password="p").url == (
        "https://acme.kapturecrm.com/ms/customer/order/api/v1/add-update"
    )
    assert resolve_base_url(None, "http://localhost:8765/") == "http://localhost:8765"
    assert resolve_base_url(None, "http://[::1]:8765") == "http://[::1]:8765"
    with pytest.raises(kn.ConfigurationError, match="loopback"):
        resolve_base_url(None, "http://devapi.kapturecrm.com")
    assert resolve_base_url(None, "http://10.0.0.5", allow_insecure=True) == "http://10.0.0.5"
    with pytest.raises(kn.ConfigurationError, match="credentials"):
        resolve_base_url(None, "https://u:p@devapi.kapturecrm.com")
    with pytest.raises(kn.ConfigurationError, match="http"):
        resolve_base_url(None, "ftp://devapi.kapturecrm.com")


def test_missing_credentials_raise_a_clear_error():
    with pytest.raises(kn.ConfigurationError, match="no credentials"):
        kn.KaptureClient("acme", username="u")


def test_from_env(monkeypatch, sandbox, example):
    for name in ("KAPTURE_SUBDOMAIN", "KAPTURE_BASE_URL", "KAPTURE_USERNAME", "KAPTURE_PASSWORD", "KAPTURE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(kn.ConfigurationError, match="KAPTURE_SUBDOMAIN"):
        kn.KaptureClient.from_env()
    monkeypatch.setenv("KAPTURE_BASE_URL", sandbox.url)
    with pytest.raises(kn.ConfigurationError, match="KAPTURE_USERNAME"):
        kn.KaptureClient.from_env()
    monkeypatch.setenv("KAPTURE_USERNAME", "demo")
    monkeypatch.setenv("KAPTURE_PASSWORD", "demo")
    with kn.KaptureClient.from_env(timeout=3) as client:
        assert client.timeout == 3 and client.update_order(example).iloc[0]["ok"]
    monkeypatch.setenv("KAPTURE_SUBDOMAIN", "acme")
    monkeypatch.delenv("KAPTURE_BASE_URL")
    assert kn.KaptureClient.from_env().base_url == "https://acme.kapturecrm.com"


def test_to_curl_is_redacted_and_the_revealed_command_works(client, example):
    assert "Basic <redacted>" in client.to_curl(example)
    command = client.to_curl(example, reveal=True)
    words = shlex.split(command.replace("\\\n", " "))
    assert words[:3] == ["curl", "--location", client.url]
    headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "--header")
    data = words[words.index("--data-raw") + 1]
    assert json.loads(data) == example
    answer = requests.post(client.url, data=data.encode(), headers=headers, timeout=10)
    assert answer.json()["status"] == "success"


def test_pool_grows_for_the_concurrency_in_use(client):
    client.ensure_pool(32)
    adapter = client.session.get_adapter(client.url)
    assert adapter._pool_maxsize == 32 and client.pool_size == 32
    client.ensure_pool(4)
    assert client.pool_size == 32


def test_proxy_and_ca_bundle_variables_are_read_once_at_construction(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/company.pem")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = kn.KaptureClient("acme", username="u", password="p")
    assert client.session.proxies.get("https") == "http://proxy.internal:3128"
    assert client.session.verify == "/etc/ssl/company.pem"
    assert kn.KaptureClient("acme", username="u", password="p", verify=False).session.verify is False
    loopback = kn.KaptureClient(base_url="http://127.0.0.1:9", username="u", password="p")
    assert loopback.session.verify is True  # plain http verifies nothing: no bundle to stat on every send
    monkeypatch.setenv("NO_PROXY", "acme.kapturecrm.com")
    assert kn.KaptureClient("acme", username="u", password="p").session.proxies == {}
