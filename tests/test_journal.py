"""The journal: body hashes, row keys, what a line holds and when it is on disk, reading it back, resuming a batch."""
import _thread
import base64
import copy
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import filelock
import numpy as np
import pandas as pd
import pytest

import kapture_nb as kn
from helpers import FIRST_ID, orders
from kapture_nb.batch import BatchOptions, bodies_of, send_many
from kapture_nb.exceptions import JournalError, JournalLockedError
from kapture_nb.frames import SendResult
from kapture_nb.journal import Journal, body_hash, row_key

PASSWORD = "Jr7-UNIQUE-journal-pa55-Qw2"


def test_body_hash_is_the_same_whatever_the_key_order(example):
    reordered = {
        key: dict(reversed(value.items())) if isinstance(value, dict) else value
        for key, value in reversed(example.items())
    }
    assert list(reordered) != list(example)
    assert body_hash(reordered) == body_hash(example)


def test_body_hash_differs_when_a_value_differs(example):
    changed = copy.deepcopy(example)
    changed["customer_info"]["customer_name"] += "."
    assert body_hash(changed) != body_hash(example)


def test_row_key_keeps_ints_and_strings_and_turns_numpy_ints_into_int():
    assert row_key("row-1") == "row-1" and row_key(5) == 5
    for label in (np.int64(7), np.int32(7)):
        key = row_key(label)
        assert key == 7 and type(key) is int


def test_row_key_turns_other_labels_into_text():
    for label in (("a", 1), pd.Timestamp("2024-01-02 03:04:05"), True, 2.5):
        assert row_key(label) == str(label)


def test_row_key_of_a_multiindex_label_does_not_depend_on_numpy_scalar_reprs():
    label = pd.MultiIndex.from_tuples([("a", 1)])[0]
    assert row_key(("a", np.int64(1))) == row_key(label) == "('a', 1)"


def test_a_rerun_recognises_rows_labelled_by_timestamps(fresh_sandbox, tmp_path):
    frame = orders(3)
    frame.index = pd.date_range("2024-01-01", periods=3)
    sb = fresh_sandbox(orders=frame)
    with sb.client() as client:
        client.update_orders(frame, journal=tmp_path / "j.jsonl", progress=False)
        again = client.update_orders(frame, journal=tmp_path / "j.jsonl", progress=False)
    assert again["ok"].all() and (again["attempts"] == 0).all()
    assert len(sb.requests) == 3


def test_a_line_is_on_disk_as_soon_as_record_returns(client, example, tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.record("first", body_hash(example), client.send(example).row())
    assert [json.loads(line)["row"] for line in path.read_text().splitlines()] == ["first"]
    journal.record("second", body_hash(example), client.send(example).row())
    assert [json.loads(line)["row"] for line in path.read_text().splitlines()] == ["first", "second"]
    journal.close()


def test_a_closed_or_new_journal_appends_to_the_lines_already_there(client, example, tmp_path):
    path = tmp_path / "j.jsonl"
    row = client.send(example).row()
    journal = Journal(path)
    journal.record("a", body_hash(example), row)
    journal.close()
    journal.record("b", body_hash(example), row)
    journal.close()
    reopened = Journal(path)
    reopened.record("c", body_hash(example), row)
    reopened.close()
    assert kn.read_journal(path)["row"].tolist() == ["a", "b", "c"]


def test_lines_hold_the_journal_columns_and_never_the_credentials(fresh_sandbox, tmp_path):
    frame = orders(4)
    path = tmp_path / "j.jsonl"
    sb = fresh_sandbox(username="analyst", password=PASSWORD, orders=frame)
    with sb.client() as client:
        client.update_orders(frame, journal=path, progress=False)
    frame["customer_info.customer_name"] = "Changed"  # a new body: sent again, and refused
    with kn.KaptureClient(base_url=sb.url, username="analyst", password=PASSWORD + "-wrong") as wrong:
        wrong.update_orders(frame, concurrency=1, journal=path, progress=False)
    text = path.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    starts = [line for line in lines if "event" in line]
    assert [lines.index(start) for start in starts] == [0, 5]  # each batch's first line: which process, when, how many rows
    assert all(start.keys() == {"event", "pid", "rows", "time"} and start["pid"] == os.getpid() for start in starts)
    entries = [line for line in lines if "event" not in line]
    assert [entry["http_status"] for entry in entries] == [200] * 4 + [401] + [None] * 3  # the rest: not sent
    assert all(list(entry) == kn.JOURNAL_COLUMNS for entry in entries)
    for secret in (PASSWORD, "Authorization"):
        assert secret not in text
    for password in (PASSWORD, PASSWORD + "-wrong"):
        assert base64.b64encode(f"analyst:{password}".encode()).decode() not in text


def test_succeeded_keeps_the_latest_success_of_each_row_and_leaves_out_failed_rows(client, example, tmp_path):
    invalid = copy.deepcopy(example)
    invalid["order_info"]["order_id"] = "x"
    sent, not_sent = client.send(example).row(), client.send(invalid).row()
    assert sent["ok"] and not not_sent["ok"]
    journal = Journal(tmp_path / "j.jsonl")
    journal.record("a", "first", sent)
    journal.record(np.int64(3), "only", sent)
    journal.record("a", "second", sent)
    journal.record("b", "failed", not_sent)
    journal.close()
    done = journal.succeeded()
    assert sorted(done, key=str) == [3, "a"]
    assert done["a"]["body_sha256"] == "second" and done[3]["body_sha256"] == "only"


def test_a_journal_that_is_a_directory_is_a_journal_error_on_reading_too(tmp_path):
    with pytest.raises(kn.JournalError, match=r"cannot read it: not a regular file"):
        kn.read_journal(tmp_path)
    with pytest.raises(kn.JournalError, match=r"cannot read it: not a regular file"):  # a dry run reads, never writes
        send_many(lambda body: SendResult(), bodies_of([{}]), BatchOptions(journal=tmp_path, dry_run=True, progress=False))


def test_read_journal_of_a_missing_file_is_empty_with_the_journal_columns(tmp_path):
    frame = kn.read_journal(tmp_path / "never-written.jsonl")
    assert frame.empty and list(frame.columns) == kn.JOURNAL_COLUMNS
    assert str(frame["time"].dtype) == "datetime64[us, UTC]" and frame.attrs["skipped_lines"] == 0


def test_journal_records_every_row_and_a_rerun_skips_what_succeeded(fresh_sandbox, tmp_path):
    frame = orders(8)
    frame.loc["row-3", "customer_info.customer_name"] = ""  # invalid: not sent, journaled as failed
    journal = tmp_path / "runs" / "orders.jsonl"
    sb = fresh_sandbox(orders=frame)
    with sb.client() as client:
        first = client.update_orders(frame, journal=journal, progress=False)
        assert first["ok"].sum() == 7 and len(sb.requests) == 7
        lines = kn.read_journal(journal)
        assert list(lines.columns) == kn.JOURNAL_COLUMNS
        assert sorted(lines["row"]) == sorted(frame.index)
        assert not lines.set_index("row").loc["row-3", "ok"]
        frame.loc["row-3", "customer_info.customer_name"] = "Fixed"
        frame.loc["row-5", "customer_info.customer_name"] = "Changed"
        second = client.update_orders(frame, journal=journal, progress=False)
    assert second["ok"].all()
    assert second.loc[["row-3", "row-5"], "attempts"].tolist() == [1, 1]
    assert (second.drop(index=["row-3", "row-5"])["attempts"] == 0).all()
    assert len(sb.requests) == 9
    assert "demo" not in journal.read_text()


def test_read_journal_tolerates_a_torn_last_line(tmp_path):
    path = tmp_path / "j.jsonl"
    done = json.dumps({"row": "a", "ok": True, "http_status": 200, "time": "2024-01-01T00:00:00+00:00"})
    path.write_text(done + '\n{"row": "b", "ok')
    frame = kn.read_journal(path)
    assert frame["row"].tolist() == ["a"] and frame["ok"].tolist() == [True]


def test_a_record_after_a_torn_last_line_starts_on_a_line_of_its_own(client, example, tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text(json.dumps({"row": "a", "ok": True}) + '\n{"row": "b", "ok')
    journal = Journal(path)
    journal.record("c", body_hash(example), client.send(example).row())
    journal.close()
    assert kn.read_journal(path)["row"].tolist() == ["a", "c"]
    assert set(journal.succeeded()) == {"a", "c"}


def test_every_row_gets_a_line_sent_or_not(fresh_sandbox, tmp_path):
    frame = orders(4)
    sb = fresh_sandbox(orders=frame)
    mapping = kn.FieldMapping({
        "order_info.order_id": "order_info.order_id",
        "customer_info.customer_name": lambda row: None.upper() if row["order_info.order_id"] == FIRST_ID + 1 else "A",
    })
    journal = tmp_path / "j.jsonl"
    with kn.KaptureClient(base_url=sb.url, username="demo", password="nope") as client:
        results = client.update_orders(frame, mapping, concurrency=1, journal=journal, progress=False)
    lines = kn.read_journal(journal).set_index("row")
    assert sorted(lines.index) == sorted(frame.index)
    assert lines.loc["row-0", "http_status"] == 401
    assert lines.loc["row-1", "error"].startswith("not sent, could not map the row")
    assert lines.loc[["row-2", "row-3"], "error"].str.startswith("not sent: the batch stopped after HTTP 401").all()
    assert lines["error"].tolist() == results.loc[lines.index, "error"].tolist()


KILLED_BATCH = textwrap.dedent(
    """
    import sys
    import pandas as pd
    import kapture_nb as kn
    url, journal, first, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    frame = pd.DataFrame({"order_info.order_id": range(first, first + n), "customer_info.customer_name": "K"})
    with kn.KaptureClient(base_url=url, username="demo", password="demo") as client:
        client.update_orders(frame, concurrency=2, journal=journal, progress=False)
    """
)


def test_a_killed_batch_resumes_from_its_journal(fresh_sandbox, tmp_path):
    n = 60
    frame = pd.DataFrame({"order_info.order_id": range(FIRST_ID, FIRST_ID + n), "customer_info.customer_name": "K"})
    sb = fresh_sandbox(orders=frame, latency=0.05)
    journal = tmp_path / "orders.jsonl"
    batch = subprocess.Popen([sys.executable, "-c", KILLED_BATCH, sb.url, str(journal), str(FIRST_ID), str(n)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not journal.exists() or journal.read_text().count("\n") < 16):  # start line + 15 rows
        time.sleep(0.02)
    os.kill(batch.pid, signal.SIGKILL)
    batch.wait()
    done_before = kn.read_journal(journal)
    succeeded_before = set(done_before.loc[done_before["ok"], "order_id"])
    assert 15 <= len(succeeded_before) < n
    sent_before = len(sb.requests)
    with sb.client() as client:
        results = client.update_orders(frame, journal=journal, progress=False)
    assert results["ok"].all()
    resumed = sb.requests.iloc[sent_before:]
    assert not set(resumed["order_id"]) & succeeded_before
    assert set(resumed["order_id"]) | succeeded_before == set(frame["order_info.order_id"])
    log = sb.requests
    assert set(log.loc[log["http_status"] == 200, "order_id"]) == set(frame["order_info.order_id"])


def test_read_journal_keeps_ids_whole_when_some_rows_were_not_sent(fresh_sandbox, tmp_path):
    frame = orders(3)
    frame.loc["row-1", "customer_info.customer_name"] = ""
    sb = fresh_sandbox(orders=frame)
    with sb.client() as client:
        client.update_orders(frame, journal=tmp_path / "j.jsonl", progress=False)
    journal = kn.read_journal(tmp_path / "j.jsonl").set_index("row")
    assert journal.loc["row-0", "order_id"] == FIRST_ID and journal.loc["row-0", "http_status"] == 200
    assert pd.isna(journal.loc["row-1", "http_status"]) and journal.loc["row-1", "order_id"] == FIRST_ID + 1
    assert str(journal["order_id"].dtype) == "Int64"


def _success(body):
    """A send that needs no server: every body succeeds (batch.py takes any send callable)."""
    order_id = body["order_info"]["order_id"]
    payload = {"status": "success", "message": "Order updated", "Order": {"result": True, "order_id": order_id}}
    return SendResult(order_id=order_id, http_status=200, payload=payload, text=json.dumps(payload), attempts=1)


def _batch(journal, send=_success, n=3):
    bodies = [{"order_info": {"order_id": FIRST_ID + i}} for i in range(n)]
    return send_many(send, bodies_of(bodies), BatchOptions(journal=journal, concurrency=1, progress=False))


def _lock_is_free(path):
    lock = filelock.FileLock(f"{path}.lock", timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        return False
    lock.release()
    return True


def _warnings(caplog):
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]


def test_a_batch_locks_the_journal_and_writes_its_start_line_before_the_first_send(tmp_path, caplog):
    path = tmp_path / "runs" / "j.jsonl"
    seen = []

    def send(body):
        if not seen:
            seen.append((path.read_text(), _lock_is_free(path)))
        return _success(body)

    assert _batch(path, send)["ok"].all()
    assert _batch(path, send)["attempts"].eq(0).all()  # a rerun: every row done already
    [(text, free)] = seen
    [first] = [json.loads(line) for line in text.splitlines()]
    assert first["event"] == "batch started" and first["pid"] == os.getpid() and first["rows"] == 3
    assert not free and _lock_is_free(path)  # held while the batch ran, released when it ended
    journal = kn.read_journal(path)  # two start lines: neither a row nor damage
    assert len(journal) == 3 and journal.attrs["skipped_lines"] == 0 and not _warnings(caplog)


@pytest.mark.parametrize("shared", [False, True], ids=["by path", "one Journal object"])
def test_a_second_batch_on_a_held_journal_fails_at_once_naming_it_and_the_holders_pid(tmp_path, shared):
    path = tmp_path / "j.jsonl"
    journal = Journal(path) if shared else path
    refused, inner_sends = [], []

    def send(body):
        if not refused:
            with pytest.raises(JournalLockedError) as caught:
                _batch(journal, lambda body: inner_sends.append(body) or _success(body))
            refused.append(caught.value)
        return _success(body)

    outer = _batch(journal, send)
    [error] = refused
    assert isinstance(error, JournalError) and isinstance(error, kn.KaptureError)
    assert str(path) in str(error) and f"pid {os.getpid()}, this process" in str(error) and error.pid == os.getpid()
    assert inner_sends == [] and outer["ok"].all()
    assert kn.read_journal(path)["row"].tolist() == [0, 1, 2]  # the refused batch wrote nothing, the outer one all


HOLDER = textwrap.dedent(
    """
    import sys
    from kapture_nb.journal import Journal
    with Journal(sys.argv[1]).batch(1):
        print("held", flush=True)
        sys.stdin.read()
    """
)


def test_a_journal_another_process_holds_fails_the_batch_before_it_sends(fresh_sandbox, tmp_path):
    frame = orders(3)
    sb = fresh_sandbox(orders=frame)
    path = tmp_path / "j.jsonl"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with sb.client() as client, pytest.raises(JournalLockedError) as caught:
            client.update_orders(frame, journal=path, progress=False)
    finally:
        holder.communicate("")
    message = str(caught.value)
    assert caught.value.pid == holder.pid and f"pid {holder.pid}, started " in message and str(path) in message
    assert len(sb.requests) == 0
    with sb.client() as client:  # the holder ended: the journal is free
        assert client.update_orders(frame, journal=path, progress=False)["ok"].all()


def test_the_lock_is_released_when_a_batch_ends_by_an_error_or_an_interrupt(tmp_path):
    path = tmp_path / "j.jsonl"

    class Broken(BaseException):
        """Not an Exception: a batch turns those into unknown rows; this one ends the batch."""

    def broken(body):
        raise Broken("a send that breaks its contract")

    with pytest.raises(Broken):
        _batch(path, broken)
    assert _lock_is_free(path)

    def interrupting(body):
        if body["order_info"]["order_id"] == FIRST_ID + 1:
            _thread.interrupt_main()  # what the Jupyter stop button does
        elif body["order_info"]["order_id"] > FIRST_ID + 1:
            time.sleep(0.01)  # rows take a moment, as real sends do: the interrupt lands before the batch ends
        return _success(body)

    results = _batch(path, interrupting, n=200)
    assert results["error"].eq("not sent: the batch was interrupted").any()
    assert _lock_is_free(path)


@pytest.mark.parametrize("kind", ["its folder is a file", "a directory", "a FIFO", "/dev/null", "/dev/full"])
def test_a_journal_that_cannot_be_written_fails_the_batch_before_any_request(fresh_sandbox, tmp_path, kind):
    path = tmp_path / "j.jsonl"
    if kind == "its folder is a file":
        (tmp_path / "file").write_text("")
        path = tmp_path / "file" / "j.jsonl"
    elif kind == "a directory":
        path.mkdir()
    elif kind == "a FIFO":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo(path)  # would block a plain open() for ever
    else:
        if not os.path.exists(kind):
            pytest.skip(f"no {kind} here")
        path.symlink_to(kind)  # writes vanish (/dev/null) or fail as on a full disk (/dev/full)
    frame = orders(3)
    sb = fresh_sandbox(orders=frame)
    with sb.client() as client, pytest.raises(JournalError) as caught:
        client.update_orders(frame, journal=path, progress=False)
    assert str(caught.value).startswith(f"journal {path}: ")
    assert len(sb.requests) == 0


def test_a_journal_in_a_read_only_folder_fails_the_batch_before_any_request(fresh_sandbox, tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("this user writes to read-only folders (root)")
        frame = orders(2)
        sb = fresh_sandbox(orders=frame)
        with sb.client() as client, pytest.raises(JournalError, match="Permission denied") as caught:
            client.update_orders(frame, journal=folder / "j.jsonl", progress=False)
        assert str(folder / "j.jsonl") in str(caught.value) and len(sb.requests) == 0
    finally:
        folder.chmod(0o755)


FULL_DISK_BATCH = textwrap.dedent(
    """
    import resource, signal, sys
    import pandas as pd
    import kapture_nb as kn
    url, journal, size, order_id = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    frame = pd.DataFrame({"order_info.order_id": [order_id], "customer_info.customer_name": "F"})
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))  # no file of this process grows: a full disk, for it alone
    with kn.KaptureClient(base_url=url, username="demo", password="demo") as client:
        try:
            client.update_orders(frame, journal=journal, progress=False)
        except kn.KaptureError as exc:
            print(type(exc).__name__, exc)
    """
)


def test_a_journal_on_a_full_disk_fails_the_batch_before_any_request(fresh_sandbox, tmp_path):
    pytest.importorskip("resource")
    frame = orders(1)
    sb = fresh_sandbox(orders=frame)
    path = tmp_path / "j.jsonl"
    Journal(path).record("earlier", "hash", _success({"order_info": {"order_id": 1}}).row())
    size = path.stat().st_size
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK_BATCH, sb.url, str(path), str(size), str(FIRST_ID)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.stdout.startswith(f"JournalError journal {path}: a write failed: "), done.stdout + done.stderr
    assert len(sb.requests) == 0 and path.stat().st_size == size


def _fill_the_disk_under(path):
    """Point the journal's open descriptor at /dev/full: its next write fails with ENOSPC, as on a full disk."""
    target = os.path.realpath(path)
    for name in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue
        if link == target:
            full = os.open("/dev/full", os.O_WRONLY)
            os.dup2(full, int(name))
            os.close(full)
            return
    raise AssertionError(f"{path} is not open")


@pytest.mark.skipif(not (os.path.exists("/dev/full") and os.path.isdir("/proc/self/fd")), reason="needs /dev/full and /proc")
def test_a_journal_write_that_fails_during_the_batch_stops_it_and_returns_every_row(fresh_sandbox, tmp_path, caplog):
    frame = orders(8)
    sb = fresh_sandbox(orders=frame)
    path = tmp_path / "j.jsonl"
    with sb.client() as client:

        def send(body):
            result = client.send(body)
            if body["order_info"]["order_id"] == FIRST_ID + 2:
                _fill_the_disk_under(path)  # the disk fills up while row-2 is in flight
            return result

        results = send_many(send, bodies_of(frame), BatchOptions(journal=path, concurrency=1, progress=False))
    assert list(results.index) == list(frame.index)
    assert results["ok"].tolist() == [True] * 3 + [False] * 5  # what was done keeps its result
    assert (results["error"].iloc[3:] == "not sent: journal write failed: No space left on device").all()
    assert len(sb.requests) == 3
    assert kn.read_journal(path)["row"].tolist() == ["row-0", "row-1"]
    [warning] = _warnings(caplog)
    assert warning.startswith(f"journal {path}: a write failed (No space left on device)")
    assert "5 row(s) not sent; 1 sent row(s) have no line in the journal" in warning


GOOD = {
    "row": "a", "order_id": 7, "body_sha256": "h", "ok": True, "attempts": 1, "http_status": 200, "status": "success",
    "error": None, "response": "{}", "elapsed_ms": 1.5, "time": "2024-01-01T00:00:00.000+00:00",
}
DAMAGED = {
    "a JSON array": b"[1, 2]",
    "null": b"null",
    "a number": b"42",
    "a JSON string": b'"row"',
    "an object that is not a row": b'{"hello": "world"}',
    "an unknown event": b'{"event": "batch exploded"}',
    "ok that is not a bool": json.dumps({**GOOD, "ok": "false"}).encode(),
    "an id beyond 64 bits": json.dumps({**GOOD, "order_id": 10**20}).encode(),
    "a time that is not a time": json.dumps({**GOOD, "time": "yesterday"}).encode(),
    "a response that is not text": json.dumps({**GOOD, "response": {"status": "success"}}).encode(),
    "Latin-1 bytes": json.dumps({**GOOD, "row": "café"}, ensure_ascii=False).encode("latin-1"),
    "UTF-16": json.dumps(GOOD).encode("utf-16"),
    "binary garbage": bytes(range(256)).replace(b"\n", b""),
    "nested too deep": b"[" * 100_000 + b"]" * 100_000,
    "a torn line": b'{"row": "b", "ok',
}


@pytest.mark.parametrize("damage", list(DAMAGED.values()), ids=list(DAMAGED))
def test_read_journal_skips_a_damaged_line_with_one_warning_and_counts_it(tmp_path, caplog, damage):
    path = tmp_path / "j.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + damage + b"\n" + json.dumps({**GOOD, "row": "z"}).encode() + b"\n")
    journal = kn.read_journal(path)
    assert journal["row"].tolist() == ["a", "z"] and journal.attrs["skipped_lines"] == 1
    assert str(journal["order_id"].dtype) == "Int64" and str(journal["time"].dtype) == "datetime64[us, UTC]"
    [warning] = _warnings(caplog)
    assert warning.startswith(f"journal {path}: 1 damaged line(s) skipped (line 2)")


def test_a_rerun_skips_every_kind_of_damaged_line_with_one_warning(tmp_path, caplog):
    path = tmp_path / "j.jsonl"
    _batch(path, n=4)
    with path.open("ab") as handle:
        handle.write(b"\n".join(DAMAGED.values()))  # the last one, torn, without its newline
    sent = []
    again = _batch(path, lambda body: sent.append(body) or _success(body), n=5)
    assert sent == [{"order_info": {"order_id": FIRST_ID + 4}}]  # rows 0-3 were done; the damage changes nothing
    assert again["ok"].all() and again["attempts"].tolist() == [0, 0, 0, 0, 1]
    [warning] = _warnings(caplog)
    assert f"{len(DAMAGED)} damaged line(s) skipped" in warning and "a rerun sends them" in warning
    assert kn.read_journal(path)["row"].tolist() == [0, 1, 2, 3, 4]  # the new line after the torn one is whole


def test_a_journal_saved_as_utf16_is_read_as_damage_not_an_exception(tmp_path, caplog):
    path = tmp_path / "j.jsonl"
    _batch(path, n=3)
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-16")  # what some editors do on save
    journal = kn.read_journal(path)
    assert journal.empty and list(journal.columns) == kn.JOURNAL_COLUMNS and journal.attrs["skipped_lines"] >= 4
    sent = []
    _batch(path, lambda body: sent.append(body) or _success(body), n=3)  # nothing readable: every row goes out
    assert len(sent) == 3
    assert len(_warnings(caplog)) == 2  # one per read


def test_read_journal_latest_lists_the_rows_whose_outcome_is_unknown(tmp_path):
    path = tmp_path / "j.jsonl"
    unknown = SendResult(order_id=2, error="outcome unknown: no answer; the server may have applied it", unknown=True, attempts=1)
    done = _success({"order_info": {"order_id": 2}})
    journal = Journal(path)
    journal.record("a", "h1", unknown.row())
    journal.record("b", "h2", done.row())
    journal.record("c", "h3", unknown.row())
    journal.record("c", "h3", done.row())  # c was sent again (resend_unknown=True) and succeeded
    journal.close()
    every = kn.read_journal(path)
    assert every["status"].tolist() == ["unknown", "success", "unknown", "success"]
    latest = kn.read_journal(path, latest=True)
    assert latest["row"].tolist() == ["a", "b", "c"]
    assert latest.loc[latest["status"] == kn.UNKNOWN, "row"].tolist() == ["a"]


def test_a_line_holding_a_lone_surrogate_is_written_and_read_back(tmp_path):
    path = tmp_path / "j.jsonl"
    row = SendResult(order_id=1, error="not sent, invalid body: customer_name: '\ud800' is not text").row()
    Journal(path).record("s", body_hash({"name": "\ud800"}), row)
    assert kn.read_journal(path)["error"].tolist() == [row["error"]]
