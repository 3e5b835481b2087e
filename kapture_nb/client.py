"""KaptureClient: where to send, with which credentials, retried how; one body in, one result row out."""
from __future__ import annotations

import json
import logging
import os
import shlex
import time
import traceback
from collections.abc import Mapping
from functools import partial
from typing import Any

import pandas as pd
import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from . import paths
from .auth import BasicCredentials
from .batch import BatchOptions, Data, bodies_of, send_many
from .exceptions import BodyTypeError, ConfigurationError
from .frames import SendResult, frame_from_rows, payload_of
from .journal import Journal
from .mapping import FieldMapping
from .retry import RETRY_AFTER_MAX, SAFE_STATUSES, make_retry
from .schema import ENDPOINT
from .settings import resolve_base_url, settings_from_env
from .validation import Validator, validator_for
from .wire import Unread, body_text, connect_failure, describe_failure, redirected, unread_reason, wait_before_retry

log = logging.getLogger(__name__)

_DEFAULT_POOL = 10
_TOO_LONG = f"longer than the row's deadline allows or than kapture_nb waits (at most {RETRY_AFTER_MAX:g} s)"
DEADLINE = 120.0  # seconds per row: connecting, retries, Retry-After waits and reading
MAX_RESPONSE_BYTES = 1024 * 1024  # of a response's body, counted after decompression (a gzip bomb stops early)


class KaptureClient:
    """Sends Update Order bodies to one Kapture account (or a sandbox) and returns result rows."""

    def __init__(
        self,
        subdomain: str | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        base_url: str | None = None,
        timeout: float | tuple[float, float] = (5, 30),
        retries: int | Retry | None = 3,
        retry_statuses: tuple[int, ...] = SAFE_STATUSES,
        deadline: float = DEADLINE,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        verify: bool | str = True,
        allow_insecure: bool = False,
        schema: Mapping[str, Any] | None = None,
        current: Any = None,
    ) -> None:
        try:
            self._auth = BasicCredentials(username, password, token)
            self.base_url = resolve_base_url(subdomain, base_url, allow_insecure)
        finally:
            # Each may hold a secret (a password, a token, user info in a URL): auth.py and settings.py keep them
            # out of messages, and deleting them here keeps them out of tracebacks formatted with locals.
            del username, password, token, subdomain, base_url
        self.url = self.base_url + ENDPOINT
        self.timeout = timeout
        if not (isinstance(deadline, int | float) and deadline > 0):
            raise ConfigurationError(f"deadline is seconds per row, more than 0, got {deadline!r}")
        if isinstance(max_response_bytes, bool) or not (isinstance(max_response_bytes, int) and max_response_bytes > 0):
            raise ConfigurationError(f"max_response_bytes is a whole number of bytes, more than 0, got {max_response_bytes!r}")
        self.deadline = float(deadline)
        self.max_response_bytes = max_response_bytes
        self.retry = make_retry(retries, retry_statuses)
        self.schema = schema
        self.current = current  # the account's current orders, for plans (a sandbox's client has its sandbox)
        self._validator: Validator = validator_for(schema)
        self.session = requests.Session()
        self.session.auth = self._auth
        # Read proxy and CA-bundle variables once: requests would scan the environment on every send.
        # A bundle path costs a stat() per send, so plain http (which verifies nothing) keeps the bool.
        self.session.proxies = requests.utils.get_environ_proxies(self.url)
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        https = self.url.startswith("https:")
        self._verify = bundle if verify is True and bundle and https else verify
        self.session.verify = self._verify
        self.session.trust_env = False
        self.session.headers.update({"Content-Type": "application/json", "Accept": "application/json"})
        self.pool_size = 0
        self._template: requests.PreparedRequest | None = None
        self.ensure_pool(_DEFAULT_POOL)

    @classmethod
    def from_env(cls, **kwargs: Any) -> KaptureClient:
        """A client from KAPTURE_SUBDOMAIN or KAPTURE_BASE_URL, and KAPTURE_USERNAME + KAPTURE_PASSWORD or KAPTURE_TOKEN."""
        try:
            return cls(**settings_from_env(**kwargs))
        finally:
            del kwargs  # it may hold a password, a token or a URL with user info: out of tracebacks with locals

    @property
    def username(self) -> str | None:
        return self._auth.username

    def ensure_pool(self, size: int) -> None:
        """Keep at least ``size`` connections to the server open for reuse (one per worker thread)."""
        if size <= self.pool_size:
            return
        # No retries inside urllib3: send() decides what is sent again, within the row's deadline.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=size, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self._adapter = adapter
        self.pool_size = size

    def close(self) -> None:
        """Close the connections."""
        self.session.close()

    def __enter__(self) -> KaptureClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        # Never raises, also for a client whose __init__ stopped halfway (a traceback's locals show it).
        auth = getattr(self, "_auth", None)
        username = getattr(auth, "username", None)
        who = f"user={username!r}" if username else "token auth" if auth is not None else "no credentials"
        return f"<KaptureClient {getattr(self, 'base_url', '(no base URL)')} {who}>"

    def _repr_html_(self) -> str:
        import html

        return f"<code>{html.escape(repr(self))}</code>"

    def send(
        self, body: Any, *, validate: bool = True, dry_run: bool = False, schema: Mapping[str, Any] | None = None
    ) -> SendResult:
        """Validate (against ``schema``, else the client's) and send one body; failures come back in the result."""
        if not isinstance(body, dict):
            raise BodyTypeError(f"a body is a dict (a JSON object), got {type(body).__name__}")
        order_id = paths.get(body, "order_info.order_id")
        validator = self._validator if schema is None else validator_for(schema)
        if validate and not validator.is_valid(body):  # is_valid: no time spent on warnings on the way out
            report = validator.validate(body)
            if not report.ok:
                problems = "; ".join(f"{e.path or '(body)'}: {e.message}" for e in report.errors)
                return SendResult(order_id=order_id, error=f"not sent, invalid body: {problems}", dry_run=dry_run)
        try:
            data = json.dumps(body, allow_nan=False, ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError, RecursionError) as exc:  # UnicodeEncodeError (a lone surrogate) is a ValueError
            return SendResult(order_id=order_id, error=f"not sent, the body is not JSON: {exc}", dry_run=dry_run)
        if dry_run:
            return SendResult(order_id=order_id, dry_run=True)
        try:
            return self._post(data, order_id)
        except BaseException as exc:  # Ctrl-C mid-send: the frames below hold the request's raw header bytes
            traceback.clear_frames(exc.__traceback__)
            raise

    def _post(self, data: bytes, order_id: Any) -> SendResult:
        """POST one encoded body: retried only while it surely did not reach the server, all within the deadline."""
        started = time.monotonic()
        due = started + self.deadline
        retry, attempts = self.retry, 0

        def result(**fields: Any) -> SendResult:
            elapsed = (time.monotonic() - started) * 1000
            return SendResult(order_id=order_id, attempts=attempts, elapsed_ms=elapsed, **fields)

        while True:
            attempts += 1
            try:
                # The adapter, not Session.send: Session.send reads a redirect's whole body, unbounded, before returning.
                response = self._adapter.send(
                    self._prepared(data), stream=True, timeout=self._timeouts(due - time.monotonic()),
                    verify=self._verify, cert=None, proxies=self.session.proxies,
                )
            except requests.RequestException as exc:
                failure = describe_failure(exc, self.timeout)
                reason = connect_failure(exc)
                if reason is None:  # the request may have gone out: its outcome is the server's secret
                    log.info("POST %s: outcome unknown after %d attempt(s): %s", self.url, attempts, failure)
                    return result(error=_unknown(failure), unknown=True)
                try:
                    retry = retry.increment("POST", self.url, error=reason)
                except MaxRetryError:
                    return result(error=failure)
                wait = retry.get_backoff_time()
                if time.monotonic() + wait >= due:
                    return result(error=f"{failure} (no time left for another attempt within the deadline)")
                time.sleep(wait)
                continue
            try:
                status = response.status_code
                if 300 <= status < 400:
                    return result(http_status=status, error=redirected(status, response.headers.get("Location"), self.url))
                given_up = None
                if retry.is_retry("POST", status, has_retry_after="Retry-After" in response.headers):
                    wait, following = wait_before_retry(retry, response)
                    if following is not None and wait <= RETRY_AFTER_MAX and time.monotonic() + wait < due:
                        retry = following
                        response.close()
                        time.sleep(wait)
                        continue
                    if following is not None:
                        asked = response.headers.get("Retry-After")
                        why = f"the server asks to wait (Retry-After: {asked[:40]})" if asked else f"the backoff is {wait:g} s"
                        given_up = f"HTTP {status}: {why}, {_TOO_LONG}; not retried"
                try:
                    text = body_text(response, self.max_response_bytes, due, self._timeouts(due - time.monotonic())[1])
                except (Unread, requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                    said = f"HTTP {status}, then {unread_reason(exc, self.timeout)}"
                    if 200 <= status < 300:
                        return result(http_status=status, error=_unknown(said), unknown=True)
                    return result(http_status=status, error=said)
            finally:
                response.close()
            found = result(http_status=status, payload=payload_of(text), text=text, error=given_up)
            log.debug("POST %s -> %s in %.0f ms, %d attempt(s)", self.url, status, found.elapsed_ms, attempts)
            return found

    def _timeouts(self, left: float) -> tuple[float, float]:
        """The connect and read timeouts of one attempt: the client's, or less when the deadline is nearer."""
        connect, read = self.timeout if isinstance(self.timeout, tuple) else (self.timeout, self.timeout)
        left = max(left, 0.001)
        return min(connect if connect is not None else left, left), min(read if read is not None else left, left)

    def _prepared(self, data: bytes) -> requests.PreparedRequest:
        # Headers and auth are prepared once per client; each send copies the headers and sets the body.
        template = self._template
        if template is None:
            template = self._template = self.session.prepare_request(requests.Request("POST", self.url))
        request = requests.PreparedRequest()
        request.method, request.url, request.hooks = template.method, template.url, template.hooks
        request.headers = template.headers.copy()
        request.prepare_body(data, None)
        return request

    def update_order(self, body: dict[str, Any], *, validate: bool = True, dry_run: bool = False) -> pd.DataFrame:
        """Send one body; a one-row DataFrame with kn.RESULT_COLUMNS (failures included, never raised)."""
        return frame_from_rows([self.send(body, validate=validate, dry_run=dry_run).row()])

    def update_orders(
        self,
        data: Data,
        mapping: FieldMapping | Mapping[Any, Any] | None = None,
        *,
        concurrency: int = 4,
        journal: str | os.PathLike[str] | Journal | None = None,
        progress: bool = True,
        dry_run: bool = False,
        rate_limit: float | None = None,
        validate: bool = True,
        duplicates: str = "in_order",
        resend_unknown: bool = False,
    ) -> pd.DataFrame:
        """Send many bodies (a list, a Series of dicts, or a DataFrame through ``mapping``); one row each, in input order.

        A DataFrame without a mapping is read as flattened bodies: its columns are body paths. Rows are
        validated against the mapping's schema when it has one (so its declared associate fields count),
        else the client's. Rows that update the same order go out one after another in row order
        (``duplicates="in_order"``), so the last one wins every time; ``"last"`` sends only the last
        row of each order, ``"error"`` none of them. A rerun with the journal does not send again the rows
        whose outcome was unknown (sent, no answer) unless ``resend_unknown``, and never an Add body. See
        ``batch.send_many`` for the journal, the stop rules and dry runs.
        """
        options = BatchOptions(
            concurrency=concurrency,
            journal=journal,
            progress=progress,
            dry_run=dry_run,
            rate_limit=rate_limit,
            duplicates=duplicates,
            resend_unknown=resend_unknown,
        )
        batch = bodies_of(data, mapping, self.schema)
        self.ensure_pool(options.concurrency)
        return send_many(partial(self.send, validate=validate, dry_run=dry_run, schema=batch.schema), batch, options)

    def to_curl(self, body: dict[str, Any], reveal: bool = False) -> str:
        """The curl command that sends this body, Authorization redacted unless ``reveal``."""
        if not isinstance(body, dict):
            raise BodyTypeError(f"a body is a dict (a JSON object), got {type(body).__name__}")
        text = json.dumps(body, indent=4, ensure_ascii=False)
        return " \\\n".join(
            [
                f"curl --location {shlex.quote(self.url)}",
                f"--header {shlex.quote('Content-Type: application/json')}",
                f"--header {shlex.quote('Authorization: ' + self._auth.header(reveal=reveal))}",
                f"--data-raw {shlex.quote(text)}",
            ]
        )


def _unknown(what: str) -> str:
    return f"outcome unknown: {what}; the server may have applied it (see resend_unknown)"
