"""Plan quotas: reserve before a hosted call, settle with reported usage after it, release on failure.

Counters change through one conditional UPDATE, so concurrent calls never push used + reserved
past the limit, on PostgreSQL and SQLite alike. On PostgreSQL the UPDATE locks the row and
re-checks its WHERE clause against the committed values; SQLite runs one writer at a time.
"""

import calendar
import logging
import math
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.db import connection, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class QuotaKind(StrEnum):
    HOSTED_TOKENS = "hosted_tokens"
    IMAGE_UNITS = "image_units"
    MEDIA_MINUTES = "media_minutes"


QUOTA_LABELS = {
    QuotaKind.HOSTED_TOKENS.value: _("Hosted tokens"),
    QuotaKind.IMAGE_UNITS.value: _("Image recognitions"),
    QuotaKind.MEDIA_MINUTES.value: _("Media transcription minutes"),
}

# Plan field that sets each quota's limit per billing period.
PLAN_LIMIT_FIELDS = {
    QuotaKind.HOSTED_TOKENS: "monthly_hosted_tokens",
    QuotaKind.IMAGE_UNITS: "monthly_image_units",
    QuotaKind.MEDIA_MINUTES: "monthly_media_minutes",
}

WARNING_THRESHOLDS = (80, 100)  # percent of the limit


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


def media_minutes(seconds: int) -> int:
    """Return the whole minutes a media file of `seconds` consumes (started minutes count)."""
    return math.ceil(max(seconds, 0) / 60)


def _add_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def billing_period(billing_day: int, today: date) -> tuple[date, date]:
    """Return (start, end) of the billing period containing today; end is exclusive.

    A period starts on `billing_day` (1 to 28, so it exists in every month) and lasts one month.
    """
    start = today.replace(day=billing_day)
    if today.day < billing_day:
        previous = (start.replace(day=1) - timedelta(days=1)).replace(day=billing_day)
        start = previous
    return start, _add_month(start)


def current_period(organization, kind: QuotaKind, today: date | None = None):
    """Return the QuotaPeriod of kind for the current billing period, creating it if needed.

    The limit follows the organization's plan, so a plan change applies to the running period.
    """
    from .models import QuotaPeriod

    kind = QuotaKind(kind)
    plan = organization.plan
    today = today or timezone.localdate()
    start, end = billing_period(plan.billing_day, today)
    limit = getattr(plan, PLAN_LIMIT_FIELDS[kind])
    period, created = QuotaPeriod.objects.get_or_create(
        organization=organization,
        kind=kind.value,
        period_start=start,
        defaults={"period_end": end, "limit": limit},
    )
    if not created and period.limit != limit:
        QuotaPeriod.objects.filter(pk=period.pk).update(limit=limit)
        period.limit = limit
    return period


# Ids of recently used QuotaPeriod rows by (organization id, kind, period start), so that
# `reserve` can skip the period lookup. The cache holds ids only, because the fast path's
# UPDATE re-checks the organization, kind, start and plan limit in its WHERE clause. A stale
# id then matches no row and the call takes the full path.
PERIOD_IDS_MAX = 4096
_period_ids: dict[tuple, int] = {}
_period_ids_lock = threading.Lock()


def _remember_period(period) -> None:
    key = (period.organization_id, period.kind, period.period_start)
    with _period_ids_lock:
        if len(_period_ids) >= PERIOD_IDS_MAX:
            _period_ids.clear()
        _period_ids[key] = period.pk


# The fast path's UPDATE, written out because the ORM took longer to build it than the
# database took to run it, on every chat turn. The two placeholders are empty in RESERVE_SQL.
_RESERVE_TEMPLATE = """
    {no_flush_cte}UPDATE usage_quotaperiod SET reserved = reserved + %(amount)s
    {no_flush_from}WHERE id = %(period_id)s AND organization_id = %(organization_id)s AND kind = %(kind)s
      AND period_start = %(start)s AND "limit" = %(limit)s
      AND "limit" >= used + reserved + %(amount)s
"""

# On PostgreSQL, a reservation that is its own transaction commits without waiting for the
# flush of its WAL record, about 0.3 ms here. set_config(..., true) applies to this
# transaction only, and other connections see the reservation at once. A crash of the
# database server before the flush, a fraction of a second later, can lose the reservation.
# The turn's settle then finds none, logs a warning and adds nothing to the quota, while its
# usage event is still stored.
RESERVE_SQL = _RESERVE_TEMPLATE.format(no_flush_cte="", no_flush_from="")
RESERVE_WITHOUT_FLUSH_SQL = _RESERVE_TEMPLATE.format(
    no_flush_cte="WITH no_flush AS (SELECT set_config('synchronous_commit', 'off', true))\n    ",
    no_flush_from="FROM no_flush\n    ",
)


def _reserve_known_period(organization, kind: QuotaKind, amount: int):
    """Reserve on the cached period id with one UPDATE; return the period id, or None to take the full path."""
    plan = organization.plan
    start, _end = billing_period(plan.billing_day, timezone.localdate())
    with _period_ids_lock:
        period_id = _period_ids.get((organization.pk, kind.value, start))
    if period_id is None:
        return None
    parameters = {
        "amount": amount,
        "period_id": period_id,
        "organization_id": organization.pk,
        "kind": kind.value,
        "start": connection.ops.adapt_datefield_value(start),
        "limit": getattr(plan, PLAN_LIMIT_FIELDS[kind]),
    }
    own_transaction = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute(RESERVE_WITHOUT_FLUSH_SQL if own_transaction else RESERVE_SQL, parameters)
        updated = cursor.rowcount
    return period_id if updated == 1 else None


def exhausted_message(kind: QuotaKind, limit: int, used: int, requested: int, reset: date) -> str:
    """Return the translated message that names the used-up quota and the ways out."""
    values = {
        "used": formats.number_format(used, force_grouping=True),
        "limit": formats.number_format(limit, force_grouping=True),
        "requested": formats.number_format(requested, force_grouping=True),
        "reset": formats.date_format(reset, "DATE_FORMAT"),
    }
    if kind == QuotaKind.HOSTED_TOKENS:
        text = gettext(
            "The hosted token quota of this billing period is used up: %(used)s of %(limit)s "
            "tokens are used or reserved, and this call needs %(requested)s. Upgrade the plan, "
            "switch the agent to your own provider key (BYOK, under Settings → LLM API Keys), or "
            "wait for the quota to reset on %(reset)s."
        )
    elif kind == QuotaKind.IMAGE_UNITS:
        text = gettext(
            "The image recognition quota of this billing period is used up: %(used)s of "
            "%(limit)s images are used or reserved, and this file needs %(requested)s. Upgrade "
            "the plan, add an organization Gemini key under Settings → LLM API Keys (Google "
            "bills it and it uses no quota), or wait for the quota to reset on %(reset)s."
        )
    else:
        text = gettext(
            "The media transcription quota of this billing period is used up: %(used)s of "
            "%(limit)s minutes are used or reserved, and this file needs %(requested)s. Upgrade "
            "the plan, add an organization Gemini key under Settings → LLM API Keys (Google "
            "bills it and it uses no quota), or wait for the quota to reset on %(reset)s."
        )
    return text % values


def reserve(organization, kind: QuotaKind, amount: int) -> Reservation:
    """Reserve amount units of the current period's quota, or raise QuotaExhausted.

    One conditional UPDATE adds the amount to `reserved` only while used + reserved + amount
    stays within the limit, and the updated row count shows whether it did. A limit of 0 admits nothing.
    """
    from .models import QuotaPeriod

    kind = QuotaKind(kind)
    if amount < 0:
        raise ValueError(f"Quota amount must be 0 or more, got {amount}.")
    period_id = _reserve_known_period(organization, kind, amount)
    if period_id is not None:
        return Reservation(period_id=period_id, kind=kind, amount=amount)
    period = current_period(organization, kind)
    updated = QuotaPeriod.objects.filter(
        pk=period.pk, limit__gte=F("used") + F("reserved") + amount
    ).update(reserved=F("reserved") + amount)
    if updated:
        _remember_period(period)
        return Reservation(period_id=period.pk, kind=kind, amount=amount)
    period.refresh_from_db(fields=["limit", "used", "reserved"])
    taken = period.used + period.reserved
    raise QuotaExhausted(
        kind,
        period.limit,
        taken,
        amount,
        exhausted_message(kind, period.limit, taken, amount, period.period_end),
    )


# Settling is one statement on the chat hot path: it reads the plan's overage flag, adds the
# counted amount and returns the new totals for the warning check. The ORM cannot return
# columns from an UPDATE, and compiling the equivalent Case/Exists expression cost more than
# the statement itself. Both PostgreSQL and SQLite (3.35+) support UPDATE ... RETURNING; they
# differ only in the name of the two-argument minimum. Parameters: actual, actual, amount,
# amount, period id, amount.
SETTLE_SQL = """
    UPDATE usage_quotaperiod
    SET used = used + CASE
            WHEN EXISTS (
                SELECT 1 FROM orgs_organization
                JOIN orgs_plan ON orgs_plan.id = orgs_organization.plan_id
                WHERE orgs_organization.id = usage_quotaperiod.organization_id
                  AND orgs_plan.overage_allowed
            ) THEN %s
            ELSE {least}(%s, "limit" - used - reserved + %s)
        END,
        reserved = reserved - %s
    WHERE id = %s AND reserved >= %s
    RETURNING used, "limit"
"""

RELEASE_SQL = """
    UPDATE usage_quotaperiod SET reserved = reserved - %s
    WHERE id = %s AND reserved >= %s
    RETURNING used, "limit"
"""


def settle_statement(reservation: Reservation, actual: int) -> tuple[str, list]:
    """Return the UPDATE (sql, params) that turns a reservation into usage of `actual` units.

    On a plan with overage the full actual amount counts, even past the limit; the excess is
    billed at the plan's overage price. Without overage, used never passes the limit: the
    amount counted is capped at the reservation plus the room still free in the period.
    Pass the row it returns to `after_settle`.
    """
    actual = max(int(actual), 0)
    amount = reservation.amount
    least = "LEAST" if connection.vendor == "postgresql" else "MIN"
    return SETTLE_SQL.format(least=least), [actual, actual, amount, amount, reservation.period_id, amount]


def release_statement(reservation: Reservation) -> tuple[str, list]:
    """Return the UPDATE (sql, params) that gives back a reservation whose call used nothing.

    Pass the row it returns to `after_release`.
    """
    amount = reservation.amount
    return RELEASE_SQL, [amount, reservation.period_id, amount]


def _warn_already_done(reservation: Reservation) -> None:
    logger.warning(
        "Quota reservation of %s %s on period %s was already settled or released",
        reservation.amount, reservation.kind, reservation.period_id,
    )


def after_settle(reservation: Reservation, row) -> None:
    """Send the quota warnings that the settled totals (used, limit) call for."""
    if row is None:
        _warn_already_done(reservation)
        return
    used, limit = row
    check_thresholds(reservation.period_id, used=used, limit=limit)


def after_release(reservation: Reservation, row) -> None:
    if row is None:
        _warn_already_done(reservation)


def _run_returning_one(statement):
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def settle(reservation: Reservation, actual: int) -> None:
    """Turn a reservation into usage of `actual` units (see `settle_statement`)."""
    after_settle(reservation, _run_returning_one(settle_statement(reservation, actual)))


def release(reservation: Reservation) -> None:
    """Give back a reservation whose call failed before any usage."""
    after_release(reservation, _run_returning_one(release_statement(reservation)))


def remaining(organization, kind: QuotaKind) -> int | None:
    """Return the units left in the current period (None when the plan sets no limit).

    Plan limits are non-null integers, so this returns a number; a limit of 0 leaves 0.
    """
    period = current_period(organization, kind)
    return max(period.limit - period.used - period.reserved, 0)


def check_thresholds(period_id: int, *, used: int | None = None, limit: int | None = None) -> None:
    """Send the 80 % and 100 % warnings of a quota period, each at most once.

    A caller that already has the period's `used` and `limit` passes them, and then no
    query runs below the first threshold. The unique (period, threshold) marker row decides
    who sends: concurrent callers that lose the insert send nothing.
    """
    from .models import QuotaPeriod, QuotaWarning
    from .tasks import send_quota_warning

    if used is None or limit is None:
        period = QuotaPeriod.objects.get(pk=period_id)
        used, limit = period.used, period.limit
    if limit <= 0:
        return
    percent = used * 100 / limit
    for threshold in WARNING_THRESHOLDS:
        if percent < threshold:
            continue
        warning, created = QuotaWarning.objects.get_or_create(period_id=period_id, threshold=threshold)
        if created:
            transaction.on_commit(lambda pk=warning.pk: send_quota_warning.delay(pk))
