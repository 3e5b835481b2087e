"""Faults: reproducible decisions, schedules, and every fault kind over a real socket."""
from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler
from wsgiref.simple_server import make_server as wsgiref_server

import pytest
import requests
from werkzeug.serving import make_server as werkzeug_server
from werkzeug.test import Client

import kapture_nb as kn
from kapture_nb.sandbox import Faults, Sandbox, SandboxApp
from kapture_nb.sandbox import app as app_module

ENDPOINT = "/ms/customer/order/api/v1/add-update"
EXAMPLE = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "examples" / "documented_example.json").read_text())
AUTH = ("demo", "demo")


def _kinds(faults: Faults, n: int) -> list:
    return [faults.next().kind for _ in range(n)]


def _post(sb: Sandbox, body: dict = EXAMPLE, **kwargs) -> requests.Response:
    return requests.post(sb.url + ENDPOINT, json=body, auth=AUTH, **kwargs)


@pytest.fixture
def serve() -> Iterator:
    started: list[Sandbox] = []

    def start(faults: Faults, **kwargs) -> Sandbox:
        sb = Sandbox(faults=faults, **kwargs).start()
        started.append(sb)
        return sb

    yield start
    for sb in started:
        sb.stop()


def test_same_seed_gives_the_same_fault_sequence():
    rates = {"500": 0.2, "429": 0.1, "drop": 0.1, "slow": 0.05}
    first = _kinds(Faults(seed=7, rates=rates), 300)
    assert first == _kinds(Faults(seed=7, rates=rates), 300)
    assert first != _kinds(Faults(seed=8, rates=rates), 300)
    assert {"500", "429", "drop", "slow", None} == set(first)


def test_rates_are_roughly_followed():
    kinds = _kinds(Faults(seed=1, rates={"503": 0.25}), 2000)
    assert 0.2 < kinds.count("503") / len(kinds) < 0.3
    assert _kinds(Faults(rates={"html": 1.0}), 5) == ["html"] * 5


def test_a_schedule_is_followed_exactly_and_wins_over_rates():
    assert _kinds(Faults(schedule=["500", None, "drop"]), 5) == ["500", None, "drop", None, None]
    assert _kinds(Faults(schedule={2: "429", 4: "slow"}), 5) == [None, "429", None, "slow", None]
    assert _kinds(Faults(rates={"500": 1.0}, schedule={2: None, 3: "html"}), 4) == ["500", None, "html", "500"]


def test_a_schedule_does_not_shift_the_random_faults_of_other_requests():
    rates = {"500": 0.5}
    plain = _kinds(Faults(seed=3, rates=rates), 10)
    scheduled = _kinds(Faults(seed=3, rates=rates, schedule={4: "drop"}), 10)
    assert scheduled[:3] == plain[:3] and scheduled[4:] == plain[4:] and scheduled[3] == "drop"


def test_latency_and_jitter_are_reproducible_and_bounded():
    delays = [Faults(seed=2, latency=0.1, jitter=0.05).next().delay for _ in range(2)]
    assert delays[0] == delays[1]
    many = Faults(seed=2, latency=0.1, jitter=0.05)
    assert all(0.1 <= many.next().delay <= 0.15 for _ in range(100))
    assert Faults(schedule=["slow"], slow_seconds=0.5, latency=0.1).next().delay == pytest.approx(0.6)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"rates": {"500": 0.7, "503": 0.4}}, "at most 1"),
        ({"rates": {"boom": 0.1}}, "unknown fault kind"),
        ({"schedule": ["500", "teapot"]}, "unknown fault kind"),
        ({"latency": -1}, "negative"),
    ],
)
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(kn.ConfigurationError, match=message):
        Faults(**settings)


def test_status_codes_as_integers_are_accepted():
    assert _kinds(Faults(schedule=[500, 429]), 2) == ["500", "429"]


@pytest.mark.parametrize("kind, status", [("500", 500), ("503", 503)])
def test_server_errors_over_a_socket(serve, kind, status):
    sb = serve(Faults(schedule=[kind]))
    response = _post(sb)
    assert response.status_code == status
    assert response.json()["status"] == "failed"
    assert _post(sb).status_code == 200  # only the scheduled request fails


def test_429_carries_retry_after(serve):
    sb = serve(Faults(schedule=["429"], retry_after=7))
    response = _post(sb)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["status"] == "failed"


def test_drop_closes_the_connection_before_any_response(serve):
    sb = serve(Faults(schedule=["drop"]))
    with pytest.raises(requests.exceptions.ConnectionError):
        _post(sb)
    assert _post(sb).status_code == 200
    log = sb.requests
    assert log["fault"].tolist() == ["drop", None]
    assert log["http_status"].isna().tolist() == [True, False]


class _QuietWsgiref(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


# werkzeug's server when not threaded (threaded, it keeps the connection open and the client waits for its timeout)
@pytest.mark.parametrize("server", ["werkzeug", "wsgiref"])
def test_drop_closes_the_connection_under_other_wsgi_servers_too(server):
    app = SandboxApp(faults=Faults(schedule=["drop", None]))
    if server == "werkzeug":
        httpd = werkzeug_server("127.0.0.1", 0, app, threaded=False)
    else:
        httpd = wsgiref_server("127.0.0.1", 0, app, handler_class=_QuietWsgiref)
    serving = threading.Thread(target=httpd.serve_forever, daemon=True)
    serving.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_port}{ENDPOINT}"
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.post(url, json=EXAMPLE, auth=AUTH, timeout=10)
        assert requests.post(url, json=EXAMPLE, auth=AUTH, timeout=10).status_code == 200
    finally:
        httpd.shutdown()
        serving.join()
        httpd.server_close()
    log = app.requests_frame()
    assert log["fault"].tolist() == ["drop", None] and log["http_status"].isna().tolist() == [True, False]


def test_malformed_is_a_200_whose_body_is_not_json(serve):
    sb = serve(Faults(schedule=["malformed"]))
    response = _post(sb)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        response.json()


def test_html_is_a_proxy_error_page(serve):
    sb = serve(Faults(schedule=["html"]))
    response = _post(sb)
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html>" in response.text


def test_slow_outlasts_a_shorter_client_timeout_and_is_still_processed(serve):
    sb = serve(Faults(schedule=["slow", "slow"], slow_seconds=0.5))
    added = copy.deepcopy(EXAMPLE)
    added["order_info"]["order_id"] = ""
    with pytest.raises(requests.exceptions.ReadTimeout):
        _post(sb, added, timeout=(2, 0.2))
    started = time.perf_counter()
    response = _post(sb, added, timeout=(2, 5))
    assert response.status_code == 200 and time.perf_counter() - started >= 0.5
    # The timed-out add landed too: a late answer is not a failed request.
    assert len(sb.orders) == 3 and sb.requests["http_status"].tolist() == [200, 200]


def test_latency_is_added_to_every_request(serve):
    sb = serve(Faults(latency=0.15), latency=0.1)
    started = time.perf_counter()
    assert _post(sb).status_code == 200
    assert time.perf_counter() - started >= 0.25
    assert sb.requests["elapsed_ms"].iloc[0] >= 250


class Clocked:
    """A SandboxApp on a fake clock that only moves when told to; ``waits`` are the waits it asked for (they move it on)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, **settings: Any) -> None:
        self.now = 1000.0
        self.waits: list[float] = []
        self.app = SandboxApp(**settings)
        monkeypatch.setattr(app_module, "_now", lambda: self.now)
        monkeypatch.setattr(self.app._hung_up, "wait", self._wait)

    def _wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.now += seconds
        return False  # not hung up

    def post(self, **environ: Any) -> int:
        return Client(self.app).post(ENDPOINT, json=EXAMPLE, auth=AUTH, environ_overrides=environ).status_code


@pytest.mark.parametrize("work, wait", [(0.3, 0.1), (0.0, 0.4), (0.5, 0.0)])
def test_the_sandboxs_own_work_is_part_of_the_latency_not_added_to_it(monkeypatch, work, wait):
    clocked = Clocked(monkeypatch, latency=0.4)
    update = clocked.app.store.update

    def working_update(body: dict):
        clocked.now += work
        return update(body)

    monkeypatch.setattr(clocked.app.store, "update", working_update)
    assert clocked.post() == 200
    # Due 400 ms after arrival: the work happens inside that time, and only what is left of it is waited.
    assert clocked.waits == [pytest.approx(wait)]
    assert clocked.app.requests_frame()["elapsed_ms"].iloc[0] == pytest.approx(max(400, work * 1000))


def test_the_arrival_the_server_noted_starts_the_latency(monkeypatch):
    clocked = Clocked(monkeypatch, latency=0.4)
    # The server saw the request 100 ms ago (waiting for a thread, parsing it): that time is part of the latency.
    assert clocked.post(**{app_module.ARRIVED: clocked.now - 0.1}) == 200
    assert clocked.waits == [pytest.approx(0.3)]


def test_the_faults_latency_and_a_slow_fault_add_to_the_sandboxs(monkeypatch):
    clocked = Clocked(monkeypatch, latency=0.1, faults=Faults(latency=0.15, schedule=[None, "slow", "500"], slow_seconds=2))
    assert [clocked.post() for _ in range(3)] == [200, 200, 500]
    assert clocked.waits == [pytest.approx(0.25), pytest.approx(2.25), pytest.approx(0.25)]


def test_same_seed_gives_the_same_faults_over_sockets(serve):
    faults = []
    for _ in range(2):
        sb = serve(Faults(seed=11, rates={"500": 0.3, "429": 0.2, "malformed": 0.1}))
        statuses = [_post(sb).status_code for _ in range(20)]
        faults.append((statuses, sb.requests["fault"].tolist()))
    assert faults[0] == faults[1]
    assert {500, 429, 200} <= set(faults[0][0])


def test_a_faulted_request_leaves_the_store_unchanged(serve):
    answered = ["500", "503", "429", "drop", "malformed", "html"]
    sb = serve(Faults(schedule=answered))
    before = sb.orders
    change = copy.deepcopy(EXAMPLE)
    change["order_info"]["remarks"] = "should not land"
    change["order_info"]["associate_fields"] = {"delivery_slot": "never"}
    added = copy.deepcopy(EXAMPLE)
    added["order_info"]["order_id"] = ""
    for number, kind in enumerate(answered):
        try:
            _post(sb, change if number % 2 else added)
        except requests.exceptions.ConnectionError:
            assert kind == "drop"
    assert before.equals(sb.orders)
    assert sb.requests["fault"].tolist() == answered
    assert _post(sb, change).status_code == 200  # the first unfaulted request lands
    assert sb.orders["order_info.remarks"].tolist() == ["should not land"]
