"""Spike detection: a bucket is a spike when it exceeds a robust threshold over its baseline.

threshold = median + K * max(1.4826 * MAD, MIN_SPREAD_FRACTION * median)

MAD is the median absolute deviation of the baseline; 1.4826 * MAD estimates the standard
deviation of normally distributed data without being moved by earlier spikes. The baseline
of an hour is the same hour on each of the previous 14 days, so the daily rhythm (quiet
nights, busy afternoons) is not flagged. The baseline of a day is the previous 28 days.
A spike must also exceed the median by MIN_EXCESS tokens, so near-empty series stay quiet.
"""

from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from django.db.models import Sum
from django.utils import timezone

K = 5.0
MAD_TO_SIGMA = 1.4826
MIN_SPREAD_FRACTION = 0.1
HOURLY_BASELINE_DAYS = 14
DAILY_BASELINE_DAYS = 28
MIN_EXCESS = {"hour": 20_000, "day": 200_000}
MIN_BASELINE_POINTS = 5


@dataclass(frozen=True)
class SpikeCheck:
    value: float
    median: float
    spread: float
    threshold: float
    is_spike: bool


def baseline_offsets(granularity: str) -> list[int]:
    """Return how many buckets back each baseline point lies (24, 48, ... for hours)."""
    if granularity == "hour":
        return [24 * day for day in range(1, HOURLY_BASELINE_DAYS + 1)]
    return list(range(1, DAILY_BASELINE_DAYS + 1))


def baseline_span(granularity: str) -> timedelta:
    return timedelta(days=HOURLY_BASELINE_DAYS if granularity == "hour" else DAILY_BASELINE_DAYS)


def check_value(value, baseline, granularity: str) -> SpikeCheck:
    """Compare value with its baseline values; too short a baseline never flags a spike."""
    if len(baseline) < MIN_BASELINE_POINTS:
        return SpikeCheck(value, 0.0, 0.0, float("inf"), False)
    center = median(baseline)
    mad = median(abs(point - center) for point in baseline)
    spread = max(MAD_TO_SIGMA * mad, MIN_SPREAD_FRACTION * center)
    threshold = center + K * spread
    is_spike = value > threshold and value - center >= MIN_EXCESS[granularity]
    return SpikeCheck(value, center, spread, threshold, is_spike)


def check_series(values, granularity: str, first_index: int = 0) -> dict[int, SpikeCheck]:
    """Check every bucket of a gap-free series from first_index on; return {index: check}.

    Buckets before first_index serve only as baseline. Missing history counts as absent,
    not as zero, so a series that starts recently gets no false alarms.
    """
    offsets = baseline_offsets(granularity)
    checks = {}
    for index in range(first_index, len(values)):
        baseline = [values[index - offset] for offset in offsets if index - offset >= 0]
        checks[index] = check_value(values[index], baseline, granularity)
    return checks


def hourly_token_totals(organization_id, start, end) -> list[int]:
    """Return total tokens per hour in [start, end), zero-filled, from the rollups."""
    from .models import HourlyRollup

    totals = {
        row["hour"]: row["tokens"]
        for row in HourlyRollup.objects.filter(organization_id=organization_id, hour__gte=start, hour__lt=end)
        .values("hour")
        .annotate(tokens=Sum("input_tokens") + Sum("output_tokens"))
    }
    hours = int((end - start).total_seconds() // 3600)
    return [totals.get(start + timedelta(hours=offset), 0) for offset in range(hours)]


def record_spike_starts(organization, start, end) -> list:
    """Create a SpikeAlert and a "usage.spike" AuditEvent for each spike that starts in [start, end).

    A spike starts in an hour that is a spike while the hour before is not, so a long spike
    alerts once. SpikeAlert is unique per hour, so checking a range again alerts nothing new.
    Returns the new alerts.
    """
    from orgs.audit import record

    from .models import SpikeAlert

    start = start.replace(minute=0, second=0, microsecond=0)
    history_start = start - timedelta(days=HOURLY_BASELINE_DAYS, hours=1)
    values = hourly_token_totals(organization.pk, history_start, end)
    first = int((start - history_start).total_seconds() // 3600)
    checks = check_series(values, "hour", first_index=first - 1)
    created_alerts = []
    for index in range(first, len(values)):
        current, previous = checks[index], checks[index - 1]
        if not current.is_spike or previous.is_spike:
            continue
        hour = history_start + timedelta(hours=index)
        alert, created = SpikeAlert.objects.get_or_create(
            organization=organization,
            hour=hour,
            defaults={
                "tokens": int(current.value),
                "baseline_median": current.median,
                "threshold": current.threshold,
            },
        )
        if not created:
            continue
        record(
            organization,
            "usage.spike",
            target=("hour", hour.isoformat()),
            details={
                "tokens": int(current.value),
                "baseline_median": round(current.median),
                "threshold": round(current.threshold),
            },
        )
        created_alerts.append(alert)
    return created_alerts


def check_latest_hour(organization, now=None) -> bool:
    """Alert when the last complete hour starts a spike; return True when a new alert was made."""
    now = now or timezone.now()
    latest = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    return bool(record_spike_starts(organization, latest, latest + timedelta(hours=1)))
