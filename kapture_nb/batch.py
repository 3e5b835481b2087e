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
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import paths
from .exceptions import BodyTypeError, ConfigurationError, KaptureError
from .frames import SendResult, frame_from_rows
from .journal import Journal, body_hash, row_key
from .mapping import FieldMapping

if TYPE_CHECKING:
    from tqdm import tqdm

log = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], SendResult]
"""Sends one body and says what came of it, failures included (it never raises for a failed send)."""
Data = pd.DataFrame | pd.Series | Sequence[dict[str, Any]]


@dataclass(frozen=True)
class BatchOptions:
    """How a batch goes out: worker threads, the journal, the progress bar, a dry run, starts per second."""

    concurrency: int = 4
    journal: str | os.PathLike[str] | Journal | None = None
    progress: bool = True
    dry_run: bool = False
    rate_limit: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.concurrency, bool) or not isinstance(self.concurrency, int) or self.concurrency < 1:
            raise ConfigurationError(f"concurrency must be a whole number, at least 1, got {self.concurrency!r}")
        if self.rate_limit is not None and not self.rate_limit > 0:
            raise ConfigurationError(f"rate_limit is starts per second, more than 0 (or None), got {self.rate_limit!r}")


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
        mapping = FieldMapping({column: column for column in data.columns}, schema=schema)
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

    def wait(self) -> None:
        """Block until this start is due."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


class _Stop:
    """Why the rest of the batch is not sent (set once: the first reason wins)."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self._lock = threading.Lock()

    def set(self, reason: str) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason


def _bar(total: int, enabled: bool) -> tqdm[Any] | None:
    if not enabled:
        return None
    from tqdm.auto import tqdm  # late: tqdm.auto loads IPython and ipywidgets when they are there

    return tqdm(total=total, desc="update_orders", unit="row", leave=True)


def send_many(send: Send, batch: Batch, options: BatchOptions | None = None) -> pd.DataFrame:
    """Send every body (in parallel, in input order), one result row each, index aligned with ``batch.index``.

    Rows the journal records as done with the same body are not sent again (their row comes back with
    ``attempts`` 0); every other row gets a journal line, sent or not. A 401 stops the batch: the rest
    is marked as not sent.
    """
    options = options or BatchOptions()
    bodies, index, problems = batch.bodies, batch.index, batch.problems
    journal = options.journal
    book = journal if isinstance(journal, Journal) or journal is None else Journal(journal)
    done = book.succeeded() if book is not None else {}
    digests = [body_hash(body) for body in bodies] if book is not None else [""] * len(bodies)
    rows: list[dict[str, Any] | None] = [None] * len(bodies)
    stop = _Stop()
    limiter = RateLimiter(None if options.dry_run else options.rate_limit)

    def unsent(position: int) -> dict[str, Any]:
        return SendResult(order_id=paths.get(bodies[position], "order_info.order_id"), error=f"not sent: {stop.reason}").row()

    def outcome(position: int) -> dict[str, Any]:
        body, label = bodies[position], index[position]
        if position in problems:
            order_id = paths.get(body, "order_info.order_id")
            return SendResult(order_id=order_id, error=f"not sent, could not map the row: {problems[position]}").row()
        if not isinstance(body, dict):
            return SendResult(error=f"not sent: a body is a dict (a JSON object), got {type(body).__name__}").row()
        if stop.reason is not None:
            return unsent(position)
        limiter.wait()
        row = send(body).row()
        if row["http_status"] == 401:
            said = row["message"] or "unauthorized"
            stop.set(f"the batch stopped after HTTP 401 on row {label!r} ({said}); check the credentials")
        return row

    def record(position: int, row: dict[str, Any]) -> dict[str, Any]:
        if book is not None and not options.dry_run:
            book.record(index[position], digests[position], row)
        return row

    def run(position: int) -> dict[str, Any]:
        earlier = None if position in problems else done.get(row_key(index[position]))
        if earlier is not None and earlier.get("body_sha256") == digests[position]:
            return _from_journal(earlier)
        return record(position, outcome(position))

    bar = _bar(len(bodies), options.progress)
    ok = failed = 0
    try:
        with ThreadPoolExecutor(max_workers=options.concurrency, thread_name_prefix="kapture") as pool:
            futures: dict[Future[dict[str, Any]], int] = {pool.submit(run, at): at for at in range(len(bodies))}
            try:
                for future in as_completed(futures):
                    row = future.result()
                    rows[futures[future]] = row
                    ok, failed = ok + row["ok"], failed + (not row["ok"])
                    if bar is not None:
                        bar.set_postfix_str(f"ok={ok}, failed={failed}", refresh=False)
                        bar.update(1)
            except KeyboardInterrupt:
                stop.set("the batch was interrupted")
                log.warning("update_orders interrupted: the rows not yet sent are marked as not sent")
                pool.shutdown(wait=True, cancel_futures=True)
                for future, position in futures.items():
                    if future.done() and not future.cancelled():
                        rows[position] = future.result()
        for position in range(len(rows)):
            if rows[position] is None:
                rows[position] = record(position, unsent(position))
    finally:
        if bar is not None:
            bar.close()
        if book is not None and book is not journal:
            book.close()
    return frame_from_rows([row for row in rows if row is not None], index=index)


def _from_journal(entry: dict[str, Any]) -> dict[str, Any]:
    """The row a previous run recorded, marked as not sent again (attempts 0)."""
    result = SendResult(
        order_id=entry.get("order_id"),
        http_status=entry.get("http_status"),
        text=entry.get("response"),
        attempts=0,
        elapsed_ms=None,
    )
    try:
        result.payload = json.loads(entry.get("response") or "null")
    except ValueError:
        result.payload = None
    return result.row()
