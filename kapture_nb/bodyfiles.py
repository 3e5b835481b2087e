"""Read request bodies from JSON files (one body or a list) and JSONL files (one body a line), and CSV exports as text; bounded.

Only regular files and standard input (``-``) are read: a named pipe would block, a device (``/dev/zero``)
would never end. Input is capped at ``max_bytes`` (checked with stat before reading, and while reading),
and a body's arrays and objects may nest ``MAX_DEPTH`` levels at most.
"""
from __future__ import annotations

import csv
import io
import json
import os
import stat
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .exceptions import KaptureError
from .jsonvalues import MAX_DEPTH  # the sandbox's limit too

if TYPE_CHECKING:
    import pandas as pd

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
STDIN = "-"
MAX_BYTES = 256 * 1024 * 1024
LINE = "line"  # the name of a CSV frame's index: the line of the file where each row starts (the header is line 1)
_TOO_DEEP = f"arrays and objects nest deeper than {MAX_DEPTH} levels, the limit"
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
# Opening a FIFO for reading waits for a writer unless non-blocking; a terminal must not become ours.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


class BodyFileError(KaptureError, ValueError):
    """An input file (bodies, a CSV export, a mapping, a declaration) that cannot be read, is too large, or is not JSON or CSV."""


def where(path: str | os.PathLike[str]) -> str:
    """How messages name an input: its path, or "standard input" for ``-``."""
    return "standard input" if os.fspath(path) == STDIN else str(path)


def read_bytes(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file, or of standard input for ``-``, if there are at most ``max_bytes``; else a BodyFileError.

    Anything but a regular file (a directory, a named pipe, a device) is refused before it is opened for reading.
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise BodyFileError(f"max_bytes must be a whole number of bytes, 1 or more, got {max_bytes!r}")
    if os.fspath(path) == STDIN:
        if sys.stdin is None:
            raise BodyFileError("there is no standard input to read")
        return _read_at_most(sys.stdin.buffer, max_bytes, where(path))
    return _read_file(Path(path), max_bytes)


def read_json(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> Any:
    """The one JSON value of a UTF-8 file (a BOM is allowed) or of standard input, bounded like ``read_bodies``."""
    value = _loads(_text(read_bytes(path, max_bytes=max_bytes), where(path)), where(path))
    if _deeper_than(value, MAX_DEPTH):
        raise BodyFileError(f"{where(path)}: {_TOO_DEEP}")
    return value


def read_bodies(
    path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES, jsonl: bool | None = None
) -> list[tuple[str, Any]]:
    """``(label, body)`` pairs from one UTF-8 file (a BOM is allowed), or from standard input for ``-``.

    JSONL when ``jsonl`` says so, else when the name ends in .jsonl or .ndjson (standard input: JSON).
    The label is ``line N`` (JSONL), ``item N`` (a JSON list) or ``""`` (one body).
    """
    data = read_bytes(path, max_bytes=max_bytes)
    shown = where(path)
    by_name = os.fspath(path) != STDIN and Path(path).suffix.lower() in JSONL_SUFFIXES  # standard input: JSON unless asked
    lines = by_name if jsonl is None else jsonl
    text = _text(data, shown)
    del data
    if lines:
        # Split on newlines only: str.splitlines() would also cut at U+2028 and others, which JSON strings may hold.
        bodies = [
            (f"line {number}", _loads(line, f"{shown}, line {number}"))
            for number, line in enumerate(text.split("\n"), start=1)
            if line.strip()
        ]
    else:
        value = _loads(text, shown)
        bodies = [(f"item {index}", body) for index, body in enumerate(value)] if isinstance(value, list) else [("", value)]
    for label, body in bodies:
        if _deeper_than(body, MAX_DEPTH):
            raise BodyFileError(f"{shown}{', ' if label else ''}{label}: {_TOO_DEEP}")
    return bodies


def read_csv_text(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> pd.DataFrame:
    """A CSV file (UTF-8, a BOM allowed, comma-separated, a header line first) as a DataFrame of text, bounded.

    Every cell is text as written (no number or date guessing; ``NA`` stays ``"NA"``); an empty cell is
    missing (NaN), as ``pd.read_csv(dtype=str, keep_default_na=False, na_values=[""])`` reads it. Blank lines
    are skipped. The index, named ``line``, is the line of the file where each row starts (the header is
    line 1). The columns are the header's names as written, a name twice included. A row with more or fewer
    cells than the header, a quote left open and text that is not UTF-8 are BodyFileErrors naming the line.
    """
    import pandas as pd

    shown = where(path)
    data = read_bytes(path, max_bytes=max_bytes)
    text = _text(data, shown)
    del data
    # The csv module, not pd.read_csv: pandas pads a short row with NaN without a word, renames a doubled
    # header name (Mobile.1) and cannot say on which line of the file a row starts.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    records: list[list[str]] = []
    starts: list[int] = []
    start = 1
    try:
        for record in reader:
            if not (record == [] or (len(record) == 1 and not record[0].strip(" \t"))):  # a blank line
                if header is None:
                    header = record
                elif len(record) != len(header):
                    raise BodyFileError(
                        f"{shown}, line {start}: {len(record)} cell(s) where the header has {len(header)}"
                        f"{'; is a comma inside a value that is not quoted?' if len(record) > len(header) else ''}"
                    )
                else:
                    records.append(record)
                    starts.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        reason = "a quoted value is not closed before the end of the file" if "end of data" in str(exc) else str(exc)
        raise BodyFileError(f"{shown}, line {start}: not CSV ({reason})") from None
    if header is None:
        raise BodyFileError(f"{shown}: no header line (the file is empty)")
    frame = pd.DataFrame(records, columns=header, index=pd.Index(starts, name=LINE, dtype="int64"), dtype=str)
    return frame.replace("", float("nan"))


def _text(data: bytes, shown: str) -> str:
    """UTF-8 text (a BOM is allowed), or a BodyFileError naming the line and the byte that is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BodyFileError(f"{shown}: not UTF-8 text ({exc.reason} at byte {exc.start}, line {line})") from None


def _read_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else is refused before it is read."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise BodyFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise BodyFileError(f"{path}: cannot read it ({exc.strerror or exc.__class__.__name__})") from None
    _check_kind(path, info.st_mode)
    _check_size(path, info.st_size, max_bytes)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise BodyFileError(f"{path}: cannot read it ({exc.strerror or exc.__class__.__name__})") from None
    with open(fd, "rb", closefd=True) as stream:
        _check_kind(path, os.fstat(fd).st_mode)  # it may have been swapped for something else since the stat
        return _read_at_most(stream, max_bytes, str(path))


def _check_kind(path: Path, mode: int) -> None:
    for test, kind in _KINDS:
        if test(mode):
            raise BodyFileError(f"{path}: {kind}, not a regular file; give a file, or - for standard input")
    if not stat.S_ISREG(mode):
        raise BodyFileError(f"{path}: not a regular file; give a file, or - for standard input")


def _check_size(where: object, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise BodyFileError(f"{where}: larger than {max_bytes} bytes, the size limit")


def _read_at_most(stream: IO[bytes], max_bytes: int, where: str) -> bytes:
    """All of ``stream`` if it holds at most ``max_bytes``; reads no more than one byte past the limit."""
    try:
        data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise BodyFileError(f"{where}: cannot read it ({exc.strerror or exc.__class__.__name__})") from None
    _check_size(where, len(data), max_bytes)
    return data


def _loads(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BodyFileError(f"{where}: not JSON ({exc.msg}; line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise BodyFileError(f"{where}: {_TOO_DEEP}") from None
    except ValueError:  # json.loads's other ValueError: an integer longer than int() reads
        raise BodyFileError(
            f"{where}: a number has more than {sys.get_int_max_str_digits()} digits, more than Python reads"
        ) from None


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether the lists and dicts of a parsed JSON value nest deeper than ``limit`` (walked without recursion)."""
    stack = [(value, 1)] if isinstance(value, (list, dict)) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (list, dict)))
    return False
