"""The journal: body hashes, row keys, what a line holds and when it is on disk, reading it back, resuming a batch."""
import base64
import copy
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd

import kapture_nb as kn
from helpers import FIRST_ID, orders
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
    entries = [json.loads(line) for line in text.splitlines()]
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


def test_read_journal_of_a_missing_file_is_empty_with_the_journal_columns(tmp_path):
    frame = kn.read_journal(tmp_path / "never-written.jsonl")
    assert frame.empty and list(frame.columns) == kn.JOURNAL_COLUMNS


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
    while time.monotonic() < deadline and (not journal.exists() or journal.read_text().count("\n") < 15):
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
