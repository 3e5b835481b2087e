"""The sandbox's WSGI app: Kapture's add-update endpoint, Basic auth, validation, the order store and a request log."""
from __future__ import annotations

import base64
import hmac
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import pandas as pd
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .. import paths
from ..exceptions import ConfigurationError
from ..schema import ENDPOINT, for_add, load_schema
from ..validation import Validator
from .faults import Faults
from .store import Ids, Orders, OrderStore, UnknownOrderError, order_id_of

logger = logging.getLogger(__name__)

INVALID_AUTH = {"message": "Invalid Auth Key", "status": "failed"}
_REQUEST_DTYPES = {
    "time": object,
    "method": object,
    "path": object,
    "auth_ok": bool,
    "order_id": "Int64",
    "http_status": "Int64",
    "fault": object,
    "elapsed_ms": "float64",
}
LOG_LIMIT = 100_000


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json(status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=dict(headers or {}))


def _failed(status: int, message: str, **extra: Any) -> Response:
    return _json(status, {"status": "failed", "message": message, **extra})


@lru_cache(maxsize=1)
def _default_validators() -> tuple[Validator, Validator]:
    return Validator(load_schema()), Validator(load_schema(action="add"))


def _validators(schema: Mapping | None) -> tuple[Validator, Validator]:
    """One compiled validator for updates and one for adds, per schema."""
    if schema is None:
        return _default_validators()
    return Validator(schema), Validator(for_add(schema))


def _parse(data: bytes) -> tuple[Any, str | None]:
    """The JSON body, or the reason it is not JSON."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"Request body is not UTF-8 text ({exc.reason} at byte {exc.start})"
    if not text.strip():
        return None, "Request body is empty; send a JSON object"
    try:
        return json.loads(text, parse_constant=_reject_constant), None
    except json.JSONDecodeError as exc:
        return None, f"Request body is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    except ValueError as exc:
        return None, f"Request body is not JSON ({exc})"


class SandboxApp:
    """A WSGI app that answers Kapture's Update Order API: ``POST /ms/customer/order/api/v1/add-update``.

    Documented behaviour: Basic auth (401 ``{"message": "Invalid Auth Key", "status": "failed"}``),
    the update success body, HTTP 400/404/500. Sandbox assumptions (the docs are silent): bodies are
    checked against the request schema (400 with an ``errors`` list); an update of an unknown
    order_id is a 404 ``{"status": "failed", "message": "Order <id> not found"}`` (or creates the
    order with ``unknown_order="create"``); a body without order_id (or with "") adds an order and
    gets "Order Added successfully !", ``action_event`` "ORDER_CREATION" and an ``order_id`` in
    "Order". With a ``token``, only ``Basic <token>`` is accepted. Every answer from the endpoint
    leaves ``latency`` seconds (plus the faults' own delay) after the request arrived: the answer is
    worked out at once and held until then, so the sandbox's own work is part of the latency, not
    added to it, and the latency a benchmark sets is the one clients see. ``faults`` act first, before
    auth and before the body is checked, as a proxy's or an overloaded server's would; other paths
    (404) and methods (405) are never faulted. The request log keeps the latest ``log_limit``
    requests (None keeps all), so a long-running shared sandbox does not grow without bound.
    """

    def __init__(
        self,
        username: str = "demo",
        password: str = "demo",
        token: str | None = None,
        orders: Orders | None = None,
        latency: float = 0.0,
        faults: Faults | None = None,
        unknown_order: str = "reject",
        schema: Mapping | None = None,
        log_limit: int | None = LOG_LIMIT,
    ) -> None:
        if log_limit is not None and (isinstance(log_limit, bool) or not isinstance(log_limit, int) or log_limit < 1):
            raise ConfigurationError(f"log_limit must be a whole number of requests, 1 or more, or None, got {log_limit!r}")
        self.username = username
        credentials = token if token is not None else base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._credentials = credentials.encode("utf-8")
        self.store = OrderStore(orders, unknown_order=unknown_order)
        self.latency = _seconds(latency)
        self.faults = faults
        self._update_validator, self._add_validator = _validators(schema)
        self._log: deque[dict] = deque(maxlen=log_limit)
        self._log_lock = threading.Lock()
        self._routes = Map([Rule(ENDPOINT, endpoint="add_update", methods=["POST"])])
        self._views: dict[str, Callable[[Request, dict, float], Response | None]] = {"add_update": self._add_update}

    def __repr__(self) -> str:
        return f"<SandboxApp orders={len(self.store)} requests={self.request_count}>"

    @property
    def request_count(self) -> int:
        """How many requests the log holds."""
        with self._log_lock:
            return len(self._log)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        request = Request(environ)
        entry: dict[str, Any] = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "method": request.method,
            "path": request.path,
            "auth_ok": self._authorized(request),
            "order_id": None,
            "http_status": None,
            "fault": None,
            "elapsed_ms": None,
        }
        logged = dict(entry)
        with self._log_lock:
            self._log.append(logged)  # in arrival order; completed below
        try:
            endpoint, _ = self._routes.bind_to_environ(environ).match()
            response = self._views[endpoint](request, entry, started)
        except HTTPException as exc:
            allow = {k: v for k, v in exc.get_headers(environ) if k == "Allow"}
            message = f"{exc.name}: {request.method} {request.path}"
            response = _json(exc.code or 500, {"status": "failed", "message": message}, allow)
        except Exception:
            logger.exception("sandbox failed on %s %s", request.method, request.path)
            response = _failed(500, "Internal Server Error (sandbox bug; see the log)")
        if response is None:
            response = Response(status=500)  # the connection is dropped: the server cannot send this
        else:
            entry["http_status"] = response.status_code
        entry["elapsed_ms"] = (time.perf_counter() - started) * 1000
        with self._log_lock:
            logged.update(entry)
        return response(environ, start_response)

    def _authorized(self, request: Request) -> bool:
        scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
        given = credentials.strip().encode("utf-8")
        return scheme.lower() == "basic" and hmac.compare_digest(given, self._credentials)

    def _add_update(self, request: Request, entry: dict, arrived: float) -> Response | None:
        body, problem = _parse(request.get_data())
        entry["order_id"] = order_id_of(body)
        fault = self.faults.next() if self.faults is not None else None
        due = arrived + self.latency + (fault.delay if fault else 0.0)
        if fault is not None:
            entry["fault"] = fault.kind
            if fault.replaces_answer:
                _wait_until(due)
                return self.faults.respond(fault.kind, request.environ)
        response = self._answer(body, problem, entry)
        _wait_until(due)
        return response

    def _answer(self, body: Any, problem: str | None, entry: dict) -> Response:
        if not entry["auth_ok"]:
            return _json(401, INVALID_AUTH)
        if problem:
            return _failed(400, problem)
        adding = paths.get(body, "order_info.order_id", "") == ""
        report = (self._add_validator if adding else self._update_validator).validate(body)
        if not report.ok:
            errors = [{"path": error.path, "message": error.message} for error in report.errors]
            return _failed(400, f"Invalid request body: {len(errors)} error(s)", errors=errors)
        return self._add(body, entry) if adding else self._update(body)

    def _update(self, body: dict) -> Response:
        try:
            ids = self.store.update(body)
        except UnknownOrderError as exc:
            return _failed(404, str(exc))
        return _success("Order Updated successfully !", "ORDER_FIELD_UPDATION", ids)

    def _add(self, body: dict, entry: dict) -> Response:
        ids = self.store.add(body)
        entry["order_id"] = ids.order_id
        return _success("Order Added successfully !", "ORDER_CREATION", ids, order_id=ids.order_id)

    def orders_frame(self) -> pd.DataFrame:
        """The stored orders, one row per order (see ``OrderStore.frame``)."""
        return self.store.frame()

    def requests_frame(self) -> pd.DataFrame:
        """The request log in arrival order: time, method, path, auth_ok, order_id, http_status, fault, elapsed_ms.

        Only the latest ``log_limit`` requests are kept. A request still in progress has no http_status nor elapsed_ms yet; a dropped connection has no http_status.
        Neither the Authorization header nor the password is ever recorded.
        """
        with self._log_lock:
            rows = [dict(entry) for entry in self._log]
        return pd.DataFrame(
            {column: pd.Series([row[column] for row in rows], dtype=dtype) for column, dtype in _REQUEST_DTYPES.items()}
        )


def _seconds(latency: Any) -> float:
    try:
        seconds = float(latency)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not seconds >= 0:  # NaN fails this too
        raise ConfigurationError(f"latency must be a number of seconds, zero or more, got {latency!r}")
    return seconds


def _wait_until(due: float) -> None:
    """Sleep until ``time.perf_counter()`` reaches ``due`` (at once if it already has)."""
    left = due - time.perf_counter()
    if left > 0:
        time.sleep(left)


def _success(message: str, action_event: str, ids: Ids, **extra: Any) -> Response:
    order = {
        "result": True,
        "customer_id": ids.customer_id,
        "enquiry_id": ids.enquiry_id,
        "action": "ORDER",
        "action_event": action_event,
        "contact_id": ids.contact_id,
        **extra,
    }
    return _json(200, {"status": "success", "message": message, "Order": order})
