"""An append-only JSONL record of every send, held by one batch at a time, read back to resume a batch where it stopped.

A batch locks the journal (``<journal>.lock``, filelock, no waiting) and writes a start line (pid, time, rows)
before its first send, so a journal that cannot be locked or written fails the batch before anything goes out.
Readers skip start lines; damaged lines (not a row this module wrote: another encoding, binary data, a line cut
short, JSON that is not a journal row) are skipped with one warning that counts them.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import JournalError, JournalLockedError
from .jsonvalues import as_whole
from .schema import MAX_ID as _INT64_MAX  # the journal holds ids and counts as the frames do: 64-bit

log = logging.getLogger(__name__)

JOURNAL_COLUMNS = [
    "row", "order_id", "body_sha256", "ok", "attempts", "http_status", "status", "error", "response",
    "elapsed_ms", "time",
]
START = "batch started"  # the "event" of a batch's first line; not a row
_TEXT_FIELDS = ("body_sha256", "status", "error", "response")
_WHOLE_FIELDS = ("order_id", "attempts", "http_status")
_SHOWN = 5  # damaged line numbers named in the warning


def body_hash(body: Any) -> str:
    """A stable hash of a body: the same content gives the same hash whatever the key order."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def row_key(label: Any) -> Any:
    """A row label as the journal stores it: ints and strings as they are, anything else as text.

    numpy scalars count as the Python values they hold, inside MultiIndex tuples too, so that the
    text does not depend on the numpy version (numpy 2 writes ``np.int64(1)`` where 1.x wrote ``1``).
    """
    if isinstance(label, np.generic):
        label = label.item()
    if isinstance(label, tuple):
        return str(tuple(part.item() if isinstance(part, np.generic) else part for part in label))
    if isinstance(label, bool) or not isinstance(label, (int, str)):
        return str(label)
    return label


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _line(entry: dict[str, Any]) -> bytes:
    """One JSON line; a string JSON cannot carry as UTF-8 (a lone surrogate) is written escaped, not lost."""
    try:
        return (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(entry, ensure_ascii=True, default=str) + "\n").encode("ascii")


def _ends_mid_line(path: Path) -> bool:
    """Whether the file's last line lacks its newline (a write cut short by a killed process or a full disk)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            if handle.tell() == 0:
                return False
            handle.seek(-1, 2)
            return handle.read(1) != b"\n"
    except OSError:
        return False


def _time(value: Any) -> dt.datetime | None:
    """The moment an ISO 8601 text with a UTC offset names, within pandas' range; None when it names none."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None and 1700 < moment.year < 2200 else None


def _is_row(value: Any) -> bool:
    """Whether a parsed line is a row as ``Journal.record`` writes it (the fields readers use have their types)."""
    if not isinstance(value, dict) or "row" not in value or not isinstance(value.get("ok"), bool):
        return False
    for name in _WHOLE_FIELDS:
        item = value.get(name)
        whole = as_whole(item)
        if item is not None and (whole is None or not -_INT64_MAX - 1 <= whole <= _INT64_MAX):
            return False
    if any(value.get(name) is not None and not isinstance(value.get(name), str) for name in _TEXT_FIELDS):
        return False
    elapsed = value.get("elapsed_ms")
    if elapsed is not None and not (isinstance(elapsed, float) or (type(elapsed) is int and abs(elapsed) <= _INT64_MAX)):
        return False
    return value.get("time") is None or _time(value.get("time")) is not None


@dataclass
class _Read:
    """What a journal holds: its rows in line order, the numbers of its damaged lines, its latest start line."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    damaged: list[int] = field(default_factory=list)
    started: dict[str, Any] | None = None

    def warn(self, path: Path, consequence: str) -> None:
        """One warning for every damaged line of this read."""
        if not self.damaged:
            return
        shown = ", ".join(map(str, self.damaged[:_SHOWN])) + (", ..." if len(self.damaged) > _SHOWN else "")
        log.warning(
            "journal %s: %d damaged line(s) skipped (line %s): not rows this toolkit wrote (another encoding, binary data, "
            "a line cut short, JSON that is not a journal row); %s",
            path, len(self.damaged), shown, consequence,
        )


def _read(path: Path) -> _Read:
    """Every line of the journal, read as bytes and decoded line by line (a missing file holds nothing)."""
    found = _Read()
    try:
        # O_NONBLOCK: a FIFO put where the journal should be is refused below instead of blocking for ever
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return found
    except OSError as exc:
        raise JournalError(path, _reason(exc), "cannot read it") from exc
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # before open(), which refuses a directory with an error of its own
        os.close(descriptor)
        raise JournalError(path, "not a regular file", "cannot read it")
    with open(descriptor, "rb", closefd=True) as handle:
        try:
            for number, raw in enumerate(handle, start=1):
                _take(found, number, raw)
        except OSError as exc:
            raise JournalError(path, _reason(exc), "cannot read it") from exc
    return found


def _take(found: _Read, number: int, raw: bytes) -> None:
    """Add one line of the journal to what was found: a row, a start line, nothing (blank), or damage."""
    text = raw.strip()
    if not text:
        return
    try:
        value = json.loads(text.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        found.damaged.append(number)
        return
    if _is_row(value):
        found.entries.append(value)
    elif isinstance(value, dict) and value.get("event") == START and "row" not in value:
        found.started = value
    else:
        found.damaged.append(number)


class Journal:
    """Appends one JSON line per finished row, on disk (in the OS) as soon as ``record`` returns; one batch at a time.

    ``send_many`` holds it with ``batch()`` for the whole batch. ``record`` outside a batch appends without the lock.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._lock = threading.Lock()
        self._descriptor: int | None = None
        self._cut = False  # the last line may lack its newline (a torn line, a failed write): start the next on its own

    def __repr__(self) -> str:
        return f"<Journal {self.path}>"

    @contextlib.contextmanager
    def batch(self, rows: int) -> Iterator[None]:
        """Hold the journal for one batch: locked without waiting, opened and its start line written, or a JournalError.

        The lock is released and the file closed when the block ends, by an error or an interrupt too.
        """
        from filelock import FileLock, Timeout  # late: only a batch with a journal needs it

        self._make_folder()
        lock = FileLock(str(self.lock_path), timeout=0, thread_local=False)
        try:
            lock.acquire()
        except Timeout:
            started = self._started()
            raise JournalLockedError(self.path, as_whole(started.get("pid")), started.get("time")) from None
        except OSError as exc:
            raise JournalError(self.path, _reason(exc), f"cannot create its lock file {self.lock_path}") from exc
        try:
            self._write({"event": START, "pid": os.getpid(), "rows": rows, "time": _now()})
            yield
        finally:
            try:
                self.close()
            finally:
                lock.release()

    def _started(self) -> dict[str, Any]:
        """The latest start line: the holder's, once it has written it (the lock file holds no pid: filelock owns it)."""
        try:
            return _read(self.path).started or {}
        except JournalError:
            return {}

    def entries(self) -> list[dict[str, Any]]:
        """Every row's entries in line order: what a rerun goes by (damaged lines skipped, with one warning)."""
        read = _read(self.path)
        read.warn(self.path, "the rows they recorded count as never sent, and a rerun sends them")
        return read.entries

    def latest(self) -> dict[Any, dict[str, Any]]:
        """By row key, each row's latest entry (damaged lines skipped, with one warning)."""
        return {row_key(entry["row"]): entry for entry in self.entries()}

    def succeeded(self) -> dict[Any, dict[str, Any]]:
        """By row key, the rows whose latest entry succeeded, with that entry (a later failure undoes a success)."""
        return {key: entry for key, entry in self.latest().items() if entry["ok"]}

    def record(self, label: Any, digest: str, row: dict[str, Any]) -> None:
        """Append the outcome of one row (never credentials: the row holds only the server's answer); JournalError if it fails."""
        self._write(
            {
                "row": row_key(label),
                "order_id": row.get("order_id"),
                "body_sha256": digest,
                "ok": bool(row.get("ok")),
                "attempts": row.get("attempts"),
                "http_status": row.get("http_status"),
                "status": row.get("status"),
                "error": row.get("error"),
                "response": row.get("response"),
                "elapsed_ms": row.get("elapsed_ms"),
                "time": _now(),
            }
        )

    def close(self) -> None:
        """Close the file (it is reopened on the next record)."""
        with self._lock:
            if self._descriptor is not None:
                descriptor, self._descriptor = self._descriptor, None
                os.close(descriptor)

    def _write(self, entry: dict[str, Any]) -> None:
        data = _line(entry)
        with self._lock:
            descriptor = self._open()
            if self._cut:
                data = b"\n" + data
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(descriptor, view):]
            except OSError as exc:
                self._cut = True
                raise JournalError(self.path, _reason(exc), "a write failed") from exc
            self._cut = False

    def _open(self) -> int:
        if self._descriptor is not None:
            return self._descriptor
        self._make_folder()
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        try:
            descriptor = os.open(self.path, flags, 0o666)
        except OSError as exc:
            raise JournalError(self.path, _reason(exc), "cannot open it for writing") from exc
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            raise JournalError(self.path, "not a regular file", "cannot open it for writing")
        self._cut = _ends_mid_line(self.path)  # a line torn by a kill: end it, or the next entry is glued to it and lost
        self._descriptor = descriptor
        return descriptor

    def _make_folder(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise JournalError(self.path, _reason(exc), f"cannot create its folder {self.path.parent}") from exc


def read_journal(path: str | os.PathLike[str], *, latest: bool = False) -> pd.DataFrame:
    """The journal as a DataFrame, one row per line (``latest=True``: per row, its latest line), with JOURNAL_COLUMNS.

    Start lines are left out; damaged lines are skipped with one warning, and counted in ``frame.attrs["skipped_lines"]``.
    """
    read = _read(Path(path))
    read.warn(Path(path), 'they are left out of the frame (see frame.attrs["skipped_lines"])')
    entries = read.entries
    if latest:
        last = {row_key(entry["row"]): position for position, entry in enumerate(entries)}
        entries = [entries[position] for position in sorted(last.values())]
    frame = pd.DataFrame([[entry.get(c) for c in JOURNAL_COLUMNS] for entry in entries], columns=JOURNAL_COLUMNS)
    for column in _WHOLE_FIELDS:
        # from the raw entries: a column holding None would have made pandas turn the ints into floats
        frame[column] = pd.array([as_whole(entry.get(column)) for entry in entries], dtype="Int64")
    frame["ok"] = frame["ok"].astype(bool)
    elapsed = [entry.get("elapsed_ms") for entry in entries]
    frame["elapsed_ms"] = np.array([np.nan if value is None else float(value) for value in elapsed], dtype="float64")
    moments = pd.Series([_time(entry.get("time")) for entry in entries], dtype=object)
    frame["time"] = pd.to_datetime(moments, utc=True).astype("datetime64[us, UTC]")  # one unit, also when empty
    frame.attrs["skipped_lines"] = len(read.damaged)
    return frame
