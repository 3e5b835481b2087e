"""KaptureClient: where to send, with which credentials, retried how; one body in, one result row out."""
from __future__ import annotations

import json
import logging
import os
import shlex
import time
from collections.abc import Mapping
from functools import partial
from typing import Any

import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import paths
from .auth import BasicCredentials
from .batch import BatchOptions, Data, bodies_of, send_many
from .exceptions import BodyTypeError
from .frames import SendResult, frame_from_rows
from .journal import Journal
from .mapping import FieldMapping
from .retry import SAFE_STATUSES, make_retry
from .schema import ENDPOINT
from .settings import resolve_base_url, settings_from_env
from .validation import Validator, validator_for

log = logging.getLogger(__name__)

_DEFAULT_POOL = 10


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
        verify: bool | str = True,
        allow_insecure: bool = False,
        schema: Mapping[str, Any] | None = None,
        current: Any = None,
    ) -> None:
        self.base_url = resolve_base_url(subdomain, base_url, allow_insecure)
        self.url = self.base_url + ENDPOINT
        self._auth = BasicCredentials(username, password, token)
        self.timeout = timeout
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
        self.session.verify = bundle if verify is True and bundle and https else verify
        self.session.trust_env = False
        self.session.headers.update({"Content-Type": "application/json", "Accept": "application/json"})
        self.pool_size = 0
        self._template: requests.PreparedRequest | None = None
        self.ensure_pool(_DEFAULT_POOL)

    @classmethod
    def from_env(cls, **kwargs: Any) -> KaptureClient:
        """A client from KAPTURE_SUBDOMAIN or KAPTURE_BASE_URL, and KAPTURE_USERNAME + KAPTURE_PASSWORD or KAPTURE_TOKEN."""
        return cls(**settings_from_env(**kwargs))

    @property
    def username(self) -> str | None:
        return self._auth.username

    def ensure_pool(self, size: int) -> None:
        """Keep at least ``size`` connections to the server open for reuse (one per worker thread)."""
        if size <= self.pool_size:
            return
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=size, max_retries=self.retry)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.pool_size = size

    def close(self) -> None:
        """Close the connections."""
        self.session.close()

    def __enter__(self) -> KaptureClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        who = f"user={self.username!r}" if self.username else "token auth"
        return f"<KaptureClient {self.base_url} {who}>"

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
        except (TypeError, ValueError) as exc:
            return SendResult(order_id=order_id, error=f"not sent, the body is not JSON: {exc}", dry_run=dry_run)
        if dry_run:
            return SendResult(order_id=order_id, dry_run=True)
        start = time.perf_counter()
        try:
            response = self.session.send(self._prepared(data), timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            elapsed = (time.perf_counter() - start) * 1000
            log.info("POST %s failed after %.0f ms: %s", self.url, elapsed, _describe_failure(exc, self.timeout))
            return SendResult(
                order_id=order_id,
                error=_describe_failure(exc, self.timeout),
                attempts=_attempts_of_failure(exc),
                elapsed_ms=elapsed,
            )
        elapsed = (time.perf_counter() - start) * 1000
        result = SendResult.from_response(response, order_id=order_id, elapsed_ms=elapsed)
        log.debug("POST %s -> %s in %.0f ms, %d attempt(s)", self.url, result.http_status, elapsed, result.attempts)
        return result

    def _prepared(self, data: bytes) -> requests.PreparedRequest:
        # Headers and auth are prepared once per client; each send copies the headers and sets the body
        # (not PreparedRequest.copy(), which also copies a cookie jar that only redirects read, and they are off).
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
    ) -> pd.DataFrame:
        """Send many bodies (a list, a Series of dicts, or a DataFrame through ``mapping``); one row each, in input order.

        A DataFrame without a mapping is read as flattened bodies: its columns are body paths. Rows are
        validated against the mapping's schema when it has one (so its declared associate fields count),
        else the client's. Rows that update the same order go out one after another in row order
        (``duplicates="in_order"``), so the last one wins every time; ``"last"`` sends only the last
        row of each order, ``"error"`` none of them. See ``batch.send_many`` for the journal, the stop
        rules and dry runs.
        """
        options = BatchOptions(
            concurrency=concurrency,
            journal=journal,
            progress=progress,
            dry_run=dry_run,
            rate_limit=rate_limit,
            duplicates=duplicates,
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


def _attempts_of_failure(exc: BaseException) -> int:
    seen: BaseException | None = exc
    while seen is not None:
        for candidate in (seen, *getattr(seen, "args", ())):
            attempts = getattr(candidate, "kapture_attempts", None)
            if isinstance(attempts, int) and attempts:
                return attempts
        seen = seen.__context__ or seen.__cause__
    return 1


def _chain(exc: BaseException) -> str:
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 8:
        parts.append(f"{type(seen).__name__}: {seen}")
        parts.extend(f"{type(a).__name__}: {a}" for a in getattr(seen, "args", ()) if isinstance(a, BaseException))
        seen = seen.__cause__ or seen.__context__
    return " | ".join(parts)


def _describe_failure(exc: requests.RequestException, timeout: Any) -> str:
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
