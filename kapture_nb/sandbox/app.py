"""The sandbox's WSGI app: Kapture's add-update endpoint, Basic auth, validation, the order store and a request log."""
from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import IO, Any

import pandas as pd
from werkzeug.wrappers import Request, Response

from .. import paths
from ..effects import Rules
from ..exceptions import ConfigurationError
from ..jsonvalues import MAX_DEPTH  # nested deeper: refused before json.loads or the validator could recurse
from ..orderframes import order_id_of
from ..schema import ENDPOINT, MAX_ID, for_add, load_schema
from ..validation import Validator
from .faults import DropConnection, Faults
from .store import IdRangeError, Ids, Orders, OrderStore, UnknownOrderError

logger = logging.getLogger(__name__)

INVALID_AUTH = {"message": "Invalid Auth Key", "status": "failed"}
_REQUEST_DTYPES: dict[str, Any] = {
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
ARRIVED = "kapture.arrived"  # environ key of when the server saw the request arrive, on the app's clock; else: when called
MAX_BODY_BYTES = 16 * 1024 * 1024
_READ_SIZE = 64 * 1024
_STRUCTURE = re.compile(r'(?P<string>"(?:[^"\\]|\\.)*"?)|(?P<open>[\[{])|(?P<close>[\]}])', re.DOTALL)
_now = time.perf_counter  # the clock of arrivals and due times (the Sandbox's server stamps arrivals with it too)
_View = Callable[[Request, dict[str, Any], float], tuple[Response, float]]  # (request, log entry, arrival) -> (answer, due)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json(status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=dict(headers or {}))


def _failed(status: int, message: str, **extra: Any) -> Response:
    return _json(status, {"status": "failed", "message": message, **extra})


@lru_cache(maxsize=1)
def _default_validators() -> tuple[Validator, Validator]:
    return Validator(load_schema()), Validator(load_schema(action="add"))


def _validators(schema: Mapping[str, Any] | None) -> tuple[Validator, Validator]:
    """One compiled validator for updates and one for adds, per schema."""
    if schema is None:
        return _default_validators()
    return Validator(schema), Validator(for_add(schema))


def _parsed(data: bytes) -> tuple[Any, Response | None]:
    """The JSON body, or the 400 that says why it is not one."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, _failed(400, f"Request body is not UTF-8 text ({exc.reason} at byte {exc.start})")
    if not text.strip():
        return None, _failed(400, "Request body is empty; send a JSON object")
    if _deeper_than(text, MAX_DEPTH):
        return None, _failed(400, f"Request body nests arrays and objects deeper than {MAX_DEPTH} levels, the sandbox's limit")
    try:
        return json.loads(text, parse_constant=_reject_constant), None
    except json.JSONDecodeError as exc:
        return None, _failed(400, f"Request body is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})")
    except ValueError as exc:
        return None, _failed(400, f"Request body is not JSON ({exc})")


def _too_large(limit: int) -> Response:
    return _failed(413, f"Request body is larger than {limit} bytes, the sandbox's limit")


def _is_count(value: Any) -> bool:
    """Whether ``value`` is a whole number, 1 or more (bools are not)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _deeper_than(text: str, limit: int) -> bool:
    """Whether the arrays and objects of a JSON text nest deeper than ``limit`` (brackets inside strings do not count)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _STRUCTURE.finditer(text):
        if match.lastgroup == "open":
            depth += 1
            if depth > limit:
                return True
        elif match.lastgroup == "close":
            depth -= 1
    return False


def _read_at_most(stream: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes of a WSGI input stream; fewer when it ends first."""
    parts = []
    left = size
    while left > 0:
        part = stream.read(min(left, _READ_SIZE))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


class SandboxApp:
    """A WSGI app that answers Kapture's Update Order API: ``POST /ms/customer/order/api/v1/add-update``.

    Documented behaviour: Basic auth (401 ``{"message": "Invalid Auth Key", "status": "failed"}``),
    the update success body, HTTP 400/404/500. Sandbox assumptions (the docs are silent): bodies are
    checked against the request schema (400 with an ``errors`` list), and an id above 2^63-1 is a 400
    even where a schema of the user's own lets it through (ids are 64-bit); an update of an unknown
    order_id is a 404 ``{"status": "failed", "message": "Order <id> not found"}`` (or creates the
    order with ``unknown_order="create"``); a body without order_id (or with "") adds an order and
    gets "Order Added successfully !", ``action_event`` "ORDER_CREATION" and an ``order_id`` in
    "Order". With a ``token``, only ``Basic <token>`` is accepted. An update writes a section only
    when its ``update`` flag is true, and ``""`` leaves the stored value (``effects.py``; switch with
    ``update_flags="ignore"`` and ``empty="clear"``).

    Credentials are checked before the body is read: a 401 never reads, parses or stores it. A body
    longer than ``max_body_bytes`` is a 413, whether it comes with a Content-Length (refused unread)
    or chunked (refused after ``max_body_bytes + 1`` bytes); a body that is not UTF-8 JSON, or nests
    arrays and objects deeper than ``MAX_DEPTH`` levels, is a 400. Every answer from the endpoint
    leaves ``latency`` seconds (plus the faults' own delay) after the request arrived: the answer is
    worked out at once and held until then, so the sandbox's own work is part of the latency, not
    added to it, and the latency a benchmark sets is the one clients see. ``faults`` act first,
    before auth and before the body is checked, as a proxy's or an overloaded server's would; other
    paths (404) and methods (405) are never faulted. The "drop" fault raises ``DropConnection`` (a
    ``ConnectionAbortedError``) out of the app, which WSGI servers answer by closing the connection.
    The request log keeps the latest ``log_limit`` requests (None keeps all), so a long-running
    shared sandbox does not grow without bound.
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
        schema: Mapping[str, Any] | None = None,
        log_limit: int | None = LOG_LIMIT,
        max_body_bytes: int = MAX_BODY_BYTES,
        update_flags: str = "honour",
        empty: str = "keep",
    ) -> None:
        if log_limit is not None and not _is_count(log_limit):
            raise ConfigurationError(f"log_limit must be a whole number of requests, 1 or more, or None, got {log_limit!r}")
        if not _is_count(max_body_bytes):
            raise ConfigurationError(f"max_body_bytes must be a whole number of bytes, 1 or more, got {max_body_bytes!r}")
        self.username = username
        credentials = token if token is not None else base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._credentials = credentials.encode("utf-8")
        self.store = OrderStore(orders, unknown_order=unknown_order, rules=Rules(update_flags=update_flags, empty=empty))
        self.latency = _seconds(latency)
        self.faults = faults
        self.max_body_bytes = max_body_bytes
        self._update_validator, self._add_validator = _validators(schema)
        self._log: deque[dict[str, Any]] = deque(maxlen=log_limit)
        self._log_lock = threading.Lock()
        self._hung_up = threading.Event()
        self._routes: dict[str, dict[str, _View]] = {ENDPOINT: {"POST": self._add_update}}  # path -> method -> view

    def __repr__(self) -> str:
        return f"<SandboxApp orders={len(self.store)} requests={self.request_count}>"

    @property
    def request_count(self) -> int:
        """How many requests the log holds."""
        with self._log_lock:
            return len(self._log)

    def hang_up(self) -> None:
        """Drop the requests waiting for their answer to come due, and every later one, until ``resume()``."""
        self._hung_up.set()

    def resume(self) -> None:
        """Answer requests again after ``hang_up()``."""
        self._hung_up.clear()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        arrived = environ.get(ARRIVED)
        started = arrived if isinstance(arrived, float) else _now()
        request = Request(environ)
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
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
            response, due = self._route(request, entry, started)
            answer = response(environ, start_response)  # worked out before the wait, so that the wait covers it
            self._wait_until(due)
        except OSError:  # the drop fault, a hang-up, or the client's connection failed: the server closes it unanswered
            self._complete(logged, entry, started)
            raise
        entry["http_status"] = response.status_code
        self._complete(logged, entry, started)
        return answer

    def _route(self, request: Request, entry: dict[str, Any], arrived: float) -> tuple[Response, float]:
        """The answer and when it is due: the endpoint's, or at once a 404, a 405 or a 500."""
        methods = self._routes.get(request.path)
        if methods is None:
            return _failed(404, f"Not Found: {request.method} {request.path}"), arrived
        view = methods.get(request.method)
        if view is None:
            message = f"Method Not Allowed: {request.method} {request.path}"
            return _json(405, {"status": "failed", "message": message}, {"Allow": ", ".join(methods)}), arrived
        try:
            return view(request, entry, arrived)
        except OSError:  # the drop fault, or the client's connection failed: the server's to handle, not a 500
            raise
        except Exception:
            logger.exception("sandbox failed on %s %s", request.method, request.path)
            return _failed(500, "Internal Server Error (sandbox bug; see the log)"), arrived

    def _complete(self, logged: dict[str, Any], entry: dict[str, Any], started: float) -> None:
        entry["elapsed_ms"] = (_now() - started) * 1000
        with self._log_lock:
            logged.update(entry)

    def _authorized(self, request: Request) -> bool:
        scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
        given = credentials.strip().encode("utf-8")
        return scheme.lower() == "basic" and hmac.compare_digest(given, self._credentials)

    def _add_update(self, request: Request, entry: dict[str, Any], arrived: float) -> tuple[Response, float]:
        faults = self.faults
        fault = faults.next() if faults is not None else None
        due = arrived + self.latency + (fault.delay if fault else 0.0)
        body: Any = None
        refusal: Response | None = None
        if entry["auth_ok"]:
            body, refusal = self._body(request)
            order_id = order_id_of(body)
            entry["order_id"] = order_id if order_id is not None and order_id <= MAX_ID else None  # the log's column is Int64
        if faults is not None and fault is not None:
            entry["fault"] = fault.kind
            if fault.kind is not None and fault.replaces_answer:
                try:
                    return faults.respond(fault.kind), due
                except DropConnection:
                    self._wait_until(due)
                    raise
        return self._answer(body, refusal, entry), due

    def _body(self, request: Request) -> tuple[Any, Response | None]:
        """The parsed JSON body, or the 413 or 400 that refuses it; reads at most ``max_body_bytes + 1`` bytes."""
        limit = self.max_body_bytes
        length = request.content_length  # None when chunked or not given
        if length is not None and length > limit:
            return None, _too_large(limit)
        environ = request.environ
        if length is None and not environ.get("wsgi.input_terminated"):
            return _parsed(b"")  # no Content-Length and a stream the server does not end: no body can be read
        try:
            data = _read_at_most(environ["wsgi.input"], limit + 1 if length is None else length)
        except ValueError as exc:  # cheroot's word for broken chunked framing
            return None, _failed(400, f"Request body could not be read ({exc})")
        if len(data) > limit:
            return None, _too_large(limit)
        return _parsed(data)

    def _answer(self, body: Any, refusal: Response | None, entry: dict[str, Any]) -> Response:
        if not entry["auth_ok"]:
            return _json(401, INVALID_AUTH)
        if refusal is not None:
            return refusal
        adding = paths.get(body, "order_info.order_id", "") == ""
        validator = self._add_validator if adding else self._update_validator
        if not validator.is_valid(body):
            errors = [{"path": error.path, "message": error.message} for error in validator.errors(body)]
            return _failed(400, f"Invalid request body: {len(errors)} error(s)", errors=errors)
        return self._add(body, entry) if adding else self._update(body)

    def _wait_until(self, due: float) -> None:
        """Hold the answer until ``_now()`` reaches ``due``; raise ``DropConnection`` if the app hangs up meanwhile."""
        if self._hung_up.wait(max(0.0, due - _now())):
            raise DropConnection()

    def _update(self, body: dict[str, Any]) -> Response:
        try:
            ids = self.store.update(body)
        except UnknownOrderError as exc:
            return _failed(404, str(exc))
        except IdRangeError as exc:  # a schema of the user's own that lets such ids through
            return _failed(400, f"Invalid request body: {exc}")
        return _success("Order Updated successfully !", "ORDER_FIELD_UPDATION", ids)

    def _add(self, body: dict[str, Any], entry: dict[str, Any]) -> Response:
        try:
            ids = self.store.add(body)
        except IdRangeError as exc:
            return _failed(400, f"Invalid request body: {exc}")
        entry["order_id"] = ids.order_id
        return _success("Order Added successfully !", "ORDER_CREATION", ids, order_id=ids.order_id)

    def orders_frame(self) -> pd.DataFrame:
        """The stored orders, one row per order (see ``OrderStore.frame``)."""
        return self.store.frame()

    def requests_frame(self) -> pd.DataFrame:
        """The request log in arrival order: time, method, path, auth_ok, order_id, http_status, fault, elapsed_ms.

        Only the latest ``log_limit`` requests are kept. A request still in progress has no http_status nor
        elapsed_ms yet; a dropped connection has no http_status; an order_id that is no id, or above 2^63-1,
        is missing (the column is Int64). Neither the Authorization header nor the password is ever recorded.
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
