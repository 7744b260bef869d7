"""Hourly rollups, kept current on the write path with one UPSERT per usage event.

The statement is INSERT ... ON CONFLICT (rollup key) DO UPDATE SET column = column + EXCLUDED.column,
which PostgreSQL (9.5+) and SQLite (3.24+) both run atomically, so concurrent writers to the same
hour never lose an increment.
"""

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from .models import ROLLUP_KEY_FIELDS, HourlyRollup, UsageEvent

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


def event_increments(event: UsageEvent) -> dict:
    """Return the amounts one event adds to its rollup row."""
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


def rollup_key(event: UsageEvent) -> dict:
    return {name: hour_of(event.at) if name == "hour" else getattr(event, name) for name in ROLLUP_KEY_FIELDS}


def add_to_rollup(event: UsageEvent) -> None:
    """Add one event to its hourly rollup row, creating the row on the first event of the hour."""
    table = connection.ops.quote_name(HourlyRollup._meta.db_table)
    values = rollup_key(event)
    values["hour"] = connection.ops.adapt_datetimefield_value(values["hour"])
    values["agent_name"] = event.agent_name
    values.update(event_increments(event))
    values["cost"] = connection.ops.adapt_decimalfield_value(values["cost"], 18, 8)
    columns = list(values)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    conflict = ", ".join(connection.ops.quote_name(column) for column in ROLLUP_KEY_FIELDS)
    increments = ", ".join(
        f"{connection.ops.quote_name(name)} = {table}.{connection.ops.quote_name(name)} + EXCLUDED.{connection.ops.quote_name(name)}"
        for name in SUM_FIELDS
    )
    sql = (
        f"INSERT INTO {table} ({quoted}) VALUES ({placeholders}) "
        f"ON CONFLICT ({conflict}) DO UPDATE SET agent_name = EXCLUDED.agent_name, {increments}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [values[column] for column in columns])


def rebuild_rollups(organization, start=None, end=None) -> int:
    """Recompute the rollups of organization between start and end from raw events.

    Used after bulk inserts (demo history); the write path never needs it. Raw events older
    than the retention are gone, so rebuilding a purged range would lose its sums: callers
    pass a range that raw events still cover. Returns the number of rollup rows written.
    """
    events = UsageEvent.objects.filter(organization=organization)
    rollups = HourlyRollup.objects.filter(organization=organization)
    if start is not None:
        events, rollups = events.filter(at__gte=hour_of(start)), rollups.filter(hour__gte=hour_of(start))
    if end is not None:
        events, rollups = events.filter(at__lt=end), rollups.filter(hour__lt=end)
    rows = {}
    for event in events.iterator(chunk_size=2000):
        key = tuple(rollup_key(event).items())
        row = rows.get(key)
        if row is None:
            row = rows[key] = {name: 0 for name in SUM_FIELDS}
            row["agent_name"] = event.agent_name
        for name, amount in event_increments(event).items():
            row[name] += amount
    with transaction.atomic():
        rollups.delete()
        HourlyRollup.objects.bulk_create(
            [HourlyRollup(**dict(key), **row) for key, row in rows.items()],
            batch_size=1000,
        )
    return len(rows)


def raw_totals(organization, start, end) -> dict:
    """Return sums over raw events in [start, end), to check rollups against."""
    aggregates = UsageEvent.objects.filter(organization=organization, at__gte=start, at__lt=end).aggregate(
        events=Count("id"),
        failed_events=Count("id", filter=Q(status="failed")),
        input_tokens=Sum("input_tokens", default=0),
        output_tokens=Sum("output_tokens", default=0),
        units=Sum("units", default=0),
        media_seconds=Sum("media_seconds", default=0),
        cost=Sum("cost", default=0),
    )
    return aggregates
