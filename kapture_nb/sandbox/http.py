"""A small threaded HTTP/1.1 WSGI server that keeps connections alive, built on the standard library.

The sandbox app stays a plain WSGI app (any WSGI server can serve it); this server is what
``Sandbox`` runs it with. One thread per connection, not per request: a client that keeps its
connection open (``requests.Session``, ``KaptureClient``) sends request after request on it. The
connection is closed when the client asks (``Connection: close``, or HTTP/1.0 without
``Connection: keep-alive``), when the request's framing cannot be trusted any more, when the app
drops it (see ``ConnectionHandle``), after ``idle_timeout`` seconds without a request, or on
``close()``. Nothing is printed: each request is logged at debug level through ``logging``.
"""
from __future__ import annotations

import io
import logging
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

logger = logging.getLogger(__name__)

SOCKET_KEY = "kapture.socket"
"""The environ key under which the app finds the client's connection (a ``ConnectionHandle``)."""

SERVER_SOFTWARE = "kapture-sandbox/1"
MAX_CHUNKED_BODY = 64 * 1024 * 1024  # a chunked request body is decoded in memory; larger ones get a 413
_DRAIN_LIMIT = 1024 * 1024  # unread request body bytes read off after the answer to keep the connection; more closes it
_MAX_LINE = 65536
_MAX_HEADERS = 100
_NO_BODY_STATUSES = frozenset({204, 304})
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"})


class ConnectionHandle:
    """The client's socket as the app sees it in ``environ["kapture.socket"]``.

    Socket methods and attributes pass through; ``shutdown()`` and ``close()`` drop the connection:
    the client gets no response and the server closes the connection once the app returns, instead
    of writing the app's (then meaningless) answer and waiting for the next request.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.dropped = False

    def shutdown(self, how: int = socket.SHUT_RDWR) -> None:
        self.dropped = True
        self._sock.shutdown(how)

    def close(self) -> None:
        """Drop the connection; the server closes the socket itself when the app returns."""
        if not self.dropped:
            self.dropped = True
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # the client has already gone

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def __repr__(self) -> str:
        return f"<ConnectionHandle dropped={self.dropped} {self._sock!r}>"


class _ErrorStream:
    """``wsgi.errors``: what the app writes there goes to this module's logger, never to stderr directly."""

    def write(self, text: str) -> int:
        if text.strip():
            logger.error("wsgi.errors: %s", text.rstrip())
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass


_ERRORS = _ErrorStream()


class RequestBody(io.RawIOBase):
    """``wsgi.input``: exactly ``length`` bytes of the request body, then end of file.

    A client that goes away mid-body (end of file or a socket error before ``length`` bytes) yields
    a short body rather than an exception; ``incomplete`` tells the server, which then closes the
    connection. That keeps apps (and their logs) free of tracebacks about clients that hung up.
    """

    def __init__(self, rfile: Any, length: int) -> None:
        super().__init__()
        self._rfile = rfile
        self.remaining = length
        self.incomplete = False

    def readable(self) -> bool:
        return True

    def _take(self, reader: Callable[[int], bytes], size: int) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        try:
            data = reader(size)
        except OSError as exc:
            logger.debug("client went away while sending the body: %s", exc)
            data = b""
        if not data:
            self.incomplete = True
            self.remaining = 0
            return b""
        self.remaining -= len(data)
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while self.remaining > 0:
                part = self._take(self._rfile.read, self.remaining)
                if not part:
                    break
                parts.append(part)
            return b"".join(parts)
        return self._take(self._rfile.read, size)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        return self._take(self._rfile.readline, -1 if size is None else size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        lines, total = [], 0
        for line in iter(self.readline, b""):
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self):  # type: ignore[override]
        return iter(self.readline, b"")

    def drain(self, limit: int) -> bool:
        """Read off what the app left unread, up to ``limit`` bytes; whether the body is now fully read."""
        if self.remaining > limit:
            return False
        while self.remaining > 0:
            if not self._take(self._rfile.read, min(self.remaining, 65536)):
                return False
        return not self.incomplete


class Headers:
    """A request's header fields in arrival order, looked up without regard to case (what ``self.headers`` holds)."""

    __slots__ = ("_fields", "_index")

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._fields = fields
        self._index: dict[str, list[str]] = {}
        for name, value in fields:
            self._index.setdefault(name.lower(), []).append(value)

    def get(self, name: str, default: Any = None) -> Any:
        values = self._index.get(name.lower())
        return values[0] if values else default

    def get_all(self, name: str, default: Any = None) -> Any:
        return list(self._index.get(name.lower(), ())) or default

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __getitem__(self, name: str) -> str | None:
        return self.get(name)

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"<Headers {[name for name, _ in self._fields]}>"


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _read_chunked(rfile: Any, limit: int) -> bytes:
    """Decode a ``Transfer-Encoding: chunked`` request body (extensions and trailers are read and ignored)."""
    body = bytearray()
    while True:
        line = rfile.readline(_MAX_LINE + 1)
        if not line.endswith(b"\n"):
            raise _BadRequest(400, "Bad chunked body: a chunk size line is missing or too long")
        digits = line.split(b";", 1)[0].strip()
        if not digits or any(c not in b"0123456789abcdefABCDEF" for c in digits):
            raise _BadRequest(400, f"Bad chunked body: chunk size {digits[:20]!r} is not hexadecimal")
        size = int(digits, 16)
        if size == 0:
            break
        if len(body) + size > limit:
            raise _BadRequest(413, f"Chunked request body larger than {limit} bytes")
        data = rfile.read(size)
        if len(data) < size or rfile.readline(_MAX_LINE + 1).strip():
            raise _BadRequest(400, "Bad chunked body: a chunk is shorter than its size or not followed by CRLF")
        body += data
    for _ in range(1000):  # trailer fields, up to the empty line
        line = rfile.readline(_MAX_LINE + 1)
        if line in (b"\r\n", b"\n", b""):
            return bytes(body)
    raise _BadRequest(400, "Bad chunked body: too many trailer fields")


def _is_number(text: str) -> bool:
    return 0 < len(text) <= 10 and text.isdigit() and text.isascii()


class _ClientGone(Exception):
    """Writing to the client failed: it has closed or reset the connection."""


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


class WSGIRequestHandler(BaseHTTPRequestHandler):
    """Serves the requests of one connection with the server's WSGI app, keeping the connection alive."""

    protocol_version = "HTTP/1.1"
    server_version = SERVER_SOFTWARE
    sys_version = ""
    disable_nagle_algorithm = True  # each answer goes out in as few writes as possible; never wait for an ACK
    server: "WSGIServer"

    def setup(self) -> None:
        self.timeout = self.server.idle_timeout
        super().setup()
        self.handle_socket = ConnectionHandle(self.connection)

    # -- one request -----------------------------------------------------------------------------
    def handle_one_request(self) -> None:
        self.close_connection = True
        try:
            self.raw_requestline = self.rfile.readline(_MAX_LINE + 1)
            if not self.raw_requestline:
                return  # the client closed the connection (or the server is stopping)
            if len(self.raw_requestline) > _MAX_LINE:
                self.requestline, self.request_version, self.command = "", "HTTP/1.1", ""
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if self.parse_request():
                self._serve()
        except (_ClientGone, OSError) as exc:  # a reset, a broken pipe, an idle or stalled client timing out
            logger.debug("connection from %s ended: %s", self.client_address[0], exc or type(exc).__name__)
            self.close_connection = True

    def parse_request(self) -> bool:
        """Read the request line and the header fields; False (after answering an error, if any) to end the connection.

        Replaces the standard library's parser (built on the email package, several times slower) with
        one that only splits lines; the rules are the same: HTTP/1.0 and 1.1, at most 100 fields of
        at most 64 KiB each, persistence decided by the version and the Connection field.
        """
        self.command, self.path, self.request_version = None, "", "HTTP/1.0"  # what send_error needs
        self.requestline = requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = requestline.split()
        if not words:
            return False
        if len(words) != 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request line {requestline[:100]!r}")
            return False
        command, target, version = words
        major, _, minor = version[5:].partition(".")
        if not (version.startswith("HTTP/") and _is_number(major) and _is_number(minor)):
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version {version[:20]!r}")
            return False
        number = (int(major), int(minor))
        if number >= (2, 0) or number < (1, 0):
            self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"HTTP version {version[:20]!r} is not supported")
            return False
        self.command, self.path, self.request_version = command, target, "HTTP/1.1" if number >= (1, 1) else "HTTP/1.0"
        fields: list[tuple[str, str]] = []
        readline = self.rfile.readline
        for _ in range(_MAX_HEADERS + 1):
            line = readline(_MAX_LINE + 1)
            if line in (b"\r\n", b"\n"):
                break
            if not line:
                return False  # the client went away mid-request
            if len(line) > _MAX_LINE:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Header line too long")
                return False
            text = line.decode("iso-8859-1").rstrip("\r\n")
            if not text:
                self.send_error(HTTPStatus.BAD_REQUEST, "Bad header line: a lone CR")
                return False
            if text[0] in " \t":  # obsolete line folding: a continuation of the previous field
                if not fields:
                    self.send_error(HTTPStatus.BAD_REQUEST, "Bad header: a continuation line comes first")
                    return False
                name, value = fields.pop()
                fields.append((name, f"{value} {text.strip()}"))
                continue
            name, colon, value = text.partition(":")
            if not colon or not name or name != name.strip():
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad header line {text[:100]!r}")
                return False
            fields.append((name, value.strip()))
        else:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, f"More than {_MAX_HEADERS} header fields")
            return False
        self.headers = headers = Headers(fields)  # type: ignore[assignment]
        tokens = {token.strip().lower() for value in headers.get_all("Connection", ()) for token in value.split(",")}
        if "close" in tokens:
            self.close_connection = True
        else:
            self.close_connection = number < (1, 1) and "keep-alive" not in tokens
        expect = headers.get("Expect")
        if expect is not None and number >= (1, 1):
            if expect.strip().lower() != "100-continue":
                self.send_error(HTTPStatus.EXPECTATION_FAILED, f"Expect {expect[:100]!r} is not supported")
                return False
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def _serve(self) -> None:
        body = self._request_body()
        if body is None:
            return
        stream, length = body
        environ = self._environ(stream, length)
        self._run(environ)
        if self.handle_socket.dropped:
            self.close_connection = True
        elif isinstance(stream, RequestBody) and not stream.drain(_DRAIN_LIMIT):
            self.close_connection = True  # the next request would start inside this one's body

    def _request_body(self) -> tuple[Any, int | None] | None:
        """``wsgi.input`` and its length (None when the request gave none), or None after answering an error."""
        encoding = self.headers.get("Transfer-Encoding")
        lengths = self.headers.get_all("Content-Length", [])
        if encoding is not None:
            if encoding.strip().lower() != "chunked":
                self.send_error(
                    HTTPStatus.NOT_IMPLEMENTED,
                    f"Transfer-Encoding {encoding!r} is not supported; send chunked or a Content-Length",
                )
                return None
            try:
                data = _read_chunked(self.rfile, MAX_CHUNKED_BODY)
            except _BadRequest as exc:
                self.send_error(exc.status, str(exc))
                return None
            if lengths:
                self.close_connection = True  # both framings given (RFC 9112, 6.3): trust neither for what follows
            return io.BytesIO(data), len(data)
        if not lengths:
            return RequestBody(self.rfile, 0), None
        values = {value.strip() for value in ",".join(lengths).split(",")}
        text = values.pop() if len(values) == 1 else ""
        if not text.isdigit() or not text.isascii():
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad Content-Length {', '.join(lengths)!r}")
            return None
        return RequestBody(self.rfile, int(text)), int(text)

    def _environ(self, stream: Any, length: int | None) -> dict[str, Any]:
        target = self.path
        path, _, query = target.partition("?")
        if "://" in path:  # absolute-form target, as sent to a proxy
            path = urlsplit(path).path or "/"
        server = self.server
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "REQUEST_URI": target,
            "RAW_URI": target,
            "SERVER_NAME": server.server_name,
            "SERVER_PORT": str(server.server_port),
            "SERVER_PROTOCOL": self.request_version,
            "SERVER_SOFTWARE": SERVER_SOFTWARE,
            "GATEWAY_INTERFACE": "CGI/1.1",
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": str(self.client_address[1]),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": stream,
            "wsgi.input_terminated": True,  # wsgi.input ends where the body ends
            "wsgi.errors": _ERRORS,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            SOCKET_KEY: self.handle_socket,
        }
        content_type = self.headers.get("Content-Type")
        if content_type is not None:
            environ["CONTENT_TYPE"] = content_type
        if length is not None:
            environ["CONTENT_LENGTH"] = str(length)
        for name, value in self.headers.items():
            if "_" in name:
                continue  # X_Forwarded would pass for X-Forwarded; drop, as wsgiref and others do
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
            value = value.strip()
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    # -- the app and the answer -------------------------------------------------------------------
    def _run(self, environ: dict[str, Any]) -> None:
        response = _Response(self)
        try:
            result = self.server.app(environ, response.start_response)
        except Exception:  # the app failed before returning anything
            self._app_failed(response, environ)
            return
        try:
            for chunk in result:
                if chunk:
                    response.write(chunk)
            if not self.handle_socket.dropped:
                response.finish()
        except _ClientGone:
            raise
        except Exception:
            self._app_failed(response, environ)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    logger.exception("closing the WSGI app's response failed")
        logger.debug(
            '%s "%s" %s%s', self.client_address[0], self.requestline, response.status_code,
            " (dropped)" if self.handle_socket.dropped else "",
        )

    def _app_failed(self, response: "_Response", environ: dict[str, Any]) -> None:
        logger.error("the WSGI app failed on %s %s", environ["REQUEST_METHOD"], environ["PATH_INFO"], exc_info=True)
        self.close_connection = True
        if not response.headers_sent and not self.handle_socket.dropped:
            response.fail()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's signature
        logger.debug("%s " + format, self.client_address[0], *args)


class _Response:
    """The answer to one request: start_response, the body, Content-Length and the connection header."""

    def __init__(self, handler: WSGIRequestHandler) -> None:
        self.handler = handler
        self.status: str | None = None
        self.status_code = 0
        self.headers: list[tuple[str, str]] = []
        self.headers_sent = False
        self.length: int | None = None  # the Content-Length the app gave
        self.sent = 0
        self.buffer: list[bytes] = []
        self.skip_body = False

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
        if exc_info is not None:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response was called twice without exc_info")
        code = status.split(" ", 1)[0]
        if len(code) != 3 or not code.isdigit():
            raise ValueError(f"bad WSGI status {status!r}")
        self.status, self.status_code = status, int(code)
        self.headers, self.length, self.buffer = [], None, []
        for name, value in headers:
            lowered = name.lower()
            if lowered in _HOP_BY_HOP:
                if lowered == "connection" and "close" in value.lower():
                    self.handler.close_connection = True
                continue  # the server owns the connection's framing
            if lowered == "content-length":
                if not value.strip().isdigit():
                    raise ValueError(f"bad Content-Length {value!r} from the WSGI app")
                self.length = int(value)
                continue
            self.headers.append((name, value))
        return self.write

    def write(self, data: bytes) -> None:
        """The body, chunk by chunk; sent at once when the app gave a Content-Length, else buffered to count it."""
        if self.status is None:
            raise AssertionError("the WSGI app sent body data before calling start_response")
        if self.length is None:
            self.buffer.append(data)
            return
        room = self.length - self.sent
        if len(data) > room:
            logger.warning("the WSGI app sent more than its Content-Length of %d bytes; cut off", self.length)
            data = data[:room]
            self.handler.close_connection = True
        self.sent += len(data)
        self._send(b"" if self.headers_sent else self._head(self.length), data)

    def finish(self) -> None:
        """Send what is still unsent: the head with the counted Content-Length and the buffered body."""
        if self.status is None:
            raise AssertionError("the WSGI app returned without calling start_response")
        if self.length is None:
            body = b"".join(self.buffer)
            self.buffer = []
            self._send(self._head(len(body)), body)
            return
        if not self.headers_sent:
            self._send(self._head(self.length), b"")
        if self.sent < self.length and not self.skip_body:
            logger.warning("the WSGI app sent %d of its Content-Length of %d bytes", self.sent, self.length)
            self.handler.close_connection = True  # the client waits for the rest: only closing ends that

    def fail(self) -> None:
        """Answer 500 in place of an app that raised before sending anything."""
        self.status = None
        self.start_response("500 Internal Server Error", [("Content-Type", "text/plain; charset=utf-8")])
        self.buffer = [b"Internal Server Error (the WSGI app failed; see the log)"]
        self.finish()

    def _head(self, length: int) -> bytes:
        """The status line and headers (Content-Length and the connection's fate included)."""
        handler = self.handler
        self.skip_body = self.status_code < 200 or self.status_code in _NO_BODY_STATUSES or handler.command == "HEAD"
        lines = [f"{handler.protocol_version} {self.status}", f"Date: {_http_date()}"]  # no Server: one field less to parse
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.status_code >= 200 and self.status_code not in _NO_BODY_STATUSES:
            lines.append(f"Content-Length: {length}")
        if handler.close_connection:
            lines.append("Connection: close")
        elif handler.request_version == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        self.headers_sent = True
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(self, head: bytes, body: bytes) -> None:
        """One write for head and body together (no body for HEAD, 1xx, 204, 304)."""
        data = head if self.skip_body else head + body
        if not data or self.handler.handle_socket.dropped:
            return
        try:
            self.handler.wfile.write(data)
        except OSError as exc:
            raise _ClientGone(str(exc) or type(exc).__name__) from None


class WSGIServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """A threaded HTTP/1.1 WSGI server: ``WSGIServer(host, port, app)`` binds and listens (OSError when it cannot).

    Serve with ``serve_forever()`` (from any thread); end with ``shutdown()`` (stops accepting) and
    then ``close()`` (closes idle and busy connections alike and waits briefly for their threads).
    """

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        host: str,
        port: int,
        app: Callable,
        *,
        idle_timeout: float | None = 60.0,
        handler_class: type[WSGIRequestHandler] = WSGIRequestHandler,
        name: str = "kapture-http",
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.app = app
        self.idle_timeout = idle_timeout
        self.name = name
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._connections_lock = threading.Lock()
        self._closing = False
        self.accepted = 0  # connections accepted so far: with keep-alive, far fewer than requests
        super().__init__((host, port), handler_class)
        self.server_name = host
        self.server_port = self.socket.getsockname()[1]

    @property
    def connection_count(self) -> int:
        """How many client connections are open now."""
        with self._connections_lock:
            return len(self._connections)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), name=f"{self.name}:connection", daemon=True
        )
        with self._connections_lock:
            closing = self._closing
            if not closing:
                self._connections[request] = thread
                self.accepted += 1
        if closing:
            self.shutdown_request(request)
            return
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.pop(request, None)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.error("the sandbox's HTTP server failed on a connection from %s", client_address[0], exc_info=True)

    def close(self, timeout: float = 1.0) -> None:
        """Close the listening socket and every connection; wait up to ``timeout`` seconds for their threads.

        Call after ``shutdown()`` (or when ``serve_forever`` was never started). A request still running
        in the app (a slow fault, say) is not waited for past ``timeout``: its answer finds the
        connection closed and is dropped quietly.
        """
        with self._connections_lock:
            self._closing = True
            connections = list(self._connections.items())
        for connection, _ in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)  # wakes a thread waiting for the next request
            except OSError:
                pass
        self.server_close()
        deadline = time.monotonic() + timeout
        for _, thread in connections:
            thread.join(max(0.0, deadline - time.monotonic()))
