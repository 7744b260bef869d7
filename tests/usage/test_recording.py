"""usage.recording and usage.rollups: costs from the catalog, rollups equal to raw sums."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from usage.models import DailyRollup, HourlyRollup, Refusal, UsageEvent
from usage.recording import record_refusal, record_usage
from usage.rollups import raw_totals, rebuild_rollups

from .helpers import add_prices, record_mix

pytestmark = pytest.mark.django_db


def rollup_sums(org, model=HourlyRollup):
    return model.objects.filter(organization=org).aggregate(
        events=Sum("events"),
        failed_events=Sum("failed_events"),
        input_tokens=Sum("input_tokens"),
        output_tokens=Sum("output_tokens"),
        units=Sum("units"),
        media_seconds=Sum("media_seconds"),
        cost=Sum("cost"),
    )


def test_cost_from_catalog_prices(org):
    add_prices()
    event = record_usage(
        org, purpose="chat", provider="openai", model="gpt-test", billing_source="hosted",
        input_tokens=1_000_000, output_tokens=500_000,
    )
    assert event.cost == Decimal("7.50")


def test_unknown_model_costs_zero(org):
    event = record_usage(org, purpose="chat", provider="openai", model="nope", billing_source="byok", input_tokens=10)
    assert event.cost == 0


def test_rollups_equal_raw_sums(org, other_org):
    add_prices()
    now = timezone.now()
    record_mix(org, now=now)
    record_mix(other_org, days=1, now=now)
    raw = raw_totals(org, now - timedelta(days=30), now + timedelta(hours=1))
    rolled = rollup_sums(org)
    for name in ("events", "failed_events", "input_tokens", "output_tokens", "units", "media_seconds"):
        assert rolled[name] == raw[name], name
    assert rolled["cost"] == raw["cost"]
    assert rollup_sums(org, DailyRollup) == rolled
    assert raw["events"] == 30
    assert raw["failed_events"] == 1


def test_rollup_groups_by_hour_and_dimensions(org):
    at = timezone.now().replace(minute=5)
    for minute in (0, 10, 20):
        record_usage(org, purpose="chat", provider="openai", model="m", billing_source="hosted",
                     agent_id="a1", department="Sales", input_tokens=10, output_tokens=1,
                     at=at.replace(minute=minute))
    record_usage(org, purpose="chat", provider="openai", model="m", billing_source="hosted",
                 agent_id="a1", department="Legal", input_tokens=5, at=at)
    rows = HourlyRollup.objects.filter(organization=org).order_by("department")
    assert [row.department for row in rows] == ["Legal", "Sales"]
    assert rows[1].events == 3
    assert rows[1].input_tokens == 30
    assert rows[1].quota_tokens == 33


def test_quota_tokens_only_hosted(org):
    record_usage(org, purpose="chat", provider="openai", model="m", billing_source="byok", input_tokens=10)
    record_usage(org, purpose="chat", provider="openai", model="m", billing_source="hosted", input_tokens=7,
                 counts_against_quota=False)
    assert HourlyRollup.objects.aggregate(total=Sum("quota_tokens"))["total"] == 0


def test_rebuild_matches_write_path(org):
    add_prices()
    record_mix(org)
    before = rollup_sums(org)
    rows_before = HourlyRollup.objects.count()
    daily_before = rollup_sums(org, DailyRollup)
    rebuild_rollups(org)
    assert rollup_sums(org) == before
    assert rollup_sums(org, DailyRollup) == daily_before
    assert HourlyRollup.objects.count() == rows_before


@pytest.mark.parametrize(
    ("field", "value"),
    [("purpose", "dance"), ("billing_source", "free"), ("status", "great")],
)
def test_invalid_choice_rejected(org, field, value):
    arguments = {"purpose": "chat", "billing_source": "hosted", "status": "ok", field: value}
    with pytest.raises(ValueError, match=value):
        record_usage(org, provider="openai", model="m", **arguments)
    assert UsageEvent.objects.count() == 0


def test_negative_tokens_rejected(org):
    with pytest.raises(ValueError, match="input_tokens"):
        record_usage(org, purpose="chat", provider="openai", model="m", billing_source="hosted", input_tokens=-1)


def test_refusal_is_not_usage(org):
    refusal = record_refusal(org, purpose="chat", reason="hosted_quota_exhausted", agent_id=42, agent_name="Bot")
    assert refusal.agent_id == "42"
    assert Refusal.objects.count() == 1
    assert UsageEvent.objects.count() == 0
    assert HourlyRollup.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_keep_every_increment(org):
    import threading

    from django.db import connections

    from .test_quotas import writer_lock

    now = timezone.now()
    lock = writer_lock()
    errors = []
    barrier = threading.Barrier(20)

    def write():
        try:
            barrier.wait()
            with lock:
                record_usage(org, purpose="chat", provider="openai", model="m", billing_source="hosted",
                             agent_id="a", department="Sales", input_tokens=10, output_tokens=1, at=now)
        except Exception as exc:  # reported below, so a failure shows its cause
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    hourly = HourlyRollup.objects.get(organization=org)
    daily = DailyRollup.objects.get(organization=org)
    assert hourly.events == 20
    assert hourly.input_tokens == 200
    assert daily.events == 20
    assert daily.quota_tokens == 220
