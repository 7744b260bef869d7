"""usage.spikes: median + k·MAD detection and the spike alert (AuditEvent and banner)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orgs.models import AuditEvent
from usage import spikes
from usage.models import SpikeAlert
from usage.recording import record_usage


def daily_rhythm(days):
    """Return an hourly series: quiet nights, busy afternoons, with a little variation."""
    values = []
    for day in range(days):
        for hour in range(24):
            base = 30_000 if 9 <= hour < 17 else 2_000
            values.append(base + (day * 37 + hour * 11) % 1_500)
    return values


def test_known_spike_found():
    values = daily_rhythm(16)
    spike_index = 15 * 24 + 13
    values[spike_index] = 150_000
    checks = spikes.check_series(values, "hour", first_index=14 * 24)
    flagged = [index for index, check in checks.items() if check.is_spike]
    assert flagged == [spike_index]
    assert checks[spike_index].threshold < 150_000


def test_flat_series_has_no_spike():
    checks = spikes.check_series([40_000] * (20 * 24), "hour", first_index=14 * 24)
    assert not any(check.is_spike for check in checks.values())


def test_daily_rhythm_has_no_spike():
    checks = spikes.check_series(daily_rhythm(20), "hour", first_index=14 * 24)
    assert not any(check.is_spike for check in checks.values())


def test_daily_series_spike():
    values = [500_000 + (day % 7) * 10_000 for day in range(40)]
    values[35] = 2_000_000
    checks = spikes.check_series(values, "day", first_index=30)
    assert [index for index, check in checks.items() if check.is_spike] == [35]


def test_short_history_never_flags():
    checks = spikes.check_series([0, 0, 1_000_000], "day")
    assert not any(check.is_spike for check in checks.values())


def test_small_excess_not_a_spike():
    values = [10] * (15 * 24) + [5_000]
    checks = spikes.check_series(values, "hour", first_index=len(values) - 1)
    assert not checks[len(values) - 1].is_spike


@pytest.mark.django_db
def test_spike_start_alerts_once(org):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for day in range(1, 15):
        for hours_ago in (3, 4):
            record_usage(org, purpose="chat", provider="openai", model="m", billing_source="hosted",
                         input_tokens=8_000 + day, at=now - timedelta(days=day, hours=hours_ago))
    for hours_ago in (3, 4):
        record_usage(org, purpose="chat", provider="openai", model="m", billing_source="byok",
                     input_tokens=300_000, at=now - timedelta(hours=hours_ago))
    created = spikes.record_spike_starts(org, now - timedelta(hours=6), now)
    assert [alert.hour for alert in created] == [now - timedelta(hours=4)]
    assert spikes.record_spike_starts(org, now - timedelta(hours=6), now) == []
    assert SpikeAlert.objects.count() == 1
    event = AuditEvent.objects.get(action="usage.spike")
    assert event.organization == org
    assert event.details["tokens"] == 300_000


@pytest.mark.django_db
def test_beat_task_checks_latest_hour(org):
    from usage.tasks import detect_spikes

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for day in range(1, 15):
        record_usage(org, purpose="chat", provider="openai", model="m", billing_source="hosted",
                     input_tokens=5_000, at=now - timedelta(days=day, hours=1))
    record_usage(org, purpose="chat", provider="openai", model="m", billing_source="hosted",
                 input_tokens=400_000, at=now - timedelta(minutes=30))
    assert detect_spikes() == 1
    assert detect_spikes() == 0
