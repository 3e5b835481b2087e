"""The password and token never appear in reprs, logs, warnings, request logs, exceptions, curl, result frames,
the command line's messages, or tracebacks formatted with every frame's locals (%xmode Verbose, pytest -l)."""
import _thread
import base64
import copy
import logging
import re
import socket
import threading
import time
import traceback
import warnings

import pytest
import requests

import kapture_nb as kn
from helpers import HostileServer
from kapture_nb.auth import BasicCredentials
from kapture_nb.cli import main
from kapture_nb.settings import resolve_base_url, settings_from_env

PASSWORD = "Zq9-UNIQUE-pa55word-7xK"
TOKEN = "T0KEN-UNIQUE-4a7c"
USERS = ("analyst", "u1", "demo")
# The header carries base64("user:password"): that is a secret too.
SECRETS = (PASSWORD, TOKEN, *(base64.b64encode(f"{user}:{PASSWORD}".encode()).decode().rstrip("=") for user in USERS))
VARIABLES = ("KAPTURE_SUBDOMAIN", "KAPTURE_BASE_URL", "KAPTURE_USERNAME", "KAPTURE_PASSWORD", "KAPTURE_TOKEN")

BAD_URLS = [
    f"ftp://u1:{PASSWORD}@host",
    f"u1:{PASSWORD}@acme.kapturecrm.com",  # no scheme: urlsplit puts the password in the path
    f"https://u1:{PASSWORD}@",  # no host
    f"https://u1:{PASSWORD}@acme.kapturecrm.com",
    f"http://u1:{PASSWORD}@devapi.kapturecrm.com",
    f"https://u1:{PASSWORD}@[::1",  # urlsplit cannot read it
    f"https://u1:{PASSWORD}@acme.kapturecrm.com:99999",
    f"https://u1:{PASSWORD}@exa mple.com",
    f"https://u1:{PASSWORD}",  # the '@host' forgotten: the password reads as a port
    f"u1:{PASSWORD}",
    f"https://acme.kapturecrm.com?token={PASSWORD}",
    f"https://acme.kapturecrm.com/#{PASSWORD}",
    f"https://acme.kapturecrm.com/\n{PASSWORD}",
]
BAD_SUBDOMAINS = [f"u1:{PASSWORD}@acme", f"u1:{PASSWORD}", f"u1:{PASSWORD}@acme.kapturecrm.com"]
BAD_CREDENTIALS = [
    {"username": "u1", "password": PASSWORD + "\n"},
    {"username": "u1", "password": PASSWORD + "\r\nX-Injected: 1"},
    {"username": "u1", "password": "\x00" + PASSWORD},
    {"username": "u1", "password": PASSWORD + "\x7f"},
    {"username": "u1", "password": PASSWORD + "\ud800"},
    {"username": "u1", "password": PASSWORD.encode()},
    {"username": f"u1:{PASSWORD}", "password": PASSWORD},
    {"token": TOKEN + "\r\nX-Injected: 1"},
    {"token": TOKEN + "\x00"},
    {"token": TOKEN + "é"},
    {"token": TOKEN + " x"},
    {"token": TOKEN.encode()},
    {"username": "u1", "password": PASSWORD, "token": TOKEN},
]
ENV_CREDENTIALS = [  # what an environment variable can hold (no NUL, no lone surrogate)
    {"username": "u1", "password": PASSWORD + "\n"},
    {"username": "u1", "password": PASSWORD + "\r\nX-Injected: 1"},
    {"username": "u1", "password": "\x01" + PASSWORD},
    {"token": TOKEN + "\r\nX-Injected: 1"},
    {"token": TOKEN + "é"},
    {"token": TOKEN + " x"},
    {"username": "u1", "password": PASSWORD, "token": TOKEN},
]


def assert_no_secret(text):
    for secret in SECRETS:
        assert secret not in text


def locals_traceback(exc):
    """``exc``'s traceback with every frame's locals, as %xmode Verbose and pytest -l show it, chained exceptions
    included; the frames of this file, which hold the test's own inputs, are left out."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.TracebackException(type(exc), exc, tb, capture_locals=True).format())


def shown_when_refused(call, *args, **kwargs):
    """Everything a ConfigurationError raised by ``call`` shows: message, repr, args, traceback with locals."""
    with pytest.raises(kn.ConfigurationError) as caught:
        call(*args, **kwargs)
    text = locals_traceback(caught.value)
    assert re.search(r"^ {4}\w+ = ", text, re.MULTILINE), "no locals were captured: the test would prove nothing"
    return "\n".join([str(caught.value), repr(caught.value), repr(caught.value.args), text])


@pytest.fixture
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caplog
    assert_no_secret("\n".join(str(warning.message) for warning in caught))
    assert_no_secret("\n".join(record.getMessage() for record in caplog.records))


@pytest.fixture
def no_kapture_env(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_no_output_shows_the_password_or_token(fresh_sandbox, example, everything_logged):
    seen = []
    good = copy.deepcopy(example)
    sb = fresh_sandbox(username="analyst", password=PASSWORD, faults=kn.Faults(schedule=["503", "drop", "html"]))
    with sb.client() as client:
        seen += [repr(sb), sb._repr_html_(), repr(client), client._repr_html_(), client.to_curl(example)]
        seen.append(client.update_order(example).to_string())  # 503, then dropped, then 502 html
        seen.append(client.update_order(example).to_string())  # success
        example["order_info"]["order_id"] = "x"
        seen.append(client.update_order(example).to_string())  # invalid, not sent
    with kn.KaptureClient(base_url=sb.url, username="analyst", password=PASSWORD + "-wrong") as wrong:
        seen.append(wrong.update_order(good).to_string())
    with pytest.raises(kn.KaptureError) as caught:
        kn.KaptureClient(base_url=sb.url, username="ana:lyst", password=PASSWORD)
    seen.append(str(caught.value))
    token_box = fresh_sandbox(token=TOKEN)
    with token_box.client() as client:
        seen += [repr(token_box), repr(client), client.to_curl(good), client.update_order(good).to_string()]
    seen += [sb.requests.to_string(), token_box.requests.to_string(), sb.orders.to_string()]
    seen += [record.getMessage() for record in everything_logged.records]
    text = "\n".join(seen)
    assert "analyst" in text and "503" in text  # the outputs were really collected
    for secret in (PASSWORD, TOKEN):
        assert secret not in text
    assert client.to_curl(good, reveal=True).count(TOKEN) == 1  # only when asked


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_base_url_with_a_secret_is_refused_without_showing_it(url, everything_logged):
    assert_no_secret(shown_when_refused(resolve_base_url, None, url))


@pytest.mark.parametrize("subdomain", BAD_SUBDOMAINS)
def test_a_subdomain_with_a_secret_is_refused_without_showing_it(subdomain, everything_logged):
    assert_no_secret(shown_when_refused(resolve_base_url, subdomain, None))


@pytest.mark.parametrize("credentials", BAD_CREDENTIALS, ids=repr)
def test_credentials_a_header_cannot_carry_are_refused_without_showing_them(credentials, everything_logged):
    assert_no_secret(shown_when_refused(BasicCredentials, **credentials))


@pytest.mark.parametrize("url", BAD_URLS[:7])
def test_settings_from_the_environment_refused_show_no_secret(url, no_kapture_env, everything_logged):
    no_kapture_env.setenv("KAPTURE_BASE_URL", url)
    no_kapture_env.setenv("KAPTURE_SUBDOMAIN", "acme")  # both set: refused before the URL is even looked at
    no_kapture_env.setenv("KAPTURE_USERNAME", "u1")
    no_kapture_env.setenv("KAPTURE_PASSWORD", PASSWORD)
    assert_no_secret(shown_when_refused(settings_from_env))
    assert_no_secret(shown_when_refused(settings_from_env, password=PASSWORD, token=TOKEN))


def _hang_up_server():
    """A server that reads a request and closes the connection without answering; its URL."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)

    threading.Thread(target=serve, daemon=True).start()
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_a_failed_request_traceback_with_locals_shows_the_header_redacted(everything_logged):
    listener, url = _hang_up_server()
    try:
        with pytest.raises(requests.ConnectionError) as caught:
            requests.post(url + kn.schema.ENDPOINT, json={}, auth=BasicCredentials("analyst", PASSWORD), timeout=10)
    finally:
        listener.close()
    text = locals_traceback(caught.value)
    assert "'Authorization': <redacted>" in text  # requests' and urllib3's frames were shown, with the headers
    assert_no_secret(text)


# The tests below go through KaptureClient.__init__ / from_env / __repr__: they need the client to hand its
# credentials and URL to auth.py and settings.py before anything can raise, and to delete its own raw arguments.


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_client_refusing_a_base_url_shows_no_secret(url, everything_logged):
    assert_no_secret(shown_when_refused(kn.KaptureClient, base_url=url, username="u1", password=PASSWORD))
    assert_no_secret(shown_when_refused(kn.KaptureClient, base_url=url, token=TOKEN))


@pytest.mark.parametrize("subdomain", BAD_SUBDOMAINS)
def test_a_client_refusing_a_subdomain_shows_no_secret(subdomain, everything_logged):
    assert_no_secret(shown_when_refused(kn.KaptureClient, subdomain, username="u1", password=PASSWORD))


@pytest.mark.parametrize("credentials", BAD_CREDENTIALS, ids=repr)
def test_a_client_refusing_credentials_shows_no_secret(credentials, everything_logged):
    assert_no_secret(shown_when_refused(kn.KaptureClient, "acme", **credentials))


def test_a_client_made_halfway_shows_itself_without_secrets_in_a_traceback(everything_logged):
    text = shown_when_refused(kn.KaptureClient, base_url="bad url", username="u1", password=PASSWORD)
    assert "self = <KaptureClient" in text and "repr() failed" not in text
    assert_no_secret(text)


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_client_from_the_environment_refused_shows_no_secret(url, no_kapture_env, everything_logged):
    no_kapture_env.setenv("KAPTURE_BASE_URL", url)
    no_kapture_env.setenv("KAPTURE_USERNAME", "u1")
    no_kapture_env.setenv("KAPTURE_PASSWORD", PASSWORD)
    assert_no_secret(shown_when_refused(kn.KaptureClient.from_env))
    no_kapture_env.delenv("KAPTURE_BASE_URL")
    assert_no_secret(shown_when_refused(kn.KaptureClient.from_env, base_url=url, password=PASSWORD))


def test_repr_of_a_client_never_raises():
    half = object.__new__(kn.KaptureClient)
    assert repr(half).startswith("<KaptureClient") and half._repr_html_().startswith("<code>")


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_command_line_refusing_a_base_url_prints_one_line_without_the_secret(url, no_kapture_env, capsys, tmp_path):
    no_kapture_env.setenv("KAPTURE_USERNAME", "u1")
    no_kapture_env.setenv("KAPTURE_PASSWORD", PASSWORD)
    path = tmp_path / "body.json"
    path.write_text("{}")
    assert main(["send", str(path), "--base-url", url, "--dry-run"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("kapture-nb: ") and err.count("\n") == 1 and not out
    assert_no_secret(err)


@pytest.mark.parametrize("credentials", ENV_CREDENTIALS, ids=repr)
def test_the_command_line_refusing_credentials_prints_one_line_without_the_secret(
    credentials, no_kapture_env, capsys, tmp_path
):
    for name, value in credentials.items():
        no_kapture_env.setenv(f"KAPTURE_{name.upper()}", value)
    path = tmp_path / "body.json"
    path.write_text("{}")
    assert main(["send", str(path), "--subdomain", "acme", "--dry-run"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("kapture-nb: ") and err.count("\n") == 1 and not out
    assert_no_secret(err)


def test_a_send_interrupted_by_ctrl_c_shows_no_secret_in_a_traceback_with_locals(example, everything_logged):
    def stall(request, connection):
        time.sleep(5)  # no answer: the client waits in urllib3 until the interrupt

    with HostileServer(stall) as server:
        client = kn.KaptureClient(base_url=server.url, username="analyst", password=PASSWORD)
        timer = threading.Timer(0.5, _thread.interrupt_main)
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt) as caught:
                client.send(example)
        finally:
            timer.cancel()
            client.close()
    text = locals_traceback(caught.value)
    assert "urllib3" in text and len(server.requests) == 1  # the frames below the client were shown: it was mid-send
    assert_no_secret(text)
