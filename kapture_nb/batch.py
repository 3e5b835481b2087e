"""Many sends: bodies from a DataFrame, a mapping or a list; a thread pool, a progress bar, a rate limit, stop rules, the journal.

This layer knows nothing of HTTP: it is given a ``send(body) -> SendResult`` callable (a client's, or
any other) and turns its results into one frame, one row per input row, in input order.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import paths
from .exceptions import BodyTypeError, ConfigurationError, JournalError, KaptureError
from .frames import UNKNOWN, SendResult, frame_from_rows
from .journal import Journal, body_hash, row_key
from .jsonvalues import as_whole
from .mapping import Column, FieldMapping
from .orderframes import order_id_of

if TYPE_CHECKING:
    from tqdm import tqdm

log = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], SendResult]
"""Sends one body and says what came of it, failures included (it never raises for a failed send)."""
Data = pd.DataFrame | pd.Series | Sequence[dict[str, Any]]
# What to do with rows that update the same order: send them one after another in row order (the last
# wins, every time), send only the last, or send none of them.
DUPLICATES = ("in_order", "last", "error")


@dataclass(frozen=True)
class BatchOptions:
    """How a batch goes out: worker threads, the journal, the progress bar, a dry run, starts per second.

    ``resend_unknown=True`` sends again the update rows whose latest journal line says "unknown" (sent, no
    answer: the server may have applied them); an Add body (no ``order_info.order_id``) is never sent again
    automatically, since it could create a second order.
    """

    concurrency: int = 4
    journal: str | os.PathLike[str] | Journal | None = None
    progress: bool = True
    dry_run: bool = False
    rate_limit: float | None = None
    duplicates: str = "in_order"
    resend_unknown: bool = False

    def __post_init__(self) -> None:
        if self.duplicates not in DUPLICATES:
            raise ConfigurationError(f"duplicates must be one of {', '.join(map(repr, DUPLICATES))}, got {self.duplicates!r}")
        if isinstance(self.concurrency, bool) or not isinstance(self.concurrency, int) or self.concurrency < 1:
            raise ConfigurationError(f"concurrency must be a whole number, at least 1, got {self.concurrency!r}")
        if self.rate_limit is not None and not self.rate_limit > 0:
            raise ConfigurationError(f"rate_limit is starts per second, more than 0 (or None), got {self.rate_limit!r}")
        if not isinstance(self.resend_unknown, bool):
            raise ConfigurationError(f"resend_unknown is True or False, got {self.resend_unknown!r}")


@dataclass
class Batch:
    """The bodies to send, their row labels, why rows could not be mapped (by position), the schema to check them against."""

    bodies: list[Any]
    index: pd.Index
    problems: dict[int, str]
    schema: Mapping[str, Any] | None


def bodies_of(
    data: Data, mapping: FieldMapping | Mapping[Any, Any] | None = None, schema: Mapping[str, Any] | None = None
) -> Batch:
    """A batch from a list or Series of bodies, or a DataFrame through ``mapping`` (without one, its columns are body paths)."""
    if isinstance(data, pd.DataFrame):
        return _mapped(data, mapping, schema)
    if mapping is not None:
        raise KaptureError("a mapping maps a DataFrame; give bodies (dicts) without one")
    if isinstance(data, pd.Series):
        return Batch(list(data), data.index, {}, schema)
    if isinstance(data, dict):
        raise BodyTypeError("update_orders takes many bodies (a list or a DataFrame); use update_order for one")
    bodies = list(data)
    return Batch(bodies, pd.RangeIndex(len(bodies)), {}, schema)


def _mapped(data: pd.DataFrame, mapping: FieldMapping | Mapping[Any, Any] | None, schema: Mapping[str, Any] | None) -> Batch:
    if mapping is None:
        # each column a path (a MultiIndex column's tuple names one by its parts), read by its own label
        targets: dict[Any, Any] = {column: column if isinstance(column, str) else Column(column) for column in data.columns}
        mapping = FieldMapping(targets, schema=schema)
    elif not isinstance(mapping, FieldMapping):
        mapping = FieldMapping(mapping, schema=schema)
    mapped = mapping.build(data)
    problems: dict[int, str] = {}
    if len(mapped.problems):
        if not data.index.is_unique:
            raise KaptureError("the DataFrame's index has duplicate labels; reset_index() first")
        positions = {label: i for i, label in enumerate(data.index)}
        for problem in mapped.problems.itertuples(index=False):
            problems.setdefault(positions[problem.row], f"{problem.path}: {problem.message}")
    return Batch(mapped.bodies, data.index, problems, mapping.schema if mapping.schema is not None else schema)


class RateLimiter:
    """At most ``per_second`` starts a second, shared by every worker thread."""

    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, cancel: threading.Event | None = None) -> None:
        """Block until this start is due, or until ``cancel`` is set."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            if cancel is None:
                time.sleep(start - now)
            else:
                cancel.wait(start - now)


class _Stop:
    """Why the rest of the batch is not sent (set once: the first reason wins); ``event`` wakes rate-limited workers."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.event = threading.Event()
        self._lock = threading.Lock()

    def set(self, reason: str) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason
        self.event.set()


class _Writes:
    """The journal's write failures in this batch: the first one's reason, and the sent rows left without a line."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.unrecorded = 0
        self._lock = threading.Lock()

    def failed(self, reason: str, sent: bool) -> None:
        with self._lock:
            self.reason = self.reason or reason
            self.unrecorded += sent


# The bar's colour: red once a row has failed, amber while an outcome is unknown, green only when all went through.
BAR_COLOURS = {"failed": "#d62728", UNKNOWN: "#ff9f0a", "ok": "#2ca02c"}
SKIPPED = "skipped"  # the bar's name for rows the journal records as done: not sent again, not counted as ok


def _bar(total: int, enabled: bool) -> tqdm[Any] | None:
    if not enabled:
        return None
    from tqdm.auto import tqdm  # late: tqdm.auto loads IPython and ipywidgets when they are there

    return tqdm(total=total, desc="update_orders", unit="row", leave=True, colour=BAR_COLOURS["ok"])


def _show(bar: tqdm[Any], counts: Counter[str], dry_run: bool) -> None:
    """The bar's postfix (ok, failed, and unknown and skipped when there are any) and its colour, from the counts so far."""
    shown = ["would send", "would not"] if dry_run else ["ok", "failed"]
    shown += [name for name in (UNKNOWN, SKIPPED) if counts[name]]
    bar.set_postfix_str(", ".join(f"{name}={counts[name]}" for name in shown), refresh=False)
    failed = counts["failed"] + counts["would not"]
    bar.colour = BAR_COLOURS["failed" if failed else UNKNOWN if counts[UNKNOWN] else "ok"]


def _chains(batch: Batch, duplicates: str) -> tuple[list[list[int]], dict[int, str]]:
    """The positions to send, grouped into chains sent one after another, and the rows held back for being duplicates."""
    rows_of: dict[int, list[int]] = {}
    for position, body in enumerate(batch.bodies):
        order_id = order_id_of(body) if position not in batch.problems else None
        if order_id is not None:
            rows_of.setdefault(order_id, []).append(position)
    held: dict[int, str] = {}
    chained: dict[int, list[int]] = {}
    for order_id, positions in rows_of.items():
        if len(positions) == 1:
            continue
        labels = ", ".join(repr(batch.index[p]) for p in positions)
        if duplicates == "in_order":
            chained[positions[0]] = positions
        elif duplicates == "last":
            last = batch.index[positions[-1]]
            held.update({p: f"superseded by row {last!r}, which updates order {order_id} too" for p in positions[:-1]})
        else:
            held.update({p: f"order {order_id} is in rows {labels} (duplicates='error')" for p in positions})
    inside = {p for chain in chained.values() for p in chain[1:]}
    chains = [chained.get(p, [p]) for p in range(len(batch.bodies)) if p not in inside and p not in held]
    return chains, held


def send_many(send: Send, batch: Batch, options: BatchOptions | None = None) -> pd.DataFrame:
    """Send every body (in parallel, in input order), one result row each, index aligned with ``batch.index``.

    Rows of one order go out one after another in row order, never at the same time (see
    ``BatchOptions.duplicates`` for the other choices). With a journal, the batch first locks it and
    writes its start line (a JournalError, before anything is sent, when it cannot); rows the journal
    records as done are not sent again (their row comes back with ``attempts`` 0), nor are rows it records
    as sent and never answered ("unknown") unless ``resend_unknown``, and never Add bodies (see ``_settled``
    for how rows are matched: by label, then by body); every other row gets a journal line, sent or not. A 401
    stops the batch, and so does a journal write that fails: the rest is marked as not sent, and no
    request starts after the stop (those in flight finish and are reported). A dry run sends nothing,
    writes nothing and claims nothing: every row is ``ok`` False with status "dry run", and ``error``
    says why a body would not be sent.
    """
    options = options or BatchOptions()
    journal = options.journal
    book = journal if isinstance(journal, Journal) or journal is None else Journal(journal)
    if book is None or options.dry_run:
        return _send_all(send, batch, options, book)
    with book.batch(len(batch.bodies)):
        return _send_all(send, batch, options, book)


def _send_all(send: Send, batch: Batch, options: BatchOptions, book: Journal | None) -> pd.DataFrame:
    """send_many's work, the journal (if any) already held."""
    bodies, index, problems = batch.bodies, batch.index, batch.problems
    digests = [body_hash(body) for body in bodies] if book is not None else [""] * len(bodies)
    settled = _settled(batch, _earlier(book.entries() if book is not None else []), digests, options.resend_unknown)
    rows: list[dict[str, Any] | None] = [None] * len(bodies)
    chains, held = _chains(batch, options.duplicates)
    stop = _Stop()
    writes = _Writes()
    limiter = RateLimiter(None if options.dry_run else options.rate_limit)

    def unsent(position: int, reason: str, prefix: str = "not sent: ") -> dict[str, Any]:
        order_id = paths.get(bodies[position], "order_info.order_id")
        return SendResult(order_id=order_id, error=prefix + reason, dry_run=options.dry_run).row()

    def outcome(position: int) -> dict[str, Any]:
        body, label = bodies[position], index[position]
        if position in problems:
            return unsent(position, problems[position], "not sent, could not map the row: ")
        if not isinstance(body, dict):
            return unsent(position, f"a body is a dict (a JSON object), got {type(body).__name__}")
        if stop.reason is None:
            limiter.wait(stop.event)
        if stop.reason is not None:  # looked at as late as possible: after a stop, no new request starts
            return unsent(position, stop.reason)
        try:
            row = send(body).row()
        except Exception as exc:  # a send that raises is a bug; its row must not take the batch's frame down with it
            log.exception("row %r: the send raised", label)
            if options.dry_run:  # nothing goes out in a dry run: its outcome is known
                return unsent(position, f"the dry run's check raised {type(exc).__name__} (a bug; see the log)")
            said = f"the send raised {type(exc).__name__}; the server may have applied it (see the log)"
            order_id = paths.get(body, "order_info.order_id")
            return SendResult(order_id=order_id, error=f"outcome unknown: {said}", unknown=True).row()
        if row["http_status"] == 401:
            said = row["message"] or "unauthorized"
            stop.set(f"the batch stopped after HTTP 401 on row {label!r} ({said}); check the credentials")
        return row

    def record(position: int, row: dict[str, Any]) -> dict[str, Any]:
        if book is not None and not options.dry_run:
            try:
                book.record(index[position], digests[position], row)
            except JournalError as exc:
                writes.failed(exc.reason, sent=bool(row["attempts"]))
                stop.set(f"journal write failed: {exc.reason}")
        return row

    def run(chain: list[int]) -> list[tuple[int, dict[str, Any]]]:
        return [(position, record(position, outcome(position))) for position in chain]

    for position, row in settled.items():
        rows[position] = row
    for position, reason in held.items():
        if position not in settled:
            rows[position] = record(position, unsent(position, reason))
    chains = [kept for chain in chains if (kept := [position for position in chain if position not in settled])]
    bar = _bar(len(bodies), options.progress)
    counts = Counter(_tally(row, options.dry_run, position in settled) for position, row in enumerate(rows) if row is not None)
    try:
        if bar is not None:
            _show(bar, counts, options.dry_run)
            bar.update(sum(counts.values()))
        with ThreadPoolExecutor(max_workers=options.concurrency, thread_name_prefix="kapture") as pool:
            futures = {pool.submit(run, chain): chain for chain in chains}
            try:
                for future in as_completed(futures):
                    for position, row in future.result():
                        rows[position] = row
                        counts[_tally(row, options.dry_run)] += 1
                    if bar is not None:
                        _show(bar, counts, options.dry_run)
                        bar.update(len(futures[future]))
            except KeyboardInterrupt:
                stop.set("the batch was interrupted")
                log.warning("update_orders interrupted: the rows not yet sent are marked as not sent")
                pool.shutdown(wait=True, cancel_futures=True)
                for future in futures:
                    if future.done() and not future.cancelled() and future.exception() is None:
                        for position, row in future.result():
                            rows[position] = row
        for position in range(len(rows)):
            if rows[position] is None:
                row = record(position, unsent(position, stop.reason or "the batch was interrupted"))
                rows[position] = row
                counts[_tally(row, options.dry_run)] += 1  # not sent: the bar stays short of 100%
        if bar is not None:
            _show(bar, counts, options.dry_run)
    finally:
        if bar is not None:
            bar.close()
    if writes.reason is not None and book is not None:
        stopped = sum(1 for row in rows if row is not None and (row["error"] or "").startswith("not sent: journal write failed"))
        log.warning(
            "journal %s: a write failed (%s), so the batch stopped: %d row(s) not sent; %d sent row(s) have no line in "
            "the journal, and a rerun with it would send them again",
            book.path, writes.reason, stopped, writes.unrecorded,
        )
    return frame_from_rows([row for row in rows if row is not None], index=index)


@dataclass(frozen=True)
class _Earlier:
    """What the journal says of earlier runs: each row's latest entry (by row key), and what settles each body (by digest)."""

    rows: dict[Any, dict[str, Any]]
    bodies: dict[str, dict[str, Any]]


def _earlier(entries: list[dict[str, Any]]) -> _Earlier:
    """Index the journal's entries (in line order) by row, and by body.

    A body is done when any entry with it succeeded (nothing later undoes what the server applied); otherwise
    it is unknown when the latest entry that sent it says "unknown". Lines of rows that were not sent (a
    stop, a duplicate, an invalid body) say nothing of what the server holds, so they are passed over.
    """
    rows: dict[Any, dict[str, Any]] = {}
    done: dict[str, dict[str, Any]] = {}
    sent: dict[str, dict[str, Any]] = {}
    for entry in entries:
        rows[row_key(entry["row"])] = entry
        digest = entry.get("body_sha256")
        if digest is None:
            continue
        if entry["ok"]:
            done[digest] = entry
        elif entry.get("status") == UNKNOWN or (as_whole(entry.get("attempts")) or 0) > 0:
            sent[digest] = entry
    bodies = {digest: entry for digest, entry in sent.items() if entry.get("status") == UNKNOWN}
    return _Earlier(rows, {**bodies, **done})


def _settled(batch: Batch, earlier: _Earlier, digests: list[str], resend_unknown: bool) -> dict[int, dict[str, Any]]:
    """By position, the rows the journal settles: done, or sent and never answered (not sent again).

    A row is matched by its label first: its latest entry, when it holds the same body. Otherwise (another
    label, another body there, or an entry that settles nothing) by its body under any label, so that rows
    whose labels moved (a line deleted from a CSV file) are not sent twice. Two rows of one batch with the
    same body are both done when the journal holds that body as done.
    """
    settled: dict[int, dict[str, Any]] = {}
    if not earlier.rows:
        return settled
    for position, body in enumerate(batch.bodies):
        if position in batch.problems or not isinstance(body, dict):
            continue
        add = order_id_of(body) is None
        entry = earlier.rows.get(row_key(batch.index[position]))
        row = None
        if entry is not None and entry.get("body_sha256") == digests[position]:
            row = _settling(entry, add, resend_unknown, by_body=False)
        if row is None and (entry := earlier.bodies.get(digests[position])) is not None:
            row = _settling(entry, add, resend_unknown, by_body=True)
        if row is not None:
            settled[position] = row
    return settled


def _settling(entry: dict[str, Any], add: bool, resend_unknown: bool, *, by_body: bool) -> dict[str, Any] | None:
    """The row an earlier run's entry gives a row (done, or held back for an unknown outcome); None: send it."""
    under = entry["row"] if by_body else None
    if entry["ok"]:
        return _from_journal(entry, under)
    if entry.get("status") == UNKNOWN and (add or not resend_unknown):
        return _unknown_from_journal(entry, add, under)
    return None


def _tally(row: dict[str, Any], dry_run: bool, settled: bool = False) -> str:
    """The progress bar's name for a row's outcome (``settled``: the journal's, not this run's)."""
    if settled and row["ok"]:
        return SKIPPED
    if dry_run:
        return "would send" if row["error"] is None else "would not"
    if row["status"] == UNKNOWN:
        return UNKNOWN
    return "ok" if row["ok"] else "failed"


def _from_journal(entry: dict[str, Any], under: Any = None) -> dict[str, Any]:
    """The row a previous run recorded, marked as not sent again (attempts 0); ``under``: the label it was done under,
    when the row was matched by its body."""
    result = SendResult(
        order_id=entry.get("order_id"),
        http_status=entry.get("http_status"),
        text=entry.get("response"),
        attempts=0,
        elapsed_ms=None,
    )
    try:
        result.payload = json.loads(entry.get("response") or "null")
    except (ValueError, RecursionError):
        result.payload = None
    row = result.row()
    if under is not None:
        said = f": {row['message']}" if row["message"] else ""
        row["message"] = f"done in an earlier run under row label {under!r} (matched by its body){said}"
    return row


def _unknown_from_journal(entry: dict[str, Any], add: bool, under: Any = None) -> dict[str, Any]:
    """The row of a body an earlier run sent and never heard back about: not sent again, and why (``under``: the
    label it was sent under, when the row was matched by its body)."""
    when = f"an earlier run ({entry['time']})" if entry.get("time") else "an earlier run"
    sent_as = f" as row label {under!r}" if under is not None else ""
    if add:
        effect = "an Add may have created the order"
        advice = (
            "an Add body (no order_info.order_id) is never sent again automatically, not even with resend_unknown=True, "
            "since it could create a second order: look for the order in Kapture, and if it is not there, send this row "
            "without this journal"
        )
    else:
        effect = "the order may have been updated"
        advice = "look at the order in Kapture; to send it again, rerun with resend_unknown=True"
    error = (
        f"outcome unknown: not sent again: {when} sent this body{sent_as} and got no answer, so the server may have applied it "
        f"({effect}); {advice}"
    )
    return SendResult(
        order_id=entry.get("order_id"), http_status=entry.get("http_status"), text=entry.get("response"),
        error=error, attempts=0, unknown=True,
    ).row()
