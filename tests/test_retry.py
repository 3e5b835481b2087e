from urllib3 import HTTPResponse

from kapture_nb.retry import RETRY_AFTER_MAX, KaptureRetry, make_retry


def _answer(status, retry_after):
    return HTTPResponse(body=b"", status=status, headers={"Retry-After": str(retry_after)}, preload_content=False)


def test_retry_after_is_honoured_up_to_a_cap():
    policy = make_retry(3)
    assert policy.get_retry_after(_answer(429, 2)) == 2
    assert policy.get_retry_after(_answer(429, 3600)) == RETRY_AFTER_MAX


def test_default_policy_retries_429_and_503_but_not_500s():
    policy = make_retry(3)
    assert isinstance(policy, KaptureRetry)
    assert policy.is_retry("POST", 429, has_retry_after=True)
    assert policy.is_retry("POST", 503)
    for status in (500, 502, 504):
        assert not policy.is_retry("POST", status)
    assert make_retry(3, statuses=(500, 503)).is_retry("POST", 500)


def test_no_retries():
    assert make_retry(None).total == 0 and make_retry(0).total == 0


def test_a_given_retry_object_is_used_as_is():
    custom = KaptureRetry(total=9)
    assert make_retry(custom) is custom
