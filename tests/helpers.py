"""Helpers shared by the tests: where the repo's files are, frames of orders to send, a free port, a plain-JSON oracle."""
from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "schemas" / "examples"
FIRST_ID = 30_000_000


def orders(n: int, start: int = FIRST_ID) -> pd.DataFrame:
    """A DataFrame of flattened bodies: columns are body paths."""
    return pd.DataFrame(
        {
            "order_info.order_id": list(range(start, start + n)),
            "customer_info.customer_name": [f"Customer {i}" for i in range(n)],
            "order_info.associate_fields.batch": ["b1"] * n,
        },
        index=[f"row-{i}" for i in range(n)],
    )


# "foo" has its own $id, so its "#/definitions/inner" is foo's, not the root's: only the whole schema knows.
INNER_ID: dict[str, Any] = {
    "$id": "http://example.com/root.json",
    "type": "object",
    "properties": {
        "foo": {
            "$id": "foo.json",
            "definitions": {"inner": {"type": "string"}},
            "properties": {"bar": {"$ref": "#/definitions/inner"}},
        }
    },
}


def free_port() -> int:
    """A local port nothing listens on (bound and released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def plain_json(value: Any) -> bool:
    """Whether JSON carries the value unchanged: it survives a round trip with the same types throughout.

    Its text must also encode as UTF-8 (no lone surrogates) and nest arrays and objects at most 64 deep
    (the body is level 1), as the toolkit's plain JSON does; a cycle or an over-long integer fails json.dumps.
    """
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
        text.encode("utf-8")
    except (TypeError, ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return False
    return _nesting(text) <= 64 and _same(json.loads(text), value)


def _nesting(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)


def writing(body: dict[str, Any]) -> dict[str, Any]:
    """The body with every section's update flag true (in place, and returned): no field goes unwritten, no warning."""
    for section in ("customer_info", "enquiry_info", "order_info"):
        if isinstance(body.get(section), dict):
            body[section]["update"] = True
    for contact in body.get("contact_info", []):
        contact["update"] = True
    return body


class HostileServer:
    """A raw-socket HTTP server in a thread, for failures the sandbox cannot produce: it answers with ``answer``.

    ``answer(request, connection)`` gets the request's head and body as bytes and writes whatever it
    likes to the socket; the connection is closed after it returns. ``requests`` holds every request's
    head (bytes), in arrival order. Use it as a context manager; ``url`` is its base URL.
    """

    def __init__(self, answer: Callable[[bytes, socket.socket], None], host: str = "127.0.0.1") -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self._listener = socket.create_server((host, 0))
        self._listener.settimeout(0.2)
        self.url = f"http://{host}:{self._listener.getsockname()[1]}"
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(10)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(body) < length:
                    body += connection.recv(65536)
                self.requests.append(head)
                self.answer(head + b"\r\n\r\n" + body, connection)
            except OSError:  # the client gave up: that is what most hostile answers are for
                return


def http_answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """A whole HTTP/1.1 answer as bytes, with Content-Length (unless ``headers`` sets Transfer-Encoding)."""
    fields = {"Content-Type": "application/json", **(headers or {})}
    if "Transfer-Encoding" not in fields:
        fields["Content-Length"] = str(len(body))
    head = f"HTTP/1.1 {status} Hostile\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
    return head.encode("latin-1") + body
