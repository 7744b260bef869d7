"""Hourly and daily rollups, kept current on the write path with one UPSERT per table and event.

The statement is INSERT ... ON CONFLICT (rollup key) DO UPDATE SET column = column + EXCLUDED.column,
which PostgreSQL (9.5+) and SQLite (3.24+) both run atomically, so concurrent writers to the same
bucket never lose an increment.
"""

from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from .models import (
    DAILY_ROLLUP_KEY_FIELDS,
    ROLLUP_DIMENSIONS,
    ROLLUP_KEY_FIELDS,
    DailyRollup,
    HourlyRollup,
    UsageEvent,
)

SUM_FIELDS = (
    "events",
    "failed_events",
    "input_tokens",
    "output_tokens",
    "quota_tokens",
    "units",
    "media_seconds",
    "cost",
)


def hour_of(moment):
    return moment.replace(minute=0, second=0, microsecond=0)


def day_of(moment):
    """Return the date of moment in settings.TIME_ZONE, the day a daily rollup counts it in."""
    return timezone.localtime(moment).date()


def event_increments(event: UsageEvent) -> dict:
    """Return the amounts one event adds to its rollup rows."""
    counts_for_quota = event.counts_against_quota and event.billing_source == "hosted"
    return {
        "events": 1,
        "failed_events": 1 if event.status == "failed" else 0,
        "input_tokens": event.input_tokens,
        "output_tokens": event.output_tokens,
        "quota_tokens": event.input_tokens + event.output_tokens if counts_for_quota else 0,
        "units": event.units,
        "media_seconds": event.media_seconds,
        "cost": event.cost,
    }


def dimensions_of(event: UsageEvent) -> dict:
    values = {name: getattr(event, name) for name in ROLLUP_DIMENSIONS}
    values["organization_id"] = event.organization_id
    return values


# (model, columns, vendor) -> the UPSERT's SQL; the columns are the same on every call.
_upsert_sql = {}


def _upsert_statement(model, key_fields, values):
    columns = tuple(values)
    key = (model, columns, connection.vendor)
    sql = _upsert_sql.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        increments = ", ".join(f"{quote(name)} = {table}.{quote(name)} + EXCLUDED.{quote(name)}" for name in SUM_FIELDS)
        sql = (
            f"INSERT INTO {table} ({', '.join(quote(column) for column in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT ({', '.join(quote(column) for column in key_fields)}) "
            f"DO UPDATE SET agent_name = EXCLUDED.agent_name, {increments}"
        )
        _upsert_sql[key] = sql
    return sql, [values[column] for column in columns]


def rollup_statements(event: UsageEvent) -> list[tuple[str, list]]:
    """Return the UPSERTs (sql, params) that add one event to its hourly and daily rows."""
    values = dimensions_of(event)
    values["agent_name"] = event.agent_name
    values.update(event_increments(event))
    values["cost"] = connection.ops.adapt_decimalfield_value(values["cost"], 18, 8)
    hourly = {**values, "hour": connection.ops.adapt_datetimefield_value(hour_of(event.at))}
    daily = {**values, "day": connection.ops.adapt_datefield_value(day_of(event.at))}
    return [
        _upsert_statement(HourlyRollup, ROLLUP_KEY_FIELDS, hourly),
        _upsert_statement(DailyRollup, DAILY_ROLLUP_KEY_FIELDS, daily),
    ]


def add_to_rollup(event: UsageEvent) -> None:
    """Add one event to its hourly and daily rollup rows, creating them on the first event."""
    with connection.cursor() as cursor:
        for sql, params in rollup_statements(event):
            cursor.execute(sql, params)


def _sum_events(events, bucket_of):
    rows = {}
    for event in events.iterator(chunk_size=2000):
        key = (bucket_of(event), *dimensions_of(event).items())
        row = rows.get(key)
        if row is None:
            row = rows[key] = {name: 0 for name in SUM_FIELDS}
            row["agent_name"] = event.agent_name
        for name, amount in event_increments(event).items():
            row[name] += amount
    return rows


def rebuild_rollups(organization, start=None, end=None) -> int:
    """Recompute the rollups of organization from raw events, from the day of start to end.

    Used after bulk inserts (demo history); the write path never needs it. Raw events older
    than the retention are gone, so rebuilding a purged range would lose its sums: callers
    pass a range that raw events still cover. Returns the number of hourly rows written.
    """
    events = UsageEvent.objects.filter(organization=organization)
    hourly = HourlyRollup.objects.filter(organization=organization)
    daily = DailyRollup.objects.filter(organization=organization)
    if start is not None:
        start = timezone.localtime(start).replace(hour=0, minute=0, second=0, microsecond=0)
        events = events.filter(at__gte=start)
        hourly, daily = hourly.filter(hour__gte=start), daily.filter(day__gte=start.date())
    if end is not None:
        end = timezone.localtime(end)
        if end.time() != end.time().min:  # round up to the next midnight so whole days are rebuilt
            end = end.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        events = events.filter(at__lt=end)
        hourly, daily = hourly.filter(hour__lt=end), daily.filter(day__lt=end.date())
    hourly_rows = _sum_events(events, lambda event: hour_of(event.at))
    daily_rows = _sum_events(events, lambda event: day_of(event.at))
    with transaction.atomic():
        hourly.delete()
        daily.delete()
        HourlyRollup.objects.bulk_create(
            [HourlyRollup(hour=key[0], **dict(key[1:]), **row) for key, row in hourly_rows.items()],
            batch_size=1000,
        )
        DailyRollup.objects.bulk_create(
            [DailyRollup(day=key[0], **dict(key[1:]), **row) for key, row in daily_rows.items()],
            batch_size=1000,
        )
    return len(hourly_rows)


def raw_totals(organization, start, end) -> dict:
    """Return sums over raw events in [start, end), to check rollups against."""
    return UsageEvent.objects.filter(organization=organization, at__gte=start, at__lt=end).aggregate(
        events=Count("id"),
        failed_events=Count("id", filter=Q(status="failed")),
        input_tokens=Sum("input_tokens", default=0),
        output_tokens=Sum("output_tokens", default=0),
        units=Sum("units", default=0),
        media_seconds=Sum("media_seconds", default=0),
        cost=Sum("cost", default=0),
    )
