"""usage.tasks: retention of raw events."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from usage.models import HourlyRollup, Refusal, UsageEvent
from usage.recording import record_refusal, record_usage
from usage.tasks import purge_raw_events

pytestmark = pytest.mark.django_db


def test_purge_keeps_rollups(org, settings):
    settings.USAGE_RAW_RETENTION_DAYS = 30
    now = timezone.now()
    record_usage(org, purpose="chat", provider="openai", model="m", billing_source="hosted",
                 input_tokens=100, at=now - timedelta(days=31))
    record_usage(org, purpose="chat", provider="openai", model="m", billing_source="hosted",
                 input_tokens=7, at=now - timedelta(days=29))
    record_refusal(org, purpose="chat", reason="no_key", at=now - timedelta(days=40))
    assert purge_raw_events() == 1
    assert list(UsageEvent.objects.values_list("input_tokens", flat=True)) == [7]
    assert Refusal.objects.count() == 0
    assert HourlyRollup.objects.aggregate(total=Sum("input_tokens"))["total"] == 107
