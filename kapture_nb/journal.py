"""An append-only JSONL record of every send, read back to resume a batch where it stopped."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from .jsonvalues import as_whole

log = logging.getLogger(__name__)

JOURNAL_COLUMNS = [
    "row", "order_id", "body_sha256", "ok", "attempts", "http_status", "status", "error", "response",
    "elapsed_ms", "time",
]


def body_hash(body: Any) -> str:
    """A stable hash of a body: the same content gives the same hash whatever the key order."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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


def _ends_mid_line(path: Path) -> bool:
    """Whether the file's last line lacks its newline (a write cut short by a killed process)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            if handle.tell() == 0:
                return False
            handle.seek(-1, 2)
            return handle.read(1) != b"\n"
    except FileNotFoundError:
        return False


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    entries = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                entries.append(json.loads(line))
            except ValueError:
                # A kernel killed mid-write leaves a torn last line; that row was in flight and is sent again.
                log.warning("%s line %d is not complete JSON; it is ignored", path, number)
    return entries


class Journal:
    """Appends one JSON line per finished row, flushed at once, so a killed kernel loses only rows in flight."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._handle: TextIO | None = None

    def __repr__(self) -> str:
        return f"<Journal {self.path}>"

    def succeeded(self) -> dict[Any, dict[str, Any]]:
        """By row key, the rows whose latest entry succeeded, with that entry (a later failure undoes a success)."""
        done: dict[Any, dict[str, Any]] = {}
        for entry in _lines(self.path):
            if entry.get("ok"):
                done[row_key(entry.get("row"))] = entry
            else:
                done.pop(row_key(entry.get("row")), None)
        return done

    def record(self, label: Any, digest: str, row: dict[str, Any]) -> None:
        """Append the outcome of one row (never credentials: the row holds only the server's answer)."""
        entry = {
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
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        }
        line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
        with self._lock:
            handle = self._handle
            if handle is None:
                torn = _ends_mid_line(self.path)
                handle = self._handle = self.path.open("a", encoding="utf-8")
                if torn:  # end the torn line, or this entry would be glued to it and lost with it
                    handle.write("\n")
            handle.write(line)
            handle.flush()

    def close(self) -> None:
        """Close the file (it is reopened on the next record)."""
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


def read_journal(path: str | Path) -> pd.DataFrame:
    """The journal as a DataFrame, one row per line, with JOURNAL_COLUMNS."""
    entries = _lines(Path(path))
    frame = pd.DataFrame([[entry.get(c) for c in JOURNAL_COLUMNS] for entry in entries], columns=JOURNAL_COLUMNS)
    for column in ("order_id", "attempts", "http_status"):
        # from the raw entries: a column holding None would have made pandas turn the ints into floats
        frame[column] = pd.array([as_whole(entry.get(column)) for entry in entries], dtype="Int64")
    frame["ok"] = frame["ok"].astype(bool)
    frame["elapsed_ms"] = pd.to_numeric(frame["elapsed_ms"], errors="coerce").astype("float64")
    frame["time"] = pd.to_datetime(frame["time"], utc=True, format="ISO8601")
    return frame
