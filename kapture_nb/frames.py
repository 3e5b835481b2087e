"""Responses as DataFrames: one row per body, with the same columns and dtypes every time."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import requests
from pandas.arrays import BooleanArray, IntegerArray, StringArray

from . import paths
from .jsonvalues import as_whole

DRY_RUN = "dry run"  # the status of every row of a dry run
UNKNOWN = "unknown"  # the status of a row whose request went out but whose answer never came: it may have been applied
RESULT_COLUMNS = [
    "order_id", "ok", "http_status", "status", "message", "result", "customer_id", "enquiry_id",
    "contact_id", "action", "action_event", "error", "attempts", "elapsed_ms", "response",
]
SHORT_TEXT_CHARS = 500  # of a response's status or message, in their columns and in error texts
KEPT_RESPONSE_CHARS = 16 * 1024  # of a response's text, the frame and the journal keep this much, marked when cut
_INT64_LOW, _INT64_HIGH = -(2**63), 2**63 - 1
_INT = ("order_id", "http_status", "customer_id", "enquiry_id", "contact_id", "attempts")
_TEXT = ("status", "message", "action", "action_event", "error", "response")
RESULT_DTYPES = {
    **{c: "Int64" for c in _INT},
    **{c: "string" for c in _TEXT},
    "ok": "bool",
    "result": "boolean",
    "elapsed_ms": "float64",
}


@dataclass
class SendResult:
    """What came of sending one body (or of not sending it)."""

    order_id: Any = None
    http_status: int | None = None
    payload: Any = None
    text: str | None = None
    error: str | None = None
    attempts: int = 0
    elapsed_ms: float | None = None
    dry_run: bool = False
    unknown: bool = False  # sent, no answer: the server may have applied it

    @classmethod
    def from_response(cls, response: requests.Response, order_id: Any = None, elapsed_ms: float | None = None) -> SendResult:
        """Read a requests Response: status, JSON body (or why it is not JSON), attempts."""
        text = response.text
        if elapsed_ms is None:
            elapsed_ms = response.elapsed.total_seconds() * 1000
        if order_id is None:
            order_id = _order_id_of_request(response.request)
        return cls(order_id, response.status_code, payload_of(text), text, None, _attempts_of(response.raw), elapsed_ms)

    def row(self) -> dict[str, Any]:
        """This result as a dict with the RESULT_COLUMNS keys."""
        payload = self.payload if isinstance(self.payload, dict) else {}
        status = _short(_either(payload, "status", "Status"))
        message = _short(_either(payload, "message", "Message"))
        if self.dry_run:  # a dry run never claims success: ok stays False, error says why a body would not go
            status, message = DRY_RUN, "would be sent" if self.error is None else "would not be sent"
        elif self.unknown:
            status = UNKNOWN
        order = _either(payload, "Order", "order")
        order = order if isinstance(order, dict) else {}
        result = order.get("result")
        error = self.error
        if error is None and self.http_status is not None:
            error = _failure(self.http_status, self.payload, self.text, status, message, result)
        return {
            "order_id": _id(self.order_id if self.order_id not in (None, "") else order.get("order_id")),
            "ok": error is None and self.http_status is not None and not self.dry_run,
            "http_status": self.http_status,
            "status": _as_text(status),
            "message": _as_text(message),
            "result": result if isinstance(result, bool) else None,
            "customer_id": _id(order.get("customer_id")),
            "enquiry_id": _id(order.get("enquiry_id")),
            "contact_id": _id(order.get("contact_id")),
            "action": _as_text(order.get("action")),
            "action_event": _as_text(order.get("action_event")),
            "error": error,
            "attempts": self.attempts,
            "elapsed_ms": self.elapsed_ms,
            "response": _kept(self.text),
        }


def _either(payload: dict[str, Any], lower: str, upper: str) -> Any:
    return payload[lower] if lower in payload else payload.get(upper)


def _failure(http_status: int, payload: Any, text: str | None, status: Any, message: Any, result: Any) -> str | None:
    """Why a response is not a success, in one line; None when it is one."""
    if not isinstance(payload, dict):
        shown = (text or "")[:80]
        return f"HTTP {http_status}: response is not JSON: {shown!r}"
    said = f": {message}" if message else ""
    if http_status != 200:
        return f"HTTP {http_status}{said}"
    if str(status).lower() != "success":
        return f"status {status!r}{said}"
    if result is not True:
        return f"Order.result is {_shown(result)}, not true{said}"
    return None


def _shown(value: Any) -> str:
    if value is None or isinstance(value, bool) or (isinstance(value, str) and len(value) <= 40):
        return json.dumps(value)
    return f"a JSON {type(value).__name__}"


def payload_of(text: str | None) -> Any:
    """The JSON value of a response's text, or None when it is not JSON this toolkit can read (too deep, too long a number)."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _id(value: Any) -> int | None:
    """An id as an int, or None when it is not one or is beyond 64 bits (the response's text keeps it as sent)."""
    whole = as_whole(value)
    return whole if whole is not None and _INT64_LOW <= whole <= _INT64_HIGH else None


def _cut(text: str, limit: int) -> str:
    """``text``, or its first ``limit`` characters marked as cut."""
    return text if len(text) <= limit else f"{text[:limit]}... [cut: the first {limit:,} of {len(text):,} characters]"


def _kept(text: str | None) -> str | None:
    return None if text is None else _cut(text, KEPT_RESPONSE_CHARS)


def _attempts_of(raw_response: Any) -> int:
    retries = getattr(raw_response, "retries", None)
    return len(retries.history) + 1 if retries is not None else 1


def _as_text(value: Any) -> str | None:
    return None if value is None else _short(str(value))


def _short(value: Any) -> Any:
    """Text cut to SHORT_TEXT_CHARS, marked; other values as they are (a status or message repeats in every row)."""
    return _cut(value, SHORT_TEXT_CHARS) if isinstance(value, str) else value


def _order_id_of_request(request: requests.PreparedRequest | None) -> Any:
    body = request.body if request is not None else None
    if not isinstance(body, (str, bytes)):
        return None
    try:
        return paths.get(json.loads(body), "order_info.order_id")
    except ValueError:
        return None


def _coerce(item: Any) -> SendResult:
    if isinstance(item, SendResult):
        return item
    if isinstance(item, requests.Response):
        return SendResult.from_response(item)
    if isinstance(item, (str, bytes)):
        text = item if isinstance(item, str) else item.decode("utf-8", "replace")
        payload = payload_of(text)
        if payload is None:
            return SendResult(text=text, error="response is not JSON")
        return SendResult(http_status=200, payload=payload, text=text)
    if isinstance(item, dict):
        return SendResult(http_status=200, payload=item, text=json.dumps(item))
    raise TypeError(f"cannot read a response from a {type(item).__name__}")


def _column(name: str, values: list[Any]) -> Any:
    dtype = RESULT_DTYPES[name]
    if dtype == "Int64":
        mask = np.array([v is None for v in values], dtype=bool)
        return IntegerArray(np.array([0 if v is None else v for v in values], dtype="int64"), mask)
    if dtype == "boolean":
        mask = np.array([v is None for v in values], dtype=bool)
        return BooleanArray(np.array([bool(v) for v in values], dtype=bool), mask)
    if dtype == "string":
        return StringArray(np.array([pd.NA if v is None else v for v in values], dtype=object))
    return np.array([np.nan if v is None else v for v in values] if dtype == "float64" else values, dtype=dtype)


def frame_from_rows(rows: Sequence[dict[str, Any]], index: Iterable[Any] | None = None) -> pd.DataFrame:
    """Rows (dicts keyed by RESULT_COLUMNS) as a DataFrame with the fixed columns and dtypes."""
    data = {name: _column(name, [row[name] for row in rows]) for name in RESULT_COLUMNS}
    frame = pd.DataFrame(data, copy=False)
    if index is not None:
        frame.index = pd.Index(index) if not isinstance(index, pd.Index) else index
    return frame


def response_frame(responses: Iterable[Any], index: Iterable[Any] | None = None) -> pd.DataFrame:
    """Responses (SendResults, requests Responses, parsed bodies or JSON texts) as a DataFrame, one row each."""
    return frame_from_rows([_coerce(item).row() for item in responses], index=index)
