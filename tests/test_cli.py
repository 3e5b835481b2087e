import getpass
import io
import json
import os
import subprocess
import sys
import threading

import pytest

from kapture_nb.cli import build_parser, main, sandbox_password


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


def test_sandbox_command_serves_until_interrupted_with_the_password_from_the_environment(tmp_path):
    import os
    import signal

    import requests

    from helpers import free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kapture_nb.cli", "sandbox", "--port", str(port)],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "KAPTURE_SANDBOX_PASSWORD": "pw"},
    )
    try:
        banner = server.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner and "pw" not in banner
        url = f"http://127.0.0.1:{port}/ms/customer/order/api/v1/add-update"
        assert requests.post(url, json={}, auth=("demo", "pw"), timeout=10).status_code == 400  # in, and the body checked
        assert requests.post(url, json={}, auth=("demo", "demo"), timeout=10).status_code == 401
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


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def no_sandbox_password(monkeypatch):
    monkeypatch.delenv("KAPTURE_SANDBOX_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a terminal
    return monkeypatch


def test_sandbox_password_comes_from_the_option_then_the_environment_then_the_default(no_sandbox_password):
    assert sandbox_password(None, "demo") == "demo"
    no_sandbox_password.setenv("KAPTURE_SANDBOX_PASSWORD", "from-env")
    assert sandbox_password(None, "demo") == "from-env"
    assert sandbox_password("given", "demo") == "given"
    no_sandbox_password.setenv("KAPTURE_SANDBOX_PASSWORD", "")
    assert sandbox_password(None, "demo") == "demo"


def test_sandbox_password_is_asked_for_at_a_terminal(no_sandbox_password):
    prompts = []
    no_sandbox_password.setattr(sys, "stdin", _Terminal())
    no_sandbox_password.setattr(getpass, "getpass", lambda prompt: prompts.append(prompt) or "typed")
    assert sandbox_password(None, "ana") == "typed"
    assert prompts == ["Sandbox password for user ana (Enter: demo): "]
    no_sandbox_password.setattr(getpass, "getpass", lambda prompt: "")
    assert sandbox_password(None, "ana") == "demo"
    no_sandbox_password.setenv("KAPTURE_SANDBOX_PASSWORD", "from-env")
    assert sandbox_password(None, "ana") == "from-env"  # no prompt when the variable is set


def test_sandbox_prompt_ended_or_interrupted_is_one_line(no_sandbox_password, capsys):
    no_sandbox_password.setattr(sys, "stdin", _Terminal())

    def ended(prompt):
        raise EOFError

    no_sandbox_password.setattr(getpass, "getpass", ended)
    assert main(["sandbox", "--port", "0"]) == 2
    assert capsys.readouterr().err == "kapture-nb: no password typed; set KAPTURE_SANDBOX_PASSWORD or give --password\n"

    def interrupted(prompt):
        raise KeyboardInterrupt

    no_sandbox_password.setattr(getpass, "getpass", interrupted)
    assert main(["sandbox", "--port", "0"]) == 130
    assert capsys.readouterr().err == "kapture-nb: interrupted\n"


def test_the_password_option_says_it_is_visible_to_other_users():
    commands = next(a for a in build_parser()._actions if a.dest == "command")
    password = next(a for a in commands.choices["sandbox"]._actions if a.dest == "password")
    assert "visible to other local users (ps)" in password.help and "KAPTURE_SANDBOX_PASSWORD" in password.help


@pytest.fixture
def fifo(tmp_path):
    """A named pipe no one writes to; should the code under test open it to read, a writer comes so it cannot hang."""
    path = tmp_path / "bodies.json"
    os.mkfifo(path)
    rescuer = threading.Thread(target=lambda: os.close(os.open(path, os.O_WRONLY)), daemon=True)
    rescuer.start()
    yield path
    if rescuer.is_alive():  # nobody opened it: open it ourselves so the rescuer's open returns
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
    rescuer.join()


def _one_line_exit_two(argv, capsys, *words):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("kapture-nb: ") and err.count("\n") == 1 and err.endswith("\n"), err
    for word in words:
        assert word in err
    return err


@pytest.mark.parametrize(
    "content, words",
    [
        ("[" * 100_000, ["nest deeper than 64 levels"]),
        ('{"n": ' + "9" * 5000 + "}", ["a number has more than"]),
        (b'{"name": "G\xfcnter"}', ["not UTF-8 text (invalid start byte at byte 11)"]),
        ('{"a": }', ["not JSON (Expecting value; line 1, column 7)"]),
    ],
)
def test_validate_on_input_it_cannot_read_is_one_line_and_exit_two(tmp_path, capsys, content, words):
    path = tmp_path / "body.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    _one_line_exit_two(["validate", str(path)], capsys, str(path), *words)


def test_validate_on_a_fifo_or_a_device_is_refused_at_once(fifo, capsys):
    _one_line_exit_two(["validate", str(fifo)], capsys, "a named pipe (FIFO), not a regular file")
    _one_line_exit_two(["send", "/dev/zero", "--dry-run"], capsys, "/dev/zero: a character device, not a regular file")


def test_max_bytes_refuses_larger_inputs_and_reads_one_at_the_limit(files, capsys):
    size = files["good"].stat().st_size
    assert main(["validate", "--max-bytes", str(size), str(files["good"])]) == 0
    capsys.readouterr()
    _one_line_exit_two(["validate", "--max-bytes", str(size - 1), str(files["good"])], capsys, f"larger than {size - 1} bytes")
    _one_line_exit_two(["send", str(files["good"]), "--max-bytes", "10", "--dry-run"], capsys, "larger than 10 bytes")


@pytest.mark.parametrize(
    "argv, words",
    [
        (["sandbox", "--port", "99999"], ["argument --port: a port is 0 to 65535"]),
        (["sandbox", "--port", "9" * 5000], ["argument --port: expected a port number"]),
        (["sandbox", "--port", "http"], ["argument --port: expected a port number, got 'http'"]),
        (["sandbox", "--latency-ms", "inf"], ["argument --latency-ms"]),
        (["sandbox", "--latency-ms", "nan"], ["argument --latency-ms"]),
        (["sandbox", "--token", "t", "--password", "p"], ["give --password or --token, not both"]),
        (["validate", "--max-bytes", "0", "x.json"], ["argument --max-bytes: a number of bytes is 1 or more"]),
        (["validate", "-", "-"], ["standard input (-) can be read once"]),
        (["validate"], ["the following arguments are required: files", "see kapture-nb validate --help"]),
        (["frobnicate"], ["invalid choice: 'frobnicate'"]),
        (["send", "x.json", "--base-url", "https://[::1"], ["base_url cannot be read as a URL"]),
        (["send", "x.json", "--base-url", "https://acme.kapturecrm.com?x=1"], ["must not have a query"]),
    ],
)
def test_every_usage_error_is_one_line_and_exit_two(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.json").write_text("{}")
    monkeypatch.setenv("KAPTURE_TOKEN", "t0k")
    _one_line_exit_two(argv, capsys, *words)


def test_both_target_variables_set_is_one_line_naming_both(files, monkeypatch, capsys):
    monkeypatch.setenv("KAPTURE_SUBDOMAIN", "acme")
    monkeypatch.setenv("KAPTURE_BASE_URL", "https://acme.kapturecrm.com")
    monkeypatch.setenv("KAPTURE_TOKEN", "t0k")
    _one_line_exit_two(["send", str(files["good"]), "--dry-run"], capsys, "KAPTURE_SUBDOMAIN and KAPTURE_BASE_URL are both set")
    assert main(["send", str(files["good"]), "--subdomain", "acme", "--dry-run"]) == 0  # an option wins over both


def test_standard_input_is_read_once_for_dash_and_bounded(monkeypatch, capsys, example):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(((json.dumps(example) + "\n") * 2).encode())))
    assert main(["validate", "--jsonl", "-"]) == 0
    assert "standard input: 2 body(ies), 0 error(s)" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b" " * 100)))
    _one_line_exit_two(["validate", "--max-bytes", "10", "-"], capsys, "standard input: larger than 10 bytes")


def test_text_the_output_cannot_encode_is_escaped_not_a_crash(tmp_path, capsys):
    path = tmp_path / "body.json"
    path.write_text('{"\\ud800": 1}')  # a lone surrogate in a key: valid JSON, not encodable text
    assert main(["validate", str(path)]) == 1
    assert "\\ud800" in capsys.readouterr().out

