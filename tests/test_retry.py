from urllib3 import HTTPResponse
from urllib3.exceptions import NewConnectionError, ProtocolError, ReadTimeoutError
from urllib3.util.retry import Retry

from kapture_nb.retry import make_retry


def _answer(status, retry_after):
    return HTTPResponse(body=b"", status=status, headers={"Retry-After": str(retry_after)}, preload_content=False)


def test_retry_after_is_read_from_the_answer():
    assert make_retry(3).get_retry_after(_answer(429, 2)) == 2


def test_default_policy_retries_429_and_503_but_not_500s():
    policy = make_retry(3)
    assert policy.is_retry("POST", 429, has_retry_after=True)
    assert policy.is_retry("POST", 503)
    for status in (500, 502, 504):
        assert not policy.is_retry("POST", status)
    assert make_retry(3, statuses=(500, 503)).is_retry("POST", 500)


def test_failures_to_connect_are_retried_but_not_a_read_or_a_lost_connection():
    policy = make_retry(3)
    refused = NewConnectionError(None, "refused")  # type: ignore[arg-type]
    assert policy.increment("POST", "/", error=refused).connect == 2
    for after_sending in (ReadTimeoutError(None, "/", "timed out"), ProtocolError("Connection aborted.")):  # type: ignore[arg-type]
        try:
            policy.increment("POST", "/", error=after_sending)
        except Exception as raised:  # urllib3 re-raises the error or gives up: either way no second attempt
            assert raised is after_sending or "Max retries" in str(raised)
        else:
            raise AssertionError(f"{after_sending!r} would be retried")


def test_no_retries():
    assert make_retry(None).total == 0 and make_retry(0).total == 0


def test_a_given_retry_object_is_used_as_is():
    custom = Retry(total=9)
    assert make_retry(custom) is custom
