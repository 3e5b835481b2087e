"""Serve the sandbox app on a local port with cheroot, from a background thread (or in the foreground, for the CLI)."""
from __future__ import annotations

import html
import logging
import queue
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pandas as pd
from cheroot.server import HTTPConnection, HTTPRequest
from cheroot.wsgi import Gateway_10, Server

from ..exceptions import ConfigurationError, KaptureError
from ..schema import ENDPOINT
from .app import ARRIVED, LOG_LIMIT, MAX_BODY_BYTES, SandboxApp
from .faults import Faults
from .store import Orders, OrderStore

if TYPE_CHECKING:
    from ..client import KaptureClient

logger = logging.getLogger(__name__)

THREADS = 16  # requests served at once: a batch at concurrency 8 never queues, with room for a form or a second client
_POLL_SECONDS = 0.1  # how soon the serving loop notices stop()
_DRAIN_LIMIT = 64 * 1024  # unread body bytes read off to keep a connection alive; more, and it is closed instead


class _Held:
    """What cheroot writes while it answers one request, held to go out in one write."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        """Hold ``data``."""
        self.parts.append(data)
        return len(data)


class _Request(HTTPRequest):
    """Cheroot's request, answered in one write, which closes the connection rather than read off a long or chunked body."""

    def respond(self) -> None:
        """Answer as cheroot does, but send the status line, headers and body in one write."""
        # cheroot writes the head and the body separately: two sends, and with many threads two waits for the GIL after them.
        wfile = self.conn.wfile
        held = _Held()
        self.conn.wfile = held
        try:
            super().respond()
        finally:
            self.conn.wfile = wfile
            if held.parts:
                wfile.write(b"".join(held.parts))

    def send_headers(self) -> None:
        """Decide the connection's fate, then send the status line and headers as cheroot does."""
        # cheroot reads off the rest of a Content-Length body whatever its size, and of a chunked body nothing, so that
        # the next request would start inside it: close the connection instead, unless little of the body is left.
        left_unread = (not self.rfile.closed) if self.chunked_read else getattr(self.rfile, "remaining", 0) > _DRAIN_LIMIT
        if left_unread:
            self.close_connection = True
        super().send_headers()


class _Connection(HTTPConnection):
    RequestHandlerClass = _Request
    arrived = 0.0  # when its current request was seen to arrive (time.perf_counter)


class _Gateway(Gateway_10):
    """cheroot's WSGI gateway, which also tells the app when the request arrived (``environ[ARRIVED]``)."""

    def respond(self) -> None:
        """Call the app as cheroot does, the arrival time in its environ."""
        self.env[ARRIVED] = self.req.conn.arrived
        super().respond()


class _Server(Server):
    """cheroot's WSGI server with its error log sent to ``logging`` (never to stderr) and a prompt stop."""

    ConnectionClass = _Connection
    expiration_interval = _POLL_SECONDS  # also how long stop() may wait for the connection loop to notice

    def __init__(self, host: str, port: int, app: SandboxApp, threads: int) -> None:
        # A backlog of 128: cheroot's 5 drops the connection attempts of a batch that opens eight at once (retried after 1 s).
        # stop() waits at most 1 s for a thread stuck on a stalled client; requests held for their due time are dropped
        # at once (SandboxApp.hang_up).
        super().__init__((host, port), app, numthreads=threads, request_queue_size=128, shutdown_timeout=1)
        self.gateway = _Gateway
        self.bind_error: OSError | None = None

    def process_conn(self, conn: _Connection) -> None:
        """Note that the connection's next request has arrived (it has bytes to read), then queue it for a thread."""
        # The latency is counted from here: the wait for a thread and the parsing of the request are part of it.
        conn.arrived = time.perf_counter()
        super().process_conn(conn)

    def bind(self, family: Any, type: Any, proto: Any = 0) -> Any:
        """Bind as cheroot does, keeping the error: cheroot folds it into a longer message."""
        try:
            return super().bind(family, type, proto)
        except OSError as exc:
            self.bind_error = exc
            raise

    def error_log(self, msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
        """Cheroot's messages (a traceback included) go to this module's logger."""
        logger.log(level, "%s", msg, exc_info=traceback)


def _serve(server: _Server, prepared: queue.Queue[BaseException | None]) -> None:
    """Bind and listen, report how that went, then serve until stopped (threads started here are daemons too)."""
    try:
        server.prepare()
    except BaseException as exc:
        prepared.put(exc)
        return
    prepared.put(None)
    server.serve()


class Sandbox:
    """A local Kapture-compatible server for notebooks, demos and tests; ``with Sandbox() as sb: sb.client()...``.

    Serves a ``SandboxApp`` (see it for the documented behaviour and the sandbox's assumptions) with
    cheroot's threaded WSGI server, which keeps connections alive, from daemon threads: ``threads``
    requests at once. ``port=0`` picks a free port. The app is plain WSGI: any WSGI server can serve
    it too.
    """

    def __init__(
        self,
        username: str = "demo",
        password: str = "demo",
        orders: Orders | None = None,
        latency: float = 0.0,
        faults: Faults | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        token: str | None = None,
        unknown_order: str = "reject",
        schema: Mapping[str, Any] | None = None,
        log_limit: int | None = LOG_LIMIT,
        max_body_bytes: int = MAX_BODY_BYTES,
        threads: int = THREADS,
        update_flags: str = "honour",
        empty: str = "keep",
    ) -> None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ConfigurationError(f"threads must be a whole number, 1 or more, got {threads!r}")
        self.app = SandboxApp(
            username=username,
            password=password,
            token=token,
            orders=orders,
            latency=latency,
            faults=faults,
            unknown_order=unknown_order,
            schema=schema,
            log_limit=log_limit,
            max_body_bytes=max_body_bytes,
            update_flags=update_flags,
            empty=empty,
        )
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ConfigurationError(f"port must be a whole number from 0 to 65535 (0 picks a free one), got {port!r}")
        self.threads = threads
        self.username = username
        self._password = password
        self._token = token
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether the server is listening."""
        return self._server is not None

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:54321``."""
        if not self.port:
            raise KaptureError("the sandbox has no port yet: call start() or use `with Sandbox() as sb:`")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def orders(self) -> pd.DataFrame:
        """The stored orders, one row per order."""
        return self.app.orders_frame()

    @property
    def requests(self) -> pd.DataFrame:
        """The request log, one row per request received."""
        return self.app.requests_frame()

    def start(self) -> Sandbox:
        """Listen and serve on background daemon threads; does nothing when already running."""
        with self._lock:
            if self._server is not None:
                return self
            server = _Server(self.host, self.port, self.app, self.threads)
            prepared: queue.Queue[BaseException | None] = queue.Queue()
            thread = threading.Thread(target=_serve, args=(server, prepared), name="kapture-sandbox", daemon=True)
            thread.start()
            failure = prepared.get()
            if isinstance(failure, OSError):
                reason = server.bind_error or failure
                raise KaptureError(f"the sandbox cannot listen on {self.host}:{self.port}: {reason.strerror or reason}") from None
            if failure is not None:
                raise failure
            self.port = server.bind_addr[1]
            thread.name = f"kapture-sandbox:{self.port}"
            self._server, self._thread = server, thread
        logger.info("sandbox serving at %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving: close the listening socket and every connection, idle or waiting for its answer (dropped)."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None or thread is None:
            return
        self.app.hang_up()  # a request held for its latency or a slow fault is dropped now, not waited for
        try:
            server.stop()
            thread.join()
        finally:
            self.app.resume()
        logger.info("sandbox at %s stopped", self.url)

    def serve_forever(self) -> None:
        """Serve in the foreground until KeyboardInterrupt (or until stop() is called from elsewhere)."""
        self.start()
        thread = self._thread
        try:
            while thread is not None and thread.is_alive():
                thread.join(_POLL_SECONDS)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def order_view(self) -> OrderStore:
        """The store as ``kn.plan(..., current=sandbox)`` reads it, with the sandbox's rules."""
        return self.app.store

    def client(self, **kwargs: Any) -> KaptureClient:
        """A KaptureClient pointed at this sandbox with its credentials, planning against it; ``kwargs`` go to KaptureClient."""
        from ..client import KaptureClient  # late: the sandbox must import without the client module

        credentials: dict[str, Any] = (
            {"token": self._token} if self._token is not None else {"username": self.username, "password": self._password}
        )
        return KaptureClient(base_url=self.url, **{**credentials, "current": self, **kwargs})

    def __repr__(self) -> str:
        where = self.url if self.port else "not started"
        return f"<Sandbox {where} orders={len(self.app.store)} requests={self.app.request_count}>"

    def _repr_html_(self) -> str:
        auth = "token" if self._token is not None else f"user {html.escape(self.username)}"
        faults = f", faults {html.escape(repr(self.app.faults))}" if self.app.faults is not None else ""
        return (
            f"<div class='kapture-sandbox'><b>Kapture sandbox</b> ({'running' if self.running else 'stopped'}): "
            f"POST {ENDPOINT}, Basic auth ({auth}), {len(self.app.store)} order(s), "
            f"{self.app.request_count} request(s), unknown orders: {self.app.store.unknown_order}{faults}</div>"
        )
