"""The sandbox's HTTP/1.1 server: keep-alive, framing, the WSGI environ, errors, drops and a prompt stop."""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server as werkzeug_server

import kapture_nb as kn
from kapture_nb.sandbox import Faults, Sandbox, SandboxApp
from kapture_nb.sandbox.http import SOCKET_KEY, ConnectionHandle, WSGIServer

ENDPOINT = "/ms/customer/order/api/v1/add-update"
EXAMPLE = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "examples" / "documented_example.json").read_text())
AUTH = ("demo", "demo")


def echo(environ: dict, start_response: Callable) -> list[bytes]:
    """Answers with what it was given: the CGI variables, the wsgi.* flags and the body it read."""
    body = environ["wsgi.input"].read()
    seen = {key: value for key, value in environ.items() if isinstance(value, str)}
    seen.update(
        body=body.decode("latin-1"),
        multithread=environ["wsgi.multithread"],
        multiprocess=environ["wsgi.multiprocess"],
        run_once=environ["wsgi.run_once"],
        version=list(environ["wsgi.version"]),
        has_socket=isinstance(environ.get(SOCKET_KEY), ConnectionHandle),
    )
    environ["wsgi.errors"].write("")  # a text stream, as PEP 3333 asks
    payload = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


@pytest.fixture
def serve() -> Iterator[Callable[[Callable], WSGIServer]]:
    """Serve a WSGI app with WSGIServer on a free port, in a background thread; stopped after the test."""
    started: list[tuple[WSGIServer, threading.Thread]] = []

    def start(app: Callable) -> WSGIServer:
        server = WSGIServer("127.0.0.1", 0, app)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        started.append((server, thread))
        return server

    yield start
    for server, thread in started:
        server.shutdown()
        thread.join()
        server.close()


def _connect(port: int) -> tuple[socket.socket, object]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    return sock, sock.makefile("rb")


def _read_response(rfile, head: bool = False) -> tuple[int, dict[str, str], bytes]:
    """One response off a connection: status, headers (lower-case names), body (by Content-Length; none for HEAD)."""
    status_line = rfile.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection without a response")
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while (line := rfile.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = 0 if head else int(headers.get("content-length", 0))
    return status, headers, rfile.read(length)


def _request(method: str, path: str, body: bytes = b"", version: str = "HTTP/1.1", **headers: str) -> bytes:
    fields = {"Host": "localhost", **({"Content-Length": str(len(body))} if body else {}), **headers}
    head = f"{method} {path} {version}\r\n" + "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in fields.items())
    return head.encode("latin-1") + b"\r\n" + body


def _closed(sock: socket.socket, rfile) -> bool:
    """Whether the server has closed this connection (end of file or a reset within 2 s)."""
    sock.settimeout(2)
    try:
        return rfile.read(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


# -- keep-alive ---------------------------------------------------------------------------------
def test_a_session_reuses_one_connection(serve):
    server = serve(echo)
    with requests.Session() as session:
        ports = {session.get(f"http://127.0.0.1:{server.server_port}/ping", timeout=5).json()["REMOTE_PORT"] for _ in range(5)}
    assert len(ports) == 1


def test_the_sandbox_answers_many_requests_on_one_socket():
    with Sandbox() as sb:
        sock, rfile = _connect(sb.port)
        with sock:
            body = json.dumps(EXAMPLE).encode()
            auth = "Basic ZGVtbzpkZW1v"
            for _ in range(3):
                sock.sendall(_request("POST", ENDPOINT, body, Authorization=auth, Content_Type="application/json"))
                status, headers, payload = _read_response(rfile)
                assert status == 200 and json.loads(payload)["status"] == "success"
                assert "connection" not in headers  # HTTP/1.1 stays open without saying so
        assert len(sb.requests) == 3


def test_a_kapture_client_batch_uses_one_connection_per_worker():
    with Sandbox() as sb, sb.client() as client:
        results = client.update_orders([EXAMPLE] * 40, concurrency=4, progress=False)
        assert results["ok"].all()
        assert 1 <= sb._server.accepted <= 4
        assert sb._server.connection_count <= 4


def test_connection_close_is_honoured(serve):
    server = serve(echo)
    sock, rfile = _connect(server.server_port)
    with sock:
        sock.sendall(_request("GET", "/", Connection="close"))
        status, headers, _ = _read_response(rfile)
        assert status == 200 and headers["connection"] == "close"
        assert _closed(sock, rfile)


def test_http_1_0_closes_unless_it_asks_for_keep_alive(serve):
    server = serve(echo)
    sock, rfile = _connect(server.server_port)
    with sock:
        sock.sendall(_request("GET", "/", version="HTTP/1.0"))
        status, headers, payload = _read_response(rfile)
        assert status == 200 and json.loads(payload)["SERVER_PROTOCOL"] == "HTTP/1.0"
        assert headers["connection"] == "close" and _closed(sock, rfile)
    sock, rfile = _connect(server.server_port)
    with sock:
        for _ in range(2):
            sock.sendall(_request("GET", "/", version="HTTP/1.0", Connection="keep-alive"))
            status, headers, _ = _read_response(rfile)
            assert status == 200 and headers["connection"] == "keep-alive"


# -- request framing ----------------------------------------------------------------------------
def test_the_body_is_read_exactly_so_pipelined_requests_stay_apart(serve):
    server = serve(echo)
    sock, rfile = _connect(server.server_port)
    with sock:
        sock.sendall(_request("POST", "/one", b"abc") + _request("POST", "/two", b"defgh") + _request("GET", "/three"))
        bodies = [(json.loads(_read_response(rfile)[2])) for _ in range(3)]
    assert [(seen["PATH_INFO"], seen["body"], seen.get("CONTENT_LENGTH")) for seen in bodies] == [
        ("/one", "abc", "3"),
        ("/two", "defgh", "5"),
        ("/three", "", None),
    ]


def test_a_body_the_app_leaves_unread_does_not_spill_into_the_next_request(serve):
    def ignores_body(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["PATH_INFO"].encode()]

    server = serve(ignores_body)
    sock, rfile = _connect(server.server_port)
    with sock:
        sock.sendall(_request("POST", "/first", b"GET /smuggled HTTP/1.1\r\n\r\n") + _request("GET", "/second"))
        assert _read_response(rfile)[2] == b"/first"
        assert _read_response(rfile)[2] == b"/second"


def test_a_chunked_request_body_is_decoded(serve):
    server = serve(echo)
    sock, rfile = _connect(server.server_port)
    with sock:
        chunked = b"4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n"
        sock.sendall(_request("POST", "/c", Transfer_Encoding="chunked") + chunked + _request("GET", "/after"))
        seen = json.loads(_read_response(rfile)[2])
        assert seen["body"] == "Wikipedia in \r\n\r\nchunks." and seen["CONTENT_LENGTH"] == str(len(seen["body"]))
        assert json.loads(_read_response(rfile)[2])["PATH_INFO"] == "/after"  # still in step


@pytest.mark.parametrize(
    "request_bytes, status",
    [
        (_request("POST", "/", Transfer_Encoding="gzip"), 501),
        (_request("POST", "/", Content_Length="12abc"), 400),
        (_request("POST", "/", Transfer_Encoding="chunked") + b"zz\r\n", 400),
        (b"GET /\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", 400),
    ],
)
def test_bad_framing_is_answered_clearly_and_the_connection_closed(serve, request_bytes, status):
    server = serve(echo)
    sock, rfile = _connect(server.server_port)
    with sock:
        sock.sendall(request_bytes)
        got, headers, _ = _read_response(rfile)
        assert got == status and headers["connection"] == "close"
        assert _closed(sock, rfile)


def test_expect_100_continue_gets_an_interim_answer(serve):
    server = serve(echo)
    sock, rfile = _connect(server.server_port)
    with sock:
        sock.sendall(_request("POST", "/", Content_Length="2", Expect="100-continue"))
        assert rfile.readline() == b"HTTP/1.1 100 Continue\r\n" and rfile.readline() == b"\r\n"
        sock.sendall(b"hi")
        assert json.loads(_read_response(rfile)[2])["body"] == "hi"


# -- the WSGI environ and the answer --------------------------------------------------------------
def test_the_environ_follows_pep_3333(serve):
    server = serve(echo)
    response = requests.post(
        f"http://127.0.0.1:{server.server_port}/a%20b/c%2Fd?x=1&y=%20",
        data=b'{"k": 1}',
        headers={"Content-Type": "application/json", "X-Custom": "yes", "X_Sneaky": "no"},
        timeout=5,
    )
    seen = response.json()
    assert seen["REQUEST_METHOD"] == "POST"
    assert seen["SCRIPT_NAME"] == "" and seen["PATH_INFO"] == "/a b/c/d"
    assert seen["QUERY_STRING"] == "x=1&y=%20"
    assert seen["CONTENT_TYPE"] == "application/json" and seen["CONTENT_LENGTH"] == "8"
    assert "HTTP_CONTENT_TYPE" not in seen and "HTTP_CONTENT_LENGTH" not in seen
    assert seen["HTTP_X_CUSTOM"] == "yes" and "HTTP_X_SNEAKY" not in seen
    assert seen["HTTP_HOST"] == f"127.0.0.1:{server.server_port}"
    assert seen["SERVER_NAME"] == "127.0.0.1" and seen["SERVER_PORT"] == str(server.server_port)
    assert seen["SERVER_PROTOCOL"] == "HTTP/1.1" and seen["REMOTE_ADDR"] == "127.0.0.1"
    assert seen["wsgi.url_scheme"] == "http" and seen["version"] == [1, 0]
    assert seen["multithread"] is True and seen["multiprocess"] is False and seen["run_once"] is False
    assert seen["has_socket"] and seen["body"] == '{"k": 1}'


def test_repeated_headers_are_joined(serve):
    server = serve(echo)
    sock, rfile = _connect(server.server_port)
    with sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Multi: a\r\nX-Multi: b\r\n\r\n")
        assert json.loads(_read_response(rfile)[2])["HTTP_X_MULTI"] == "a,b"


def test_content_length_is_counted_when_the_app_gives_none(serve):
    def chunks(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"via write, ")
        return iter([b"one, ", b"", b"two"])

    server = serve(chunks)
    sock, rfile = _connect(server.server_port)
    with sock:
        for _ in range(2):  # the connection survives: the length was right
            sock.sendall(_request("GET", "/"))
            status, headers, body = _read_response(rfile)
            assert body == b"via write, one, two" and headers["content-length"] == str(len(body))


def test_head_and_204_send_no_body(serve):
    def app(environ, start_response):
        if environ["PATH_INFO"] == "/empty":
            start_response("204 No Content", [])
            return [b""]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"twelve bytes"]

    server = serve(app)
    sock, rfile = _connect(server.server_port)
    with sock:
        for _ in range(2):
            sock.sendall(_request("HEAD", "/"))
            status, headers, _ = _read_response(rfile, head=True)
            assert status == 200 and headers["content-length"] == "12"
        sock.sendall(_request("GET", "/empty"))
        status, headers, body = _read_response(rfile)
        assert status == 204 and "content-length" not in headers and body == b""
        sock.sendall(_request("GET", "/"))
        assert _read_response(rfile)[2] == b"twelve bytes"  # nothing stray was sent before


def test_404_and_405_come_through_from_the_app_for_any_method():
    with Sandbox() as sb:
        missing = requests.get(sb.url + "/nowhere", timeout=5)
        assert missing.status_code == 404 and missing.json()["status"] == "failed"
        for method in ("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "PURGE"):
            answer = requests.request(method, sb.url + ENDPOINT, timeout=5)
            assert answer.status_code == 405, method
            assert answer.headers["Allow"] == "POST" or "POST" in answer.headers["Allow"]
        assert sb.requests["method"].tolist()[-1] == "PURGE"


def test_an_app_that_raises_gets_a_500_and_a_log_record_not_a_print(serve, caplog, capfd):
    def broken(environ, start_response):
        raise RuntimeError("boom")

    server = serve(broken)
    with caplog.at_level(logging.ERROR, logger="kapture_nb.sandbox.http"):
        response = requests.get(f"http://127.0.0.1:{server.server_port}/", timeout=5)
    assert response.status_code == 500 and response.headers["Connection"] == "close"
    assert any("boom" in (record.exc_text or "") or record.exc_info for record in caplog.records)
    assert capfd.readouterr() == ("", "")


# -- drops, disconnects, quiet logs, stopping --------------------------------------------------------
def test_drop_closes_the_connection_without_a_response_on_a_kept_alive_session():
    with Sandbox(faults=Faults(schedule=[None, "drop", None])) as sb, requests.Session() as session:
        url = sb.url + ENDPOINT
        assert session.post(url, json=EXAMPLE, auth=AUTH, timeout=5).status_code == 200
        with pytest.raises(requests.exceptions.ConnectionError):
            session.post(url, json=EXAMPLE, auth=AUTH, timeout=5)
        assert session.post(url, json=EXAMPLE, auth=AUTH, timeout=5).status_code == 200
        assert sb.requests["fault"].tolist() == [None, "drop", None]


def test_drop_sends_not_a_single_byte():
    with Sandbox(faults=Faults(schedule=["drop"])) as sb:
        sock, rfile = _connect(sb.port)
        with sock:
            sock.sendall(_request("POST", ENDPOINT, json.dumps(EXAMPLE).encode(), Authorization="Basic ZGVtbzpkZW1v"))
            try:
                assert rfile.read() == b""
            except ConnectionResetError:
                pass  # a reset is a drop too


def test_drop_still_works_under_werkzeugs_own_server():
    app = SandboxApp(faults=Faults(schedule=["drop", None]))
    server = werkzeug_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.port}{ENDPOINT}"
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.post(url, json=EXAMPLE, auth=AUTH, timeout=5)
        assert requests.post(url, json=EXAMPLE, auth=AUTH, timeout=5).status_code == 200
    finally:
        server.shutdown()
        thread.join()
    assert app.requests_frame()["fault"].tolist() == ["drop", None]


def test_a_client_that_hangs_up_mid_body_is_handled_quietly(caplog, capfd):
    with caplog.at_level(logging.DEBUG), Sandbox() as sb:
        sock, _ = _connect(sb.port)
        sock.sendall(_request("POST", ENDPOINT, Content_Length="5000", Authorization="Basic ZGVtbzpkZW1v") + b'{"order')
        sock.close()
        with socket.create_connection(("127.0.0.1", sb.port)) as rude:  # hangs up with a reset while waiting
            rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            rude.sendall(_request("POST", ENDPOINT, json.dumps(EXAMPLE).encode(), Authorization="Basic ZGVtbzpkZW1v"))
        deadline = time.monotonic() + 2
        while len(sb.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert requests.post(sb.url + ENDPOINT, json=EXAMPLE, auth=AUTH, timeout=5).status_code == 200
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert capfd.readouterr() == ("", "")


def test_requests_log_only_at_debug_and_print_nothing(caplog, capfd):
    with caplog.at_level(logging.DEBUG), Sandbox() as sb, requests.Session() as session:
        session.post(sb.url + ENDPOINT, json=EXAMPLE, auth=AUTH, timeout=5)
        session.get(sb.url + "/nowhere", timeout=5)
    per_request = [record for record in caplog.records if record.name == "kapture_nb.sandbox.http"]
    assert per_request and all(record.levelno == logging.DEBUG for record in per_request)
    assert not [record for record in caplog.records if record.name == "werkzeug"]
    assert capfd.readouterr() == ("", "")


def test_stop_closes_idle_kept_alive_connections_promptly():
    sb = Sandbox().start()
    port = sb.port
    session = requests.Session()
    assert session.post(sb.url + ENDPOINT, json=EXAMPLE, auth=AUTH, timeout=5).status_code == 200
    idle, rfile = _connect(port)
    idle.sendall(_request("GET", "/nowhere"))
    assert _read_response(rfile)[0] == 404  # accepted, answered, now idle and kept alive
    started = time.perf_counter()
    sb.stop()
    assert time.perf_counter() - started < 1.0
    with idle:
        assert _closed(idle, rfile)
    assert not [t for t in threading.enumerate() if t.name.startswith(f"kapture-sandbox:{port}")]
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(sb.url + ENDPOINT, json=EXAMPLE, auth=AUTH, timeout=5)
    session.close()


def test_stop_does_not_wait_for_a_slow_request():
    sb = Sandbox(faults=Faults(schedule=["slow"], slow_seconds=5)).start()
    errors: list[BaseException] = []

    def slow_post() -> None:
        try:
            requests.post(sb.url + ENDPOINT, json=EXAMPLE, auth=AUTH, timeout=10)
        except requests.RequestException as exc:
            errors.append(exc)

    waiting = threading.Thread(target=slow_post)
    waiting.start()
    while len(sb.requests) < 1:
        time.sleep(0.01)
    started = time.perf_counter()
    sb.stop()
    assert time.perf_counter() - started < 1.5
    waiting.join(timeout=5)
    assert errors and isinstance(errors[0], requests.exceptions.ConnectionError)


def test_a_taken_port_is_a_clear_error():
    with Sandbox() as running:
        with pytest.raises(kn.KaptureError, match=f"cannot listen on 127.0.0.1:{running.port}"):
            Sandbox(port=running.port).start()


def test_an_idle_connection_is_closed_after_the_idle_timeout():
    server = WSGIServer("127.0.0.1", 0, echo, idle_timeout=0.2)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        sock, rfile = _connect(server.server_port)
        with sock:
            sock.sendall(_request("GET", "/"))
            assert _read_response(rfile)[0] == 200
            started = time.perf_counter()
            assert _closed(sock, rfile) and time.perf_counter() - started < 1.5
    finally:
        server.shutdown()
        thread.join()
        server.close()


def test_an_app_that_sends_less_than_its_content_length_gets_its_connection_closed(serve):
    def short(environ, start_response):
        start_response("200 OK", [("Content-Length", "10")])
        return [b"12345"]

    server = serve(short)
    sock, rfile = _connect(server.server_port)
    with sock:
        sock.sendall(_request("GET", "/"))
        assert rfile.readline().startswith(b"HTTP/1.1 200")
        sock.settimeout(2)
        assert rfile.read().endswith(b"12345")  # then end of file: the client is not left waiting


def test_a_connection_accepted_while_closing_is_shut_at_once():
    server = WSGIServer("127.0.0.1", 0, echo)
    server.close()
    ours, theirs = socket.socketpair()
    with theirs:
        server.process_request(ours, ("127.0.0.1", 1))  # must neither deadlock nor start a thread
        theirs.settimeout(2)
        assert theirs.recv(1) == b""
    assert server.connection_count == 0 and server.accepted == 0
