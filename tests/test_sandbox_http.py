"""The sandbox over HTTP (served by cheroot): reused connections, drops, slow answers, stopping, body caps, auth first, logs."""
from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from kapture_nb.sandbox import Faults, Sandbox, SandboxApp
from kapture_nb.sandbox.app import MAX_DEPTH

ENDPOINT = "/ms/customer/order/api/v1/add-update"
AUTH = ("demo", "demo")
GOOD_AUTH = "Basic ZGVtbzpkZW1v"
BAD_AUTH = "Basic ZGVtbzp3cm9uZw=="  # demo:wrong
GUARD = 10  # seconds a socket read may wait before the test fails instead of hanging


def _raw(port: int, head: str, body: bytes = b"") -> socket.socket:
    """A connection that has sent ``head`` (request line and fields, without the blank line) and ``body``."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=GUARD)
    sock.sendall(f"{head}\r\nHost: localhost\r\n\r\n".encode("latin-1") + body)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset counts as closing)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One response off a connection: status, header fields (lower-case names), body (by Content-Length)."""
    rfile = sock.makefile("rb")
    status = int(rfile.readline().split()[1])
    headers: dict[str, str] = {}
    while (line := rfile.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, rfile.read(int(headers.get("content-length", 0)))


def _wait_for(condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` holds within GUARD seconds (polled)."""
    deadline = time.monotonic() + GUARD
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def _nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


@pytest.fixture
def client_ports(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The client's port of each request the sandbox app answers: one port per connection."""
    ports: list[str] = []
    answer = SandboxApp.__call__

    def noting(self: SandboxApp, environ: dict[str, Any], start_response: Any) -> Any:
        ports.append(environ["REMOTE_PORT"])
        return answer(self, environ, start_response)

    monkeypatch.setattr(SandboxApp, "__call__", noting)
    return ports


# -- connections are reused ------------------------------------------------------------------------
def test_a_session_reuses_one_connection(example, client_ports):
    with Sandbox() as sb, requests.Session() as session:
        for _ in range(5):
            assert session.post(sb.url + ENDPOINT, json=example, auth=AUTH, timeout=GUARD).status_code == 200
    assert len(client_ports) == 5 and len(set(client_ports)) == 1


@pytest.mark.parametrize("concurrency", [4, 8])
def test_a_client_batch_uses_at_most_one_connection_per_worker(example, client_ports, concurrency):
    with Sandbox() as sb, sb.client() as client:
        results = client.update_orders([example] * 48, concurrency=concurrency, progress=False)
        assert results["ok"].all() and len(sb.requests) == 48
    assert len(client_ports) == 48 and 1 <= len(set(client_ports)) <= concurrency


def _eight_at_once(sb: Sandbox, body: dict[str, Any]) -> tuple[list[datetime], list[datetime]]:
    """Eight posts released together: when each arrived at the app, and when its answer left."""
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def post() -> None:
        barrier.wait()
        statuses.append(requests.post(sb.url + ENDPOINT, json=body, auth=AUTH, timeout=GUARD).status_code)

    posting = [threading.Thread(target=post) for _ in range(8)]
    for thread in posting:
        thread.start()
    for thread in posting:
        thread.join()
    assert statuses == [200] * 8
    log = sb.requests
    arrived = [datetime.fromisoformat(stamp) for stamp in log["time"]]
    return arrived, [start + timedelta(milliseconds=ms) for start, ms in zip(arrived, log["elapsed_ms"], strict=True)]


def test_eight_requests_at_once_are_served_at_once(example):
    # Held 0.5 s each: had any waited for a free thread, it would arrive after the first answers left.
    with Sandbox(latency=0.5) as sb:
        arrived, answered = _eight_at_once(sb, example)
    assert max(arrived) < min(answered)


def test_with_fewer_threads_the_rest_wait_for_one(example):
    with Sandbox(latency=0.3, threads=4) as sb:
        arrived, answered = _eight_at_once(sb, example)
    # the log's times are cut to whole milliseconds: a request let in as the first answer leaves may read up to 1 ms early
    assert max(arrived) + timedelta(milliseconds=1) >= min(answered)


# -- drop ---------------------------------------------------------------------------------------------
def test_drop_closes_a_kept_alive_connection_without_a_response_and_the_next_request_works(example):
    with Sandbox(faults=Faults(schedule=[None, "drop", None])) as sb, requests.Session() as session:
        url = sb.url + ENDPOINT
        assert session.post(url, json=example, auth=AUTH, timeout=GUARD).status_code == 200
        with pytest.raises(requests.exceptions.ConnectionError):
            session.post(url, json=example, auth=AUTH, timeout=GUARD)
        assert session.post(url, json=example, auth=AUTH, timeout=GUARD).status_code == 200
        log = sb.requests
    assert log["fault"].tolist() == [None, "drop", None]
    assert log["http_status"].isna().tolist() == [False, True, False]
    assert log["elapsed_ms"].notna().all()  # the dropped request's entry is complete too


def test_drop_sends_not_a_single_byte(example):
    body = json.dumps(example).encode()
    with Sandbox(faults=Faults(schedule=["drop"])) as sb:
        sock = _raw(sb.port, f"POST {ENDPOINT} HTTP/1.1\r\nAuthorization: {GOOD_AUTH}\r\nContent-Length: {len(body)}", body)
        with sock:
            assert _read_all(sock) == b""


def test_drop_comes_after_the_latency(example):
    with Sandbox(faults=Faults(schedule=["drop"]), latency=0.3) as sb:
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.post(sb.url + ENDPOINT, json=example, auth=AUTH, timeout=GUARD)
        assert sb.requests["elapsed_ms"].iloc[0] >= 300


# -- slow answers and stopping ------------------------------------------------------------------------
def test_stop_drops_a_request_still_waiting_for_its_answer(example):
    sb = Sandbox(faults=Faults(schedule=["slow"], slow_seconds=60)).start()
    outcome: list[BaseException | int] = []

    def slow_post() -> None:
        try:
            outcome.append(requests.post(sb.url + ENDPOINT, json=example, auth=AUTH, timeout=120).status_code)
        except requests.RequestException as exc:
            outcome.append(exc)

    waiting = threading.Thread(target=slow_post)
    waiting.start()
    assert _wait_for(lambda: len(sb.requests) == 1)
    sb.stop()  # had it waited for the slow answer, the client would get its 200 a minute later
    waiting.join()
    assert len(outcome) == 1 and isinstance(outcome[0], requests.exceptions.ConnectionError)
    log = sb.requests
    assert log["fault"].tolist() == ["slow"] and log["http_status"].isna().all()


def test_stop_closes_idle_kept_alive_connections_and_ends_its_threads():
    before = set(threading.enumerate())
    sb = Sandbox().start()
    idle = _raw(sb.port, "GET /nowhere HTTP/1.1")
    with idle:
        assert _read_response(idle)[0] == 404  # answered, now idle and kept alive
        sb.stop()
        assert _read_all(idle) == b""
    assert _wait_for(lambda: set(threading.enumerate()) <= before)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(sb.url + "/nowhere", timeout=GUARD)


def test_a_stopped_sandbox_serves_again_after_start(example):
    sb = Sandbox(latency=0.01)
    for _ in range(2):
        with sb:
            assert requests.post(sb.url + ENDPOINT, json=example, auth=AUTH, timeout=GUARD).status_code == 200
    assert len(sb.requests) == 2


# -- body caps --------------------------------------------------------------------------------------
def test_a_content_length_over_the_limit_is_a_413_and_changes_nothing(example):
    example["order_info"]["remarks"] = "x" * 2000
    with Sandbox(max_body_bytes=1000) as sb:
        before = sb.orders
        response = requests.post(sb.url + ENDPOINT, json=example, auth=AUTH, timeout=GUARD)
        assert response.status_code == 413 and response.headers["Connection"] == "close"
        assert response.json() == {"status": "failed", "message": "Request body is larger than 1000 bytes, the sandbox's limit"}
        assert sb.orders.equals(before) and sb.requests["http_status"].tolist() == [413]


def test_a_chunked_body_over_the_limit_is_a_413(example):
    def pieces() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * 500  # JSON whitespace: only its length is wrong

    with Sandbox(max_body_bytes=1000) as sb:
        response = requests.post(sb.url + ENDPOINT, data=pieces(), auth=AUTH, timeout=GUARD)
        assert response.status_code == 413 and response.headers["Connection"] == "close"
        assert "larger than 1000 bytes" in response.json()["message"]


def test_a_body_of_exactly_the_limit_is_accepted_chunked_or_not(example, client_ports):
    body = json.dumps(example).encode()
    with Sandbox(max_body_bytes=len(body)) as sb, requests.Session() as session:
        assert session.post(sb.url + ENDPOINT, data=body, auth=AUTH, timeout=GUARD).status_code == 200
        assert session.post(sb.url + ENDPOINT, data=iter([body[:100], body[100:]]), auth=AUTH, timeout=GUARD).status_code == 200
        assert session.post(sb.url + ENDPOINT, data=body, auth=AUTH, timeout=GUARD).status_code == 200
    assert len(set(client_ports)) == 1  # a chunked body read to its end keeps the connection


def test_a_huge_content_length_is_refused_unread_and_the_connection_closed():
    with Sandbox() as sb:
        sock = _raw(sb.port, f"POST {ENDPOINT} HTTP/1.1\r\nAuthorization: {GOOD_AUTH}\r\nContent-Length: {2**40}")
        with sock:
            status, headers, _ = _read_response(sock)  # at once: not a byte of the body was sent
            assert status == 413 and headers["connection"] == "close"
            assert _read_all(sock) == b""


# -- bodies that cannot be parsed are 400s -----------------------------------------------------------
@pytest.mark.parametrize(
    "data, words",
    [
        (b"{not json", "not JSON"),
        (b"", "empty"),
        ("{}".encode("utf-16"), "not UTF-8"),
        (b'{"a": NaN}', "NaN"),
        (b"1" * 5000, "not JSON"),  # more digits than int() takes
        (_nested(1000), f"deeper than {MAX_DEPTH} levels"),  # json.loads would raise RecursionError
        (_nested(500), f"deeper than {MAX_DEPTH} levels"),  # parses, but would be deep for the validator
        (b'{"a": ' + b"[" * 70 + b'"' + b"]" * 70 + b"}", f"deeper than {MAX_DEPTH} levels"),  # unclosed string
    ],
)
def test_a_body_that_cannot_be_parsed_is_a_400_and_nothing_reaches_stderr(capfd, data, words):
    with Sandbox() as sb:
        response = requests.post(sb.url + ENDPOINT, data=data, auth=AUTH, timeout=GUARD)
    assert response.status_code == 400
    assert response.json()["status"] == "failed" and words in response.json()["message"]
    assert capfd.readouterr() == ("", "")


def test_brackets_inside_strings_do_not_count_as_nesting(example):
    example["order_info"]["remarks"] = "[" * 200 + "{" * 200
    with Sandbox() as sb:
        assert requests.post(sb.url + ENDPOINT, json=example, auth=AUTH, timeout=GUARD).status_code == 200


@pytest.mark.parametrize("where", ["order_info.associate_fields.deep", "order_info.remarks"])
def test_a_body_nested_to_the_limit_is_validated_not_crashed_on(capfd, example, where):
    *parents, key = where.split(".")
    node = example
    for name in parents:
        node = node[name]
    node[key] = json.loads(_nested(MAX_DEPTH - len(where.split("."))))
    with Sandbox() as sb:
        response = requests.post(sb.url + ENDPOINT, json=example, auth=AUTH, timeout=GUARD)
    assert response.status_code in (200, 400) and "deeper than" not in response.json()["message"]
    assert capfd.readouterr() == ("", "")


def test_broken_chunked_framing_is_a_400_and_closes_the_connection():
    with Sandbox() as sb:
        head = f"POST {ENDPOINT} HTTP/1.1\r\nAuthorization: {GOOD_AUTH}\r\nTransfer-Encoding: chunked"
        sock = _raw(sb.port, head, b"zz\r\nabc\r\n")
        with sock:
            status, headers, body = _read_response(sock)
            assert status == 400 and headers["connection"] == "close"
            assert "could not be read" in json.loads(body)["message"]
            assert _read_all(sock) == b""


# -- credentials come first -----------------------------------------------------------------------------
@pytest.mark.parametrize("data", [b"{not json", "{}".encode("utf-16"), _nested(1000), b" " * 5000])
def test_bad_credentials_are_a_401_whatever_the_body(data):
    with Sandbox(max_body_bytes=1000) as sb:
        response = requests.post(sb.url + ENDPOINT, data=data, auth=("demo", "wrong"), timeout=GUARD)
        assert response.status_code == 401 and response.json()["message"] == "Invalid Auth Key"
        assert sb.requests["order_id"].isna().all()


def test_bad_credentials_are_answered_without_reading_the_body():
    with Sandbox() as sb:
        # The body is announced but never sent: a sandbox that read it would still be waiting.
        sock = _raw(sb.port, f"POST {ENDPOINT} HTTP/1.1\r\nAuthorization: {BAD_AUTH}\r\nContent-Length: 1000000")
        with sock:
            status, headers, body = _read_response(sock)
            assert status == 401 and json.loads(body)["message"] == "Invalid Auth Key"
            assert headers["connection"] == "close"  # the unread body is not drained: the connection ends


def test_a_short_unread_body_is_read_off_and_the_connection_kept(example, client_ports):
    with Sandbox() as sb, requests.Session() as session:
        assert session.post(sb.url + ENDPOINT, json=example, auth=("demo", "wrong"), timeout=GUARD).status_code == 401
        assert session.post(sb.url + "/nowhere", json=example, timeout=GUARD).status_code == 404
        assert session.post(sb.url + ENDPOINT, json=example, auth=AUTH, timeout=GUARD).status_code == 200
    assert len(client_ports) == 3 and len(set(client_ports)) == 1


# -- logging, never stderr ---------------------------------------------------------------------------------
def test_the_servers_error_log_goes_to_logging_not_stderr(caplog, capfd, monkeypatch):
    def broken(self: SandboxApp, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("boom")

    with Sandbox() as sb:
        monkeypatch.setattr(SandboxApp, "__call__", broken)
        with caplog.at_level(logging.DEBUG, logger="kapture_nb.sandbox"):
            response = requests.get(sb.url + "/anything", timeout=GUARD)
    assert response.status_code == 500
    records = [record for record in caplog.records if record.name == "kapture_nb.sandbox.server" and record.exc_info]
    assert records and "boom" in str(records[0].exc_info[1])
    assert capfd.readouterr() == ("", "")


def test_clients_that_hang_up_and_drops_are_handled_quietly(caplog, capfd, example):
    body = json.dumps(example).encode()
    with caplog.at_level(logging.DEBUG):
        with Sandbox() as sb:
            cut = _raw(sb.port, f"POST {ENDPOINT} HTTP/1.1\r\nAuthorization: {GOOD_AUTH}\r\nContent-Length: 5000", b'{"order')
            cut.close()  # gone mid-body
            rude = _raw(sb.port, f"POST {ENDPOINT} HTTP/1.1\r\nAuthorization: {GOOD_AUTH}\r\nContent-Length: {len(body)}", body)
            rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            rude.close()  # a reset while the answer is worked out
            assert requests.post(sb.url + ENDPOINT, json=example, auth=AUTH, timeout=GUARD).status_code == 200
        with Sandbox(faults=Faults(schedule=["drop"])) as sb, pytest.raises(requests.exceptions.ConnectionError):
            requests.post(sb.url + ENDPOINT, json=example, auth=AUTH, timeout=GUARD)
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert capfd.readouterr() == ("", "")


def test_nothing_reaches_stderr_in_a_program_that_configures_no_logging():
    # pytest configures logging itself; a plain program does not, and Python would then print warnings to stderr.
    code = """if True:
        import requests
        from kapture_nb.sandbox import Faults, Sandbox, SandboxApp
        def broken(self, environ, start_response):
            raise RuntimeError("boom")
        with Sandbox(faults=Faults(schedule=["drop"])) as sb:
            try:
                requests.post(sb.url + "/ms/customer/order/api/v1/add-update", data=b"{}", timeout=10)
            except requests.ConnectionError:
                pass
            SandboxApp.__call__ = broken
            print(requests.get(sb.url, timeout=10).status_code)
    """
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "500\n", "")
