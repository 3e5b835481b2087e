"""The retry policy: what is sent again, how often, and how long to wait."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

RETRY_AFTER_MAX = 60.0
SAFE_STATUSES = (429, 503)


class KaptureRetry(Retry):
    """urllib3's Retry with Retry-After capped, so a notebook never freezes, and attempts counted on failure."""

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, RETRY_AFTER_MAX)

    def increment(self, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().increment(*args, **kwargs)
        except Exception as exc:
            # urllib3 drops the history when it gives up; keep the count for the result row.
            exc.kapture_attempts = len(self.history) + 1  # type: ignore[attr-defined]
            raise


def make_retry(retries: int | Retry | None = 3, statuses: Iterable[int] = SAFE_STATUSES, backoff: float = 0.5) -> Retry:
    """The default policy: connection errors and 429/503 retried with backoff, honouring Retry-After.

    500, 502 and 504 are not retried unless named in ``statuses``: the server may
    have applied the update before failing. A dropped connection or a timeout is
    retried, since an Update Order with the same body sets the same values again.
    """
    if isinstance(retries, Retry):
        return retries
    count = 0 if retries is None else int(retries)
    return KaptureRetry(
        total=count,
        connect=count,
        read=count,
        status=count,
        other=0,
        backoff_factor=backoff,
        backoff_max=RETRY_AFTER_MAX,
        status_forcelist=tuple(statuses),
        allowed_methods=None,
        raise_on_status=False,
        respect_retry_after_header=True,
    )


def attempts_of(raw_response: BaseHTTPResponse | None) -> int:
    """How many times the request went out before this response came back."""
    retries = getattr(raw_response, "retries", None)
    return len(retries.history) + 1 if retries is not None else 1
