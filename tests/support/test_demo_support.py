"""The support demo data: a failed turn to reproduce and the platform support staff user."""

import io

import pytest
from django.contrib.auth import get_user_model

from agents import demo_support
from agents.models import Trace
from agents.reproduce import reproduce
from agents.support_access import is_platform_support
from usage.models import UsageEvent

from .conftest import make_agent


@pytest.mark.django_db
def test_demo_seed_is_idempotent(org, members):
    agent = make_agent(org, provider="extractive", name="Acme Helpdesk", system_prompt="Answer from the handbook.")
    demo_support.seed(org, members, io.StringIO())
    demo_support.seed(org, members, io.StringIO())
    assert Trace.objects.filter(agent=agent, status="ok").count() == 1
    assert Trace.objects.filter(agent=agent, status="failed").count() == 1
    staff = get_user_model().objects.get(username=demo_support.STAFF_EMAIL)
    assert is_platform_support(staff)
    assert staff.check_password("flexy-demo")


@pytest.mark.django_db
def test_demo_failed_turn_reproduces(org, members):
    make_agent(org, provider="extractive", name="Acme Helpdesk")
    demo_support.seed(org, members, io.StringIO())
    failed = Trace.objects.select_related("organization__plan", "agent", "channel").get(status="failed")
    reproduction = reproduce(failed, requested_by=members["support"])
    assert reproduction.error_code == ""
    assert reproduction.result_text
    event = UsageEvent.objects.get(organization=org, purpose="support")
    assert event.billing_source == "hosted"
    assert event.counts_against_quota is False


@pytest.mark.django_db
def test_demo_without_agent_skips_traces(org, members):
    output = io.StringIO()
    demo_support.seed(org, members, output)
    assert not Trace.objects.exists()
    assert "not found" in output.getvalue()
