import json
import subprocess
import sys

import pytest

from kapture_nb.cli import main


@pytest.fixture
def files(tmp_path, example):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(example))
    broken = dict(example, order_info=dict(example["order_info"], order_id="ORD-1"))
    lines = tmp_path / "bodies.jsonl"
    lines.write_text(json.dumps(example) + "\n\n" + json.dumps(broken) + "\n")
    not_json = tmp_path / "notes.json"
    not_json.write_text("{customer_info: }")
    return {"good": good, "lines": lines, "not_json": not_json}


def test_valid_file_exits_zero(files, capsys):
    assert main(["validate", str(files["good"])]) == 0
    assert "1 body(ies), 0 error(s)" in capsys.readouterr().out


def test_jsonl_errors_are_listed_by_line_and_exit_one(files, capsys):
    assert main(["validate", str(files["lines"])]) == 1
    out = capsys.readouterr().out
    assert "2 body(ies), 1 error(s)" in out
    row = next(line for line in out.splitlines() if "order_info.order_id" in line)
    assert row.split()[:3] == ["line", "3", "error"]
    assert "expected an integer or a string of digits" in row


def test_unreadable_input_exits_two_with_one_line_and_no_traceback(files, tmp_path):
    for target, words in ((files["not_json"], "not JSON"), (tmp_path / "missing.json", "no such file")):
        done = subprocess.run(
            [sys.executable, "-m", "kapture_nb.cli", "validate", str(files["good"]), str(target)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1 and words in done.stderr
        assert "Traceback" not in done.stderr


def test_a_json_list_is_many_bodies(tmp_path, example, capsys):
    path = tmp_path / "many.json"
    path.write_text(json.dumps([example, [1]]))
    assert main(["validate", str(path)]) == 1
    assert "item 1" in capsys.readouterr().out


def test_demo_prints_results_and_a_summary(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "documented example" in out and "Order Updated successfully !" in out
    assert "delivery_slot='evening'" in out
    assert out.rstrip().endswith("4 bodies: 2 succeeded, 2 failed (1 not sent, 1 refused by the server)")


def test_send_uses_environment_credentials(sandbox, files, monkeypatch, capsys):
    monkeypatch.setenv("KAPTURE_USERNAME", "demo")
    monkeypatch.setenv("KAPTURE_PASSWORD", "demo")
    assert main(["send", str(files["lines"]), "--base-url", sandbox.url]) == 1
    out = capsys.readouterr().out
    assert "line 1" in out and "line 3" in out and "not sent, invalid body" in out
    assert out.rstrip().endswith("2 bodies: 1 succeeded, 1 failed")
    assert main(["send", str(files["good"]), "--base-url", sandbox.url, "--dry-run"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("1 bodies (dry run): 1 would be sent, 0 would not")


def test_send_without_credentials_exits_two(files, monkeypatch, capsys):
    for name in ("KAPTURE_USERNAME", "KAPTURE_PASSWORD", "KAPTURE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["send", str(files["good"]), "--subdomain", "acme"]) == 2
    assert "KAPTURE_USERNAME" in capsys.readouterr().err


def test_sandbox_command_serves_until_interrupted(tmp_path):
    import signal

    import requests

    from helpers import free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kapture_nb.cli", "sandbox", "--port", str(port), "--password", "pw"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = server.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner
        answer = requests.post(
            f"http://127.0.0.1:{port}/ms/customer/order/api/v1/add-update", json={}, auth=("demo", "pw"), timeout=10
        )
        assert answer.status_code == 400
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=10) == 0


def test_sandbox_on_a_taken_port_exits_two_with_one_line(capsys):
    from kapture_nb.sandbox import Sandbox

    with Sandbox() as running:
        assert main(["sandbox", "--port", str(running.port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kapture-nb: ") and f"cannot listen on 127.0.0.1:{running.port}" in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_sandbox_with_a_negative_latency_exits_two(capsys):
    assert main(["sandbox", "--port", "0", "--latency-ms", "-5"]) == 2
    assert "latency" in capsys.readouterr().err
