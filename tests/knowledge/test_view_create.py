"""Creating a knowledge base."""

import pytest
from django.urls import reverse

from knowledge.models import KnowledgeBase
from orgs.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = reverse("knowledge:create")


def test_create_adds_base_and_audits(client_for, org):
    response = client_for("builder").post(URL, {"name": "Policies", "description": "HR"})

    base = KnowledgeBase.objects.get(organization=org, name="Policies")
    assert response.status_code == 302
    assert response.url == base.get_absolute_url()
    assert AuditEvent.objects.filter(organization=org, action="knowledge.base_created").exists()


def test_create_rejects_duplicate_name(client_for, knowledge_base):
    response = client_for("builder").post(URL, {"name": "Handbook"})

    assert response.status_code == 400
    assert "already exists" in response.text
    assert KnowledgeBase.objects.filter(name="Handbook").count() == 1


def test_create_rejects_empty_name(client_for, org):
    response = client_for("builder").post(URL, {"name": ""})

    assert response.status_code == 400
    assert not KnowledgeBase.objects.filter(organization=org).exists()


def test_create_rejects_get(client_for):
    assert client_for("builder").get(URL).status_code == 405


def test_create_forbidden_without_build(client_for, org):
    assert client_for("support").post(URL, {"name": "X"}).status_code == 403
    assert not KnowledgeBase.objects.filter(organization=org).exists()
