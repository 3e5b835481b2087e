"""BackgroundCheck: the studio's checks off the main thread; the latest request is the one shown, older ones dropped."""
from __future__ import annotations

import threading

import pandas as pd

import kapture_nb as kn
from kapture_nb.livecheck import LiveCheck
from kapture_nb.studio.checking import BackgroundCheck

DF = pd.DataFrame({"id": ["1", "2", "x"], "name": ["A", "B", "C"]})


class HeldCheck(LiveCheck):
    """A LiveCheck whose runs wait until released, so requests can pile up while one runs."""

    def __init__(self) -> None:
        super().__init__(DF)
        self.release = threading.Event()
        self.started = threading.Event()
        self.ran: list[kn.FieldMapping] = []

    def run(self, mapping):  # type: ignore[no-untyped-def]
        self.ran.append(mapping)
        self.started.set()
        self.release.wait(timeout=30)
        return super().run(mapping)


def _mapping(id_column: str) -> kn.FieldMapping:
    return kn.FieldMapping({"order_info.order_id": id_column, "customer_info.customer_name": "name"})


def test_edits_made_while_a_check_runs_are_checked_once_with_the_latest_mapping():
    check = HeldCheck()
    shown = []
    background = BackgroundCheck(check, lambda result, error, _note: shown.append((result, error)), lambda: None)
    first, second, third = _mapping("id"), _mapping("name"), kn.FieldMapping(
        {"order_info.order_id": kn.Digits("id"), "customer_info.customer_name": "name"}
    )
    background.submit(first)
    assert check.started.wait(timeout=30)
    background.submit(second)
    background.submit(third)
    assert background.busy
    check.release.set()
    result, error = background.wait()
    assert error is None and not background.busy
    assert check.ran == [first, third]  # the second was dropped: the third superseded it before it started
    assert len(shown) == 1 and shown[0][0] is result  # the first's result was never shown: an edit had followed it
    assert result.with_errors == 1  # the third mapping's: kn.Digits cannot read "x"


def test_a_mapping_error_while_checking_is_shown_and_a_failure_to_build_wins_over_a_pending_check():
    check = HeldCheck()
    shown = []
    background = BackgroundCheck(check, lambda result, error, _note: shown.append((result, error)), lambda: None)
    background.submit(_mapping("no such column"))
    check.release.set()
    assert background.wait() == (None, shown[-1][1]) and "no such column" in shown[-1][1]
    check.release.clear()
    check.started.clear()
    background.submit(_mapping("id"))
    assert check.started.wait(timeout=30)
    background.fail("a row has a bad target")
    assert background.wait() == (None, "a row has a bad target")
    check.release.set()
    background.submit(_mapping("id"))
    result, error = background.wait()
    assert error is None and result is not None and shown[-1] == (result, None)
    assert all(entry[0] is None or entry[0] is result for entry in shown)  # the held check's result was dropped


def test_the_busy_state_shows_on_each_request_and_a_result_carries_its_own_requests_note():
    check = HeldCheck()
    events: list[str] = []
    background = BackgroundCheck(check, lambda result, error, note: events.append(f"shown{note}"), lambda: events.append("busy"))
    background.submit(_mapping("id"), "; first")
    assert check.started.wait(timeout=30)
    background.submit(_mapping("id"), "; second")
    check.release.set()
    background.wait()
    assert events == ["busy", "busy", "shown; second"]  # the first result, superseded, never overwrote the second's state
