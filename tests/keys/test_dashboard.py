import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from keys.models import ApiKey
from keys.resolver import report_provider_rejection

from .helpers import make_key


@pytest.fixture
def alerting_keys(org):
    make_key(org, label="Soon", expires_at=timezone.now() + datetime.timedelta(days=12))
    rejected, _ = make_key(org, label="Rejected")
    report_provider_rejection(str(rejected.public_id), 401)
    expired, _ = make_key(org, label="Expired")
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(hours=1))


@pytest.mark.parametrize("role", ["admin", "security"])
def test_banners_for_key_managers(client_for, alerting_keys, role):
    content = client_for(role).get(reverse("dashboard")).content.decode()

    assert "1 LLM API key was rejected by its provider" in content
    assert "1 LLM API key has expired" in content
    assert "1 LLM API key expires within 30 days" in content
    assert "?status=rejected" in content


@pytest.mark.parametrize("role", ["builder", "support", "finance"])
def test_no_banners_for_others(client_for, alerting_keys, role):
    content = client_for(role).get(reverse("dashboard")).content.decode()

    assert "LLM API key was rejected" not in content
    assert "LLM API key expires within" not in content


def test_panel_counts_states(client_for, alerting_keys):
    content = client_for("builder").get(reverse("dashboard")).content.decode()

    assert "Manage keys" in content
    assert "Expiring soon" in content


def test_no_panel_without_key_permission(client_for, alerting_keys):
    content = client_for("finance").get(reverse("dashboard")).content.decode()

    assert "Manage keys" not in content
