"""One exchange on the wire, read within bounds: was the request sent, how long to wait, what the answer says, what failed."""
from __future__ import annotations

import ssl
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

_READ_SIZE = 64 * 1024


class Unread(Exception):
    """Why a response's body was not read to its end (besides the connection's own errors)."""


def connect_failure(exc: requests.RequestException) -> urllib3.exceptions.HTTPError | None:
    """urllib3's error when ``exc`` is a failure to connect (so the request surely did not go out), else None."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    # NewConnectionError (refused, unreachable, a name that does not resolve) is a ConnectTimeoutError in urllib3 2.
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
        return reason
    # A certificate that failed verification stops the handshake: nothing was sent. The policy does not retry it
    # ("other"), and its row is a plain failure, so a rerun after fixing the CA bundle sends it.
    inner = reason.args[0] if isinstance(reason, urllib3.exceptions.SSLError) and reason.args else None
    return reason if isinstance(inner, ssl.SSLCertVerificationError) else None


def wait_before_retry(retry: Retry, response: requests.Response) -> tuple[float, Retry | None]:
    """How long to wait before the next attempt (Retry-After, else the backoff) and the policy after it (None: no retry left)."""
    try:
        following = retry.increment("POST", response.url, response=response.raw)
    except MaxRetryError:
        return 0.0, None
    try:
        asked = following.get_retry_after(response.raw)
    except (urllib3.exceptions.InvalidHeader, ValueError, OverflowError):  # "Retry-After: soon": the backoff, then
        asked = None
    return (following.get_backoff_time() if asked is None else asked), following


def body_text(response: requests.Response, limit: int, due: float, read_timeout: float) -> str:
    """The response's body as text, decompressed, read at most to ``limit`` bytes and until ``due``."""
    parts: list[bytes] = []
    size = 0
    sock = getattr(response.raw.connection, "sock", None)
    past_deadline = "the row's deadline passed while the response was being read"
    while True:
        left = due - time.monotonic()
        if left <= 0:
            raise Unread(past_deadline)
        if sock is not None:  # one stalled read may not outlast the deadline either
            sock.settimeout(min(read_timeout, left))
        try:
            # read1: what has arrived, so a body dripped byte by byte cannot outlast the deadline
            chunk = response.raw.read1(_READ_SIZE, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError:
            if read_timeout > left:  # the wait was cut to the deadline, and the deadline it was
                raise Unread(past_deadline) from None
            raise
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise Unread(f"the response is over {limit:,} bytes (max_response_bytes); it was not read further")
        parts.append(chunk)
    try:
        return b"".join(parts).decode(response.encoding or "utf-8", "replace")
    except (LookupError, UnicodeError):  # a charset Python does not know, or one that is no text encoding (idna)
        return b"".join(parts).decode("utf-8", "replace")


def unread_reason(exc: BaseException, timeout: Any) -> str:
    if isinstance(exc, Unread):
        return str(exc)
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError | requests.Timeout):
        return f"timed out reading the response (timeout {timeout})"
    if isinstance(exc, urllib3.exceptions.DecodeError | requests.exceptions.ContentDecodingError):
        return "its body could not be decompressed"
    return "the connection was lost while the response was being read"


def redirected(status: int, location: str | None, url: str) -> str:
    try:
        host = urlsplit(urljoin(url, location)).hostname if location else None
    except ValueError:  # a Location urlsplit cannot read ("http://[::1")
        host = None
    where = f"redirected to {host}" if host else "a redirect"
    return f"HTTP {status}: {where}; Kapture's API does not redirect: check base_url (the redirect was not followed)"


def _chain(exc: BaseException) -> str:
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 8:
        parts.append(f"{type(seen).__name__}: {seen}")
        parts.extend(f"{type(a).__name__}: {a}" for a in getattr(seen, "args", ()) if isinstance(a, BaseException))
        seen = seen.__cause__ or seen.__context__
    return " | ".join(parts)


def describe_failure(exc: requests.RequestException, timeout: Any) -> str:
    """One line saying what went wrong on the wire."""
    chain = _chain(exc)
    if isinstance(exc, requests.ConnectTimeout) or "ConnectTimeoutError" in chain:
        return f"timed out connecting to the server (timeout {timeout})"
    if isinstance(exc, requests.ReadTimeout) or "ReadTimeoutError" in chain or "Read timed out" in chain:
        return f"timed out waiting for the response (timeout {timeout})"
    if "Connection refused" in chain or "ConnectionRefusedError" in chain:
        return "connection refused: nothing is listening at that address"
    if "RemoteDisconnected" in chain or "Connection aborted" in chain or "ConnectionResetError" in chain:
        return "the server closed the connection before responding"
    if "NameResolutionError" in chain or "Name or service not known" in chain:
        return "the host name could not be resolved"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS error: {exc}"
    return f"{type(exc).__name__}: {exc}"
