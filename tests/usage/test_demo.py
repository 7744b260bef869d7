"""usage.demo: generated history is realistic, contains a spike and reseeding changes nothing."""

import io
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from orgs.management.commands.seed_demo import seed_organization
from usage import demo
from usage.models import HourlyRollup, SpikeAlert, UsageEvent
from usage.recording import record_usage

pytestmark = pytest.mark.django_db


def test_seed_twice_same_history():
    organization, users = seed_organization("pw-for-tests-1")
    record_usage(organization, purpose="chat", provider="openai", model="m", billing_source="hosted", input_tokens=1)
    demo.seed(organization, users, io.StringIO())
    first = UsageEvent.objects.filter(demo=True).count()
    demo.seed(organization, users, io.StringIO())
    assert UsageEvent.objects.filter(demo=True).count() == first
    assert first > 2000
    assert UsageEvent.objects.filter(demo=False).count() == 1
    rolled = HourlyRollup.objects.aggregate(total=Sum("events"))["total"]
    assert rolled == UsageEvent.objects.count()
    departments = set(UsageEvent.objects.values_list("department", flat=True))
    assert {"Support", "Sales", "Legal"} <= departments
    sources = set(UsageEvent.objects.values_list("billing_source", flat=True))
    assert sources == {"hosted", "byok", "org_google"}
    campaign_day = (timezone.localtime() - timedelta(days=demo.SPIKE_DAYS_AGO)).date()
    alert_hours = [timezone.localtime(alert.hour) for alert in SpikeAlert.objects.filter(organization=organization)]
    assert any(hour.date() == campaign_day and hour.hour in demo.SPIKE_HOURS for hour in alert_hours)



def test_history_matches_demo_agents():
    from agents import demo as agents_demo
    from agents.models import Agent

    organization, users = seed_organization("pw-for-tests-2")
    agents_demo.seed(organization, users, io.StringIO())
    demo.seed(organization, users, io.StringIO())

    agents = {str(public_id): name for public_id, name in Agent.objects.filter(organization=organization).values_list("public_id", "name")}
    history = set(UsageEvent.objects.filter(demo=True, purpose="chat").values_list("agent_id", "agent_name"))
    assert history == set(agents.items())
    offline = UsageEvent.objects.filter(demo=True, provider="extractive")
    assert offline.exists()
    assert offline.aggregate(tokens=Sum("input_tokens") + Sum("output_tokens"))["tokens"] == 0
