"""Plan quotas: reserve before a hosted call, settle with reported usage after it, release on failure.

Counters change through one conditional UPDATE, so concurrent calls never push used + reserved
past the limit, on PostgreSQL and SQLite alike.
"""

from dataclasses import dataclass
from enum import StrEnum


class QuotaKind(StrEnum):
    HOSTED_TOKENS = "hosted_tokens"
    IMAGE_UNITS = "image_units"
    MEDIA_MINUTES = "media_minutes"


class QuotaExhausted(Exception):
    """The quota has no room for the requested amount; the message names the quota and the fix."""

    def __init__(self, kind: QuotaKind, limit: int, used: int, requested: int, message: str):
        super().__init__(message)
        self.kind = kind
        self.limit = limit
        self.used = used
        self.requested = requested


@dataclass(frozen=True)
class Reservation:
    period_id: int
    kind: QuotaKind
    amount: int


def reserve(organization, kind: QuotaKind, amount: int) -> Reservation:
    """Reserve amount units of the current period's quota, or raise QuotaExhausted."""
    raise NotImplementedError("usage.quotas.reserve is built with the usage issue")


def settle(reservation: Reservation, actual: int) -> None:
    """Turn a reservation into usage of `actual` units (may exceed the reservation if overage allowed)."""
    raise NotImplementedError("usage.quotas.settle is built with the usage issue")


def release(reservation: Reservation) -> None:
    """Give back a reservation whose call failed before any usage."""
    raise NotImplementedError("usage.quotas.release is built with the usage issue")


def remaining(organization, kind: QuotaKind) -> int | None:
    """Return the units left in the current period (None when the plan sets no limit)."""
    raise NotImplementedError("usage.quotas.remaining is built with the usage issue")
