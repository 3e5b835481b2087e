"""Injected faults for the sandbox: errors, rate limits, dropped connections, broken bodies, slowness, latency."""
from __future__ import annotations

import errno
import json
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from werkzeug.wrappers import Response

from ..exceptions import ConfigurationError

KINDS = ("500", "503", "429", "drop", "malformed", "html", "slow")
Schedule = Mapping[int, str | None] | Sequence[str | None]

_BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
# A success body cut off mid-way, as when a proxy or a crashed worker truncates the response.
_TRUNCATED_BODY = '{"status": "success", "message": "Order Updated successfully !", "Order": {"result": true, "cust'


class DropConnection(ConnectionAbortedError):
    """The "drop" fault: raised out of the WSGI app so that the server closes the connection without a response.

    Its errno is ECONNABORTED. cheroot (the ``Sandbox``'s server) and wsgiref close the connection
    quietly, and so does werkzeug's development server when it is not threaded (threaded, it keeps the
    connection open and the client waits for its read timeout); gunicorn closes it and logs the error.
    """

    def __init__(self) -> None:
        super().__init__(errno.ECONNABORTED, "sandbox fault: the connection is dropped without a response")


class Fault(NamedTuple):
    """What the sandbox does to one request: its 1-based number, the fault kind (or None) and the wait before answering."""

    number: int
    kind: str | None
    delay: float

    @property
    def replaces_answer(self) -> bool:
        """Whether the request gets the fault instead of the API's answer ("slow" answers normally, only late)."""
        return self.kind is not None and self.kind != "slow"


def _kind(value: Any, where: str) -> str | None:
    if value is None:
        return None
    kind = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if kind not in KINDS:
        raise ConfigurationError(f"{where}: unknown fault kind {value!r}; the kinds are {', '.join(KINDS)}")
    return kind


class Faults:
    """Faults and latency for the sandbox, reproducible under ``seed``.

    Each request to the API endpoint takes one draw from ``random.Random(seed)`` in arrival order,
    so the same seed gives the same sequence of faults. ``rates`` maps a kind to its probability
    (the sum at most 1); ``schedule`` maps a 1-based request number to a kind (or None for no fault),
    or lists the kinds of requests 1..n, and wins over ``rates`` (the draw is still taken, so a
    schedule does not shift the random faults of other requests). Every answer is due ``latency``
    seconds plus a uniform random ``0..jitter`` seconds after its request arrived.

    Kinds: "500", "503" (JSON failed bodies); "429" (with ``Retry-After: retry_after``); "drop"
    (the connection is closed before any response: the app raises ``DropConnection``); "malformed"
    (200 with a truncated JSON body); "html" (a proxy's 502 HTML page); "slow" (waits
    ``slow_seconds`` more, then answers normally: pair it with a client timeout below that).

    A fault is decided before the order is touched, so a request answered with a fault never
    changes the store, which makes retrying it safe. "slow" is the exception: it is a real answer
    that arrives late, so the order is updated (or added) as usual, as a server would do for a
    client that gave up waiting.
    """

    def __init__(
        self,
        seed: int = 0,
        latency: float = 0.0,
        jitter: float = 0.0,
        rates: Mapping[str, float] | None = None,
        schedule: Schedule | None = None,
        retry_after: int = 1,
        slow_seconds: float = 3.0,
    ) -> None:
        if latency < 0 or jitter < 0 or slow_seconds < 0 or retry_after < 0:
            raise ConfigurationError("latency, jitter, slow_seconds and retry_after must not be negative")
        self.seed = seed
        self.latency = float(latency)
        self.jitter = float(jitter)
        self.retry_after = int(retry_after)
        self.slow_seconds = float(slow_seconds)
        self.rates = {_kind(kind, "rates"): float(rate) for kind, rate in (rates or {}).items()}
        if any(not 0 <= rate <= 1 for rate in self.rates.values()) or sum(self.rates.values()) > 1 + 1e-9:
            raise ConfigurationError(f"rates are probabilities summing to at most 1, got {self.rates}")
        if schedule is None:
            schedule = {}
        elif not isinstance(schedule, Mapping):
            schedule = dict(enumerate(schedule, start=1))
        self.schedule = {int(number): _kind(kind, f"schedule[{number}]") for number, kind in schedule.items()}
        self._lock = threading.Lock()
        self._draws = random.Random(seed)
        self._jitters = random.Random(f"jitter:{seed}")
        self._count = 0

    def __repr__(self) -> str:
        return (
            f"<Faults seed={self.seed} rates={self.rates} schedule={len(self.schedule)} request(s) "
            f"latency={self.latency}s jitter={self.jitter}s>"
        )

    def next(self) -> Fault:
        """Decide the next request's fault and wait; call once per request, in arrival order."""
        with self._lock:
            self._count += 1
            number = self._count
            draw = self._draws.random()
            delay = self.latency + (self._jitters.uniform(0, self.jitter) if self.jitter else 0.0)
        kind = self.schedule[number] if number in self.schedule else self._pick(draw)
        if kind == "slow":
            delay += self.slow_seconds
        return Fault(number, kind, delay)

    def _pick(self, draw: float) -> str | None:
        edge = 0.0
        for kind, rate in self.rates.items():
            edge += rate
            if draw < edge:
                return kind
        return None

    def respond(self, kind: str) -> Response:
        """The faulty answer of this kind; raises ``DropConnection`` for "drop"."""
        return _RESPONSES[kind](self)


def _drop(faults: Faults) -> Response:
    raise DropConnection()


def _failed(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps({"status": "failed", "message": message})
    return Response(body, status=status, mimetype="application/json", headers=dict(headers or {}))


_RESPONSES: dict[str, Callable[[Faults], Response]] = {
    "500": lambda faults: _failed(500, "Internal Server Error (sandbox fault)"),
    "503": lambda faults: _failed(503, "Service Unavailable (sandbox fault)"),
    "429": lambda faults: _failed(429, "Too Many Requests (sandbox fault)", {"Retry-After": str(faults.retry_after)}),
    "drop": _drop,
    "malformed": lambda faults: Response(_TRUNCATED_BODY, status=200, mimetype="application/json"),
    "html": lambda faults: Response(_BAD_GATEWAY_PAGE, status=502, mimetype="text/html"),
}
