"""The organization's enrichment switch on the knowledge page."""

import pytest
from django.urls import reverse

from orgs.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = reverse("knowledge:enrichment")


def test_enrichment_switch_turns_off_and_on(client_for, org):
    client = client_for("admin")

    assert client.post(URL, {}).status_code == 302
    org.refresh_from_db()
    assert org.enrichment_enabled is False

    client.post(URL, {"enabled": "on"})
    org.refresh_from_db()
    assert org.enrichment_enabled is True
    assert AuditEvent.objects.filter(organization=org, action="knowledge.enrichment_changed").count() == 2


def test_enrichment_switch_rejects_get(client_for):
    assert client_for("admin").get(URL).status_code == 405


def test_enrichment_switch_forbidden_for_builder(client_for, org):
    assert client_for("builder").post(URL, {}).status_code == 403
    org.refresh_from_db()
    assert org.enrichment_enabled is True
