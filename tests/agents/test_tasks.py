"""Trace retention: the purge task deletes traces older than TRACE_RETENTION_DAYS."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import Trace
from agents.tasks import purge_old_traces
from tests.agents.conftest import make_agent

pytestmark = pytest.mark.django_db


def test_purge_deletes_only_old_traces(org, settings):
    settings.TRACE_RETENTION_DAYS = 30
    agent = make_agent(org)
    old = Trace.objects.create(organization=org, agent=agent, provider="openai", model_id="m")
    recent = Trace.objects.create(organization=org, agent=agent, provider="openai", model_id="m")
    Trace.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    Trace.objects.filter(pk=recent.pk).update(created_at=timezone.now() - timedelta(days=29))

    deleted = purge_old_traces()

    assert deleted == 1
    assert list(Trace.objects.values_list("pk", flat=True)) == [recent.pk]
