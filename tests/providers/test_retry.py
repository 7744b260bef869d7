"""The retry policy and Retry-After parsing."""

import email.utils
import time

import pytest

from providers import ErrorCode
from providers.base import error_for
from providers.retry import RetryPolicy, parse_duration, parse_retry_after


def error(code, retry_after=None):
    return error_for(code, "test", retry_after=retry_after)


def test_backoff_grows_and_is_capped():
    policy = RetryPolicy(max_retries=10, base_delay=1.0, max_delay=4.0)

    for retry_number, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)]:
        delay = policy.delay_before_retry(retry_number, error(ErrorCode.PROVIDER_UNAVAILABLE))
        assert ceiling / 2 <= delay <= ceiling


def test_jitter_varies_delays():
    policy = RetryPolicy(base_delay=1.0)

    delays = {policy.delay_before_retry(1, error(ErrorCode.TIMED_OUT)) for _ in range(20)}

    assert len(delays) > 1


def test_gives_up_after_max_retries():
    policy = RetryPolicy(max_retries=2)

    assert policy.delay_before_retry(2, error(ErrorCode.RATE_LIMITED)) is not None
    assert policy.delay_before_retry(3, error(ErrorCode.RATE_LIMITED)) is None


@pytest.mark.parametrize(
    "code",
    [ErrorCode.AUTHENTICATION_FAILED, ErrorCode.PERMISSION_DENIED, ErrorCode.BAD_REQUEST, ErrorCode.MODEL_NOT_FOUND, ErrorCode.PROVIDER_QUOTA_EXHAUSTED],
)
def test_no_retry_for_permanent_errors(code):
    assert RetryPolicy().delay_before_retry(1, error(code)) is None


def test_retry_after_used_as_delay():
    policy = RetryPolicy(max_retry_after=20)

    assert policy.delay_before_retry(1, error(ErrorCode.RATE_LIMITED, retry_after=7)) == 7
    assert policy.delay_before_retry(1, error(ErrorCode.RATE_LIMITED, retry_after=21)) is None


def test_parse_retry_after_forms():
    in_ten_seconds = email.utils.formatdate(time.time() + 10, usegmt=True)

    assert parse_retry_after({"retry-after": "12"}) == 12
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert 8 <= parse_retry_after({"retry-after": in_ten_seconds}) <= 10
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None
    assert parse_retry_after(None) is None


def test_parse_duration():
    assert parse_duration("37s") == 37
    assert parse_duration("1.5s") == 1.5
    assert parse_duration("37") is None
    assert parse_duration(None) is None
