"""Helpers shared by the tests: where the repo's files are, frames of orders to send, a free port, a plain-JSON oracle,
JupyterLab and Chromium for the browser tests."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "schemas" / "examples"
ARTIFACTS = ROOT / "test-artifacts"  # the browser tests' screenshots
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


# ---- the browser tests: JupyterLab on a copy of notebooks/, Debian's Chromium driven by playwright ----------------------

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def chromium() -> str:
    """Debian's Chromium, installed with apt-get when missing (no browser can be downloaded here)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        quiet: dict[str, Any] = {"env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, "stdout": subprocess.DEVNULL}
        subprocess.run(["apt-get", "update", "-qq"], check=True, **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, **quiet)
        found = shutil.which("chromium")
    if not found:
        pytest.fail("Chromium is missing and could not be installed: run `apt-get install chromium` as root")
    return found


@contextmanager
def jupyter_lab(home: Path) -> Iterator[tuple[str, str]]:
    """JupyterLab on localhost serving a copy of notebooks/ in ``home`` (its autosave must not touch the repo): (url, token)."""
    shutil.copytree(ROOT / "notebooks", home / "notebooks")
    port, token = free_port(), "kapture-browser-test"
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home / 'notebooks'}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with (home / "lab.log").open("w") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    if requests.get(f"{url}/api/status", params={"token": token}, timeout=2).ok:
                        break
                except requests.RequestException:
                    pass
                if server.poll() is not None:
                    pytest.fail(f"JupyterLab exited: {(home / 'lab.log').read_text()[-2000:]}")
                time.sleep(0.5)
            else:
                pytest.fail("JupyterLab did not start within 90 s")
            yield url, token
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()


class BrowserRun:
    """A notebook open and run in Chromium: ``page``, and ``shot``, the screenshot a failure saves (``failed_at_<shot>``)."""

    def __init__(self, page: Any, shot: str) -> None:
        self.page = page
        self.shot = shot


@contextmanager
def notebook_in_browser(url: str, token: str, notebook: str, *, wide: bool = False) -> Iterator[BrowserRun]:
    """Chromium (1400 x 1000) on JupyterLab's ``notebook``, all its cells run; ``wide``: the file browser closed."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        run = BrowserRun(browser.new_page(viewport={"width": 1400, "height": 1000}), f"{notebook}_start.png")
        page = run.page
        try:
            page.goto(f"{url}/lab/tree/{notebook}?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            accept_kernel_dialog(page)
            if wide:
                page.keyboard.press("Control+b")
            page.get_by_text("Run", exact=True).first.click()
            page.get_by_text("Run All Cells", exact=True).click()
            yield run
        except BaseException:
            page.screenshot(path=str(ARTIFACTS / f"failed_at_{run.shot}"), full_page=False)
            raise
        finally:
            browser.close()


def accept_kernel_dialog(page: Any) -> None:
    """JupyterLab may ask which kernel to start; the notebook names python3, so accept its choice."""
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    try:
        accept.wait_for(timeout=10_000)
    except Exception:  # no dialog came: the kernel started on its own
        return
    accept.click()


def run_in_kernel(page: Any, code: str, marker: str) -> str:
    """Add a cell at the end of the notebook, run ``code`` in the notebook's kernel, and return the line it prints
    that starts with ``marker``."""
    page.locator(".jp-Notebook .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")
    shown = page.get_by_text(re.compile(rf"^{marker}")).last
    shown.wait_for(timeout=30_000)
    text: str = shown.inner_text().strip()
    return text
