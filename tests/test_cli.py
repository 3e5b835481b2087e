import getpass
import io
import json
import os
import pathlib
import subprocess
import sys
import threading

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import kapture_nb as kn
from kapture_nb.bodyfiles import read_csv_text
from kapture_nb.cli import build_parser, dry_run, main, sandbox_password


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
        (b'{"name": "G\xfcnter"}', ["not UTF-8 text (invalid start byte at byte 11, line 1)"]),
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
    for dry in ([], ["--dry-run"]):
        _one_line_exit_two(["send", str(files["good"]), *dry], capsys, "KAPTURE_SUBDOMAIN and KAPTURE_BASE_URL are both set")
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



# CSV files through a mapping, declared custom fields, dry runs without credentials, the journal.

ORDERS_CSV = (
    "Order No,Cust Name,Remarks,Slot\n"
    '30000001,ABC,"first\nof two lines",morning\n'  # a row on lines 2-3
    "ORD-2,XYZ,second,evening\n"
    "\n"
    "30000003,,third,NA\n"
)
MAPPING = {
    "missing": "omit",
    "targets": [
        {"path": "order_info.order_id", "column": "Order No"},
        {"path": "customer_info.customer_name", "column": "Cust Name"},
        {"path": "order_info.remarks", "column": "Remarks"},
        {"path": "order_info.associate_fields.delivery_slot", "column": "Slot"},
    ],
}
FIELDS = {"order": {"delivery_slot": {"enum": ["morning", "evening"]}}, "strict": True}


@pytest.fixture
def export(tmp_path):
    """A CSV export with one good row (line 2), a bad id (line 4) and a blank name (line 6), its mapping and fields."""
    made = {"csv": tmp_path / "orders.csv", "mapping": tmp_path / "mapping.json", "fields": tmp_path / "fields.json"}
    made["csv"].write_text(ORDERS_CSV)
    made["mapping"].write_text(json.dumps(MAPPING))
    made["fields"].write_text(json.dumps(FIELDS))
    return {name: str(path) for name, path in made.items()}


@pytest.fixture
def no_credentials(monkeypatch):
    for name in ("KAPTURE_SUBDOMAIN", "KAPTURE_BASE_URL", "KAPTURE_USERNAME", "KAPTURE_PASSWORD", "KAPTURE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _table(out):
    """The problem rows of a validate output: (line, severity, path) each."""
    return [tuple(line.split()[:3]) for line in out.splitlines()[2:]]


def test_validate_a_csv_through_a_mapping_lists_the_problems_by_the_line_of_the_file(export, capsys):
    assert main(["validate", export["csv"], "--mapping", export["mapping"]]) == 1
    out = capsys.readouterr().out
    first, header = out.splitlines()[:2]
    assert first == f"{export['csv']}: 3 row(s) on lines 2-6, 2 error(s) in 2 row(s), 0 warning(s)"
    assert header.split() == ["line", "severity", "path", "message"]
    assert _table(out) == [("4", "error", "order_info.order_id"), ("6", "error", "customer_info.customer_name")]
    assert "got string 'ORD-2'" in out


def test_validate_a_clean_csv_exits_zero(export, tmp_path, capsys):
    clean = tmp_path / "clean.csv"
    clean.write_text("Order No,Cust Name,Remarks,Slot\n30000001,ABC,x,NA\n")
    assert main(["validate", str(clean), "--mapping", export["mapping"]]) == 0
    assert capsys.readouterr().out == f"{clean}: 1 row(s) on lines 2-2, 0 error(s) in 0 row(s), 0 warning(s)\n"


def test_declared_fields_are_checked_in_csv_rows_and_in_json_bodies(export, tmp_path, example, capsys):
    assert main(["validate", export["csv"], "--mapping", export["mapping"], "--fields", export["fields"]]) == 1
    rows = _table(capsys.readouterr().out)
    assert ("6", "error", "order_info.associate_fields.delivery_slot") in rows  # "NA" is not a declared slot
    assert ("2", "error", "order_info.associate_fields.delivery_slot") not in rows
    body = tmp_path / "body.json"
    example["order_info"]["associate_fields"] = {"delivery_slott": "morning"}
    body.write_text(json.dumps(example))
    assert main(["validate", str(body)]) == 0  # undeclared keys pass without the declaration
    capsys.readouterr()
    assert main(["validate", str(body), "--fields", export["fields"]]) == 1
    assert "did you mean 'delivery_slot'?" in capsys.readouterr().out


def test_validate_a_csv_with_converters_shows_each_cell_they_cannot_read(tmp_path, capsys):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({
        "targets": [
            {"path": "order_info.order_id", "column": "Order No", "converter": {"type": "digits"}},
            {"path": "customer_info.customer_name", "column": "Cust Name", "converter": {"type": "text"}},
            {"path": "customer_info.phone", "column": "Mobile", "converter": {"type": "phone", "region": "IN"}},
            {"path": "order_info.invoice_date", "column": "Invoice Dt", "converter": {"type": "date", "dayfirst": True}},
            {"path": "order_info.remarks", "const": "bulk update"},
        ]
    }))
    export = tmp_path / "orders.csv"
    export.write_text(
        "Order No,Cust Name,Mobile,Invoice Dt\n"
        "24101016.0, ABC ,+91 98765 43210,12/03/2024\n"
        " 24101017 ,XYZ,9.87654E+09,2024-05-07\n"
        "24101018,D,098765 43210,31/02/2024\n"
    )
    assert main(["validate", str(export), "--mapping", str(mapping)]) == 1
    out = capsys.readouterr().out
    rows = _table(out)
    assert ("3", "error", "customer_info.phone") in rows and ("4", "error", "order_info.invoice_date") in rows
    assert not [row for row in rows if row[0] == "2" and row[1] == "error"]
    assert "'9.87654E+09'" in out and "'31/02/2024'" in out


@pytest.mark.parametrize(
    "argv, words",
    [
        (["validate", "{csv}"], ["orders.csv: a CSV file is read through a mapping: give --mapping mapping.json"]),
        (["send", "{csv}", "--dry-run"], ["give --mapping mapping.json"]),
        (["validate", "{body}", "--mapping", "{mapping}"], ["body.json: a JSON body file takes no --mapping"]),
        (["send", "{body}", "--mapping", "{mapping}", "--dry-run"], ["a JSON body file takes no --mapping"]),
        (["validate", "{csv}", "--mapping", "{mapping}", "--jsonl"], ["--jsonl reads JSON lines; with --mapping"]),
        (["validate", "{csv}", "--mapping", "-"], ["--mapping names a file"]),
        (["send", "{body}", "--fields", "-", "--dry-run"], ["--fields names a file"]),
        (["send", "{body}", "--resend-unknown"], ["--resend-unknown goes with --journal"]),
        (["validate", "{csv}", "--mapping", "{csv}"], ["orders.csv: not JSON"]),
        (["validate", "{csv}", "--mapping", "{body}"], ["body.json: not a saved FieldMapping"]),
        (["validate", "{csv}", "--mapping", "/dev/zero"], ["/dev/zero: a character device, not a regular file"]),
        (["validate", "{csv}", "--mapping", "{mapping}", "--max-bytes", "50"], ["mapping.json: larger than 50 bytes"]),
        (["validate", "{body}", "--fields", "/dev/zero"], ["/dev/zero: a character device, not a regular file"]),
    ],
)
def test_inputs_and_options_that_do_not_go_together_are_one_line_and_exit_two(export, files, argv, words, capsys, no_credentials):
    names = {**export, "body": str(files["good"].rename(files["good"].with_name("body.json")))}
    _one_line_exit_two([arg.format(**names) for arg in argv], capsys, *words)


@pytest.mark.parametrize(
    "fields, words",
    [
        ([1], ["custom fields are declared in a JSON object like", "got a list"]),
        ({"orders": {}}, ["unknown key(s) 'orders'; the keys are customer, enquiry and order"]),
        ({"strict": "yes"}, ["strict is true or false, got a string"]),
        ({"order": ["slot"]}, ["order maps field names to their schemas (a JSON object), got a list"]),
        ({"order": {"slot": "text"}}, ["associate field order_info.associate_fields.slot: give a JSON Schema dict or one of"]),
        ({"order": {"slot": {"type": "strin"}}}, ["order.slot.type: not a valid JSON Schema: 'strin' is not valid"]),
        ({"customer": {"tier": {"pattern": "("}}}, ["customer.tier.pattern: not a valid JSON Schema"]),
        ({"order": {"a": {"type": "string", "x-shape": "fone"}}}, ["order.a.x-shape: 'fone' is none of phone, email, pincode"]),
        ({"order": {"a": {"$ref": "#/nope"}}}, ["order.a.$ref: '#/nope' points to nothing in the schema"]),
        (
            {"enquiry": {"a": {"properties": {"x": {"x-shape": "country-code"}, "y": {"x-shape": "country-code"}}}}},
            ["enquiry.a: 2 country codes (x, y) in one object; its phones need one"],
        ),
        (
            {"order": {"x": {"x-shape": "country-code"}, "y": {"x-shape": "country-code"}}},
            ["fields.json: order: 2 country codes (x, y) in one object"],
        ),
        (
            {"order": {"a": {"$ref": "#/properties/order_info/properties/associate_fields/properties/a"}}},
            ["order.a.$ref: '#/properties/order_info/properties/associate_fields/properties/a' leads back here"],
        ),
    ],
)
def test_a_fields_file_that_declares_nothing_usable_is_one_line_and_exit_two(tmp_path, files, fields, words, capsys):
    path = tmp_path / "fields.json"
    path.write_text(json.dumps(fields))
    _one_line_exit_two(["validate", str(files["good"]), "--fields", str(path)], capsys, "fields.json: ", *words)


@pytest.mark.parametrize(
    "field, words",
    [
        ({"type": "string", "x-shape": "fone"}, ["fields.json: order.a.x-shape: 'fone' is none of phone, email, pincode"]),
        ({"$ref": "#/nope"}, ["fields.json: order.a.$ref: '#/nope' points to nothing in the schema"]),
    ],
)
def test_a_field_the_validator_cannot_use_is_found_before_any_row_is_read(tmp_path, field, words, capsys):
    export = tmp_path / "x.csv"
    export.write_text("Order No,Cust Name,A\n30000001,ABC,x\n")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"targets": [
        {"path": "order_info.order_id", "column": "Order No"},
        {"path": "customer_info.customer_name", "column": "Cust Name"},
        {"path": "order_info.associate_fields.a", "column": "A"},
    ]}))
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps({"order": {"a": field}}))
    for command in (["validate"], ["send", "--dry-run"]):
        _one_line_exit_two([*command, str(export), "--mapping", str(mapping), "--fields", str(fields)], capsys, *words)


PHONES_CSV = "Order No,Cust Name,Mobile\n30000001,A,12345\n30000002,B,3105550100\n30000003,C,9876543210\n"  # US, then IN


@pytest.mark.parametrize(
    "region, warned",
    [([], ["2", "3"]), (["--region", "IN"], ["2", "3"]), (["--region", "US"], ["2", "4"]), (["--region", "none"], [])],
)
def test_region_says_where_phones_are_read_and_none_turns_the_phone_warnings_off(tmp_path, capsys, region, warned):
    export = tmp_path / "phones.csv"
    export.write_text(PHONES_CSV)
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"targets": [
        {"path": "order_info.order_id", "column": "Order No"},
        {"path": "customer_info.customer_name", "column": "Cust Name"},
        {"path": "customer_info.phone", "column": "Mobile"},
        {"path": "customer_info.update", "const": True},
    ]}))
    assert main(["validate", str(export), "--mapping", str(mapping), *region]) == 0
    rows = _table(capsys.readouterr().out)
    assert [line for line, severity, path in rows if path == "customer_info.phone"] == warned
    assert all(severity == "warning" for _, severity, _ in rows)


def test_a_region_libphonenumber_does_not_know_is_one_line_and_exit_two(export, capsys):
    _one_line_exit_two(
        ["validate", export["csv"], "--mapping", export["mapping"], "--region", "India"], capsys,
        "argument --region: a region code libphonenumber knows (IN, US, GB...), or none for no phone warnings; got 'India'",
    )


def test_the_mapping_file_is_read_once_within_max_bytes(export, monkeypatch, capsys):
    from kapture_nb import bodyfiles

    reads = []
    real = bodyfiles.read_bytes

    def read_bytes(path, **options):
        reads.append((str(path), options))
        return real(path, **options)

    monkeypatch.setattr(bodyfiles, "read_bytes", read_bytes)
    assert main(["validate", export["csv"], "--mapping", export["mapping"], "--max-bytes", "100000"]) == 1
    assert [options for path, options in reads if path == export["mapping"]] == [{"max_bytes": 100000}]


def test_a_mapped_column_the_header_lacks_or_has_twice_is_one_line_naming_the_file(export, tmp_path, capsys):
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(ORDERS_CSV.replace("Order No", "Order no", 1))
    _one_line_exit_two(
        ["validate", str(renamed), "--mapping", export["mapping"]], capsys,
        "renamed.csv: the mapping reads column 'Order No', which the header lacks; did you mean 'Order no'?",
    )
    doubled = tmp_path / "doubled.csv"
    doubled.write_text("Order No,Cust Name,Remarks,Slot,Order No\n1,A,r,morning,2\n")
    _one_line_exit_two(
        ["send", str(doubled), "--mapping", export["mapping"], "--dry-run"], capsys,
        "doubled.csv: the mapping reads column 'Order No', which the header has 2 times (columns 1, 5)",
    )


@pytest.mark.parametrize(
    "content, words",
    [
        (b"Order No,Cust Name\n1,A\n2,B,extra\n", ["orders.csv, line 3: 3 cell(s) where the header has 2"]),
        (b"Order No,Cust Name\n1,A\n2\n", ["orders.csv, line 3: 1 cell(s) where the header has 2"]),
        (b"Order No,Cust Name\n1,G\xfcnter\n", ["orders.csv: not UTF-8 text (invalid start byte at byte 22, line 2)"]),
    ],
)
def test_a_bad_csv_is_one_line_naming_the_file_and_the_line_and_exit_two(tmp_path, export, content, words, capsys):
    path = tmp_path / "orders.csv"
    path.write_bytes(content)
    _one_line_exit_two(["validate", str(path), "--mapping", export["mapping"]], capsys, *words)
    assert capsys.readouterr().out == ""


def _credentials(monkeypatch):
    monkeypatch.setenv("KAPTURE_USERNAME", "demo")
    monkeypatch.setenv("KAPTURE_PASSWORD", "demo")


def test_send_a_csv_through_a_mapping_and_resume_with_the_journal(fresh_sandbox, export, tmp_path, monkeypatch, capsys):
    sb = fresh_sandbox(unknown_order="create")
    _credentials(monkeypatch)
    journal = tmp_path / "runs" / "orders.jsonl"
    argv = ["send", export["csv"], "--mapping", export["mapping"], "--base-url", sb.url, "--journal", str(journal)]
    assert main(argv) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["line", "order_id", "ok", "http_status", "status", "message", "attempts", "error"]
    rows = [line.split()[:3] for line in lines[1:4]]
    assert rows == [["2", "30000001", "True"], ["4", "<NA>", "False"], ["6", "30000003", "False"]]
    assert lines[-1] == "3 rows: 1 succeeded, 2 failed"
    stored = sb.orders.set_index("order_id")
    assert len(sb.requests) == 1 and stored.loc[30000001, "order_info.remarks"] == "first\nof two lines"
    assert main(argv) == 1  # the rerun: the done row comes from the journal, the invalid rows are still invalid
    assert capsys.readouterr().out.splitlines()[-1] == (
        "3 rows: 1 succeeded, 2 failed; 1 done in an earlier run (the journal says so), not sent again"
    )
    assert len(sb.requests) == 1
    assert set(kn.read_journal(journal)["row"]) == {2, 4, 6}


def test_a_rerun_after_a_line_was_deleted_from_the_csv_does_not_send_again_what_was_done(
    fresh_sandbox, export, tmp_path, monkeypatch, capsys
):
    sb = fresh_sandbox(unknown_order="create")
    _credentials(monkeypatch)
    lines = ["Order No,Cust Name,Remarks,Slot", *(f"3000000{i},C{i},r{i},morning" for i in (1, 2, 3))]
    clean = tmp_path / "clean.csv"
    clean.write_text("\n".join(lines) + "\n")
    argv = ["send", str(clean), "--mapping", export["mapping"], "--base-url", sb.url, "--journal", str(tmp_path / "j.jsonl")]
    assert main(argv) == 0 and len(sb.requests) == 3
    capsys.readouterr()
    clean.write_text("\n".join([lines[0], *lines[2:]]) + "\n")  # line 2 deleted: the rows of lines 3 and 4 are now 2 and 3
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "2 rows: 2 succeeded, 0 failed; 2 done in an earlier run (the journal says so), not sent again"
    assert "done in an earlier run under row label 3 (matched by its body)" in out and len(sb.requests) == 3


def test_send_exits_zero_when_every_row_succeeds_and_checks_declared_fields(fresh_sandbox, export, tmp_path, monkeypatch, capsys):
    sb = fresh_sandbox(unknown_order="create")
    _credentials(monkeypatch)
    clean = tmp_path / "clean.csv"
    clean.write_text("Order No,Cust Name,Remarks,Slot\n30000001,ABC,x,morning\n30000002,DEF,y,noon\n")
    argv = ["send", str(clean), "--mapping", export["mapping"], "--base-url", sb.url]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2 rows: 2 succeeded, 0 failed"
    assert main([*argv, "--fields", export["fields"]]) == 1  # "noon" is no declared slot: that row is not sent
    out = capsys.readouterr().out
    assert "not sent, invalid body: order_info.associate_fields.delivery_slot" in out
    assert len(sb.requests) == 3


def test_a_dry_run_needs_no_credentials_sends_nothing_and_says_the_same_with_them(sandbox, export, files, no_credentials, capsys):
    before = len(sandbox.requests)
    outputs = []
    for argv in (
        ["send", export["csv"], "--mapping", export["mapping"], "--fields", export["fields"], "--dry-run"],
        ["send", str(files["lines"]), "--dry-run"],
    ):
        no_credentials.delenv("KAPTURE_USERNAME", raising=False)
        no_credentials.delenv("KAPTURE_PASSWORD", raising=False)
        assert main(argv) == 1
        without = capsys.readouterr()
        _credentials(no_credentials)
        assert main([*argv, "--base-url", sandbox.url]) == 1
        assert capsys.readouterr() == without
        outputs.append(without.out)
    assert len(sandbox.requests) == before
    csv_out, json_out = outputs
    assert csv_out.splitlines()[-1] == "3 rows (dry run): 1 would be sent, 2 would not"
    assert "would be sent" in csv_out and "not sent, invalid body: customer_info.customer_name" in csv_out
    assert json_out.splitlines()[-1] == "2 bodies (dry run): 1 would be sent, 1 would not"
    assert [line.split()[:2] for line in json_out.splitlines()[1:3]] == [["line", "1"], ["line", "3"]]


@pytest.mark.parametrize(
    "variables, options, words",
    [
        ({}, ["--base-url", "https://acme.kapturecrm.com?x=1"], ["must not have a query"]),
        ({"KAPTURE_BASE_URL": "acme.kapturecrm.com"}, [], ["base_url must start with https://"]),
        ({"KAPTURE_PASSWORD": "pw", "KAPTURE_TOKEN": "t0k"}, [], ["KAPTURE_PASSWORD and KAPTURE_TOKEN are both set"]),
        ({"KAPTURE_USERNAME": "u1", "KAPTURE_PASSWORD": "pw\n"}, [], ["the password holds"]),
        ({"KAPTURE_PASSWORD": "pw"}, [], ["no credentials: give username= and password=, or token="]),
    ],
)
def test_a_dry_run_checks_the_target_and_credentials_it_finds(export, no_credentials, capsys, variables, options, words):
    for name, value in variables.items():
        no_credentials.setenv(name, value)
    argv = ["send", export["csv"], "--mapping", export["mapping"], "--dry-run", *options]
    _one_line_exit_two(argv, capsys, *words)


@pytest.mark.parametrize(
    "variables", [{"KAPTURE_USERNAME": "u1"}, {"KAPTURE_SUBDOMAIN": "acme"}, {"KAPTURE_TOKEN": "t0k"}], ids=str
)
def test_a_dry_run_with_part_of_a_configuration_runs(export, no_credentials, capsys, variables):
    for name, value in variables.items():
        no_credentials.setenv(name, value)
    assert main(["send", export["csv"], "--mapping", export["mapping"], "--dry-run"]) == 1  # 1: two rows are invalid
    assert capsys.readouterr().out.splitlines()[-1] == "3 rows (dry run): 1 would be sent, 2 would not"


def test_the_dry_run_without_a_client_is_the_clients_dry_run(client, export):
    frame = read_csv_text(export["csv"])
    mapping = kn.FieldMapping.from_json(export["mapping"])
    assert_frame_equal(dry_run(frame, mapping), client.update_orders(frame, mapping, dry_run=True, progress=False))
    bodies = pd.Series([{"order_info": {}}, [1], kn.documented_example()], index=["a", "b", "c"], dtype=object)
    assert_frame_equal(dry_run(bodies), client.update_orders(bodies, dry_run=True, progress=False))


def test_a_dry_run_with_a_journal_shows_what_a_rerun_would_skip_and_writes_nothing(
    fresh_sandbox, export, tmp_path, monkeypatch, capsys
):
    sb = fresh_sandbox(unknown_order="create")
    _credentials(monkeypatch)
    journal = tmp_path / "orders.jsonl"
    argv = ["send", export["csv"], "--mapping", export["mapping"], "--journal", str(journal)]
    assert main([*argv, "--base-url", sb.url]) == 1
    capsys.readouterr()
    written = journal.read_bytes()
    assert main([*argv, "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == (
        "3 rows (dry run): 0 would be sent, 3 would not; 1 done in an earlier run (the journal says so), not sent again"
    )
    assert journal.read_bytes() == written and len(sb.requests) == 1


def test_an_unknown_outcome_is_not_sent_again_unless_asked(fresh_sandbox, export, tmp_path, monkeypatch, capsys):
    sb = fresh_sandbox(unknown_order="create", faults=kn.Faults(schedule=["drop"]))
    _credentials(monkeypatch)
    clean = tmp_path / "clean.csv"
    clean.write_text("Order No,Cust Name,Remarks,Slot\n30000001,ABC,x,morning\n")
    argv = ["send", str(clean), "--mapping", export["mapping"], "--base-url", sb.url, "--journal", str(tmp_path / "j.jsonl")]
    assert main(argv) == 1
    assert capsys.readouterr().out.splitlines()[-1].endswith("; 1 with an unknown outcome (sent, never answered: see the error)")
    assert main(argv) == 1
    assert "rerun with resend_unknown=True" in capsys.readouterr().out and len(sb.requests) == 1
    assert main([*argv, "--resend-unknown"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 rows: 1 succeeded, 0 failed"
    assert len(sb.requests) == 2


def test_help_and_a_small_csv_load_no_optional_module_they_do_not_use(export):
    optional = ("jsonschema", "tqdm", "IPython", "ipywidgets", "phonenumbers", "email_validator", "rapidfuzz", "filelock",
                "kapture_nb.sandbox", "kapture_nb.forms", "kapture_nb.demo")
    clean = pathlib.Path(export["csv"]).with_name("clean.csv")
    clean.write_text("Order No,Cust Name,Remarks,Slot\n30000001,ABC,x,morning\n")
    runs = [
        ["--help"],
        ["validate", str(clean), "--mapping", export["mapping"]],
        ["send", str(clean), "--mapping", export["mapping"], "--dry-run"],
    ]
    probe = (
        "import contextlib, io, sys\nfrom kapture_nb.cli import main\n"
        f"for argv in {runs!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "        status = main(argv)\n"
        f"    print(status if argv != ['--help'] else 0, *[m for m in {optional!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["0", "0", "0"]


def test_a_csv_with_a_header_and_no_rows_is_nothing_to_do(export, tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("Order No,Cust Name,Remarks,Slot\n")
    assert main(["validate", str(empty), "--mapping", export["mapping"]]) == 0
    assert capsys.readouterr().out == f"{empty}: 0 row(s), 0 error(s) in 0 row(s), 0 warning(s)\n"
    assert main(["send", str(empty), "--mapping", export["mapping"], "--dry-run"]) == 0
    assert capsys.readouterr().out == "0 rows (dry run): 0 would be sent, 0 would not\n"


def test_send_of_json_bodies_checks_declared_fields_too(sandbox, export, tmp_path, example, monkeypatch, capsys):
    _credentials(monkeypatch)
    body = tmp_path / "body.json"
    example["order_info"]["associate_fields"] = {"delivery_slott": "morning"}
    body.write_text(json.dumps(example))
    before = len(sandbox.requests)
    assert main(["send", str(body), "--base-url", sandbox.url, "--fields", export["fields"]]) == 1
    out = capsys.readouterr().out
    assert "not sent, invalid body: order_info.associate_fields.delivery_slott" in out and len(sandbox.requests) == before


class _ClosedPipe(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


def test_output_to_a_reader_that_went_away_ends_quietly(export, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())  # kapture-nb send ... | head, head gone
    assert main(["send", export["csv"], "--mapping", export["mapping"], "--dry-run"]) == 2
    assert capsys.readouterr().err == ""


def test_a_mapping_saved_with_its_declarations_checks_them_without_fields(export, tmp_path, capsys):
    fields = json.loads(pathlib.Path(export["fields"]).read_text())
    saved = json.loads(pathlib.Path(export["mapping"]).read_text())
    with_fields = tmp_path / "mapping_with_fields.json"
    with_fields.write_text(json.dumps({**saved, "fields": fields}))
    assert main(["validate", export["csv"], "--mapping", str(with_fields)]) == 1
    rows = _table(capsys.readouterr().out)
    assert ("6", "error", "order_info.associate_fields.delivery_slot") in rows  # the saved declaration is used
