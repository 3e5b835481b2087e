"""Read request bodies from JSON files (one body or a list) and JSONL files (one body a line)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .exceptions import KaptureError

JSONL_SUFFIXES = {".jsonl", ".ndjson"}


class BodyFileError(KaptureError, ValueError):
    """A body file that cannot be read or is not JSON."""


def read_bodies(path: str | Path) -> list[tuple[str, Any]]:
    """``(label, body)`` pairs from one UTF-8 file (a BOM is allowed).

    The label is ``line N`` (JSONL), ``item N`` (a JSON list) or ``""`` (one body).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BodyFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BodyFileError(f"{path}: cannot read it ({exc.__class__.__name__}: {exc})") from None
    if path.suffix.lower() in JSONL_SUFFIXES:
        # Split on newlines only: str.splitlines() would also cut at U+2028 and others, which JSON strings may hold.
        return [
            (f"line {number}", _loads(line, f"{path}, line {number}"))
            for number, line in enumerate(text.split("\n"), start=1)
            if line.strip()
        ]
    data = _loads(text, str(path))
    if isinstance(data, list):
        return [(f"item {index}", body) for index, body in enumerate(data)]
    return [("", data)]


def _loads(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BodyFileError(f"{where}: not JSON ({exc.msg}; line {exc.lineno}, column {exc.colno})") from None
