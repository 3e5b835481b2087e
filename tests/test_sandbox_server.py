"""Sandbox: lifecycle, ports, seeding orders, reprs without secrets, quiet logging, the client it hands out."""
from __future__ import annotations

import copy
import json
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests

import kapture_nb as kn
from kapture_nb.client import KaptureClient
from kapture_nb.sandbox import Faults, Sandbox, SandboxApp

EXAMPLE = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "examples" / "documented_example.json").read_text())
ENDPOINT = "/ms/customer/order/api/v1/add-update"
PASSWORD = "pw-Xy93-kept-private"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(username="analyst", password=PASSWORD) as running:
        yield running


def _post(sb: Sandbox, body: dict, auth=("demo", "demo")) -> requests.Response:
    return requests.post(sb.url + ENDPOINT, json=body, auth=auth, timeout=5)


def test_url_names_a_free_local_port(sb):
    assert sb.running and sb.port > 0
    assert sb.url == f"http://127.0.0.1:{sb.port}"
    assert isinstance(sb.app, SandboxApp)


def test_context_manager_serves_then_stops():
    with Sandbox() as running:
        url = running.url
        assert _post(running, EXAMPLE).status_code == 200
    assert not running.running
    with pytest.raises(requests.exceptions.ConnectionError):
        _post(running, EXAMPLE)
    assert url == running.url


def test_start_and_stop_are_idempotent():
    sandbox = Sandbox()
    with pytest.raises(kn.KaptureError, match="no port yet"):
        _ = sandbox.url
    assert sandbox.start() is sandbox
    port = sandbox.port
    sandbox.start()
    assert sandbox.port == port
    sandbox.stop()
    sandbox.stop()
    assert not sandbox.running
    assert not any(t.name == f"kapture-sandbox:{port}" for t in threading.enumerate())


def test_a_taken_port_raises_a_clear_one_line_error_not_system_exit():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(kn.KaptureError) as raised:
            Sandbox(port=port).start()
    assert str(raised.value) == f"the sandbox cannot listen on 127.0.0.1:{port}: Address already in use"


def test_a_port_taken_by_another_sandbox_is_a_clear_error_and_leaves_no_thread_behind():
    before = set(threading.enumerate())
    with Sandbox() as running:
        refused = Sandbox(port=running.port)
        with pytest.raises(kn.KaptureError, match=f"cannot listen on 127.0.0.1:{running.port}"):
            refused.start()
        assert not refused.running
    deadline = time.monotonic() + 10
    while not set(threading.enumerate()) <= before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert set(threading.enumerate()) <= before


@pytest.mark.parametrize("threads", [0, -1, 2.5, True, "8"])
def test_a_thread_count_that_is_not_a_positive_whole_number_is_refused(threads):
    with pytest.raises(kn.ConfigurationError, match="threads"):
        Sandbox(threads=threads)


def test_the_sandbox_modules_import_neither_the_client_nor_notebook_libraries():
    # The package's __init__ is stubbed out: what is checked is what the sandbox's own modules import.
    code = (
        "import sys, types, pathlib\n"
        "package = types.ModuleType('kapture_nb')\n"
        f"package.__path__ = [{str(Path(kn.__file__).parent)!r}]\n"
        "sys.modules['kapture_nb'] = package\n"
        "import kapture_nb.sandbox\n"
        "heavy = ('ipywidgets', 'IPython', 'tqdm', 'kapture_nb.client', 'kapture_nb.batch')\n"
        "print(sorted(name for name in sys.modules if name.startswith(heavy)))\n"
    )
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "[]"


def test_serve_forever_blocks_until_stopped():
    sandbox = Sandbox().start()
    serving = threading.Thread(target=sandbox.serve_forever)
    serving.start()
    assert _post(sandbox, EXAMPLE).status_code == 200
    sandbox.stop()
    serving.join(timeout=5)
    assert not serving.is_alive() and not sandbox.running


def test_orders_from_a_list_of_bodies_are_served():
    second = copy.deepcopy(EXAMPLE)
    second["order_info"]["order_id"] = "8001"
    second["customer_info"]["customer_name"] = "From a list"
    unnumbered = copy.deepcopy(second)
    unnumbered["order_info"]["order_id"] = ""
    with Sandbox(orders=[second, unnumbered]) as seeded:
        frame = seeded.orders
        assert frame["order_id"].tolist() == [23518265, 8001, 23518266]
        assert frame["customer_info.customer_name"].tolist() == ["ABC", "From a list", "From a list"]
        second["order_info"]["remarks"] = "updated over HTTP"
        assert _post(seeded, second).status_code == 200
        assert seeded.orders.set_index("order_id").loc[8001, "order_info.remarks"] == "updated over HTTP"


def test_orders_from_a_dataframe_are_served():
    rows = pd.DataFrame(
        {
            "order_info.order_id": ["9001", "9002"],
            "customer_info.customer_name": ["Frame One", "Frame Two"],
            "order_info.associate_fields.delivery_slot": ["morning", "evening"],
        }
    )
    with Sandbox(orders=rows) as seeded:
        frame = seeded.orders.set_index("order_id")
        assert frame.loc[9002, "customer_info.customer_name"] == "Frame Two"
        assert frame.loc[9001, "order_info.associate_fields.delivery_slot"] == "morning"
        update = {"customer_info": {"customer_name": "Frame One"}, "order_info": {"order_id": 9001, "update": True}}
        order = _post(seeded, update).json()["Order"]
        assert order["customer_id"] == frame.loc[9001, "customer_id"]


def test_frames_are_empty_with_fixed_columns_before_any_request():
    with Sandbox() as fresh:
        assert fresh.requests.empty
        assert list(fresh.requests.columns) == [
            "time", "method", "path", "auth_ok", "order_id", "http_status", "fault", "elapsed_ms",
        ]  # fmt: skip
        assert list(fresh.orders.columns[:4]) == ["order_id", "customer_id", "enquiry_id", "contact_id"]


def test_repr_is_short_and_has_no_password(sb):
    text = repr(sb)
    assert text.startswith(f"<Sandbox http://127.0.0.1:{sb.port} orders=1 requests=")
    assert PASSWORD not in text
    assert repr(Sandbox()) == "<Sandbox not started orders=1 requests=0>"


def test_repr_html_is_deterministic_and_has_no_secret():
    faults = Faults(seed=4, rates={"500": 0.1})
    with Sandbox(password=PASSWORD, faults=faults) as one, Sandbox(password=PASSWORD, faults=faults) as two:
        assert one.port != two.port
        assert one._repr_html_() == two._repr_html_()
        assert PASSWORD not in one._repr_html_() and "running" in one._repr_html_()
    tokened = Sandbox(token="tok-secret-123")
    assert "tok-secret-123" not in tokened._repr_html_() + repr(tokened)


def test_werkzeug_request_logging_is_silenced(caplog):
    caplog.set_level(logging.DEBUG)
    with Sandbox() as quiet:
        _post(quiet, EXAMPLE)
        requests.get(quiet.url + "/nowhere", timeout=5)
    assert not [record for record in caplog.records if record.name == "werkzeug"]


def test_client_points_at_the_sandbox_with_its_credentials(sb):
    client = sb.client(timeout=(2, 5))
    assert isinstance(client, KaptureClient)
    assert PASSWORD not in repr(client)
    before = len(sb.requests)
    row = client.update_order(EXAMPLE).iloc[0]
    assert bool(row["ok"]) and row["http_status"] == 200 and row["customer_id"] == 191696570
    assert sb.requests["auth_ok"].iloc[before:].all()


def test_client_of_a_token_sandbox_uses_the_token():
    with Sandbox(token="ready-made-token") as tokened:
        row = tokened.client().update_order(EXAMPLE).iloc[0]
        assert bool(row["ok"]) and row["http_status"] == 200


@pytest.mark.parametrize("port", [99999, -1, True, "8765"])
def test_a_port_that_is_not_one_is_a_configuration_error(port):
    with pytest.raises(kn.ConfigurationError, match="port must be a whole number from 0 to 65535"):
        kn.Sandbox(port=port)
