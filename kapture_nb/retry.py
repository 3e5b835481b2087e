"""The retry policy: what is sent again (only what surely did not reach the server), how often, how long to wait."""
from __future__ import annotations

from collections.abc import Iterable

from urllib3.util.retry import Retry

RETRY_AFTER_MAX = 60.0  # a longer Retry-After ends the row at once: a notebook never freezes on one answer
SAFE_STATUSES = (429, 503)  # answers that say the server did nothing


def make_retry(retries: int | Retry | None = 3, statuses: Iterable[int] = SAFE_STATUSES, backoff: float = 0.5) -> Retry:
    """The default policy: failures to connect and 429/503 answers retried with backoff, honouring Retry-After.

    A request that went out is never sent again, whatever the policy says about reads: a read
    timeout or a connection lost after sending may follow an update the server applied. 500, 502
    and 504 are not retried unless named in ``statuses``, for the same reason.
    """
    if isinstance(retries, Retry):
        return retries
    count = 0 if retries is None else int(retries)
    return Retry(
        total=count,
        connect=count,
        read=0,
        status=count,
        other=0,
        redirect=0,
        backoff_factor=backoff,
        backoff_max=RETRY_AFTER_MAX,
        status_forcelist=tuple(statuses),
        allowed_methods=None,  # POST included: the statuses above say nothing was done
        raise_on_status=False,
        respect_retry_after_header=True,
    )
