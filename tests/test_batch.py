"""update_orders end to end against the sandbox: order, mappings, stop rules, rate limit, progress, faults.

The journal it writes and resumes from is covered in test_journal.py.
"""
import http.server
import json
import threading

import pandas as pd
import pytest

import kapture_nb as kn
from helpers import FIRST_ID, orders
from kapture_nb.batch import BatchOptions, bodies_of, send_many
from kapture_nb.frames import SendResult


def test_rows_come_back_in_input_order_with_the_input_index(fresh_sandbox):
    frame = orders(30)
    sb = fresh_sandbox(orders=frame, faults=kn.Faults(seed=3, jitter=0.01))
    with sb.client() as client:
        results = client.update_orders(frame, concurrency=6, progress=False)
    assert list(results.columns) == kn.RESULT_COLUMNS
    assert list(results.index) == list(frame.index)
    assert results["order_id"].tolist() == frame["order_info.order_id"].tolist()
    assert results["ok"].all() and (results["attempts"] == 1).all()
    stored = sb.orders.set_index("order_id")
    assert (stored.loc[frame["order_info.order_id"], "order_info.associate_fields.batch"] == "b1").all()


def test_a_mapping_and_invalid_rows(fresh_sandbox):
    data = pd.DataFrame({"id": [FIRST_ID, "x-1", FIRST_ID + 1], "who": ["A", "B", None]}, index=[10, 20, 30])
    sb = fresh_sandbox(orders=orders(2))
    mapping = kn.FieldMapping({"order_info.order_id": "id", "customer_info.customer_name": "who"})
    with sb.client() as client:
        results = client.update_orders(data, mapping, progress=False)
    assert list(results.index) == [10, 20, 30]
    assert results["ok"].tolist() == [True, False, False]
    assert results.loc[20, "error"].startswith("not sent, invalid body: order_info.order_id")
    assert "customer_info.customer_name: must not be empty" in results.loc[30, "error"]
    assert len(sb.requests) == 1


def test_bodies_from_a_list_or_a_series(sandbox, example):
    with sandbox.client() as client:
        from_list = client.update_orders([example, example], progress=False)
        from_series = client.update_orders(pd.Series([example], index=["only"]), progress=False)
        assert list(from_list.index) == [0, 1] and from_list["ok"].all()
        assert list(from_series.index) == ["only"] and from_series["ok"].all()
        with pytest.raises(kn.BodyTypeError, match="update_order for one"):
            client.update_orders(example)


def test_a_callable_that_fails_marks_its_row_not_sent(fresh_sandbox):
    sb = fresh_sandbox(orders=orders(2))
    data = pd.DataFrame({"id": [FIRST_ID, FIRST_ID + 1]})
    mapping = kn.FieldMapping({
        "order_info.order_id": "id",
        "customer_info.customer_name": lambda row: "A" if row["id"] == FIRST_ID else None.upper(),
    })
    with sb.client() as client:
        results = client.update_orders(data, mapping, progress=False)
    assert results["ok"].tolist() == [True, False]
    assert results.loc[1, "error"].startswith(
        "not sent, could not map the row: customer_info.customer_name: the mapping callable raised AttributeError"
    )



def test_a_cell_a_converter_cannot_read_marks_its_row_not_sent(fresh_sandbox):
    sb = fresh_sandbox(orders=orders(3))
    data = pd.DataFrame({"id": [f" {FIRST_ID} ", f"{FIRST_ID + 1}.0", f"{FIRST_ID + 2}"], "slot": ["yes", "N", "maybe"]})
    mapping = kn.FieldMapping({
        "order_info.order_id": kn.Digits("id"),
        "customer_info.customer_name": kn.Const("ABC"),
        "order_info.associate_fields.gift_wrap": kn.Bool("slot"),
    })
    with sb.client() as client:
        results = client.update_orders(data, mapping, progress=False)
    assert results["ok"].tolist() == [True, True, False]
    assert results.loc[2, "error"] == (
        "not sent, could not map the row: order_info.associate_fields.gift_wrap: 'maybe' is not a yes/no value "
        "(yes, y, true, 1, on / no, n, false, 0, off)"
    )
    stored = sb.orders.set_index("order_info.order_id")["order_info.associate_fields.gift_wrap"]
    assert stored[str(FIRST_ID)] is True and stored[str(FIRST_ID + 1)] is False and len(sb.requests) == 2

def test_401_stops_the_batch(fresh_sandbox):
    frame = orders(12)
    sb = fresh_sandbox(orders=frame)
    with kn.KaptureClient(base_url=sb.url, username="demo", password="nope") as client:
        results = client.update_orders(frame, concurrency=1, progress=False)
    assert results["http_status"].tolist()[:1] == [401]
    rest = results.iloc[1:]
    assert not rest["ok"].any() and rest["http_status"].isna().all()
    assert rest["error"].str.startswith("not sent: the batch stopped after HTTP 401 on row 'row-0'").all()
    assert len(sb.requests) == 1


def test_a_dry_run_sends_nothing_and_claims_nothing(fresh_sandbox, capsys):
    frame = orders(5)
    sb = fresh_sandbox(orders=frame)
    frame.loc["row-1", "order_info.order_id"] = -1
    with sb.client() as client:
        results = client.update_orders(frame, dry_run=True, progress=True)
    assert not results["ok"].any() and (results["status"] == "dry run").all()
    assert results["error"].isna().tolist() == [True, False, True, True, True]
    assert results.loc["row-1", "error"].startswith("not sent, invalid body: order_info.order_id")
    assert "would send=4, would not=1" in capsys.readouterr().err
    assert len(sb.requests) == 0


def test_rate_limit_spaces_the_sends(fresh_sandbox):
    frame = orders(6)
    sb = fresh_sandbox(orders=frame)
    with sb.client() as client:
        client.update_orders(frame, concurrency=4, rate_limit=10, progress=False)
    times = pd.to_datetime(sb.requests["time"])
    assert (times.max() - times.min()).total_seconds() >= 0.45  # 6 starts at 10/s span 0.5 s


def test_progress_bar_counts_rows_and_outcomes(fresh_sandbox, capsys):
    frame = orders(4)
    sb = fresh_sandbox(orders=frame)
    frame.loc["row-2", "customer_info.customer_name"] = ""  # invalid: counted as failed
    with sb.client() as client:
        client.update_orders(frame, progress=True)
    final = _final_bar(capsys)
    assert final.startswith("update_orders") and "4/4" in final and "ok=3, failed=1" in final
    assert _drawn_in("#d62728", final)  # red: a row failed


def _final_bar(capsys) -> str:
    """The last frame the text progress bar drew on stderr."""
    return capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]


def _drawn_in(colour: str, frame: str) -> bool:
    """Whether the bar in ``frame`` is drawn in ``colour`` (#rrggbb), as tqdm's text bar writes it: a 24-bit ANSI colour."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"|\x1b[38;2;{red};{green};{blue}m" in frame


def test_the_bar_is_green_when_every_row_went_through(fresh_sandbox, capsys):
    frame = orders(3)
    with fresh_sandbox(orders=frame).client() as client:
        client.update_orders(frame, progress=True)
    final = _final_bar(capsys)
    assert "ok=3, failed=0" in final and "unknown" not in final and "skipped" not in final
    assert _drawn_in("#2ca02c", final)


def test_the_bar_is_amber_for_an_unknown_outcome_and_red_when_a_row_failed_too(fresh_sandbox, capsys):
    frame = orders(3)
    with fresh_sandbox(orders=frame, faults=kn.Faults(schedule=["drop"])).client() as client:
        client.update_orders(frame, concurrency=1, progress=True)
        amber = _final_bar(capsys)
        frame.loc["row-2", "customer_info.customer_name"] = ""
        client.update_orders(frame, concurrency=1, progress=True)  # the drop is spent: the invalid row fails
        red = _final_bar(capsys)
    assert "ok=2, failed=0, unknown=1" in amber and _drawn_in("#ff9f0a", amber)
    assert "ok=2, failed=1" in red and _drawn_in("#d62728", red)


def test_on_resume_the_rows_the_journal_settles_are_skipped_not_ok(fresh_sandbox, tmp_path, capsys):
    frame = orders(4)
    frame.loc["row-2", "customer_info.customer_name"] = ""
    journal = tmp_path / "j.jsonl"
    with fresh_sandbox(orders=orders(4)).client() as client:
        client.update_orders(frame, journal=journal, progress=True)
        first = _final_bar(capsys)
        frame.loc["row-2", "customer_info.customer_name"] = "Fixed"
        client.update_orders(frame, journal=journal, progress=True)
        resumed = _final_bar(capsys)
    assert "ok=3, failed=1" in first and "skipped" not in first
    assert "4/4" in resumed and "ok=1, failed=0, skipped=3" in resumed and _drawn_in("#2ca02c", resumed)


def test_on_resume_a_row_held_back_for_its_unknown_outcome_counts_as_unknown_not_skipped(fresh_sandbox, tmp_path, capsys):
    frame = orders(3)
    journal = tmp_path / "j.jsonl"
    with fresh_sandbox(orders=frame, faults=kn.Faults(schedule=["drop"])).client() as client:
        client.update_orders(frame, journal=journal, concurrency=1, progress=False)
        client.update_orders(frame, journal=journal, concurrency=1, progress=True)
    final = _final_bar(capsys)
    assert "3/3" in final and "ok=0, failed=0, unknown=1, skipped=2" in final and _drawn_in("#ff9f0a", final)


def test_progress_false_draws_no_bar(fresh_sandbox, capsys):
    frame = orders(2)
    sb = fresh_sandbox(orders=frame)
    with sb.client() as client:
        client.update_orders(frame, progress=False)
    assert "update_orders" not in capsys.readouterr().err


def test_five_hundred_rows_through_mixed_faults_are_all_accounted_for(fresh_sandbox, tmp_path):
    n = 500
    frame = orders(n)
    faults = kn.Faults(
        seed=11, latency=0.001, jitter=0.004, retry_after=0,
        rates={"429": 0.04, "503": 0.04, "500": 0.03, "drop": 0.04, "malformed": 0.03},
    )
    sb = fresh_sandbox(orders=frame, faults=faults)
    with sb.client() as client:
        results = client.update_orders(frame, concurrency=8, journal=tmp_path / "j.jsonl", progress=False)
    assert len(results) == n and list(results.index) == list(frame.index)
    failed = results[~results["ok"]]
    assert failed["error"].notna().all() and (failed["error"].str.len() > 0).all()
    assert set(failed["error"].str.extract(r"^(HTTP \d+)")[0].dropna()) <= {"HTTP 500", "HTTP 200", "HTTP 429", "HTTP 503"}
    assert 0 < len(failed) < n * 0.2
    log = sb.requests
    applied = log[(log["http_status"] == 200) & log["fault"].isna()]
    assert applied["order_id"].is_unique  # none was sent again after it succeeded
    assert set(applied["order_id"]) == set(results.loc[results["ok"], "order_id"])
    assert (results.loc[results["ok"], "attempts"] >= 1).all() and results["attempts"].max() > 1
    assert len(kn.read_journal(tmp_path / "j.jsonl")) == n


def test_rows_are_checked_against_the_mappings_schema(fresh_sandbox):
    sb = fresh_sandbox(orders=orders(2))
    strict = kn.with_associate_fields(order={"gift_wrap": "boolean"}, strict=True)
    data = pd.DataFrame({"id": [FIRST_ID, FIRST_ID + 1], "gift": [True, False]})
    mapping = kn.FieldMapping(
        {"order_info.order_id": "id", "customer_info.customer_name": kn.Const("A"),
         "order_info.associate_fields.gift_wrp": "gift"},
        schema=strict,
    )
    with sb.client() as client:  # the client's own schema knows nothing of gift_wrap
        results = client.update_orders(data, mapping, progress=False)
    assert not results["ok"].any() and len(sb.requests) == 0
    assert "did you mean 'gift_wrap'" in results.loc[0, "error"]


def test_interrupting_the_kernel_returns_what_was_done(fresh_sandbox):
    import _thread
    import threading

    frame = orders(40)
    sb = fresh_sandbox(orders=frame, latency=0.05)
    timer = threading.Timer(0.4, _thread.interrupt_main)  # what the Jupyter stop button does
    with sb.client() as client:
        timer.start()
        results = client.update_orders(frame, concurrency=2, progress=False)
    timer.join()
    done, skipped = results[results["ok"]], results[~results["ok"]]
    assert len(done) >= 2 and len(skipped) >= 10 and list(results.index) == list(frame.index)
    assert (skipped["error"] == "not sent: the batch was interrupted").all()
    assert len(sb.requests) == len(done)


def test_send_many_takes_any_send_callable_and_stops_after_a_401():
    seen = []

    def send(body):
        seen.append(body["order_info"]["order_id"])
        status = 401 if body["order_info"]["order_id"] == 3 else 200
        payload = {"status": "success" if status == 200 else "failed", "message": "m", "Order": {"result": True}}
        return SendResult(order_id=body["order_info"]["order_id"], http_status=status, payload=payload, text="{}", attempts=1)

    bodies = [{"order_info": {"order_id": n}} for n in range(1, 6)]
    batch = bodies_of(bodies)
    results = send_many(send, batch, BatchOptions(concurrency=1, progress=False))
    assert seen == [1, 2, 3]
    assert results["ok"].tolist() == [True, True, False, False, False]
    assert results["error"].iloc[3].startswith("not sent: the batch stopped after HTTP 401 on row 2")


def test_bodies_of_a_frame_keeps_the_mappings_schema_and_the_rows_it_could_not_map():
    schema = kn.with_associate_fields(order={"slot": "string"}, strict=True)
    data = pd.DataFrame({"id": [FIRST_ID, FIRST_ID + 1]}, index=["a", "b"])
    mapping = kn.FieldMapping(
        {"order_info.order_id": "id", "customer_info.customer_name": lambda row: "A" if row["id"] == FIRST_ID else 1 / 0},
        schema=schema,
    )
    batch = bodies_of(data, mapping)
    assert batch.schema is schema and list(batch.index) == ["a", "b"]
    assert list(batch.problems) == [1] and "ZeroDivisionError" in batch.problems[1]


@pytest.mark.parametrize(
    "settings", [{"concurrency": 0}, {"concurrency": 1.5}, {"concurrency": True}, {"rate_limit": 0}, {"resend_unknown": "yes"}]
)
def test_bad_options_are_refused(settings):
    with pytest.raises(kn.ConfigurationError):
        BatchOptions(**settings)


def _same_order_twice(n: int) -> pd.DataFrame:
    """n orders, each updated by two rows: remarks "first" then "second"."""
    ids = [FIRST_ID + i for i in range(n)]
    return pd.DataFrame(
        {
            "order_info.order_id": ids + ids,
            "customer_info.customer_name": ["A"] * (2 * n),
            "order_info.remarks": ["first"] * n + ["second"] * n,
        },
        index=[f"r{i}" for i in range(2 * n)],
    )


def test_rows_of_one_order_go_out_in_row_order_so_the_last_wins_every_time(fresh_sandbox):
    frame = _same_order_twice(40)
    sb = fresh_sandbox(orders=orders(40), faults=kn.Faults(seed=5, jitter=0.005))
    with sb.client() as client:
        results = client.update_orders(frame, concurrency=8, progress=False)
    assert results["ok"].all()
    stored = sb.orders.set_index("order_id").loc[frame["order_info.order_id"].iloc[:40], "order_info.remarks"]
    assert (stored == "second").all()
    log = sb.requests
    for order_id in frame["order_info.order_id"].iloc[:40]:
        mine = log[log["order_id"] == order_id]
        assert len(mine) == 2 and mine.index[0] < mine.index[1]


def test_duplicates_last_sends_only_the_last_row_of_each_order(fresh_sandbox):
    frame = _same_order_twice(3)
    sb = fresh_sandbox(orders=orders(3))
    with sb.client() as client:
        results = client.update_orders(frame, duplicates="last", progress=False)
    assert results["ok"].tolist() == [False] * 3 + [True] * 3
    assert results.loc["r0", "error"] == f"not sent: superseded by row 'r3', which updates order {FIRST_ID} too"
    assert len(sb.requests) == 3


def test_duplicates_error_sends_none_of_them(fresh_sandbox):
    frame = pd.concat([_same_order_twice(2), orders(1, start=FIRST_ID + 5)])
    sb = fresh_sandbox(orders=orders(6))
    with sb.client() as client:
        results = client.update_orders(frame, duplicates="error", progress=False)
    assert results["ok"].tolist() == [False] * 4 + [True]
    assert results.loc["r2", "error"] == f"not sent: order {FIRST_ID} is in rows 'r0', 'r2' (duplicates='error')"
    assert len(sb.requests) == 1


def _bodies():
    """Four updates (C0-C3) and an Add (no order id)."""
    updates = [{"order_info": {"order_id": FIRST_ID + i}, "customer_info": {"customer_name": f"C{i}"}} for i in range(4)]
    return [*updates, {"order_info": {"remarks": "new"}, "customer_info": {"customer_name": "New"}}]


def _recording(unknown=()):
    """A send that records the customer names it sends; for the names in ``unknown`` the answer never comes."""
    sent = []

    def send(body):
        name, order_id = body["customer_info"]["customer_name"], body["order_info"].get("order_id")
        sent.append(name)
        if name in unknown:
            error = "outcome unknown: the connection was lost after the request was sent; the server may have applied it"
            return SendResult(order_id=order_id, error=error, unknown=True, attempts=1)
        payload = {"status": "success", "message": "done", "Order": {"result": True, "order_id": order_id or 99}}
        return SendResult(order_id=order_id, http_status=200, payload=payload, text=json.dumps(payload), attempts=1)

    return send, sent


def test_a_rerun_does_not_send_again_the_rows_whose_outcome_is_unknown(tmp_path, capsys):
    journal = tmp_path / "j.jsonl"
    bodies = _bodies()
    send, _ = _recording(unknown={"C1", "C2", "New"})
    first = send_many(send, bodies_of(bodies), BatchOptions(journal=journal, progress=False))
    assert first["status"].tolist()[1:3] == ["unknown", "unknown"] and first["status"].iloc[4] == "unknown"
    bodies[2]["customer_info"]["customer_name"] = "C2 fixed"  # another body under the same row: sent
    send, sent = _recording()
    again = send_many(send, bodies_of(bodies), BatchOptions(journal=journal, progress=True))
    assert sent == ["C2 fixed"]
    assert again["ok"].tolist() == [True, False, True, True, False]
    assert again["attempts"].tolist() == [0, 0, 1, 0, 0]
    held = again.iloc[[1, 4]]
    assert (held["status"] == kn.UNKNOWN).all() and held["http_status"].isna().all()
    assert held["error"].str.startswith("outcome unknown: not sent again: an earlier run (").all()
    update, add = held["error"]
    assert "the order may have been updated" in update and "rerun with resend_unknown=True" in update
    assert "an Add body (no order_info.order_id) is never sent again automatically" in add
    assert "unknown=2" in capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    latest = kn.read_journal(journal, latest=True)
    assert latest.loc[latest["status"] == kn.UNKNOWN, "row"].tolist() == [1, 4]  # no new line for the held rows


def test_resend_unknown_sends_the_updates_again_but_never_an_add(tmp_path):
    journal = tmp_path / "j.jsonl"
    bodies = _bodies()
    send, _ = _recording(unknown={"C1", "New"})
    send_many(send, bodies_of(bodies), BatchOptions(journal=journal, progress=False))
    send, sent = _recording()
    again = send_many(send, bodies_of(bodies), BatchOptions(journal=journal, progress=False, resend_unknown=True))
    assert sent == ["C1"]
    assert again["ok"].tolist() == [True, True, True, True, False] and again["attempts"].tolist() == [0, 1, 0, 0, 0]
    assert again["status"].iloc[4] == kn.UNKNOWN and "not even with resend_unknown=True" in again["error"].iloc[4]
    send, sent = _recording()
    send_many(send, bodies_of(bodies), BatchOptions(journal=journal, progress=False, resend_unknown=True))
    assert sent == []  # C1 is done now; the Add still waits for a person


class _Unauthorized(http.server.BaseHTTPRequestHandler):
    """Answers every POST 401, and counts them."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.counting:
            self.server.posts += 1
        body = b'{"status": "failed", "message": "Invalid credentials"}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def unauthorized():
    """A hostile server in a thread (real sockets) that refuses every request with 401."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Unauthorized)
    server.daemon_threads = True
    server.posts, server.counting = 0, threading.Lock()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_after_a_401_no_new_request_starts(unauthorized):
    frame = orders(200)
    with kn.KaptureClient(base_url=unauthorized.url, username="demo", password="wrong") as client:
        results = client.update_orders(frame, concurrency=8, progress=False)
    assert 1 <= unauthorized.posts <= 8  # the requests in flight when the first 401 came, and no more
    assert len(results) == 200 and (results["http_status"] == 401).sum() == unauthorized.posts
    rest = results[results["http_status"].isna()]
    assert len(rest) == 200 - unauthorized.posts
    assert rest["error"].str.startswith("not sent: the batch stopped after HTTP 401").all()


def test_a_worker_waiting_for_the_rate_limit_does_not_start_after_a_401(unauthorized):
    frame = orders(40)
    with kn.KaptureClient(base_url=unauthorized.url, username="demo", password="wrong") as client:
        # one start every 10 s: the other seven workers wait for their turn when the first 401 comes back
        results = client.update_orders(frame, concurrency=8, rate_limit=0.1, progress=False)
    assert unauthorized.posts == 1
    assert results["http_status"].iloc[0] == 401 and results["http_status"].iloc[1:].isna().all()


def test_a_send_that_raises_is_an_unknown_row_and_the_other_rows_keep_their_results():
    def send(body):
        if body["order_info"]["order_id"] == FIRST_ID + 1:
            raise RuntimeError("a bug in a send")
        success = {"status": "success", "Order": {"result": True}}
        return SendResult(order_id=body["order_info"]["order_id"], http_status=200, payload=success)

    results = send_many(send, bodies_of(orders(4)), BatchOptions(concurrency=2, progress=False))
    assert results["ok"].tolist() == [True, False, True, True]
    assert results.iloc[1]["status"] == "unknown"
    assert results.iloc[1]["error"].startswith("outcome unknown: the send raised RuntimeError")


# Resume matches rows by label first, then by body: a row removed above the others moves every later label.


def test_a_rerun_after_a_row_was_removed_does_not_send_again_what_was_done(fresh_sandbox, tmp_path):
    sb = fresh_sandbox(orders=orders(4))
    journal = tmp_path / "j.jsonl"
    frame = orders(4).set_axis([2, 3, 4, 5])  # labelled like a CSV file's lines
    with sb.client() as client:
        assert client.update_orders(frame, journal=journal, progress=False)["ok"].all()
        moved = frame.iloc[1:].set_axis([2, 3, 4])  # line 2 deleted: every later row moves up a line
        moved.loc[4, "customer_info.customer_name"] = "Renamed"  # a new body: sent
        again = client.update_orders(pd.concat([moved, moved.iloc[[0]].set_axis([5])]), journal=journal, progress=False)
    assert len(sb.requests) == 5
    assert again["ok"].all() and again["attempts"].tolist() == [0, 0, 1, 0]
    assert again["order_id"].tolist() == [FIRST_ID + 1, FIRST_ID + 2, FIRST_ID + 3, FIRST_ID + 1]
    for label, earlier in ((2, 3), (3, 4), (5, 3)):  # 5: the same body twice in one batch, done once before
        assert again.loc[label, "message"].startswith(f"done in an earlier run under row label {earlier} (matched by its body)")
    assert again.loc[4, "message"] == "Order Updated successfully !"
    rows = kn.read_journal(journal)["row"].tolist()
    assert sorted(rows[:4]) == [2, 3, 4, 5] and rows[4:] == [4]  # settled rows get no new line


def test_a_rerun_holds_back_a_body_whose_outcome_was_unknown_under_another_label(fresh_sandbox, tmp_path):
    sb = fresh_sandbox(orders=orders(2), unknown_order="create", faults=kn.Faults(schedule=["drop", "drop"]))
    update, other, add = (
        {"order_info": {"order_id": order_id, "update": True, "remarks": "r"}, "customer_info": {"customer_name": name}}
        for order_id, name in ((FIRST_ID, "C0"), (FIRST_ID + 1, "C1"), ("", "New"))  # "": an Add
    )
    journal = tmp_path / "j.jsonl"
    with sb.client(schema=kn.load_schema(action="add")) as client:  # the Add schema: order_id may be empty
        first = client.update_orders(pd.Series([update, add], index=[2, 3]), journal=journal, concurrency=1, progress=False)
        assert first["status"].tolist() == [kn.UNKNOWN, kn.UNKNOWN]
        moved = pd.Series([other, update, add], index=[2, 3, 4])  # a row added above: the labels move down
        again = client.update_orders(moved, journal=journal, progress=False)
        assert len(sb.requests) == 3 and again["attempts"].tolist() == [1, 0, 0]
        assert again["status"].tolist()[1:] == [kn.UNKNOWN, kn.UNKNOWN]
        assert "sent this body as row label 2 and got no answer" in again.loc[3, "error"]
        assert "rerun with resend_unknown=True" in again.loc[3, "error"]
        assert "sent this body as row label 3 and got no answer" in again.loc[4, "error"]
        asked = client.update_orders(moved, journal=journal, progress=False, resend_unknown=True)
    assert len(sb.requests) == 4  # the update is sent again; the Add never is
    assert asked["ok"].tolist() == [True, True, False] and asked["attempts"].tolist() == [0, 1, 0]
    assert "not even with resend_unknown=True" in asked.loc[4, "error"]


def test_a_not_sent_line_after_an_unknown_one_does_not_make_the_body_sendable(tmp_path):
    journal = tmp_path / "j.jsonl"
    c0, c1 = _bodies()[:2]
    send, _ = _recording(unknown={"C1"})
    send_many(send, bodies_of(pd.Series([c0, c1], index=[0, 1])), BatchOptions(journal=journal, progress=False))
    refused = {"order_info": {"order_id": FIRST_ID + 9}, "customer_info": {"customer_name": "C9"}}

    def unauthorized(body):
        return SendResult(order_id=body["order_info"]["order_id"], http_status=401, payload={"status": "failed"}, attempts=1)

    # resend_unknown, but the 401 on the first row stops the batch: C1's latest line says "not sent"
    stopped = send_many(
        unauthorized, bodies_of(pd.Series([refused, c0, c1], index=["z", 0, 1])),
        BatchOptions(journal=journal, progress=False, concurrency=1, resend_unknown=True),
    )
    assert stopped.loc[1, "error"].startswith("not sent: the batch stopped after HTTP 401")
    send, sent = _recording()
    again = send_many(send, bodies_of(pd.Series([c0, c1], index=[0, 1])), BatchOptions(journal=journal, progress=False))
    assert sent == [] and again.loc[1, "status"] == kn.UNKNOWN


def test_a_dry_runs_check_that_raises_is_a_row_that_would_not_be_sent_not_an_unknown_outcome():
    def check(body):
        raise RuntimeError("a bug in a check")

    results = send_many(check, bodies_of(orders(2)), BatchOptions(progress=False, dry_run=True))
    assert results["status"].tolist() == ["dry run", "dry run"] and not results["ok"].any()
    assert (results["error"] == "not sent: the dry run's check raised RuntimeError (a bug; see the log)").all()
