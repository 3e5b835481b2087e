import gzip
import json
import shlex
import shutil
import ssl
import subprocess
import time

import pandas as pd
import pytest
import requests

import kapture_nb as kn
from helpers import HostileServer, free_port, http_answer, orders
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


def test_a_dropped_connection_is_an_unknown_outcome_and_never_sent_again(fresh_sandbox, example):
    sb = fresh_sandbox(faults=kn.Faults(schedule=["drop"]))
    with sb.client(retries=3) as client:
        row = client.update_order(example).iloc[0]
    assert not row["ok"] and row["status"] == "unknown" and row["attempts"] == 1
    assert row["error"].startswith("outcome unknown: the server closed the connection before responding")
    assert pd.isna(row["http_status"]) and len(sb.requests) == 1


def test_malformed_json_is_a_row_with_the_first_bytes(fresh_sandbox, example):
    sb = fresh_sandbox(faults=kn.Faults(schedule=["malformed"]))
    with sb.client() as client:
        row = client.update_order(example).iloc[0]
    assert not row["ok"] and row["http_status"] == 200
    assert row["error"].startswith("HTTP 200: response is not JSON: '")


def test_a_read_timeout_is_unknown_and_an_add_body_creates_one_order(fresh_sandbox, example):
    sb = fresh_sandbox(faults=kn.Faults(rates={"slow": 1.0}, slow_seconds=1))
    example["order_info"]["order_id"] = ""  # an Add body: sent twice, it would create two orders
    with sb.client(timeout=(3, 0.5), retries=3, schema=kn.load_schema(action="add")) as client:
        row = client.update_order(example).iloc[0]
    assert not row["ok"] and row["status"] == "unknown" and row["attempts"] == 1
    assert row["error"].startswith("outcome unknown: timed out waiting for the response")
    deadline = time.monotonic() + 10
    while len(sb.requests) < 1 and time.monotonic() < deadline:  # the slow answer is still on its way
        time.sleep(0.05)
    assert len(sb.requests) == 1


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


def _answering(*answers: bytes):
    """A hostile server answering its requests with these bytes in turn (the last one again and again)."""
    sent = []

    def answer(request, connection):
        connection.sendall(answers[min(len(sent), len(answers) - 1)])
        sent.append(request)

    return HostileServer(answer)


def _client(url, **kwargs):
    return kn.KaptureClient(base_url=url, username="u", password="p", **kwargs)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_a_row_and_the_credentials_never_reach_the_other_host(example, status):
    with _answering(http_answer(200, b"{}")) as elsewhere:
        target = elsewhere.url.replace("127.0.0.1", "localhost") + "/steal"
        with _answering(http_answer(status, b"moved", {"Location": target})) as server, _client(server.url) as client:
            row = client.update_order(example).iloc[0]
    assert not row["ok"] and row["http_status"] == status and row["attempts"] == 1
    assert row["error"] == (
        f"HTTP {status}: redirected to localhost; Kapture's API does not redirect: check base_url (the redirect was not followed)"
    )
    assert elsewhere.requests == [] and len(server.requests) == 1


def test_an_endless_chunked_answer_stops_at_max_response_bytes(example):
    def endless(request, connection):
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"4000\r\n" + b" " * 0x4000 + b"\r\n"
        while True:
            connection.sendall(chunk)

    with HostileServer(endless) as server, _client(server.url, max_response_bytes=100_000) as client:
        row = client.update_order(example).iloc[0]
    assert not row["ok"] and row["status"] == "unknown" and row["http_status"] == 200
    assert "the response is over 100,000 bytes (max_response_bytes)" in row["error"]


def test_a_gzip_bomb_is_counted_after_decompression(example):
    bomb = gzip.compress(b"0" * (64 << 20), compresslevel=9)  # 64 MiB of text in about 64 KiB
    answer = http_answer(200, bomb, {"Content-Encoding": "gzip"})
    with _answering(answer) as server, _client(server.url) as client:
        row = client.update_order(example).iloc[0]
    assert len(bomb) < 200_000 and not row["ok"]
    assert "the response is over 1,048,576 bytes (max_response_bytes)" in row["error"]


def test_a_dripped_answer_ends_at_the_deadline(example):
    def drip(request, connection):
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            connection.sendall(b" ")
            time.sleep(0.2)

    with HostileServer(drip) as server, _client(server.url, deadline=1.0) as client:
        row = client.update_order(example).iloc[0]
    assert row["status"] == "unknown" and "the row's deadline passed while the response was being read" in row["error"]
    assert row["elapsed_ms"] < 5_000  # the 1,000-byte drip would take 200 s: the deadline ended it, not the timeout


def test_a_long_retry_after_ends_the_row_at_once(example):
    busy = http_answer(429, b'{"status": "failed"}', {"Retry-After": "999999"})
    with _answering(busy) as server, _client(server.url) as client:
        row = client.update_order(example).iloc[0]
    assert not row["ok"] and row["http_status"] == 429 and row["attempts"] == 1 and len(server.requests) == 1
    assert row["error"].startswith("HTTP 429: the server asks to wait (Retry-After: 999999), longer than the row's deadline")


def test_a_long_answer_is_kept_cut_and_marked(example):
    text = json.dumps({"status": "success", "message": "x" * 100_000, "Order": {"result": True}})
    with _answering(http_answer(200, text.encode())) as server, _client(server.url) as client:
        row = client.update_order(example).iloc[0]
    assert row["ok"] and len(row["response"]) < 17_000
    assert row["response"].endswith(f"... [cut: the first 16,384 of {len(text):,} characters]")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('{"status": "success", "Order": {"result": "false"}}', 'Order.result is "false", not true'),
        ('{"status": "success", "Order": {"result": 0}}', "Order.result is a JSON int, not true"),
        ('{"status": "success", "Order": {}}', "Order.result is null, not true"),
        ("[" * 100_000 + "]" * 100_000, "HTTP 200: response is not JSON: '[[[["),
    ],
)
def test_an_answer_that_is_not_exactly_a_success_is_a_failed_row(example, body, error):
    with _answering(http_answer(200, body.encode())) as server, _client(server.url) as client:
        row = client.update_order(example).iloc[0]
    assert not row["ok"] and row["error"].startswith(error)


def test_ids_beyond_64_bits_in_an_answer_are_missing_not_an_exception(example):
    body = b'{"status": "success", "Order": {"result": true, "customer_id": 100000000000000000000000, "contact_id": 7}}'
    with _answering(http_answer(200, body)) as server, _client(server.url) as client:
        row = client.update_order(example).iloc[0]
    assert row["ok"] and pd.isna(row["customer_id"]) and row["contact_id"] == 7
    assert "100000000000000000000000" in row["response"]


def _deep(levels):
    value = {}
    for _ in range(levels):
        value = {"x": value}
    return value


def _cyclic():
    fields = {}
    fields["self"] = fields
    return fields


@pytest.mark.parametrize(
    ("fields", "said"),
    [(_deep(100_000), "maximum recursion depth"), (_cyclic(), "Circular reference"), ({"k": "\ud800"}, "surrogates not allowed")],
)
def test_a_body_json_cannot_carry_is_a_row_and_never_sent(fresh_sandbox, example, fields, said):
    sb = fresh_sandbox()
    example["order_info"]["associate_fields"] = fields
    with sb.client() as client:
        row = client.update_order(example, validate=False).iloc[0]
    assert not row["ok"] and row["error"].startswith("not sent, the body is not JSON") and said in row["error"]
    assert len(sb.requests) == 0


def test_a_batch_through_slow_and_dropped_answers_applies_each_order_at_most_once(fresh_sandbox):
    frame = orders(100)
    sb = fresh_sandbox(orders=frame, faults=kn.Faults(seed=3, rates={"slow": 0.2, "drop": 0.2, "503": 0.1}, slow_seconds=0.6))
    frame["order_info.remarks"] = "after"
    with sb.client(timeout=(3, 0.3)) as client:
        results = client.update_orders(frame, concurrency=4, progress=False)
    time.sleep(1.0)  # the slow answers the client gave up on are still being applied
    log = sb.requests
    applied = log.loc[log["http_status"].eq(200).fillna(False), "order_id"]
    assert applied.is_unique  # no order applied twice: nothing that may have reached the server was sent again
    stored = set(sb.orders.loc[sb.orders["order_info.remarks"].eq("after").fillna(False), "order_info.order_id"].astype(int))
    ok = set(results.loc[results["ok"], "order_id"])
    unknown = results["status"].eq(kn.UNKNOWN).fillna(False)
    assert ok <= stored and stored <= ok | set(results.loc[unknown, "order_id"])
    # every slow or dropped answer is an unknown row (a busy machine may add a timed-out ordinary answer)
    assert unknown.sum() >= log["fault"].isin(["slow", "drop"]).sum() > 0


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (http_answer(503, b"{}", {"Retry-After": "soon"}), "HTTP 503"),
        (http_answer(302, b"", {"Location": "http://[::1"}), "HTTP 302: a redirect; Kapture's API does not redirect"),
        (http_answer(200, b'{"status": "success"}', {"Content-Type": "application/json; charset=idna"}), "Order.result is null"),
        (http_answer(200, json.dumps({"status": "x" * 200_000}).encode()), "status 'xxx"),
    ],
)
def test_odd_answers_are_rows_with_short_errors(example, answer, error):
    with _answering(answer) as server, _client(server.url, retries=1) as client:
        row = client.update_order(example).iloc[0]
    assert not row["ok"] and row["error"].startswith(error) and len(row["error"]) < 1_000
    assert row["status"] is pd.NA or len(row["status"]) < 1_000


def test_no_timeout_means_the_deadline_bounds_the_wait(example):
    with _answering(http_answer(200, b'{"status": "success", "Order": {"result": true}}')) as server:
        with _client(server.url, timeout=None) as client:
            assert client.update_order(example).iloc[0]["ok"]
        with _client(server.url, timeout=(5, None)) as client:
            assert client.update_order(example).iloc[0]["ok"]


def test_a_stall_in_the_middle_of_an_answer_ends_at_the_deadline(example):
    def stall(request, connection):
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        time.sleep(10)

    with HostileServer(stall) as server, _client(server.url, deadline=1.0, timeout=(5, 30)) as client:
        row = client.update_order(example).iloc[0]
    assert row["status"] == "unknown" and row["http_status"] == 200
    assert row["elapsed_ms"] < 5_000  # the read timeout (30 s) was cut to what the deadline left


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a self-signed certificate")
def test_a_certificate_that_fails_verification_is_a_failure_not_an_unknown_outcome(example, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    make = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"]
    subprocess.run([*make, "-keyout", key, "-out", cert], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def tls(request, connection):  # never reached: the client refuses the certificate during the handshake
        connection.sendall(http_answer(200, b"{}"))

    server = HostileServer(tls, host="localhost")
    # the handshake happens on the first read, in the server's handler, which takes a refused one quietly
    server._listener = context.wrap_socket(server._listener, server_side=True, do_handshake_on_connect=False)
    url = server.url.replace("http:", "https:")
    with server, kn.KaptureClient(base_url=url, username="u", password="p", retries=2) as client:
        row = client.update_order(example).iloc[0]
    assert not row["ok"] and row["status"] is pd.NA and row["attempts"] == 1
    assert row["error"].startswith("TLS error") and server.requests == []
