"""Serve the sandbox app on a local port from a background thread (or in the foreground, for the CLI)."""
from __future__ import annotations

import html
import logging
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..exceptions import KaptureError
from ..schema import ENDPOINT
from .app import LOG_LIMIT, SandboxApp
from .faults import Faults
from .http import WSGIServer
from .store import Orders

if TYPE_CHECKING:
    from ..client import KaptureClient

logger = logging.getLogger(__name__)

_POLL_SECONDS = 0.1  # how soon the serving loop notices stop()
_STOP_WAIT_SECONDS = 0.5  # how long stop() waits for connection threads to end (a slow request is not waited for)


class Sandbox:
    """A local Kapture-compatible server for notebooks, demos and tests; ``with Sandbox() as sb: sb.client()...``.

    Serves a ``SandboxApp`` (see it for the documented behaviour and the sandbox's assumptions) with
    a threaded HTTP/1.1 server that keeps connections alive (``sandbox/http.py``) on a daemon
    thread. ``port=0`` picks a free port. The app is plain WSGI: any WSGI server can serve it too.
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
        schema: Mapping | None = None,
        log_limit: int | None = LOG_LIMIT,
    ) -> None:
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
        )
        self.username = username
        self._password = password
        self._token = token
        self.host = host
        self.port = port
        self._server: WSGIServer | None = None
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

    def start(self) -> "Sandbox":
        """Listen and serve on a background daemon thread; does nothing when already running."""
        with self._lock:
            if self._server is not None:
                return self
            try:
                server = WSGIServer(self.host, self.port, self.app)
            except OSError as exc:
                raise KaptureError(f"the sandbox cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
            server.name = f"kapture-sandbox:{server.server_port}"
            self.port = server.server_port
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": _POLL_SECONDS},
                name=f"kapture-sandbox:{self.port}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
        logger.info("sandbox serving at %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and every open connection; safe to call more than once."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None or thread is None:
            return
        server.shutdown()
        thread.join()
        server.close(timeout=_STOP_WAIT_SECONDS)  # idle keep-alive connections too
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

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def client(self, **kwargs: Any) -> "KaptureClient":
        """A KaptureClient pointed at this sandbox with its credentials; ``kwargs`` go to KaptureClient."""
        from ..client import KaptureClient  # late: the sandbox must import without the client module

        credentials: dict[str, Any] = (
            {"token": self._token} if self._token is not None else {"username": self.username, "password": self._password}
        )
        return KaptureClient(base_url=self.url, **{**credentials, **kwargs})

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
