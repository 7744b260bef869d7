"""Bounded retries with exponential backoff and jitter, shared by the SDK adapters.

The SDKs' own retries are switched off (max_retries=0, no genai retry_options), so the
number of attempts a caller sees is the one set here.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from .base import ProviderError


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a retryable ProviderError.

    Delays are in seconds. A Retry-After longer than `max_retry_after` is not waited for:
    the error goes to the caller with its `retry_after`, because an interactive chat
    should not hang that long.
    """

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 20.0

    def delay_before_retry(self, retry_number: int, error: ProviderError) -> float | None:
        """Return the seconds to wait before retry `retry_number` (1-based), or None to give up."""
        if not error.retryable or retry_number > self.max_retries:
            return None
        if error.retry_after is not None:
            if error.retry_after > self.max_retry_after:
                return None
            return max(error.retry_after, 0.0)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry_number - 1))
        # "Equal jitter": at least half the exponential step, so retries never bunch at zero.
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Read `retry-after-ms` or `retry-after` (seconds or an HTTP date) from response headers."""
    if not headers:
        return None
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - time.time(), 0.0)


def parse_duration(value: str | None) -> float | None:
    """Parse a protobuf Duration string such as "37s" or "1.5s" into seconds."""
    if not value or not value.endswith("s"):
        return None
    try:
        return float(value[:-1])
    except ValueError:
        return None
