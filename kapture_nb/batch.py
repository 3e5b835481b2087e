"""Many sends: a thread pool, a progress bar, a rate limit, stop rules, and the journal."""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any

import pandas as pd
from tqdm.auto import tqdm

from .frames import SendResult, frame_from_rows
from .journal import Journal, body_hash, row_key

if TYPE_CHECKING:
    from .client import KaptureClient

log = logging.getLogger(__name__)


class RateLimiter:
    """At most ``per_second`` starts a second, shared by every worker thread."""

    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
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


def send_many(
    client: "KaptureClient",
    bodies: Sequence[Any],
    index: pd.Index,
    *,
    problems: dict[int, str] | None = None,
    concurrency: int = 4,
    journal: str | Journal | None = None,
    progress: bool = True,
    dry_run: bool = False,
    rate_limit: float | None = None,
    validate: bool = True,
    schema: Mapping | None = None,
) -> pd.DataFrame:
    """Send every body (in parallel, in input order), one result row each, index aligned with ``index``.

    With a journal, every row that is not read back from it as done gets a line, sent or not.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    problems = problems or {}
    book = journal if isinstance(journal, Journal) or journal is None else Journal(journal)
    done = book.succeeded() if book is not None else {}
    rows: list[dict | None] = [None] * len(bodies)
    digests = [body_hash(body) for body in bodies] if book is not None else [None] * len(bodies)
    stop = _Stop()
    limiter = RateLimiter(rate_limit)
    client.ensure_pool(concurrency)

    def unsent(position: int) -> dict:
        return SendResult(order_id=_order_id(bodies[position]), error=f"not sent: {stop.reason}").row()

    def outcome(position: int) -> dict:
        body, label = bodies[position], index[position]
        if position in problems:
            return SendResult(order_id=_order_id(body), error=f"not sent, could not map the row: {problems[position]}").row()
        if not isinstance(body, dict):
            return SendResult(error=f"not sent: a body is a dict (a JSON object), got {type(body).__name__}").row()
        if stop.reason is not None:
            return unsent(position)
        if not dry_run:
            limiter.wait()
        row = client.send(body, validate=validate, dry_run=dry_run, schema=schema).row()
        if row["http_status"] == 401:
            stop.set(f"the batch stopped after HTTP 401 on row {label!r} ({row['message'] or 'unauthorized'}); check the credentials")
        return row

    def record(position: int, row: dict) -> dict:
        if book is not None and not dry_run:
            book.record(index[position], digests[position], row)
        return row

    def run(position: int) -> dict:
        earlier = None if position in problems else done.get(row_key(index[position]))
        if earlier is not None and earlier.get("body_sha256") == digests[position]:
            return _from_journal(earlier)
        return record(position, outcome(position))

    bar = tqdm(total=len(bodies), disable=not progress, desc="update_orders", unit="row", leave=True)
    ok = failed = 0
    try:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="kapture") as pool:
            futures = {pool.submit(run, position): position for position in range(len(bodies))}
            try:
                for future in as_completed(futures):
                    row = future.result()
                    rows[futures[future]] = row
                    ok, failed = ok + row["ok"], failed + (not row["ok"])
                    bar.set_postfix_str(f"ok={ok}, failed={failed}", refresh=False)
                    bar.update(1)
            except KeyboardInterrupt:
                stop.set("the batch was interrupted")
                log.warning("update_orders interrupted: the rows not yet sent are marked as not sent")
                pool.shutdown(wait=True, cancel_futures=True)
                for future, position in futures.items():
                    if future.done() and not future.cancelled():
                        rows[position] = future.result()
        for position, row in enumerate(rows):
            if row is None:
                rows[position] = record(position, unsent(position))
    finally:
        bar.close()
        if book is not None and book is not journal:
            book.close()
    return frame_from_rows(rows, index=index)


def _order_id(body: Any) -> Any:
    order = body.get("order_info") if isinstance(body, dict) else None
    return order.get("order_id") if isinstance(order, dict) else None


def _from_journal(entry: dict) -> dict:
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
